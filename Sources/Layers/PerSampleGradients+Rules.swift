// The vectorized per-sample gradients: the model runs once on the whole batch, exactly as it
// always runs, while a recorder is active on the thread; every built-in layer with parameters
// reports to it what its rule needs (its input and the tensor its parameters produce, per step
// for the recurrent layers). One backward pass of the summed loss gives the gradients with
// respect to those tensors; each layer's batched rule turns them into per-sample gradients.
// This is Opacus's approach (module hooks that keep activations and output gradients), with
// the layers reporting instead of hooks, so any model made of built-in layers is covered
// however its forward is written (a Sequential, a TransformerBlock, a struct of your own).

/// One layer's capture: the tensors whose gradients are needed and the rule that turns those
/// gradients (detached, each [batch, …]) into per-sample gradients of the layer's parameters.
struct PerSampleCapture<Scalar: TensorScalar> {
    let outputs: [Tensor<Scalar>]
    /// The parameters the rule gives gradients for.
    let parameters: [Parameter<Scalar>]
    let rule: ([Tensor<Scalar>]) -> [(Parameter<Scalar>, Tensor<Scalar>)]
    /// For DP-SGD without forming the per-sample gradients ("ghost clipping", Li et al. 2022), when
    /// the layer has a cheaper way: each example's squared gradient norm over the layer's
    /// parameters, [batch], and the gradients' sum weighted by a factor per example.
    var ghost: PerSampleGhost<Scalar>?
}

struct PerSampleGhost<Scalar: TensorScalar> {
    let squaredNorms: ([Tensor<Scalar>]) -> Tensor<Scalar>
    let weightedSum: ([Tensor<Scalar>], Tensor<Scalar>) -> [(Parameter<Scalar>, Tensor<Scalar>)]
}

/// The built-in layers with a batched per-sample rule: they report to the active
/// ``PerSampleRecorder`` when they run. Containers (`Sequential`, `TransformerBlock`, a model of
/// your own) need no rule: their layers report.
protocol PerSampleBatched {}
extension Dense: PerSampleBatched {}
extension Conv1D: PerSampleBatched {}
extension Conv2D: PerSampleBatched {}
extension Embedding: PerSampleBatched {}
extension LayerNorm: PerSampleBatched {}
extension RMSNorm: PerSampleBatched {}
extension GroupNorm: PerSampleBatched {}
extension BatchNorm1D: PerSampleBatched {}
extension BatchNorm2D: PerSampleBatched {}
extension RNN: PerSampleBatched {}
extension GRU: PerSampleBatched {}
extension LSTM: PerSampleBatched {}
extension RNNCell: PerSampleBatched {}
extension GRUCell: PerSampleBatched {}
extension LSTMCell: PerSampleBatched {}
extension MultiHeadAttention: PerSampleBatched {}

/// A recurrent cell's steps as one batched per-sample pass sees them: at each step the input x
/// [batch, input], the previous hidden state h [batch, hidden], and the projections the cell's
/// parameters produce, x·weightIHᵀ + biasIH and h·weightHHᵀ + biasHH, [batch, gates·hidden].
final class RecurrentTrace<Scalar: TensorScalar> {
    var inputs: [Tensor<Scalar>] = []
    var hiddens: [Tensor<Scalar>] = []
    var projectedInputs: [Tensor<Scalar>] = []
    var projectedHiddens: [Tensor<Scalar>] = []

    func append(input: Tensor<Scalar>, hidden: Tensor<Scalar>, projectedInput: Tensor<Scalar>, projectedHidden: Tensor<Scalar>) {
        inputs.append(input.detached())
        hiddens.append(hidden.detached())
        projectedInputs.append(projectedInput)
        projectedHiddens.append(projectedHidden)
    }
}

final class PerSampleRecorder<Scalar: TensorScalar> {
    let batch: Int
    private(set) var captures: [PerSampleCapture<Scalar>] = []
    /// Why the pass cannot give per-sample gradients, found while the model ran: a layer with
    /// parameters saw a tensor without the batch axis first (a position embedding of [time]
    /// indices broadcast over the batch, a time-major recurrent layer fed the model's input).
    private(set) var problem: String?

    init(batch: Int) { self.batch = batch }

    // MARK: Which models the vectorized pass covers

    /// What the walk over a model found: why it cannot be done in one batched pass (or `nil`),
    /// and whether it holds a container of the user's own, whose forward the pass cannot read
    /// (so the per-sample gradients are checked against the batch's gradient: a built-in
    /// layer's weight used outside the layer, as tied weights are, would be missed).
    struct Coverage {
        var problem: String?
        var hasOwnContainers = false
    }

    /// Walks the model as ``Module/namedParameters`` does: a built-in layer with a rule covers
    /// its parameters; a parameter held anywhere else (directly by a layer of your own) is not
    /// covered, and the first such holder is named.
    static func coverage(of layer: Any, path: String) -> Coverage {
        guard layer is any Layer<Scalar> else {
            return Coverage(problem: "\(path.isEmpty ? "the model" : path) (\(type(of: layer))) is not a layer")
        }
        var coverage = Coverage()
        var seen = Set<ObjectIdentifier>()
        coverage.problem = visit(layer, path: path, seen: &seen, own: &coverage.hasOwnContainers)
        return coverage
    }

    private static func visit(_ value: Any, path: String, seen: inout Set<ObjectIdentifier>, own: inout Bool) -> String? {
        if value is ParameterFreeValue || value is PerSampleBatched { return nil }
        let children = ModuleTree.children(of: value, seen: &seen)
        if children.contains(where: { $0.value is Parameter<Scalar> }) {
            return "\(path.isEmpty ? "the model" : path) (\(type(of: value))) has parameters but no batched per-sample rule"
        }
        // A layer of your own around built-in layers: its forward could use their weights directly.
        if let layer = value as? any Layer<Scalar>, !(value is Sequential<Scalar>), !(value is TransformerBlock<Scalar>),
           !layer.namedParameters.isEmpty {
            own = true
        }
        for (label, child) in children {
            if let problem = visit(child, path: ModuleTree.join(path, label), seen: &seen, own: &own) {
                return problem
            }
        }
        return nil
    }

    // MARK: The pass

    /// The recorder of the batched pass running on this thread, if one is: the built-in layers
    /// report to it.
    static var active: PerSampleRecorder<Scalar>? {
        guard let object = PhaseStorage.current.perSampleRecorder else { return nil }
        return object as? PerSampleRecorder<Scalar>
    }

    /// The model's forward pass on the batch with this recorder active: every built-in layer with
    /// parameters reports what its rule needs.
    func forward<Model: Layer>(_ model: Model, _ inputs: Tensor<Scalar>) -> Tensor<Scalar> where Model.Scalar == Scalar {
        let storage = PhaseStorage.current
        let saved = storage.perSampleRecorder
        storage.perSampleRecorder = self
        defer { storage.perSampleRecorder = saved }
        return model(inputs)
    }

    /// The gradients of `total` with respect to every capture's outputs, grouped per capture
    /// (detached), and those with respect to `leaves` after them.
    private func outputGradients(of total: Tensor<Scalar>, leaves: [Tensor<Scalar>] = [], caller: String)
    -> (perCapture: [[Tensor<Scalar>]], leaves: [Tensor<Scalar>]) {
        guard !captures.isEmpty || !leaves.isEmpty, total.requiresGrad else { return ([], []) }
        let flat: [Tensor<Scalar>]
        do {
            flat = try gradients(of: total, wrt: captures.flatMap(\.outputs) + leaves)
        } catch {
            trap("\(caller): the batch's backward pass failed: \(error)")
        }
        var grouped: [[Tensor<Scalar>]] = []
        var start = 0
        for capture in captures {
            grouped.append(flat[start..<(start + capture.outputs.count)].map { $0.detached() })
            start += capture.outputs.count
        }
        return (grouped, flat[start...].map { $0.detached() })
    }

    /// Per-sample gradients of every captured parameter, by parameter identity, or why the batched
    /// pass could not give them (`problem`). With `verify`, also the batch's gradient of every
    /// parameter of the model, to check them against: the first parameter (by name) whose
    /// per-sample gradients do not add up to it is named in `problem`.
    func run<Model: Layer>(_ model: Model, _ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>, verify: Bool,
                           _ loss: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>)
    -> (perSample: [ObjectIdentifier: Tensor<Scalar>], problem: String?) where Model.Scalar == Scalar {
        let output = forward(model, inputs)
        if let problem { return ([:], problem) }
        let total = PerSampleLoss.total(loss(output, targets), batch: batch)
        let named = verify ? model.namedParameters : []
        let (grouped, leafGradients) = outputGradients(of: total, leaves: named.map(\.parameter.value),
                                                       caller: "perSampleGradients")
        return withoutGradients {
            var result: [ObjectIdentifier: Tensor<Scalar>] = [:]
            for (capture, g) in zip(captures, grouped) {
                for (parameter, perSample) in capture.rule(g) {
                    let key = ObjectIdentifier(parameter)
                    result[key] = result[key].map { $0 + perSample } ?? perSample
                }
            }
            for ((name, parameter), batchGradient) in zip(named, leafGradients) {
                let summed = result[ObjectIdentifier(parameter)]?.sum(axes: [0]) ?? Tensor<Scalar>.zeros(parameter.shape)
                let scale = Swift.max(batchGradient.abs().max().scalar, summed.abs().max().scalar, Scalar.leastNormalMagnitude)
                if (summed - batchGradient).abs().max().scalar > Scalar.ulpOfOne.squareRoot() * scale {
                    return (result, "\(name)'s per-sample gradients do not add up to the batch's gradient: the model uses it "
                                + "outside its layer (tied weights?), where the batched rules cannot see it")
                }
            }
            return (result, nil)
        }
    }

    /// The DP-SGD gradient of one forward and one backward pass: per-example squared norms and
    /// clipped sums by each layer's ghost rule where it has one (no per-sample weights formed),
    /// from the per-sample gradients otherwise; the noise drawn as
    /// ``PerSampleGradients/privatized(clipNorm:noiseMultiplier:using:)`` draws it; `nil` (nothing
    /// drawn) when the pass found a ``problem``.
    func privatize<Model: Layer>(_ model: Model, _ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>,
                                 _ loss: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>,
                                 clipNorm: Double, noiseMultiplier: Double, generator: inout SeededGenerator)
    -> PrivateGradients<Scalar>? where Model.Scalar == Scalar {
        let output = forward(model, inputs)
        if problem != nil { return nil }
        let total = PerSampleLoss.total(loss(output, targets), batch: batch)
        let outputGradients = self.outputGradients(of: total, caller: "privateGradients").perCapture
        let batch = self.batch
        return withoutGradients {
            let pairs = zip(captures, outputGradients)
            // A parameter in two captures (a layer used twice) has cross terms: no ghost norms then.
            // Per-sample gradients, added up per parameter, for the captures without a ghost rule.
            var materialized: [(parameter: Parameter<Scalar>, perSample: Tensor<Scalar>)] = []
            var position: [ObjectIdentifier: Int] = [:]
            var ghosts: [(PerSampleGhost<Scalar>, [Tensor<Scalar>])] = []
            let useGhost = !sharesParameters
            for (capture, g) in pairs {
                if useGhost, let ghost = capture.ghost {
                    ghosts.append((ghost, g))
                    continue
                }
                for (parameter, t) in capture.rule(g) {
                    if let i = position[ObjectIdentifier(parameter)] {
                        materialized[i].perSample = materialized[i].perSample + t
                    } else {
                        position[ObjectIdentifier(parameter)] = materialized.count
                        materialized.append((parameter, t))
                    }
                }
            }
            var squared = Tensor<Scalar>.zeros([batch])
            for (ghost, g) in ghosts { squared = squared + ghost.squaredNorms(g) }
            for (_, t) in materialized where t.count > 0 {
                let rows = t.reshaped([batch, t.count / batch])
                squared = squared + (rows * rows).sum(axes: [1])
            }
            let norms = squared.sqrt()
            let factors = (Scalar(clipNorm) / (norms + Scalar(1e-6))).clamped(lower: 0, upper: 1)
            var sums: [ObjectIdentifier: Tensor<Scalar>] = [:]
            for (ghost, g) in ghosts {
                for (parameter, t) in ghost.weightedSum(g, factors) { sums[ObjectIdentifier(parameter)] = t }
            }
            for (parameter, t) in materialized {
                let size = t.count / batch
                sums[ObjectIdentifier(parameter)] = size == 0 ? Tensor<Scalar>.zeros(parameter.shape)
                    : (t.reshaped([batch, size]) * factors.reshaped([batch, 1])).sum(axes: [0]).reshaped(parameter.shape)
            }
            var noisy: [(name: String, gradient: Tensor<Scalar>)] = []
            for (name, parameter) in model.namedParameters {
                let clippedSum = sums[ObjectIdentifier(parameter)] ?? Tensor<Scalar>.zeros(parameter.shape)
                let noise = Tensor<Scalar>.randomNormal(parameter.shape, standardDeviation: Scalar(noiseMultiplier * clipNorm),
                                                        using: &generator)
                noisy.append((name, (clippedSum + noise) / Scalar(batch)))
            }
            return PrivateGradients(gradients: noisy, norms: norms, clipFactors: factors, clippedNorms: norms * factors,
                                    clipNorm: clipNorm, noiseMultiplier: noiseMultiplier)
        }
    }

    /// Whether two captures hold the same parameter (a layer used twice).
    private var sharesParameters: Bool {
        var seen = Set<ObjectIdentifier>()
        for parameter in captures.flatMap(\.parameters) where !seen.insert(ObjectIdentifier(parameter)).inserted {
            return true
        }
        return false
    }

    /// Whether `x` is [batch, …] (at least `rank` axes); if not, the first such problem is kept
    /// (the pass then cannot give per-sample gradients: the loop is used, or `.vectorized` traps).
    private func checkBatch(_ x: Tensor<Scalar>, rank: Int = 2, _ layer: @autoclosure () -> String,
                            received: String = "an input") -> Bool {
        if x.rank >= rank && x.shape[0] == batch { return true }
        if problem == nil {
            problem = "\(layer()) received \(received) of shape \(x.shape), whose first axis is not the batch of \(batch) "
                + "examples (the batched pass needs every layer with parameters to see [batch, …])"
        }
        return false
    }

    private func capture(_ outputs: [Tensor<Scalar>], _ parameters: [Parameter<Scalar>?], ghost: PerSampleGhost<Scalar>? = nil,
                         _ rule: @escaping ([Tensor<Scalar>]) -> [(Parameter<Scalar>, Tensor<Scalar>)]) {
        guard !outputs.isEmpty, outputs.allSatisfy(\.requiresGrad) else { return }
        captures.append(PerSampleCapture(outputs: outputs, parameters: parameters.compactMap { $0 }, rule: rule, ghost: ghost))
    }

    // MARK: Rules (called by the layers while the recorder is active)

    /// Dense: with a = the input [B, …, in] and g = ∂L/∂z [B, …, out] (z before the activation),
    /// grad_W[b] = Σ_t g[b, t]ᵀ a[b, t] (one batched product) and grad_bias[b] = Σ_t g[b, t].
    func dense(_ dense: Dense<Scalar>, input x: Tensor<Scalar>, preActivation z: Tensor<Scalar>) {
        guard checkBatch(x, "Dense (weight \(dense.weight.shape))") else { return }
        let a = x.detached(), batch = self.batch
        let (weight, bias) = (dense.weight, dense.bias)
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        let steps = a.count / Swift.max(batch * inputs, 1)
        // DP-SGD without the [B, out, in] per-sample weights: ‖Σ_t g_tᵀ a_t‖² = Σ_{t,s} (g_t·g_s)(a_t·a_s)
        // (for one step ‖g‖²‖a‖²), and Σ_b f_b g_bᵀ a_b is one product. Worth it unless the steps are many.
        let ghost = steps * (inputs + outputs) <= inputs * outputs ? PerSampleGhost<Scalar>(
            squaredNorms: { gradients in
                let g = gradients[0]
                let x3 = a.reshaped([batch, steps, inputs]), g3 = g.reshaped([batch, steps, outputs])
                var total: Tensor<Scalar>
                if steps == 1 {
                    total = (g3 * g3).sum(axes: [1, 2]) * (x3 * x3).sum(axes: [1, 2])
                } else {
                    let gram = g3.matmul(g3, transposeA: false, transposeB: true) * x3.matmul(x3, transposeA: false, transposeB: true)
                    total = gram.sum(axes: [1, 2])
                }
                if bias != nil {
                    let summed = g3.sum(axes: [1])
                    total = total + (summed * summed).sum(axes: [1])
                }
                return total
            },
            weightedSum: { gradients, factors in
                let scaled = (gradients[0].reshaped([batch, steps, outputs]) * factors.reshaped([batch, 1, 1]))
                    .reshaped([batch * steps, outputs])
                var out = [(weight, scaled.matmul(a.reshaped([batch * steps, inputs]), transposeA: true, transposeB: false))]
                if let bias { out.append((bias, scaled.sum(axes: [0]))) }
                return out
            }) : nil
        capture([z], [weight, bias], ghost: ghost) { g in
            let upstream = g[0].reshaped([batch, -1, outputs])
            var out = [(weight, Self.outerSums(upstream, a.reshaped([batch, -1, inputs])))]
            if let bias { out.append((bias, upstream.sum(axes: [1]))) }
            return out
        }
    }

    /// Σ_t g[b, t]ᵀ a[b, t] for g [B, T, m] and a [B, T, n]: [B, m, n], one batched product.
    private static func outerSums(_ g: Tensor<Scalar>, _ a: Tensor<Scalar>) -> Tensor<Scalar> {
        g.matmul(a, transposeA: true, transposeB: false)
    }

    /// Conv1D/Conv2D: the same product over the unfolded input (im2col), per group:
    /// grad_W[b, group] = g[b, group] · columns[b, group]ᵀ; grad_bias[b] = Σ over positions of g[b].
    func convolution(_ core: _ConvCore<Scalar>, input x: Tensor<Scalar>, output y: Tensor<Scalar>) {
        guard checkBatch(x, "\(core.layer) (filters \(core.weight.shape))") else { return }
        let a = x.detached(), batch = self.batch
        capture([y], [core.weight, core.bias]) { gradients in
            let g = gradients[0]
            let groups = core.groups, outChannels = core.outChannels
            let columns: Tensor<Scalar>
            if core.stride.count == 1 {
                columns = a.reshaped([batch, a.shape[1], 1, a.shape[2]])
                    .unfolded(kernel: (1, core.kernel[0]), stride: (1, core.stride[0]), padding: (0, core.padding[0]),
                              dilation: (1, core.dilation[0]))
            } else {
                columns = a.unfolded(kernel: _ConvCore<Scalar>.size2D(core.kernel), stride: _ConvCore<Scalar>.size2D(core.stride),
                                     padding: _ConvCore<Scalar>.size2D(core.padding),
                                     dilation: _ConvCore<Scalar>.size2D(core.dilation))
            }
            let positions = columns.shape[2]
            let grouped = columns.reshaped([batch, groups, columns.shape[1] / groups, positions])
            let upstream = g.reshaped([batch, groups, outChannels / groups, positions])
            let weight = upstream.matmul(grouped, transposeA: false, transposeB: true).reshaped([batch] + core.weight.shape)
            var out = [(core.weight, weight)]
            if let bias = core.bias { out.append((bias, g.reshaped([batch, outChannels, positions]).sum(axes: [2]))) }
            return out
        }
    }

    /// Embedding: each example's output gradients added into the rows its indices picked, in a
    /// table of its own: [B, count, dimension] by one scatter-add along the rows. Positions holding
    /// the padding index add nothing (no gradient reaches that row, as in the layer).
    func embedding(_ embedding: Embedding<Scalar>, indices x: Tensor<Scalar>, output y: Tensor<Scalar>) {
        guard checkBatch(x, rank: 1, "Embedding (table \(embedding.weight.shape))", received: "indices") else { return }
        let indices = x.scalars, batch = self.batch
        let (table, padding) = (embedding.weight, embedding.paddingIndex)
        capture([y], [table]) { gradients in
            let (count, dimension) = (table.shape[0], table.shape[1])
            let perExample = indices.count / batch
            var rows = [Scalar](), keep = [Scalar]()
            rows.reserveCapacity(indices.count * dimension)
            for value in indices {
                rows.append(contentsOf: repeatElement(value, count: dimension))
                if padding != nil { keep.append(Int(exactly: value) == padding ? 0 : 1) }
            }
            var values = gradients[0].reshaped([batch, perExample, dimension])
            if padding != nil { values = values * Tensor(keep, shape: [batch, perExample, 1]) }
            let perSample = Tensor<Scalar>.zeros([batch, count, dimension])
                .scatterAdding(axis: 1, indices: Tensor(rows, shape: [batch, perExample, dimension]), values: values)
            return [(table, perSample)]
        }
    }

    /// The normalizations' affine parameters: y = x̂ · weight + bias, so per example
    /// grad_weight[b] = Σ g[b] ⊙ x̂[b] and grad_bias[b] = Σ g[b] over every axis but the
    /// parameter's (the last `trailing` axes for LayerNorm/RMSNorm, the channel axis 1 otherwise).
    func affine(output y: Tensor<Scalar>, normalized: Tensor<Scalar>, weight: Parameter<Scalar>?, bias: Parameter<Scalar>?,
                trailing: Int?) {
        guard weight != nil || bias != nil else { return }
        guard checkBatch(y, "a normalization layer") else { return }
        let xhat = normalized.detached()
        capture([y], [weight, bias]) { gradients in
            let g = gradients[0]
            let axes = trailing.map { Array(1..<(g.rank - $0)) } ?? Array(2..<g.rank)
            func reduce(_ t: Tensor<Scalar>) -> Tensor<Scalar> { axes.isEmpty ? t : t.sum(axes: axes) }
            var out: [(Parameter<Scalar>, Tensor<Scalar>)] = []
            if let weight { out.append((weight, reduce(g * xhat))) }
            if let bias { out.append((bias, reduce(g))) }
            return out
        }
    }

    /// A recurrent cell run over `trace`'s steps (one direction of one layer of RNN/GRU/LSTM, or
    /// a cell's single step). Its parameters act only through the two projections
    /// p_t = x_t·weightIHᵀ + biasIH and q_t = h_{t−1}·weightHHᵀ + biasHH, so with their output
    /// gradients gp_t and gq_t, per example: grad_weightIH[b] = Σ_t gp[b, t]ᵀ x[b, t],
    /// grad_weightHH[b] = Σ_t gq[b, t]ᵀ h[b, t−1] (each one batched product over the stacked
    /// steps), grad_biasIH[b] = Σ_t gp[b, t], grad_biasHH[b] = Σ_t gq[b, t]. The recurrence itself
    /// (how h_t depends on earlier steps) is in gp and gq, which the batch's backward pass
    /// through time computes.
    func recurrent(_ cell: RecurrentCellCore<Scalar>, _ trace: RecurrentTrace<Scalar>, layer: @autoclosure () -> String) {
        guard let first = trace.inputs.first else { return }
        guard checkBatch(first, layer() + " (a layer with batchFirst: false needs its input made [time, batch, features] "
                         + "inside the model)", received: "steps") else { return }
        let steps = trace.inputs.count
        let inputs = Tensor.stack(trace.inputs, axis: 1), hiddens = Tensor.stack(trace.hiddens, axis: 1)
        capture(trace.projectedInputs + trace.projectedHiddens, [cell.weightIH, cell.weightHH, cell.biasIH, cell.biasHH]) { g in
            let gp = Tensor.stack(Array(g[0..<steps]), axis: 1), gq = Tensor.stack(Array(g[steps..<(2 * steps)]), axis: 1)
            var out = [(cell.weightIH, Self.outerSums(gp, inputs)), (cell.weightHH, Self.outerSums(gq, hiddens))]
            if let biasIH = cell.biasIH { out.append((biasIH, gp.sum(axes: [1]))) }
            if let biasHH = cell.biasHH { out.append((biasHH, gq.sum(axes: [1]))) }
            return out
        }
    }

    /// MultiHeadAttention: its parameters act only through the projections q = query·W_qᵀ + b_q,
    /// k = key·W_kᵀ + b_k, v = value·W_vᵀ + b_v (the three row blocks of in_proj_weight) and the
    /// output projection y = heads·W_oᵀ + b_o, each a Dense over [batch, time, ·]: per example
    /// grad_W[b] = Σ_t g[b, t]ᵀ x[b, t] for each, the three input blocks stacked back into
    /// [3·dimension, dimension]. Everything between (scores, masks, softmax, dropout) is in the
    /// output gradients of q, k and v.
    func attention(_ layer: MultiHeadAttention<Scalar>, query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>,
                   projections: [Tensor<Scalar>], heads: Tensor<Scalar>, output: Tensor<Scalar>) {
        for (name, x) in [("query", query), ("key", key)] {
            guard checkBatch(x, "MultiHeadAttention (dimension \(layer.dimension))", received: "a \(name)") else { return }
        }
        let inputs = [query.detached(), key.detached(), value.detached()], joined = heads.detached()
        let (inWeight, inBias) = (layer.inputProjectionWeight, layer.inputProjectionBias)
        let (outWeight, outBias) = (layer.outputProjectionWeight, layer.outputProjectionBias)
        capture(projections + [output], [inWeight, inBias, outWeight, outBias]) { g in
            var out = [(inWeight, Tensor.concatenate((0..<3).map { Self.outerSums(g[$0], inputs[$0]) }, axis: 1)),
                       (outWeight, Self.outerSums(g[3], joined))]
            if let inBias { out.append((inBias, Tensor.concatenate((0..<3).map { g[$0].sum(axes: [1]) }, axis: 1))) }
            if let outBias { out.append((outBias, g[3].sum(axes: [1]))) }
            return out
        }
    }
}

// The vectorized per-sample gradients: one forward pass that keeps, for each built-in layer with
// parameters, its input and the tensor its parameters produce; one backward pass of the summed
// loss for the gradients with respect to those tensors; then each layer's batched rule.

/// One layer's capture: the tensor whose gradient is needed and the rule that turns that
/// gradient (detached, [batch, …]) into per-sample gradients of the layer's parameters.
struct PerSampleCapture<Scalar: TensorScalar> {
    let output: Tensor<Scalar>
    /// The parameters the rule gives gradients for.
    let parameters: [Parameter<Scalar>]
    let rule: (Tensor<Scalar>) -> [(Parameter<Scalar>, Tensor<Scalar>)]
    /// For DP-SGD without forming the per-sample gradients ("ghost clipping", Li et al. 2022), when
    /// the layer has a cheaper way: each example's squared gradient norm over the layer's
    /// parameters, [batch], and the gradients' sum weighted by a factor per example.
    var ghost: PerSampleGhost<Scalar>?
}

struct PerSampleGhost<Scalar: TensorScalar> {
    let squaredNorms: (Tensor<Scalar>) -> Tensor<Scalar>
    let weightedSum: (Tensor<Scalar>, Tensor<Scalar>) -> [(Parameter<Scalar>, Tensor<Scalar>)]
}

final class PerSampleRecorder<Scalar: TensorScalar> {
    let batch: Int
    private(set) var captures: [PerSampleCapture<Scalar>] = []

    init(batch: Int) { self.batch = batch }

    // MARK: Which models the vectorized pass covers

    /// Why `layer` cannot be done in one batched pass, or `nil` if it can.
    static func problem(with layer: Any, path: String) -> String? {
        let name = path.isEmpty ? "the model" : path
        if let sequential = layer as? Sequential<Scalar> {
            for (index, child) in sequential.layers.enumerated() {
                if let problem = Self.problem(with: child, path: path.isEmpty ? "layers.\(index)" : "\(path).layers.\(index)") {
                    return problem
                }
            }
            return nil
        }
        if layer is Dense<Scalar> || layer is any _ConvNd<Scalar> || layer is Embedding<Scalar>
            || layer is LayerNorm<Scalar> || layer is RMSNorm<Scalar> || layer is GroupNorm<Scalar>
            || layer is any _BatchNorm<Scalar> {
            return nil
        }
        guard let module = layer as? any Layer<Scalar> else { return "\(name) (\(type(of: layer))) is not a layer" }
        if module.namedParameters.isEmpty { return nil }
        return "\(name) (\(type(of: layer))) has parameters but no batched per-sample rule"
    }

    // MARK: The pass

    /// Per-sample gradients of every captured parameter, by parameter identity.
    func run<Model: Layer>(_ model: Model, _ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>,
                           _ loss: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>)
    -> [ObjectIdentifier: Tensor<Scalar>] where Model.Scalar == Scalar {
        let output = forward(model, inputs)
        let total = PerSampleLoss.total(loss(output, targets), batch: batch)
        guard !captures.isEmpty, total.requiresGrad else { return [:] }
        let outputGradients: [Tensor<Scalar>]
        do {
            outputGradients = try gradients(of: total, wrt: captures.map(\.output))
        } catch {
            trap("perSampleGradients: the batch's backward pass failed: \(error)")
        }
        return withoutGradients {
            var result: [ObjectIdentifier: Tensor<Scalar>] = [:]
            for (capture, g) in zip(captures, outputGradients) {
                for (parameter, perSample) in capture.rule(g.detached()) {
                    let key = ObjectIdentifier(parameter)
                    result[key] = result[key].map { $0 + perSample } ?? perSample
                }
            }
            return result
        }
    }

    /// The DP-SGD gradient of one forward and one backward pass: per-example squared norms and
    /// clipped sums by each layer's ghost rule where it has one (no per-sample weights formed),
    /// from the per-sample gradients otherwise; the noise drawn as
    /// ``PerSampleGradients/privatized(clipNorm:noiseMultiplier:using:)`` draws it.
    func privatize<Model: Layer>(_ model: Model, _ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>,
                                 _ loss: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>,
                                 clipNorm: Double, noiseMultiplier: Double, generator: inout SeededGenerator)
    -> PrivateGradients<Scalar> where Model.Scalar == Scalar {
        let output = forward(model, inputs)
        let total = PerSampleLoss.total(loss(output, targets), batch: batch)
        var outputGradients: [Tensor<Scalar>] = []
        if !captures.isEmpty && total.requiresGrad {
            do {
                outputGradients = try gradients(of: total, wrt: captures.map(\.output))
            } catch {
                trap("privateGradients: the batch's backward pass failed: \(error)")
            }
        }
        let batch = self.batch
        return withoutGradients {
            let pairs = zip(captures, outputGradients.map { $0.detached() })
            // A parameter in two captures (a layer used twice) has cross terms: no ghost norms then.
            // Per-sample gradients, added up per parameter, for the captures without a ghost rule.
            var materialized: [(parameter: Parameter<Scalar>, perSample: Tensor<Scalar>)] = []
            var position: [ObjectIdentifier: Int] = [:]
            var ghosts: [(PerSampleGhost<Scalar>, Tensor<Scalar>)] = []
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

    /// The layer run as its `callAsFunction` runs it (the same ops in the same order), keeping
    /// what the rules need.
    func forward(_ layer: any Layer<Scalar>, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        if let sequential = layer as? Sequential<Scalar> {
            var h = x
            let hooks = sequential.forwardHooks.isEmpty ? nil : sequential.forwardHooks
            for (index, child) in sequential.layers.enumerated() {
                h = forward(child, h)
                if let hooks { h = hooks.run(index: index, layer: child, output: h) }
            }
            return h
        }
        if let dense = layer as? Dense<Scalar> { return forward(dense, x) }
        if let conv = layer as? any _ConvNd<Scalar> { return forward(conv._core, x) }
        if let embedding = layer as? Embedding<Scalar> { return forward(embedding, x) }
        if let norm = layer as? LayerNorm<Scalar> {
            let normalized = norm.normalized(x)
            return affine(norm.affine(normalized), normalized, norm.weight, norm.bias, trailing: norm.normalizedShape.count)
        }
        if let norm = layer as? RMSNorm<Scalar> {
            let normalized = norm.normalized(x)
            return affine(norm.affine(normalized), normalized, norm.weight, nil, trailing: norm.normalizedShape.count)
        }
        if let norm = layer as? GroupNorm<Scalar> {
            let normalized = norm.normalized(x)
            return affine(norm.affine(normalized), normalized, norm.weight, norm.bias, trailing: nil)
        }
        if let norm = layer as? any _BatchNorm<Scalar> {
            let normalized = norm._perSampleNormalized(x)
            let core = norm._core
            return affine(core.affine(normalized), normalized, core.weight, core.bias, trailing: nil)
        }
        return layer(x)
    }

    private func checkBatch(_ x: Tensor<Scalar>, _ layer: String) {
        require(x.rank >= 2 && x.shape[0] == batch,
                "perSampleGradients: \(layer) received an input of shape \(x.shape), whose first axis is not the batch "
                + "of \(batch) examples; the vectorized pass needs every layer with parameters to see [batch, …]")
    }

    private func capture(_ output: Tensor<Scalar>, _ parameters: [Parameter<Scalar>?], ghost: PerSampleGhost<Scalar>? = nil,
                         _ rule: @escaping (Tensor<Scalar>) -> [(Parameter<Scalar>, Tensor<Scalar>)]) {
        guard output.requiresGrad else { return }
        captures.append(PerSampleCapture(output: output, parameters: parameters.compactMap { $0 }, rule: rule, ghost: ghost))
    }

    // MARK: Rules

    /// Dense: with a = the input [B, …, in] and g = ∂L/∂z [B, …, out] (z before the activation),
    /// grad_W[b] = Σ_t g[b, t]ᵀ a[b, t] (one batched product) and grad_bias[b] = Σ_t g[b, t].
    private func forward(_ dense: Dense<Scalar>, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        checkBatch(x, "Dense (weight \(dense.weight.shape))")
        let z = dense.preActivation(x)
        let a = x.detached(), batch = self.batch
        let (weight, bias) = (dense.weight, dense.bias)
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        let steps = a.count / Swift.max(batch * inputs, 1)
        // DP-SGD without the [B, out, in] per-sample weights: ‖Σ_t g_tᵀ a_t‖² = Σ_{t,s} (g_t·g_s)(a_t·a_s)
        // (for one step ‖g‖²‖a‖²), and Σ_b f_b g_bᵀ a_b is one product. Worth it unless the steps are many.
        let ghost = steps * (inputs + outputs) <= inputs * outputs ? PerSampleGhost<Scalar>(
            squaredNorms: { g in
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
            weightedSum: { g, factors in
                let scaled = (g.reshaped([batch, steps, outputs]) * factors.reshaped([batch, 1, 1])).reshaped([batch * steps, outputs])
                var out = [(weight, scaled.matmul(a.reshaped([batch * steps, inputs]), transposeA: true, transposeB: false))]
                if let bias { out.append((bias, scaled.sum(axes: [0]))) }
                return out
            }) : nil
        capture(z, [weight, bias], ghost: ghost) { g in
            let inputs = a.reshaped([batch, -1, weight.shape[1]])
            let upstream = g.reshaped([batch, -1, weight.shape[0]])
            var out = [(weight, upstream.matmul(inputs, transposeA: true, transposeB: false))]   // [B, out, in]
            if let bias { out.append((bias, upstream.sum(axes: [1]))) }
            return out
        }
        return dense.activation(z)
    }

    /// Conv1D/Conv2D: the same product over the unfolded input (im2col), per group:
    /// grad_W[b, group] = g[b, group] · columns[b, group]ᵀ; grad_bias[b] = Σ over positions of g[b].
    private func forward(_ core: _ConvCore<Scalar>, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        checkBatch(x, "\(core.layer) (filters \(core.weight.shape))")
        let y = core(x)
        let a = x.detached(), batch = self.batch
        capture(y, [core.weight, core.bias]) { g in
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
        return y
    }

    /// Embedding: each example's output gradients added into the rows its indices picked, in a
    /// table of its own: [B, count, dimension] by one scatter-add along the rows. Positions holding
    /// the padding index add nothing (no gradient reaches that row, as in the layer).
    private func forward(_ embedding: Embedding<Scalar>, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        require(x.rank >= 1 && x.shape[0] == batch,
                "perSampleGradients: Embedding (table \(embedding.weight.shape)) received indices of shape \(x.shape), "
                + "whose first axis is not the batch of \(batch) examples")
        let y = embedding(x)
        let indices = x.scalars, batch = self.batch
        let (table, padding) = (embedding.weight, embedding.paddingIndex)
        capture(y, [table]) { g in
            let (count, dimension) = (table.shape[0], table.shape[1])
            let perExample = indices.count / batch
            var rows = [Scalar](), keep = [Scalar]()
            rows.reserveCapacity(indices.count * dimension)
            for value in indices {
                rows.append(contentsOf: repeatElement(value, count: dimension))
                if padding != nil { keep.append(Int(exactly: value) == padding ? 0 : 1) }
            }
            var values = g.reshaped([batch, perExample, dimension])
            if padding != nil { values = values * Tensor(keep, shape: [batch, perExample, 1]) }
            let perSample = Tensor<Scalar>.zeros([batch, count, dimension])
                .scatterAdding(axis: 1, indices: Tensor(rows, shape: [batch, perExample, dimension]), values: values)
            return [(table, perSample)]
        }
        return y
    }

    /// The normalizations' affine parameters: y = x̂ · weight + bias, so per example
    /// grad_weight[b] = Σ g[b] ⊙ x̂[b] and grad_bias[b] = Σ g[b] over every axis but the
    /// parameter's (the last `trailing` axes for LayerNorm/RMSNorm, the channel axis 1 otherwise).
    private func affine(_ y: Tensor<Scalar>, _ normalized: Tensor<Scalar>, _ weight: Parameter<Scalar>?,
                        _ bias: Parameter<Scalar>?, trailing: Int?) -> Tensor<Scalar> {
        guard weight != nil || bias != nil else { return y }
        checkBatch(y, "a normalization layer")
        let xhat = normalized.detached()
        capture(y, [weight, bias]) { g in
            let axes = trailing.map { Array(1..<(g.rank - $0)) } ?? Array(2..<g.rank)
            func reduce(_ t: Tensor<Scalar>) -> Tensor<Scalar> { axes.isEmpty ? t : t.sum(axes: axes) }
            var out: [(Parameter<Scalar>, Tensor<Scalar>)] = []
            if let weight { out.append((weight, reduce(g * xhat))) }
            if let bias { out.append((bias, reduce(g))) }
            return out
        }
        return y
    }
}

extension _BatchNorm {
    /// The input checked and normalized as `callAsFunction` does, before the affine map.
    func _perSampleNormalized(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        _checkInput(input)
        return _core.normalized(input, layer: Self.layerName)
    }
}

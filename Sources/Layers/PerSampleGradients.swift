// Per-sample gradients: every example's own gradient of its own loss, for every parameter, as
// `torch.func.vmap(grad(f))`, JAX's `vmap(grad(f))` and Opacus give them.
//
// Two ways to compute them, with the same result to rounding:
//
// - vectorized (the Opacus approach): ONE forward pass of the batch, the model's own, during
//   which each built-in layer with parameters reports its input and the tensor its parameters
//   produce (for `Dense`, the output before the activation; for a recurrent layer, each step's
//   input, previous hidden state and two projections; for attention, the q/k/v projections and
//   the output projection), and ONE backward pass of the summed loss, asked for the gradients
//   with respect to those tensors (`gradients(of:wrt:)`: the model's `.grad` is left alone, and
//   no summed weight gradient is formed). Each layer's per-sample gradients then come from
//   batched ops: Dense grad_W[b] = Σ_t g[b, t]ᵀ a[b, t]; a recurrent cell's the same over its
//   steps; attention's the same for its four projections; a convolution's the same over the
//   unfolded input; an embedding's a scatter of the output gradients into one table per example;
//   a normalization's affine parameters g ⊙ x̂ summed per example.
// - loop (the fallback, for any model): each example alone through forward and backward.

/// How ``perSampleGradients(of:inputs:targets:strategy:loss:)`` computes the gradients.
///
/// ```swift
/// let fast = perSampleGradients(of: mlp, inputs: x, targets: y, strategy: .vectorized) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
/// fast.strategy     // .vectorized
/// ```
public enum PerSampleStrategy: Sendable, Hashable, CustomStringConvertible {
    /// Vectorized when every layer with parameters has a batched rule (see ``vectorized``),
    /// the loop otherwise. The default.
    ///
    /// ```swift
    /// let g = perSampleGradients(of: model, inputs: x, targets: y, strategy: .automatic) { l2Loss(predicted: $0, targets: $1, reduction: .none) }
    /// ```
    case automatic
    /// One forward and one backward pass of the whole batch. Supported: any model whose
    /// parameters all belong to built-in layers with a batched rule — `Dense`, `Conv1D`,
    /// `Conv2D`, `Embedding`, `LayerNorm`, `RMSNorm`, `GroupNorm`, `BatchNorm1D`/`BatchNorm2D` in
    /// inference, `RNN`, `GRU`, `LSTM` and their cells, `MultiHeadAttention` (so
    /// `TransformerBlock` too) — held by a ``Sequential``, a `TransformerBlock` or a struct of
    /// your own; layers without parameters (activations, pooling, `Flatten`, `Dropout`) run as
    /// they are. Each of those layers must see the batch on the first axis of its input. Asking
    /// for it on any other model traps, naming the layer.
    ///
    /// ```swift
    /// let g = perSampleGradients(of: mlp, inputs: x, targets: y, strategy: .vectorized) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
    /// ```
    case vectorized
    /// Each example alone through forward and backward: correct for any model (layers of your
    /// own with parameters, tied weights), one pass per example.
    ///
    /// ```swift
    /// let g = perSampleGradients(of: myModel, inputs: x, targets: y, strategy: .loop) { l2Loss(predicted: $0, targets: $1, reduction: .none) }
    /// ```
    case loop

    /// "automatic", "vectorized" or "loop".
    ///
    /// ```swift
    /// print(PerSampleStrategy.loop)    // loop
    /// ```
    public var description: String {
        switch self {
        case .automatic: return "automatic"
        case .vectorized: return "vectorized"
        case .loop: return "loop"
        }
    }
}

/// Every example's gradient for every parameter, as returned by
/// ``perSampleGradients(of:inputs:targets:strategy:loss:)``: for a parameter of shape `s`, a
/// tensor of shape [batch] + `s` whose slice `b` is the gradient of example `b`'s loss alone.
///
/// ```swift
/// let g = perSampleGradients(of: mlp, inputs: x, targets: y) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
/// g["layers.0.weight"]?.shape      // [64, 256, 784] for a batch of 64
/// g.norms                          // [64]: each example's gradient norm over all parameters
/// ```
public struct PerSampleGradients<Scalar: TensorScalar>: CustomStringConvertible {
    /// The gradients, [batch] + the parameter's shape, under the names and in the order of the
    /// model's ``Module/namedParameters``.
    ///
    /// ```swift
    /// for (name, g) in perSample.gradients { print(name, g.shape) }
    /// ```
    public let gradients: [(name: String, gradient: Tensor<Scalar>)]
    /// The number of examples.
    ///
    /// ```swift
    /// perSample.batchSize     // 64
    /// ```
    public let batchSize: Int
    /// How they were computed: ``PerSampleStrategy/vectorized`` or ``PerSampleStrategy/loop``.
    ///
    /// ```swift
    /// if perSample.strategy == .loop { print(perSample.fallbackReason ?? "") }
    /// ```
    public let strategy: PerSampleStrategy
    /// Why `.automatic` fell back to the loop ("layers.1 (Gated) has parameters but no batched
    /// per-sample rule"), or `nil`.
    ///
    /// ```swift
    /// print(perSample.fallbackReason ?? "vectorized")
    /// ```
    public let fallbackReason: String?

    /// Made from gradients already computed (each [batch] + a parameter's shape), for example to
    /// clip and noise gradients of your own with ``privatized(clipNorm:noiseMultiplier:using:)``.
    ///
    /// ```swift
    /// let g = PerSampleGradients(gradients: [("w", Tensor<Double>.ones([4, 3]))])   // 4 examples, a [3] parameter
    /// ```
    /// - Precondition: every tensor has the same first axis.
    public init(gradients: [(name: String, gradient: Tensor<Scalar>)], strategy: PerSampleStrategy = .loop,
                fallbackReason: String? = nil) {
        let batch = gradients.first?.gradient.shape.first ?? 0
        for (name, g) in gradients {
            require(g.rank >= 1 && g.shape[0] == batch,
                    "PerSampleGradients: \(name) of shape \(g.shape) does not start with the batch size \(batch) "
                    + "of \(gradients.first?.name ?? "the first")")
        }
        self.gradients = gradients.map { ($0.name, $0.gradient.detached()) }
        batchSize = batch
        self.strategy = strategy
        self.fallbackReason = fallbackReason
    }

    /// The per-sample gradients of the parameter with this name, [batch] + its shape.
    ///
    /// ```swift
    /// let w = perSample["layers.0.weight"]      // Tensor?, nil for an unknown name
    /// ```
    public subscript(name: String) -> Tensor<Scalar>? {
        gradients.first { $0.name == name }?.gradient
    }

    /// Each example's gradient norm over all parameters together, [batch]: √(Σ over every
    /// parameter and element of g[b]²), the quantity DP-SGD clips.
    ///
    /// ```swift
    /// let largest = perSample.norms.max()       // the example that would move the weights most
    /// ```
    public var norms: Tensor<Scalar> {
        withoutGradients {
            var total = Tensor<Scalar>.zeros([batchSize])
            for (_, g) in gradients where g.count > 0 {
                let rows = g.reshaped([batchSize, g.count / batchSize])
                total = total + (rows * rows).sum(axes: [1])
            }
            return total.sqrt()
        }
    }

    /// The ordinary gradient of the summed loss: each parameter's per-sample gradients added over
    /// the batch.
    ///
    /// ```swift
    /// let total = perSample.summed      // what backward() of the summed loss leaves in .grad
    /// ```
    public var summed: [(name: String, gradient: Tensor<Scalar>)] {
        withoutGradients { gradients.map { ($0.name, $0.gradient.sum(axes: [0])) } }
    }

    /// One line per parameter: name, shape and how the gradients were computed.
    ///
    /// ```swift
    /// print(perSample)    // per-sample gradients (vectorized) of 64 examples: layers.0.weight [64, 256, 784], …
    /// ```
    public var description: String {
        "per-sample gradients (\(strategy)) of \(batchSize) examples: "
            + gradients.map { "\($0.name) \($0.gradient.shape)" }.joined(separator: ", ")
    }
}

/// Every example's gradient of its own loss for every parameter of `model`, each [batch] + the
/// parameter's shape — what `torch.func.vmap(grad(f))` gives, and equal to running each example
/// alone through forward and backward (to rounding).
///
/// `loss` receives the model's output for the batch and `targets`, and returns **one loss per
/// example** (a tensor whose first axis is the batch, such as `reduction: .none` gives; any other
/// axes, a sequence's steps, are summed into their example). The gradients are those of each
/// example's losses summed: use `reduction: .none`, not `.mean`, or every gradient would be divided
/// by the batch size. The loss must not mix examples (a batch mean inside it would).
///
/// With `strategy: .automatic` (the default) a model whose parameters all belong to built-in
/// layers with a batched rule — `Dense`, `Conv1D`, `Conv2D`, `Embedding`, the normalizations,
/// `RNN`, `GRU`, `LSTM` and their cells (any number of layers, either direction, either
/// layout), `MultiHeadAttention` with any masks, `TransformerBlock` — is done in one forward and
/// one backward pass of the batch (``PerSampleStrategy/vectorized``), whether those layers sit
/// in a ``Sequential`` or in a struct of your own with its own forward. Anything else (a layer of
/// your own that holds parameters itself) runs a loop over the examples
/// (``PerSampleStrategy/loop``), and so does a model in which a layer with parameters sees an
/// input without the batch on its first axis (a position embedding of [time] indices broadcast
/// over the batch: give it [batch, time] indices to stay batched), or, in a model of your own,
/// whose parameters are also used outside their layer (tied weights): each parameter's
/// per-sample gradients are checked to add up to the batch's gradient there. Neither touches
/// the parameters' `.grad`. The vectorized pass takes everything between the layers with
/// parameters to treat each example separately, as every built-in op and layer does (code of
/// your own that mixed examples would need `strategy: .loop`).
///
/// Batch normalization in training normalizes each example with the other examples' statistics:
/// an example's gradient then depends on the whole batch and there is no per-sample gradient, so
/// a model with `BatchNorm1D`/`BatchNorm2D` traps unless it runs in inference (running
/// statistics: `withLearningPhase(.inference) { … }`). Dropout in training is allowed: the
/// vectorized pass gives each example its own mask (as the batch does), the loop draws a mask
/// per example, so the two agree only in inference.
///
/// ```swift
/// let mlp = Sequential<Double> { Dense(inputs: 4, outputs: 8, activation: .tanh); Dense(inputs: 8, outputs: 3) }
/// let x = Tensor<Double>.randomNormal([5, 4], seed: 1), labels = Tensor<Double>([0, 2, 1, 1, 0])
/// let g = perSampleGradients(of: mlp, inputs: x, targets: labels) { logits, labels in
///     crossEntropy(logits: logits, labels: labels, reduction: .none)
/// }
/// g["layers.0.weight"]?.shape    // [5, 8, 4]
/// g.norms                        // [5]
/// ```
/// - Precondition: `inputs` and `targets` have the same first axis (the batch); the loss is one
///   per example.
public func perSampleGradients<Model: Layer>(
    of model: Model, inputs: Tensor<Model.Scalar>, targets: Tensor<Model.Scalar>,
    strategy: PerSampleStrategy = .automatic,
    loss: (_ output: Tensor<Model.Scalar>, _ targets: Tensor<Model.Scalar>) -> Tensor<Model.Scalar>
) -> PerSampleGradients<Model.Scalar> {
    typealias Scalar = Model.Scalar
    require(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
            "perSampleGradients: inputs of shape \(inputs.shape) and targets of shape \(targets.shape) "
            + "do not share a first (batch) axis")
    PerSampleChecks.refuseBatchStatistics(in: model)
    let named = model.namedParameters
    let batch = inputs.shape[0]
    switch strategy {
    case .loop:
        return PerSampleGradients(gradients: PerSampleLoop.run(model, named, inputs, targets, loss), strategy: .loop)
    case .vectorized, .automatic:
        let coverage = PerSampleRecorder<Scalar>.coverage(of: model, path: "")
        if let problem = coverage.problem {
            require(strategy == .automatic, "perSampleGradients(strategy: .vectorized): \(problem); "
                    + "use strategy: .automatic or .loop for this model (the loop handles any model)")
            return PerSampleGradients(gradients: PerSampleLoop.run(model, named, inputs, targets, loss),
                                      strategy: .loop, fallbackReason: problem)
        }
        let recorder = PerSampleRecorder<Scalar>(batch: batch)
        let (perParameter, problem) = recorder.run(model, inputs, targets, verify: coverage.hasOwnContainers, loss)
        if let problem {
            require(strategy == .automatic, "perSampleGradients(strategy: .vectorized): \(problem); "
                    + "use strategy: .automatic or .loop for this model (the loop handles any model)")
            return PerSampleGradients(gradients: PerSampleLoop.run(model, named, inputs, targets, loss),
                                      strategy: .loop, fallbackReason: problem)
        }
        let gradients = named.map { name, parameter in
            (name, perParameter[ObjectIdentifier(parameter)] ?? Tensor<Scalar>.zeros([batch] + parameter.shape))
        }
        return PerSampleGradients(gradients: gradients, strategy: .vectorized)
    }
}

/// The per-example losses checked and summed into the loss whose gradients are taken.
enum PerSampleLoss {
    static func total<Scalar>(_ losses: Tensor<Scalar>, batch: Int) -> Tensor<Scalar> {
        require(losses.rank >= 1 && losses.shape[0] == batch,
                "perSampleGradients: the loss returned shape \(losses.shape), not one loss per example (first axis \(batch)); "
                + "return the unreduced losses (reduction: .none): a mean would divide every gradient by the batch size")
        return losses.sum()
    }
}

/// The fallback: each example alone through forward and backward.
enum PerSampleLoop {
    static func run<Model: Layer>(
        _ model: Model, _ named: [(name: String, parameter: Parameter<Model.Scalar>)],
        _ inputs: Tensor<Model.Scalar>, _ targets: Tensor<Model.Scalar>,
        _ loss: (Tensor<Model.Scalar>, Tensor<Model.Scalar>) -> Tensor<Model.Scalar>
    ) -> [(name: String, gradient: Tensor<Model.Scalar>)] {
        typealias Scalar = Model.Scalar
        let batch = inputs.shape[0]
        var collected = named.map { _, parameter -> [Scalar] in
            var values = [Scalar]()
            values.reserveCapacity(batch * parameter.value.count)
            return values
        }
        let leaves = named.map(\.parameter.value)
        for b in 0..<batch {
            let total = PerSampleLoss.total(loss(model(example(b, of: inputs)), example(b, of: targets)), batch: 1)
            var grads: [Tensor<Scalar>]
            if total.requiresGrad && !leaves.isEmpty {
                do {
                    grads = try gradients(of: total, wrt: leaves)
                } catch {
                    trap("perSampleGradients: backward of example \(b)'s loss failed: \(error)")
                }
            } else {
                grads = leaves.map { Tensor<Scalar>.zeros($0.shape) }
            }
            for i in grads.indices { collected[i].append(contentsOf: grads[i].scalars) }
        }
        return zip(named, collected).map { entry, values in
            (entry.name, Tensor(values, shape: [batch] + entry.parameter.shape))
        }
    }

    /// Example `b` of a batch, keeping the batch axis (length 1).
    static func example<Scalar>(_ b: Int, of batch: Tensor<Scalar>) -> Tensor<Scalar> {
        let size = batch.count / Swift.max(batch.shape[0], 1)
        return Tensor(Array(batch.scalars[(b * size)..<((b + 1) * size)]), shape: [1] + batch.shape.dropFirst())
    }
}

/// Refuses models whose examples' gradients depend on the rest of the batch.
enum PerSampleChecks {
    static func refuseBatchStatistics(in model: Any) {
        var seen = Set<ObjectIdentifier>()
        visit(model, path: "", seen: &seen)
    }

    private static func visit(_ value: Any, path: String, seen: inout Set<ObjectIdentifier>) {
        if value is ParameterFreeValue { return }
        if let norm = value as? any _BatchNormInspectable {
            if let reason = norm.batchStatisticsReason {
                trap("perSampleGradients: \(path.isEmpty ? "the model" : path) (\(type(of: value))) \(reason), so an "
                     + "example's gradient depends on the other examples and it has no per-sample gradient; evaluate "
                     + "in inference (withLearningPhase(.inference) { … }), which uses the running statistics, or use "
                     + "GroupNorm or LayerNorm, which normalize each example alone")
            }
            return
        }
        // A layer that names its own children (the built-in layers: recurrent, normalization, dense,
        // embedding, convolution, attention) holds no batch norm inside it to check.
        if value is CustomModuleChildren { return }
        for (label, child) in ModuleTree.children(of: value, seen: &seen) {
            visit(child, path: ModuleTree.join(path, label), seen: &seen)
        }
    }
}

/// Batch normalization, seen without its scalar type.
protocol _BatchNormInspectable {
    /// Why this layer uses batch statistics now ("normalizes with batch statistics while
    /// training"), or `nil` when it uses its running statistics.
    var batchStatisticsReason: String? { get }
}

extension BatchNorm1D: _BatchNormInspectable {}
extension BatchNorm2D: _BatchNormInspectable {}

extension _BatchNorm {
    var batchStatisticsReason: String? {
        if LearningPhase.current == .training { return "normalizes with batch statistics while training" }
        if _core.runningMean == nil { return "has no running statistics (trackRunningStatistics: false), so it normalizes with batch statistics" }
        return nil
    }
}

/// What ``BatchNorm1D`` and ``BatchNorm2D`` are, as PyTorch's `_BatchNorm` is for its
/// `BatchNorm1d` and `BatchNorm2d`: one implementation (`_BatchNormCore`) with every public
/// member and initializer written once, here; each layer only names the input shapes it accepts.
/// An implementation detail (hence the underscore): use the layers, not this protocol.
///
/// ```swift
/// func features<L: _BatchNorm>(of layer: L) -> Int { layer.features }
/// ```
public protocol _BatchNorm<Scalar>: Layer {
    /// The normalization behind the layer: its parameters, buffers and settings.
    ///
    /// ```swift
    /// let core = BatchNorm2D<Float>(features: 4)._core
    /// ```
    var _core: _BatchNormCore<Scalar> { get }
    /// A layer over this normalization (what the public initializers below call).
    ///
    /// ```swift
    /// let copy = BatchNorm2D<Float>(_core: BatchNorm2D<Float>(features: 4)._core)
    /// ```
    init(_core: _BatchNormCore<Scalar>)
    /// The axes after [batch, features] of each input layout the layer accepts: `[[], ["length"]]`
    /// for [batch, features] or [batch, features, length].
    ///
    /// ```swift
    /// BatchNorm2D<Float>._spatialAxes    // [["height", "width"]]
    /// ```
    static var _spatialAxes: [[String]] { get }
}

extension _BatchNorm {
    /// The gain, [features] (ones at first); `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm2D<Float>(features: 4).weight?.shape    // [4]
    /// ```
    public var weight: Parameter<Scalar>? { _core.weight }
    /// The bias, [features] (zeros at first); `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).bias?.shape      // [4]
    /// ```
    public var bias: Parameter<Scalar>? { _core.bias }
    /// The running mean, [features] (zeros at first); `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm2D<Float>(features: 4).runningMean?.value    // [0, 0, 0, 0]
    /// ```
    public var runningMean: Buffer<Scalar>? { _core.runningMean }
    /// The running variance, [features] (ones at first); `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).runningVariance?.value    // [1, 1, 1, 1]
    /// ```
    public var runningVariance: Buffer<Scalar>? { _core.runningVariance }
    /// The number of training batches seen, a scalar; `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm2D<Float>(features: 4).batchesTracked?.value.scalar    // 0
    /// ```
    public var batchesTracked: Buffer<Scalar>? { _core.batchesTracked }
    /// The number of features (channels, axis 1 of the input).
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).features    // 4
    /// ```
    public var features: Int { _core.features }
    /// Added to the variance before its square root.
    ///
    /// ```swift
    /// BatchNorm2D<Float>(features: 4).eps    // 1e-5
    /// ```
    public var eps: Double { _core.eps }
    /// How far each training batch moves the running statistics; `nil` for their cumulative average.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).momentum    // 0.1
    /// ```
    public var momentum: Double? { _core.momentum }

    /// A layer with weight 1, bias 0, running mean 0 and running variance 1, as PyTorch's.
    ///
    /// ```swift
    /// let norm = BatchNorm2D<Float>(features: 16, momentum: 0.01)
    /// let plain = BatchNorm1D<Float>(features: 16, affine: false, trackRunningStatistics: false)
    /// ```
    /// - Parameters:
    ///   - eps: added to the variance (default 1e-5).
    ///   - momentum: the weight of each batch in the running statistics (default 0.1); `nil`
    ///     for a cumulative average.
    ///   - affine: whether the layer has a learned weight and bias.
    ///   - trackRunningStatistics: whether it keeps running statistics; without them it uses
    ///     batch statistics in inference too.
    public init(features: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        self.init(_core: _BatchNormCore(layer: Self.layerName, features: features, eps: eps, momentum: momentum,
                                        affine: affine, trackRunningStatistics: trackRunningStatistics))
    }

    /// A layer holding exactly these tensors, each [features]: weight and bias (both or
    /// neither), running mean and variance (both or neither). Leaves stay leaves, so
    /// `gradcheck` can perturb them (see ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let norm = BatchNorm1D(weight: Tensor<Double>([1, 2]), bias: Tensor([0, 1]),
    ///                        runningMean: Tensor([0.5, -1]), runningVariance: Tensor([2, 3]))
    /// ```
    public init(weight: Tensor<Scalar>? = nil, bias: Tensor<Scalar>? = nil, runningMean: Tensor<Scalar>? = nil,
                runningVariance: Tensor<Scalar>? = nil, eps: Double = 1e-5, momentum: Double? = 0.1) {
        self.init(_core: _BatchNormCore(layer: Self.layerName, weight: weight, bias: bias, runningMean: runningMean,
                                        runningVariance: runningVariance, eps: eps, momentum: momentum))
    }

    /// The normalized input, of the same shape: [N, 8] or [N, 8, L] for ``BatchNorm1D``,
    /// [N, 8, H, W] for ``BatchNorm2D``.
    ///
    /// ```swift
    /// let y = BatchNorm1D<Double>(features: 3)(Tensor.randomNormal([4, 3], seed: 1))
    /// let z = BatchNorm2D<Double>(features: 3)(Tensor.randomNormal([2, 3, 4, 4], seed: 1))
    /// ```
    /// - Precondition: `input` is one of the layer's layouts ([batch, features] or [batch,
    ///   features, length]; [batch, channels, height, width]) with ``features`` on axis 1 and,
    ///   while training, more than one value per feature.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        _checkInput(input)
        return _core(input, layer: Self.layerName)
    }

    /// Traps unless the input is [batch, features, …] in one of the layer's layouts.
    func _checkInput(_ input: Tensor<Scalar>) {
        let layouts = Self._spatialAxes
        require(layouts.contains { input.rank == 2 + $0.count } && input.shape[1] == features,
                "\(Self.layerName): input of shape \(input.shape) is not "
                + layouts.map { "[" + (["batch", "\(features)"] + $0).joined(separator: ", ") + "]" }.joined(separator: " or "))
    }

    /// PyTorch's names for the parameters and buffers (see `_BatchNormCore`).
    var moduleChildren: [(label: String, value: Any)] { _core.children }

    /// "BatchNorm1D" or "BatchNorm2D", for messages: the type's name without its generic argument.
    static var layerName: String { String(String(describing: Self.self).prefix { $0 != "<" }) }
}

/// What ``BatchNorm1D`` and ``BatchNorm2D`` share (through `_BatchNorm`): per-channel (axis 1)
/// normalization over every other axis, the running statistics and their update, with
/// PyTorch's conventions. Public only because `_BatchNorm` names it; its members are internal.
///
/// ```swift
/// let norm = BatchNorm2D<Float>(_core: BatchNorm2D<Float>(features: 4)._core)
/// ```
///
/// Training (or without running statistics): x̂ = (x − mean) / √(var + eps) with the batch's
/// mean and *biased* variance over axes 0, 2, 3, …; the running mean and variance then move by
/// `momentum` towards the batch mean and the *unbiased* batch variance (var · n / (n − 1)), and
/// the batch count goes up by one. With `momentum` nil they are the cumulative average (factor
/// 1 / batches seen). Inference: x̂ = (x − running mean) / √(running var + eps). Then
/// y = x̂ · weight + bias when affine. The normalization by batch statistics is one fused engine
/// op with the affine map (`batchNormalized(eps:weight:bias:)`, the composed ops' values; its
/// gradient flows through the batch mean and variance too, and is differentiable again); the
/// rest is composed from engine ops.
public struct _BatchNormCore<Scalar: TensorScalar> {
    let weight: Parameter<Scalar>?
    let bias: Parameter<Scalar>?
    let runningMean: Buffer<Scalar>?
    let runningVariance: Buffer<Scalar>?
    let batchesTracked: Buffer<Scalar>?
    let eps: Double
    let momentum: Double?
    let features: Int

    init(layer: String, features: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStatistics: Bool) {
        require(features > 0, "\(layer): features (\(features)) must be positive")
        Self.check(layer: layer, eps: eps, momentum: momentum)
        self.features = features
        weight = affine ? Parameter(.ones([features])) : nil
        bias = affine ? Parameter(.zeros([features])) : nil
        runningMean = trackRunningStatistics ? Buffer(.zeros([features])) : nil
        runningVariance = trackRunningStatistics ? Buffer(.ones([features])) : nil
        batchesTracked = trackRunningStatistics ? Buffer(counting: Tensor(0)) : nil
        self.eps = eps
        self.momentum = momentum
    }

    init(layer: String, weight: Tensor<Scalar>?, bias: Tensor<Scalar>?, runningMean: Tensor<Scalar>?,
         runningVariance: Tensor<Scalar>?, eps: Double, momentum: Double?) {
        Self.check(layer: layer, eps: eps, momentum: momentum)
        require((weight == nil) == (bias == nil), "\(layer): give both weight and bias, or neither")
        require((runningMean == nil) == (runningVariance == nil),
                "\(layer): give both runningMean and runningVariance, or neither")
        guard let first = weight ?? runningMean else {
            trap("\(layer): give weight and bias, running statistics, or both (to know the number of features)")
        }
        let features = first.shape.first ?? 0
        for (name, tensor) in [("weight", weight), ("bias", bias), ("runningMean", runningMean),
                               ("runningVariance", runningVariance)] {
            if let tensor {
                require(tensor.shape == [features] && features > 0,
                        "\(layer): \(name) of shape \(tensor.shape) is not [\(features)] (one value per feature)")
            }
        }
        self.features = features
        self.weight = weight.map { Parameter(sharing: $0) }
        self.bias = bias.map { Parameter(sharing: $0) }
        self.runningMean = runningMean.map { Buffer($0) }
        self.runningVariance = runningVariance.map { Buffer($0) }
        batchesTracked = runningMean == nil ? nil : Buffer(counting: Tensor(0))
        self.eps = eps
        self.momentum = momentum
    }

    private static func check(layer: String, eps: Double, momentum: Double?) {
        require(eps > 0, "\(layer): eps \(eps) must be positive")
        if let momentum { require(momentum >= 0 && momentum <= 1, "\(layer): momentum \(momentum) must be in [0, 1]") }
    }

    /// PyTorch's names: weight, bias, running_mean, running_var, num_batches_tracked.
    var children: [(label: String, value: Any)] {
        var out: [(label: String, value: Any)] = []
        if let weight { out.append(("weight", weight)) }
        if let bias { out.append(("bias", bias)) }
        if let runningMean { out.append(("running_mean", runningMean)) }
        if let runningVariance { out.append(("running_var", runningVariance)) }
        if let batchesTracked { out.append(("num_batches_tracked", batchesTracked)) }
        return out
    }

    /// Normalizes `x` (channels on axis 1, already checked by the layer) in the current phase.
    func callAsFunction(_ x: Tensor<Scalar>, layer: @autoclosure () -> String) -> Tensor<Scalar> {
        if LearningPhase.current == .training || runningMean == nil {
            // Batch statistics and the affine map in one fused op.
            return batchStatistics(x, affine: true, layer: layer())
        }
        let normalized = normalized(x, layer: layer())
        let y = affine(normalized)
        PerSampleRecorder<Scalar>.active?.affine(output: y, normalized: normalized, weight: weight, bias: bias, trailing: nil)
        return y
    }

    /// `x` normalized by the batch's statistics (and, with `affine`, mapped by weight and bias) in
    /// one fused engine op (the composition's values: mean, x − mean, the mean of its squares, the
    /// quotient by √(var + eps), · weight + bias); in training, the running statistics move.
    private func batchStatistics(_ x: Tensor<Scalar>, affine: Bool, layer: @autoclosure () -> String) -> Tensor<Scalar> {
        let training = LearningPhase.current == .training
        let n = x.count / Swift.max(1, features)
        require(!training || n > 1,
                "\(layer()): input of shape \(x.shape) has \(n) value per feature; training needs more than 1 "
                + "(batch statistics of one value are undefined)")
        let batch = x.batchNormalized(eps: Scalar(eps), weight: affine ? weight?.value : nil, bias: affine ? bias?.value : nil)
        if training { update(mean: batch.mean, variance: batch.variance, count: n) }
        return batch.output
    }

    /// The input normalized by batch or running statistics, before the affine map (per-sample
    /// gradients read it in inference).
    func normalized(_ x: Tensor<Scalar>, layer: @autoclosure () -> String) -> Tensor<Scalar> {
        let broadcast = [1, features] + Array(repeating: 1, count: x.rank - 2)
        let normalized: Tensor<Scalar>
        if LearningPhase.current == .training || runningMean == nil {
            normalized = batchStatistics(x, affine: false, layer: layer())
        } else if let runningMean, let runningVariance {
            normalized = (x - runningMean.value.reshaped(broadcast)) / (runningVariance.value.reshaped(broadcast) + Scalar(eps)).sqrt()
        } else {
            normalized = x
        }
        return normalized
    }

    /// normalized · weight + bias per feature (the identity without them).
    func affine(_ normalized: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let weight, let bias else { return normalized }
        let broadcast = [1, features] + Array(repeating: 1, count: normalized.rank - 2)
        return normalized * weight.value.reshaped(broadcast) + bias.value.reshaped(broadcast)
    }

    /// Moves the running statistics towards this batch's (not recorded).
    private func update(mean: Tensor<Scalar>, variance: Tensor<Scalar>, count n: Int) {
        guard let runningMean, let runningVariance, let batchesTracked else { return }
        withoutGradients {
            let batches = batchesTracked.value.scalar + 1
            batchesTracked.assign(Tensor(batches))
            let factor = Scalar(momentum ?? 1 / Double(batches))
            let unbiased = variance * Scalar(Double(n) / Double(n - 1))
            runningMean.assign(mean * factor + runningMean.value * (1 - factor))
            runningVariance.assign(unbiased * factor + runningVariance.value * (1 - factor))
        }
    }
}

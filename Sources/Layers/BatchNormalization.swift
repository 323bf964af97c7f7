/// What ``BatchNorm1D`` and ``BatchNorm2D`` share: per-channel (axis 1) normalization over
/// every other axis, the running statistics and their update, with PyTorch's conventions.
///
/// Training (or without running statistics): x̂ = (x − mean) / √(var + eps) with the batch's
/// mean and *biased* variance over axes 0, 2, 3, …; the running mean and variance then move by
/// `momentum` towards the batch mean and the *unbiased* batch variance (var · n / (n − 1)), and
/// the batch count goes up by one. With `momentum` nil they are the cumulative average (factor
/// 1 / batches seen). Inference: x̂ = (x − running mean) / √(running var + eps). Then
/// y = x̂ · weight + bias when affine. All of it is composed from engine ops: the gradient flows
/// through the batch mean and variance too.
struct BatchNormalization<Scalar: TensorScalar> {
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
        BatchNormalization.check(layer: layer, eps: eps, momentum: momentum)
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
        BatchNormalization.check(layer: layer, eps: eps, momentum: momentum)
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
    func callAsFunction(_ x: Tensor<Scalar>, layer: String) -> Tensor<Scalar> {
        let axes = [0] + Array(2..<x.rank)
        let broadcast = [1, features] + Array(repeating: 1, count: x.rank - 2)
        let training = LearningPhase.current == .training
        let normalized: Tensor<Scalar>
        if training || runningMean == nil {
            let n = axes.map { x.shape[$0] }.reduce(1, *)
            require(!training || n > 1,
                    "\(layer): input of shape \(x.shape) has \(n) value per feature; training needs more than 1 "
                    + "(batch statistics of one value are undefined)")
            let mean = x.mean(axes: axes, keepDims: true)
            let centered = x - mean
            let variance = (centered * centered).mean(axes: axes, keepDims: true)
            normalized = centered / (variance + Scalar(eps)).sqrt()
            if training { update(mean: mean.detached().reshaped([features]),
                                 variance: variance.detached().reshaped([features]), count: n) }
        } else if let runningMean, let runningVariance {
            normalized = (x - runningMean.value.reshaped(broadcast)) / (runningVariance.value.reshaped(broadcast) + Scalar(eps)).sqrt()
        } else {
            normalized = x
        }
        guard let weight, let bias else { return normalized }
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

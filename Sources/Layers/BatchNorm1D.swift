/// Batch normalization over [batch, features] or [batch, features, length] inputs, as PyTorch's `nn.BatchNorm1d`: each feature (axis 1)
/// is normalized by the batch's mean and variance while training and by the running statistics
/// in inference, then scaled and shifted by a learned `weight` and `bias` (gain and bias).
///
/// Training normalizes with the batch's biased variance and moves the running mean and variance
/// by `momentum` (0.1) towards the batch mean and *unbiased* variance; `eps` (1e-5) is added to
/// the variance. Which statistics are used follows ``LearningPhase/current``. The running
/// statistics are ``Buffer``s: saved and loaded with the parameters under PyTorch's names
/// (`running_mean`, `running_var`, `num_batches_tracked`), never updated by an optimizer. The
/// forward pass is composed from engine ops, so in training the gradient flows through the
/// batch statistics as well.
///
/// ```swift
/// let norm = BatchNorm1D<Float>(features: 8)
/// let y = norm(x)                                          // [N, 8] or [N, 8, L], batch statistics
/// let z = withLearningPhase(.inference) { norm(x) }        // running statistics
/// norm.namedParameters.map(\.name)                         // ["weight", "bias"]
/// norm.namedBuffers.map(\.name)                            // ["running_mean", "running_var", "num_batches_tracked"]
/// ```
public struct BatchNorm1D<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    let core: BatchNormalization<Scalar>

    /// The gain, [features] (ones at first); `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).weight?.shape    // [4]
    /// ```
    public var weight: Parameter<Scalar>? { core.weight }
    /// The bias, [features] (zeros at first); `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).bias?.shape      // [4]
    /// ```
    public var bias: Parameter<Scalar>? { core.bias }
    /// The running mean, [features] (zeros at first); `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).runningMean?.value    // [0, 0, 0, 0]
    /// ```
    public var runningMean: Buffer<Scalar>? { core.runningMean }
    /// The running variance, [features] (ones at first); `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).runningVariance?.value    // [1, 1, 1, 1]
    /// ```
    public var runningVariance: Buffer<Scalar>? { core.runningVariance }
    /// The number of training batches seen, a scalar; `nil` without running statistics.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).batchesTracked?.value.scalar    // 0
    /// ```
    public var batchesTracked: Buffer<Scalar>? { core.batchesTracked }
    /// The number of features (channels, axis 1 of the input).
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).features    // 4
    /// ```
    public var features: Int { core.features }
    /// Added to the variance before its square root.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).eps    // 1e-5
    /// ```
    public var eps: Double { core.eps }
    /// How far each training batch moves the running statistics; `nil` for their cumulative average.
    ///
    /// ```swift
    /// BatchNorm1D<Float>(features: 4).momentum    // 0.1
    /// ```
    public var momentum: Double? { core.momentum }

    /// A layer with weight 1, bias 0, running mean 0 and running variance 1, as PyTorch's.
    ///
    /// ```swift
    /// let norm = BatchNorm1D<Float>(features: 16, momentum: 0.01)
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
        core = BatchNormalization(layer: "BatchNorm1D", features: features, eps: eps, momentum: momentum, affine: affine,
                                  trackRunningStatistics: trackRunningStatistics)
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
        core = BatchNormalization(layer: "BatchNorm1D", weight: weight, bias: bias, runningMean: runningMean,
                                  runningVariance: runningVariance, eps: eps, momentum: momentum)
    }

    var moduleChildren: [(label: String, value: Any)] { core.children }

    /// The normalized input, [N, 8] or [N, 8, L] (same shape).
    ///
    /// ```swift
    /// let y = BatchNorm1D<Double>(features: 3)(Tensor.randomNormal([4, 3], seed: 1))
    /// ```
    /// - Precondition: `input` is [batch, features] or [batch, features, length] with ``features`` on axis 1 and, while training, more
    ///   than one value per feature.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require((input.rank == 2 || input.rank == 3) && input.shape[1] == features,
                "BatchNorm1D: input of shape \(input.shape) is not [batch, \(features)] or [batch, \(features), length]")
        return core(input, layer: "BatchNorm1D")
    }
}

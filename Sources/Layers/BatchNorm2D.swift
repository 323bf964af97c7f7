/// Batch normalization over images [batch, channels, height, width], as PyTorch's `nn.BatchNorm2d`: each feature (axis 1)
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
/// let norm = BatchNorm2D<Float>(features: 8)
/// let y = norm(x)                                          // [N, 8, H, W], batch statistics
/// let z = withLearningPhase(.inference) { norm(x) }        // running statistics
/// norm.namedParameters.map(\.name)                         // ["weight", "bias"]
/// norm.namedBuffers.map(\.name)                            // ["running_mean", "running_var", "num_batches_tracked"]
/// ```
public struct BatchNorm2D<Scalar: TensorScalar>: _BatchNorm, CustomModuleChildren {
    /// The normalization behind the layer (its parameters, buffers and settings).
    ///
    /// ```swift
    /// let core = BatchNorm2D<Float>(features: 4)._core
    /// ```
    public let _core: _BatchNormCore<Scalar>

    /// A layer over this normalization; the initializers `init(features:…)` and
    /// `init(weight:bias:…)` come from `_BatchNorm`.
    ///
    /// ```swift
    /// let twin = BatchNorm2D<Float>(_core: BatchNorm2D<Float>(features: 4)._core)   // shares the parameters
    /// ```
    public init(_core: _BatchNormCore<Scalar>) { self._core = _core }

    /// The inputs it accepts: [batch, channels, height, width].
    ///
    /// ```swift
    /// BatchNorm2D<Float>._spatialAxes    // [["height", "width"]]
    /// ```
    public static var _spatialAxes: [[String]] { [["height", "width"]] }
}

/// A tensor a layer keeps as state without training it: batch normalization's running mean,
/// running variance and batch count.
///
/// Buffers are found by reflection like parameters and are saved and loaded with them
/// (``Module/save(to:metadata:)``, ``Module/load(from:layout:)``, `Checkpoint`), but they are not in
/// ``Module/parameters``, so optimizers, gradient clipping and weight penalties never see them,
/// and they are never recorded on the tape. A layer updates its buffers itself (batch
/// normalization while training). Like a ``Parameter``, a buffer is held by reference: copies of
/// a model share it.
///
/// ```swift
/// let norm = BatchNorm1D<Float>(features: 4)
/// norm.namedBuffers.map(\.name)          // ["running_mean", "running_var", "num_batches_tracked"]
/// norm.runningMean?.value                // [0, 0, 0, 0] until the first training batch
/// ```
public final class Buffer<Scalar: TensorScalar>: @unchecked Sendable {
    /// The current value; a plain tensor (it never requires gradients).
    ///
    /// ```swift
    /// let mean = norm.runningMean?.value
    /// ```
    public private(set) var value: Tensor<Scalar>

    /// A buffer holding `initial` (detached from any graph).
    ///
    /// ```swift
    /// let count = Buffer(Tensor<Float>(0))
    /// ```
    public init(_ initial: Tensor<Scalar>) {
        value = initial.detached()
        holdsCounts = false
    }

    /// A buffer of whole numbers (a count such as `num_batches_tracked`): saved as I64, as
    /// PyTorch saves it, so that a file written here loads into PyTorch with the same dtype.
    init(counting initial: Tensor<Scalar>) {
        value = initial.detached()
        holdsCounts = true
    }

    /// Whether the value is a count, saved as integers.
    let holdsCounts: Bool

    /// The shape of the value.
    ///
    /// ```swift
    /// Buffer(Tensor<Float>.zeros([3])).shape    // [3]
    /// ```
    public var shape: [Int] { value.shape }

    /// Replaces the value with `newValue` (detached), which must have the same shape.
    ///
    /// ```swift
    /// norm.runningVariance?.assign(Tensor.ones([4]))
    /// ```
    public func assign(_ newValue: Tensor<Scalar>) {
        require(newValue.shape == value.shape,
                "Buffer.assign: new value of shape \(newValue.shape) does not match the buffer's shape \(value.shape)")
        value = newValue.detached()
    }
}

extension Buffer: CustomStringConvertible {
    /// "Buffer [3]" followed by the values.
    ///
    /// ```swift
    /// print(Buffer(Tensor<Float>.zeros([2])))
    /// ```
    public var description: String { "Buffer \(shape)\n\(value)" }
}

extension Buffer: ParameterFreeValue {}

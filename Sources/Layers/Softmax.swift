/// A layer turning scores into probabilities along `axis` (by default the last axis, the
/// classes of a [batch, classes] tensor), computed stably. It has no parameters.
///
/// For training a classifier, feed the logits to
/// ``crossEntropy(logits:labels:classAxis:ignoreIndex:labelSmoothing:reduction:)`` instead of a
/// softmax followed by a log: it is more accurate.
///
/// ```swift
/// let probabilities = Softmax<Float>()(logits)      // each row sums to 1
/// ```
public struct Softmax<Scalar: TensorScalar>: Layer {
    /// The axis the probabilities sum to 1 along.
    ///
    /// ```swift
    /// Softmax<Float>().axis    // -1
    /// ```
    public var axis: Int

    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = Softmax<Double>(axis: 1)
    /// ```
    public init(axis: Int = -1) {
        self.axis = axis
    }

    /// The softmax of `input` along ``axis``.
    ///
    /// ```swift
    /// Softmax<Double>()(Tensor([0, 0]))    // [0.5, 0.5]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.softmax(axis: axis)
    }
}

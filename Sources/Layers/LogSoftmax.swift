/// A layer computing log(softmax) along `axis` (by default the last axis), as
/// x − logSumExp(x), which stays finite for large scores. It has no parameters.
/// Its output is what
/// ``negativeLogLikelihood(logProbabilities:labels:classAxis:ignoreIndex:reduction:)`` expects.
///
/// ```swift
/// let logProbabilities = LogSoftmax<Float>()(logits)
/// let loss = negativeLogLikelihood(logProbabilities: logProbabilities, labels: labels)
/// ```
public struct LogSoftmax<Scalar: TensorScalar>: Layer {
    /// The axis the softmax is taken along.
    ///
    /// ```swift
    /// LogSoftmax<Float>().axis    // -1
    /// ```
    public var axis: Int

    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = LogSoftmax<Double>(axis: 1)
    /// ```
    public init(axis: Int = -1) {
        self.axis = axis
    }

    /// log(softmax(input)) along ``axis``.
    ///
    /// ```swift
    /// LogSoftmax<Double>()(Tensor([0, 0]))    // [-0.693, -0.693]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.logSoftmax(axis: axis)
    }
}

/// Flattens every axis after the batch axis into one: [batch, C, H, W] → [batch, C·H·W].
/// It has no parameters; the gradient is reshaped back.
///
/// ```swift
/// let model = Sequential<Float> {
///     Conv2D(inChannels: 1, outChannels: 4, kernel: 3); ReLU(); Flatten(); Dense(inputs: 4 * 26 * 26, outputs: 10)
/// }
/// Flatten<Float>()(Tensor.zeros([2, 3, 4, 5])).shape    // [2, 60]
/// ```
public struct Flatten<Scalar: TensorScalar>: Layer {
    /// The first axis that is flattened (1: keep the batch axis).
    ///
    /// ```swift
    /// Flatten<Float>().startAxis    // 1
    /// ```
    public let startAxis: Int

    /// Makes the layer; by default it keeps axis 0 (the batch) and flattens the rest.
    ///
    /// ```swift
    /// let flatten = Flatten<Double>()
    /// ```
    public init(startAxis: Int = 1) {
        require(startAxis >= 0, "Flatten: startAxis \(startAxis) must not be negative")
        self.startAxis = startAxis
    }

    /// `input` with the axes from ``startAxis`` on merged into one.
    ///
    /// ```swift
    /// Flatten<Double>()(Tensor.zeros([2, 3, 4])).shape    // [2, 12]
    /// ```
    ///
    /// - Precondition: `input` has more than ``startAxis`` axes.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank > startAxis,
                     "Flatten: input of shape \(input.shape) has no axis \(startAxis) to flatten from")
        return input.flattened(from: startAxis)
    }
}

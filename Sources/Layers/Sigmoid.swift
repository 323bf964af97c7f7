/// A layer applying the logistic function 1 / (1 + e^−x) elementwise.
///
/// It has no parameters. The same function is available as `Activation.sigmoid` for ``Dense``.
///
/// ```swift
/// let model = Sequential<Float> { Dense(inputs: 4, outputs: 8); Sigmoid(); Dense(inputs: 8, outputs: 2) }
/// let y = Sigmoid<Float>()(x)
/// ```
public struct Sigmoid<Scalar: TensorScalar>: Layer {
    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = Sigmoid<Double>()
    /// ```
    public init() {}

    /// Applies the activation to every element of `input`.
    ///
    /// ```swift
    /// Sigmoid<Double>()(Tensor([0]))    // [0.5]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        Activation.sigmoid(input)
    }
}

/// A layer applying the hyperbolic tangent elementwise.
///
/// It has no parameters. The same function is available as `Activation.tanh` for ``Dense``.
///
/// ```swift
/// let model = Sequential<Float> { Dense(inputs: 4, outputs: 8); Tanh(); Dense(inputs: 8, outputs: 2) }
/// let y = Tanh<Float>()(x)
/// ```
public struct Tanh<Scalar: TensorScalar>: Layer {
    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = Tanh<Double>()
    /// ```
    public init() {}

    /// Applies the activation to every element of `input`.
    ///
    /// ```swift
    /// Tanh<Double>()(Tensor([0]))    // [0]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        Activation.tanh(input)
    }
}

/// A layer applying f(x) = x: passes its input through unchanged.
///
/// It has no parameters. The same function is available as `Activation.identity` for ``Dense``.
///
/// ```swift
/// let model = Sequential<Float> { Dense(inputs: 4, outputs: 8); Identity(); Dense(inputs: 8, outputs: 2) }
/// let y = Identity<Float>()(x) == x
/// ```
public struct Identity<Scalar: TensorScalar>: Layer {
    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = Identity<Double>()
    /// ```
    public init() {}

    /// Applies the activation to every element of `input`.
    ///
    /// ```swift
    /// Identity<Double>()(Tensor([1, -2]))    // [1, -2]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        Activation.identity(input)
    }
}

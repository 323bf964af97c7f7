/// A layer applying max(x, 0) elementwise; its derivative at 0 is taken as 0.
///
/// It has no parameters. The same function is available as `Activation.relu` for ``Dense``.
///
/// ```swift
/// let model = Sequential<Float> { Dense(inputs: 4, outputs: 8); ReLU(); Dense(inputs: 8, outputs: 2) }
/// let y = ReLU<Float>()(x)
/// ```
public struct ReLU<Scalar: TensorScalar>: Layer {
    /// Makes the layer.
    ///
    /// ```swift
    /// let layer = ReLU<Double>()
    /// ```
    public init() {}

    /// Applies the activation to every element of `input`.
    ///
    /// ```swift
    /// ReLU<Double>()(Tensor([1, -2]))    // [1, 0]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        Activation.relu(input)
    }
}

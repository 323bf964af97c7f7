/// A layer applying leaky ReLU elementwise: x for x > 0, `slope`·x otherwise.
/// Its derivative at 0 is taken as `slope`. It has no parameters.
///
/// ```swift
/// let model = Sequential<Float> { Dense(inputs: 4, outputs: 8); LeakyReLU(slope: 0.1); Dense(inputs: 8, outputs: 1) }
/// let y = LeakyReLU<Float>()(x)      // slope 0.01
/// ```
public struct LeakyReLU<Scalar: TensorScalar>: Layer {
    /// The slope for negative inputs.
    ///
    /// ```swift
    /// LeakyReLU<Float>().slope    // 0.01
    /// ```
    public var slope: Scalar

    /// Makes the layer; the default slope is 0.01.
    ///
    /// ```swift
    /// let layer = LeakyReLU<Double>(slope: 0.2)
    /// ```
    public init(slope: Scalar = 0.01) {
        self.slope = slope
    }

    /// Applies leaky ReLU to every element of `input`.
    ///
    /// ```swift
    /// LeakyReLU<Double>(slope: 0.1)(Tensor([2, -2]))    // [2, -0.2]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.leakyRelu(slope: slope)
    }
}

/// A fully connected layer: `activation(x · weight + bias)`, with `weight` of shape
/// [inputs, outputs] and `bias` of shape [outputs].
///
/// The input's last axis holds the features; any leading axes (usually one batch axis) are
/// kept: [batch, inputs] → [batch, outputs], and a single sample [inputs] → [outputs].
/// The forward pass is the engine's matmul, add and activation ops, so the gradients come
/// from their rules.
///
/// ```swift
/// let layer = Dense<Float>(inputs: 784, outputs: 128, activation: .relu, weightInitializer: .heNormal(), seed: 1)
/// let hidden = layer(images)                 // [batch, 784] → [batch, 128]
/// layer.namedParameters.map(\.name)          // ["weight", "bias"]
/// ```
public struct Dense<Scalar: TensorScalar>: Layer {
    /// The weight matrix, [inputs, outputs].
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).weight.shape    // [4, 3]
    /// ```
    public let weight: Parameter<Scalar>
    /// The bias, [outputs]; `nil` when built with `useBias: false`.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).bias?.shape     // [3]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The function applied to x · weight + bias.
    ///
    /// ```swift
    /// var layer = Dense<Float>(inputs: 4, outputs: 3)
    /// layer.activation = .tanh
    /// ```
    public var activation: Activation

    /// The number of input features.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).inputCount     // 4
    /// ```
    public var inputCount: Int { weight.shape[0] }
    /// The number of output features.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).outputCount    // 3
    /// ```
    public var outputCount: Int { weight.shape[1] }

    /// A layer with freshly initialized parameters drawn from `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 7)
    /// let hidden = Dense<Float>(inputs: 4, outputs: 8, activation: .tanh, using: &rng)
    /// let output = Dense<Float>(inputs: 8, outputs: 2, using: &rng)
    /// ```
    /// - Parameters:
    ///   - weightInitializer: fills the weight (default Xavier/Glorot uniform, fans (inputs, outputs)).
    ///   - biasInitializer: fills the bias (default zeros).
    ///   - useBias: whether the layer has a bias.
    public init(inputs: Int, outputs: Int, activation: Activation = .identity, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                using generator: inout SeededGenerator) {
        require(inputs > 0 && outputs > 0, "Dense: inputs (\(inputs)) and outputs (\(outputs)) must be positive")
        let fans = Fans(fanIn: inputs, fanOut: outputs)
        weight = Parameter(weightInitializer([inputs, outputs], fans: fans, using: &generator))
        bias = useBias ? Parameter(biasInitializer([outputs], fans: fans, using: &generator)) : nil
        self.activation = activation
    }

    /// A layer with freshly initialized parameters, drawn from a generator seeded with `seed`
    /// (or, when `seed` is `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let layer = Dense<Float>(inputs: 2, outputs: 3, activation: .sigmoid, seed: 42)
    /// ```
    public init(inputs: Int, outputs: Int, activation: Activation = .identity, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputs: inputs, outputs: outputs, activation: activation, useBias: useBias,
                  weightInitializer: weightInitializer, biasInitializer: biasInitializer, using: &generator)
    }

    /// A layer holding exactly these tensors. A tensor that already is a leaf (made with
    /// `requiringGrad()`, as `gradcheck` makes its inputs) stays that leaf, so gradients with
    /// respect to it can be read from it directly (see ``Parameter/init(_:)``).
    ///
    /// ```swift
    /// let layer = Dense(weight: Tensor<Double>(rows: [[1, 2], [3, 4]]), bias: Tensor([0.5, -0.5]), activation: .relu)
    /// let report = gradcheck(inputs: [x, w, b]) { v in Dense(weight: v[1], bias: v[2], activation: .tanh)(v[0]) }
    /// ```
    /// - Precondition: `weight` is 2-D and `bias`, if given, has shape [weight.shape[1]].
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil, activation: Activation = .identity) {
        require(weight.rank == 2, "Dense: weight of shape \(weight.shape) is not [inputs, outputs]")
        if let bias {
            require(bias.shape == [weight.shape[1]],
                         "Dense: bias of shape \(bias.shape) does not match weight \(weight.shape) (expected [\(weight.shape[1])])")
        }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.activation = activation
    }

    /// `activation(input · weight + bias)`.
    ///
    /// ```swift
    /// let y = Dense<Float>(inputs: 4, outputs: 3)(Tensor.zeros([10, 4]))    // [10, 3]
    /// ```
    ///
    /// - Precondition: the last axis of `input` has ``inputCount`` elements.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank >= 1 && input.shape[input.rank - 1] == inputCount,
                     "Dense: input of shape \(input.shape) does not end with \(inputCount) features "
                     + "(weight \(weight.shape))")
        var z = input.matmul(weight.value)
        if let bias { z = z + bias.value }
        return activation(z)
    }
}

/// A fully connected layer: `activation(x · weightᵀ + bias)`, with `weight` of shape
/// [outputs, inputs] and `bias` of shape [outputs]: PyTorch's `nn.Linear`, in its names and its
/// layout, so a `Linear`'s saved `state_dict` loads as it is.
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
/// layer.weight.shape                          // [128, 784]
/// ```
///
/// Versions before 2 stored the weight as [inputs, outputs]; ``Module/load(from:strict:layout:)``
/// tells such a file from PyTorch's and converts it (see ``SavedLayout``).
public struct Dense<Scalar: TensorScalar>: Layer {
    /// The weight matrix, [outputs, inputs] (PyTorch's layout: row `i` holds the weights of output `i`).
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).weight.shape    // [3, 4]
    /// ```
    public let weight: Parameter<Scalar>
    /// The bias, [outputs]; `nil` when built with `useBias: false`.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).bias?.shape     // [3]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The function applied to x · weightᵀ + bias.
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
    public var inputCount: Int { weight.shape[1] }
    /// The number of output features.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 4, outputs: 3).outputCount    // 3
    /// ```
    public var outputCount: Int { weight.shape[0] }

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
        // Drawn in the [inputs, outputs] order of versions before 2, then transposed: a seeded
        // model starts from the same numbers it always did.
        let drawn = weightInitializer([inputs, outputs], fans: fans, using: &generator)
        weight = Parameter(drawn.transposed())
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
    /// `weight` is [outputs, inputs], as PyTorch's `nn.Linear.weight` (versions before 2 took
    /// [inputs, outputs]: pass `w.transposed()` where such code had `w`).
    ///
    /// ```swift
    /// // Two inputs, three outputs: one row of weights per output.
    /// let layer = Dense(weight: Tensor<Double>(rows: [[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, -0.5, 0]), activation: .relu)
    /// let report = gradcheck(inputs: [x, w, b]) { v in Dense(weight: v[1], bias: v[2], activation: .tanh)(v[0]) }
    /// ```
    /// - Precondition: `weight` is 2-D and `bias`, if given, has shape [weight.shape[0]].
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil, activation: Activation = .identity) {
        require(weight.rank == 2, "Dense: weight of shape \(weight.shape) is not [outputs, inputs]")
        if let bias {
            require(bias.shape == [weight.shape[0]],
                    "Dense: bias of shape \(bias.shape) does not match weight \(weight.shape) [outputs, inputs] "
                    + "(expected [\(weight.shape[0])])")
        }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.activation = activation
    }

    /// `activation(input · weightᵀ + bias)`.
    ///
    /// ```swift
    /// let y = Dense<Float>(inputs: 4, outputs: 3)(Tensor.zeros([10, 4]))    // [10, 3]
    /// ```
    ///
    /// - Precondition: the last axis of `input` has ``inputCount`` elements.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let z = preActivation(input)
        PerSampleRecorder<Scalar>.active?.dense(self, input: input, preActivation: z)
        return activation(z)
    }

    /// x · weightᵀ + bias, before the activation: what ``callAsFunction(_:)`` applies the
    /// activation to (per-sample gradients take the gradient with respect to it).
    func preActivation(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank >= 1 && input.shape[input.rank - 1] == inputCount,
                "Dense: input of shape \(input.shape) does not end with \(inputCount) features "
                + "(weight \(weight.shape) is [outputs, inputs])")
        // The transpose is read through strides by the product (no copy), and its rule is again
        // such products: g·W for the input, gᵀ·x for the weight.
        var z: Tensor<Scalar>
        if input.rank == 1 {
            z = input.unsqueezed(at: 0).matmul(weight.value, transposeA: false, transposeB: true).squeezed(at: 0)
        } else {
            z = input.timesTransposed(weight.value)
        }
        if let bias { z = z + bias.value }
        return z
    }
}

// Its children listed directly, not found by reflection (see `ModuleTree.parameterChildren`).
extension Dense: CustomModuleChildren {
    var moduleChildren: [(label: String, value: Any)] { ModuleTree.parameterChildren(("weight", weight), ("bias", bias)) }
}

extension Tensor {
    /// x·Wᵀ for x [..., inputs] (rank ≥ 2) and W [outputs, inputs]: [..., outputs], every leading
    /// axis taken as rows of one product. A batched product against the shared W (a transformer's
    /// [batch, time, features]) would be one small product per batch element, and its rule's
    /// weight gradient one product per element ([batch, outputs, inputs]) summed afterwards; as
    /// one product of [rows, inputs], the weight gradient is one product gᵀ·x over every row,
    /// summed inside the GEMM.
    func timesTransposed(_ weight: Tensor) -> Tensor {
        guard rank > 2 else { return matmul(weight, transposeA: false, transposeB: true) }
        let inputs = shape[rank - 1]
        let rows = shape.dropLast().reduce(1, *)
        let product = reshaped([rows, inputs]).matmul(weight, transposeA: false, transposeB: true)
        return product.reshaped(Array(shape.dropLast()) + [weight.shape[0]])
    }
}

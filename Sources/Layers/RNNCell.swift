/// One step of an Elman recurrent network, as PyTorch's `nn.RNNCell`:
/// h′ = act(x · weightIHᵀ + biasIH + h · weightHHᵀ + biasHH), with act tanh or ReLU.
///
/// Weights in PyTorch's layout and names (`weight_ih` [hidden, input], `weight_hh`
/// [hidden, hidden], `bias_ih`, `bias_hh` [hidden]) and initial distribution
/// (U(−1/√hidden, 1/√hidden)), so weights copied from PyTorch give PyTorch's outputs. Composed
/// from engine ops. ``RNN`` runs stacked cells over whole sequences.
///
/// ```swift
/// let cell = RNNCell<Float>(inputSize: 3, hiddenSize: 8, seed: 1)
/// var h = Tensor<Float>.zeros([4, 8])
/// for x in steps { h = cell(x, state: h) }           // x: [4, 3] → h: [4, 8]
/// cell.namedParameters.map(\.name)                    // ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
/// ```
public struct RNNCell<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    let core: RecurrentCellCore<Scalar>
    /// The function applied to the pre-activation.
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).nonlinearity    // .tanh
    /// ```
    public var nonlinearity: RNNNonlinearity {
        guard case .rnn(let nonlinearity) = core.kind else { trap("RNNCell: holds a \(core.cellName)") }
        return nonlinearity
    }

    /// [hidden, input] (PyTorch's `weight_ih`).
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).weightIH.shape    // [8, 3]
    /// ```
    public var weightIH: Parameter<Scalar> { core.weightIH }
    /// [hidden, hidden] (PyTorch's `weight_hh`).
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).weightHH.shape    // [8, 8]
    /// ```
    public var weightHH: Parameter<Scalar> { core.weightHH }
    /// [hidden] (PyTorch's `bias_ih`); `nil` without bias.
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).biasIH?.shape    // [8]
    /// ```
    public var biasIH: Parameter<Scalar>? { core.biasIH }
    /// [hidden] (PyTorch's `bias_hh`); `nil` without bias.
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).biasHH?.shape    // [8]
    /// ```
    public var biasHH: Parameter<Scalar>? { core.biasHH }
    /// The number of input features.
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).inputSize    // 3
    /// ```
    public var inputSize: Int { core.inputSize }
    /// The size of the hidden state.
    ///
    /// ```swift
    /// RNNCell<Float>(inputSize: 3, hiddenSize: 8).hiddenSize    // 8
    /// ```
    public var hiddenSize: Int { core.hiddenSize }

    /// A cell with every weight and bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let cell = RNNCell<Double>(inputSize: 3, hiddenSize: 5, nonlinearity: .relu, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, nonlinearity: RNNNonlinearity = .tanh, useBias: Bool = true,
                using generator: inout SeededGenerator) {
        core = RecurrentCellCore(.rnn(nonlinearity), layer: "RNNCell", inputSize: inputSize, hiddenSize: hiddenSize,
                                 useBias: useBias, using: &generator)
    }

    /// A cell drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the next
    /// seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let cell = RNNCell<Float>(inputSize: 3, hiddenSize: 8, seed: 42)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, nonlinearity: RNNNonlinearity = .tanh, useBias: Bool = true,
                seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, nonlinearity: nonlinearity, useBias: useBias,
                  using: &generator)
    }

    /// A cell holding exactly these tensors, in PyTorch's layout: weightIH [hidden, input],
    /// weightHH [hidden, hidden], biases [hidden] (both or neither). Leaves stay leaves (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let cell = RNNCell(weightIH: Tensor<Double>(rows: [[1, 0]]), weightHH: Tensor(rows: [[0.5]]))
    /// ```
    public init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>? = nil,
                biasHH: Tensor<Scalar>? = nil, nonlinearity: RNNNonlinearity = .tanh) {
        core = RecurrentCellCore(.rnn(nonlinearity), weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// One direction of one layer of a sequence layer, seen as a cell.
    init(core: RecurrentCellCore<Scalar>) { self.core = core }

    var moduleChildren: [(label: String, value: Any)] { core.children(suffix: "") }

    /// One step from a zero state: [batch, input] → [batch, hidden].
    ///
    /// ```swift
    /// let h = RNNCell<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 3]))    // [4, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, state: nil)
    }

    /// One step: the next hidden state [batch, hidden] from the input [batch, input] and the
    /// previous hidden state [batch, hidden] (zeros when `nil`).
    ///
    /// ```swift
    /// let h1 = cell(x0, state: nil)
    /// let h2 = cell(x1, state: h1)
    /// ```
    /// - Precondition: `input` is [batch, ``inputSize``] and `state` [batch, ``hiddenSize``].
    public func callAsFunction(_ input: Tensor<Scalar>, state: Tensor<Scalar>?) -> Tensor<Scalar> {
        core(input, state: [state])[0]
    }
}

/// One step of a long short-term memory cell, as PyTorch's `nn.LSTMCell`:
///
///     i = σ(x·W_iiᵀ + b_ii + h·W_hiᵀ + b_hi)      f = σ(x·W_ifᵀ + b_if + h·W_hfᵀ + b_hf)
///     g = tanh(x·W_igᵀ + b_ig + h·W_hgᵀ + b_hg)   o = σ(x·W_ioᵀ + b_io + h·W_hoᵀ + b_ho)
///     c′ = f ⊙ c + i ⊙ g                           h′ = o ⊙ tanh(c′)
///
/// Weights in PyTorch's layout and names, the gates stacked i, f, g, o: `weight_ih`
/// [4·hidden, input], `weight_hh` [4·hidden, hidden], `bias_ih`, `bias_hh` [4·hidden]; initial
/// distribution U(−1/√hidden, 1/√hidden). Composed from engine ops. ``LSTM`` runs stacked cells
/// over sequences.
///
/// ```swift
/// let cell = LSTMCell<Float>(inputSize: 3, hiddenSize: 8, seed: 1)
/// var state = cell(x0, state: nil)          // LSTMState: hidden and cell [4, 8]
/// state = cell(x1, state: state)
/// cell.weightIH.shape                       // [32, 3]
/// ```
public struct LSTMCell<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    let core: RecurrentCellCore<Scalar>

    /// [4·hidden, input], gates i, f, g, o (PyTorch's `weight_ih`).
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).weightIH.shape    // [32, 3]
    /// ```
    public var weightIH: Parameter<Scalar> { core.weightIH }
    /// [4·hidden, hidden], gates i, f, g, o (PyTorch's `weight_hh`).
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).weightHH.shape    // [32, 8]
    /// ```
    public var weightHH: Parameter<Scalar> { core.weightHH }
    /// [4·hidden] (PyTorch's `bias_ih`); `nil` without bias.
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).biasIH?.shape    // [32]
    /// ```
    public var biasIH: Parameter<Scalar>? { core.biasIH }
    /// [4·hidden] (PyTorch's `bias_hh`); `nil` without bias.
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).biasHH?.shape    // [32]
    /// ```
    public var biasHH: Parameter<Scalar>? { core.biasHH }
    /// The number of input features.
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).inputSize    // 3
    /// ```
    public var inputSize: Int { core.inputSize }
    /// The size of the hidden and cell states.
    ///
    /// ```swift
    /// LSTMCell<Float>(inputSize: 3, hiddenSize: 8).hiddenSize    // 8
    /// ```
    public var hiddenSize: Int { core.hiddenSize }

    /// A cell with every weight and bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let cell = LSTMCell<Double>(inputSize: 3, hiddenSize: 5, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, useBias: Bool = true, using generator: inout SeededGenerator) {
        core = RecurrentCellCore(.lstm, layer: "LSTMCell", inputSize: inputSize, hiddenSize: hiddenSize, useBias: useBias,
                                 using: &generator)
    }

    /// A cell drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the next
    /// seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let cell = LSTMCell<Float>(inputSize: 3, hiddenSize: 8, seed: 42)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, useBias: Bool = true, seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, useBias: useBias, using: &generator)
    }

    /// A cell holding exactly these tensors, in PyTorch's layout: weightIH [4·hidden, input],
    /// weightHH [4·hidden, hidden], biases [4·hidden] (both or neither). Leaves stay leaves (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let cell = LSTMCell(weightIH: Tensor<Double>.zeros([8, 3]), weightHH: Tensor.zeros([8, 2]))
    /// ```
    public init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>? = nil,
                biasHH: Tensor<Scalar>? = nil) {
        core = RecurrentCellCore(.lstm, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// One direction of one layer of a sequence layer, seen as a cell.
    init(core: RecurrentCellCore<Scalar>) { self.core = core }

    var moduleChildren: [(label: String, value: Any)] { core.children(suffix: "") }

    /// One step from zero states, returning the hidden state: [batch, input] → [batch, hidden].
    ///
    /// ```swift
    /// let h = LSTMCell<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 3]))    // [4, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, state: nil).hidden
    }

    /// One step: the next hidden and cell states [batch, hidden] from the input [batch, input]
    /// and the previous states (zeros when `nil`).
    ///
    /// ```swift
    /// let s1 = cell(x0, state: nil)
    /// let s2 = cell(x1, state: s1)
    /// let output = s2.hidden
    /// ```
    /// - Precondition: `input` is [batch, ``inputSize``] and both states [batch, ``hiddenSize``].
    public func callAsFunction(_ input: Tensor<Scalar>, state: LSTMState<Scalar>?) -> LSTMState<Scalar> {
        let next = core(input, state: [state?.hidden, state?.cell])
        return LSTMState(hidden: next[0], cell: next[1])
    }
}

/// A long short-term memory network over whole sequences, as PyTorch's `nn.LSTM`: ``LSTMCell``s
/// stacked `layers` deep, run over every time step.
///
/// Batch-first: the input is [batch, time, inputSize] and the output the top layer's hidden
/// state at every step, [batch, time, hiddenSize]. Each layer's sequence of hidden states is the
/// next layer's input. The initial hidden and cell states are optional (zeros), each [layers, batch, hidden]. The tape unrolls through time, so backpropagation through
/// time is just `backward()`.
///
/// Parameters in PyTorch's layout and names (`weight_ih_l0` [4·hidden, input], `weight_hh_l0`
/// [4·hidden, hidden], `bias_ih_l0`, `bias_hh_l0`, then `_l1`, …) and initial distribution
/// (U(−1/√hidden, 1/√hidden)): a `state_dict` of PyTorch's `nn.LSTM(…, batch_first=True)`
/// saved as safetensors loads with ``Module/load(from:)`` and gives PyTorch's outputs.
///
/// ```swift
/// let lstm = LSTM<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 1)
/// let outputs = lstm(x)                          // [batch, time, 10] → [batch, time, 32]
/// let (output, state) = lstm(x, state: nil)      // state: final hidden and cell states, each [2, batch, 32]
/// lstm.namedParameters.map(\.name).prefix(4)     // ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
/// ```
public struct LSTM<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    /// The stacked cells, input layer first.
    ///
    /// ```swift
    /// LSTM<Float>(inputSize: 10, hiddenSize: 32, layers: 2).cells[1].inputSize    // 32
    /// ```
    public let cells: [LSTMCell<Scalar>]

    /// The number of input features.
    ///
    /// ```swift
    /// LSTM<Float>(inputSize: 10, hiddenSize: 32).inputSize    // 10
    /// ```
    public var inputSize: Int { cells[0].inputSize }
    /// The size of every layer's hidden state.
    ///
    /// ```swift
    /// LSTM<Float>(inputSize: 10, hiddenSize: 32).hiddenSize    // 32
    /// ```
    public var hiddenSize: Int { cells[0].hiddenSize }
    /// The number of stacked layers.
    ///
    /// ```swift
    /// LSTM<Float>(inputSize: 10, hiddenSize: 32, layers: 3).layers    // 3
    /// ```
    public var layers: Int { cells.count }

    /// `layers` stacked cells with weights drawn from U(−1/√hiddenSize, 1/√hiddenSize) by `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 4)
    /// let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 5, layers: 2, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, useBias: Bool = true,
                using generator: inout SeededGenerator) {
        require(layers > 0, "LSTM: layers (\(layers)) must be positive")
        cells = (0..<layers).map { k in
            LSTMCell(inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, useBias: useBias,
                    using: &generator)
        }
    }

    /// `layers` stacked cells drawn from a generator seeded with `seed` (or, when `seed` is
    /// `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let lstm = LSTM<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 42)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, useBias: Bool = true,
                seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, useBias: useBias,
                  using: &generator)
    }

    /// A stack of these cells, input layer first: each takes the previous one's hidden
    /// state, and all share one hidden size. Build the cells with their `weightIH:` initializer to
    /// run `gradcheck` through the whole sequence.
    ///
    /// ```swift
    /// let lstm = LSTM(cells: [LSTMCell<Double>(inputSize: 3, hiddenSize: 4, seed: 1), LSTMCell(inputSize: 4, hiddenSize: 4, seed: 2)])
    /// ```
    public init(cells: [LSTMCell<Scalar>]) {
        RecurrentSequence.checkStack(cells)
        self.cells = cells
    }

    var moduleChildren: [(label: String, value: Any)] { RecurrentSequence.children(cells) }

    /// The top layer's hidden state at every step, [batch, time, hiddenSize], from zero initial
    /// states.
    ///
    /// ```swift
    /// let y = LSTM<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 6, 3]))    // [4, 6, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, state: nil).output
    }

    /// The output sequence [batch, time, hiddenSize] and every layer's final hidden and cell
    /// states (each [layers, batch, hiddenSize]), from the initial states `state` (each
    /// [layers, batch, hiddenSize]; zeros when `nil`), as PyTorch's `(output, (h_n, c_n))`.
    ///
    /// ```swift
    /// let (output, last) = lstm(x, state: nil)
    /// let (next, _) = lstm(moreX, state: last)          // carry the state on
    /// ```
    /// - Precondition: `input` is [batch, time ≥ 1, ``inputSize``]; both states are
    ///   [``layers``, batch, ``hiddenSize``].
    public func callAsFunction(_ input: Tensor<Scalar>, state: LSTMState<Scalar>?) -> (output: Tensor<Scalar>, state: LSTMState<Scalar>) {
        let (output, final) = RecurrentSequence.run(cells, input: input, initial: [state?.hidden, state?.cell])
        return (output, LSTMState(hidden: final[0], cell: final[1]))
    }
}

/// A gated recurrent unit network over whole sequences, as PyTorch's `nn.GRU`: ``GRUCell``s stacked
/// `layers` deep, run over every time step.
///
/// Batch-first: the input is [batch, time, inputSize] and the output the top layer's hidden
/// state at every step, [batch, time, hiddenSize]. Each layer's sequence of hidden states is the
/// next layer's input. The initial hidden state is optional (zeros), [layers, batch, hidden]. The tape unrolls through time, so backpropagation through
/// time is just `backward()`.
///
/// Parameters in PyTorch's layout and names (`weight_ih_l0` [3·hidden, input], `weight_hh_l0`
/// [3·hidden, hidden], `bias_ih_l0`, `bias_hh_l0`, then `_l1`, …) and initial distribution
/// (U(−1/√hidden, 1/√hidden)): a `state_dict` of PyTorch's `nn.GRU(…, batch_first=True)`
/// saved as safetensors loads with ``Module/load(from:)`` and gives PyTorch's outputs.
///
/// ```swift
/// let gru = GRU<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 1)
/// let outputs = gru(x)                          // [batch, time, 10] → [batch, time, 32]
/// let (output, state) = gru(x, state: nil)      // state: final hidden states [2, batch, 32]
/// gru.namedParameters.map(\.name).prefix(4)     // ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
/// ```
public struct GRU<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    /// The stacked cells, input layer first.
    ///
    /// ```swift
    /// GRU<Float>(inputSize: 10, hiddenSize: 32, layers: 2).cells[1].inputSize    // 32
    /// ```
    public let cells: [GRUCell<Scalar>]

    /// The number of input features.
    ///
    /// ```swift
    /// GRU<Float>(inputSize: 10, hiddenSize: 32).inputSize    // 10
    /// ```
    public var inputSize: Int { cells[0].inputSize }
    /// The size of every layer's hidden state.
    ///
    /// ```swift
    /// GRU<Float>(inputSize: 10, hiddenSize: 32).hiddenSize    // 32
    /// ```
    public var hiddenSize: Int { cells[0].hiddenSize }
    /// The number of stacked layers.
    ///
    /// ```swift
    /// GRU<Float>(inputSize: 10, hiddenSize: 32, layers: 3).layers    // 3
    /// ```
    public var layers: Int { cells.count }

    /// `layers` stacked cells with weights drawn from U(−1/√hiddenSize, 1/√hiddenSize) by `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 4)
    /// let gru = GRU<Double>(inputSize: 3, hiddenSize: 5, layers: 2, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, useBias: Bool = true,
                using generator: inout SeededGenerator) {
        require(layers > 0, "GRU: layers (\(layers)) must be positive")
        cells = (0..<layers).map { k in
            GRUCell(inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, useBias: useBias,
                    using: &generator)
        }
    }

    /// `layers` stacked cells drawn from a generator seeded with `seed` (or, when `seed` is
    /// `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let gru = GRU<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 42)
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
    /// let gru = GRU(cells: [GRUCell<Double>(inputSize: 3, hiddenSize: 4, seed: 1), GRUCell(inputSize: 4, hiddenSize: 4, seed: 2)])
    /// ```
    public init(cells: [GRUCell<Scalar>]) {
        RecurrentSequence.checkStack(cells)
        self.cells = cells
    }

    var moduleChildren: [(label: String, value: Any)] { RecurrentSequence.children(cells) }

    /// The top layer's hidden state at every step, [batch, time, hiddenSize], from zero initial
    /// states.
    ///
    /// ```swift
    /// let y = GRU<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 6, 3]))    // [4, 6, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, state: nil).output
    }

    /// The output sequence [batch, time, hiddenSize] and every layer's final hidden state
    /// [layers, batch, hiddenSize], from the initial hidden states `state` [layers, batch,
    /// hiddenSize] (zeros when `nil`), as PyTorch's `(output, h_n)`.
    ///
    /// ```swift
    /// let (output, last) = gru(x, state: nil)
    /// let (next, _) = gru(moreX, state: last)       // carry the state on
    /// ```
    /// - Precondition: `input` is [batch, time ≥ 1, ``inputSize``]; `state` is [``layers``, batch, ``hiddenSize``].
    public func callAsFunction(_ input: Tensor<Scalar>, state: Tensor<Scalar>?) -> (output: Tensor<Scalar>, state: Tensor<Scalar>) {
        let (output, final) = RecurrentSequence.run(cells, input: input, initial: [state])
        return (output, final[0])
    }
}

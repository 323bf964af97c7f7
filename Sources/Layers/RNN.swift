/// An Elman recurrent network over whole sequences, as PyTorch's `nn.RNN`: ``RNNCell``s (tanh or
/// ReLU) stacked `layers` deep, run over every time step, in one direction or both.
///
/// The input is [batch, time, inputSize] (`batchFirst: true`, the default here) or
/// [time, batch, inputSize] (`batchFirst: false`, PyTorch's default), and the output, in the same
/// layout, the top layer's hidden state at every step: hiddenSize features, or 2·hiddenSize when
/// `bidirectional` (the forward direction's, then the reverse direction's, which reads the
/// sequence from its last step to its first). Each layer's output sequence is the next layer's
/// input. The initial hidden state is optional (zeros), [layers·directions, batch, hidden] in
/// either layout. The tape unrolls through time, so backpropagation through time is just
/// `backward()`.
///
/// Parameters in PyTorch's layout, names and order (`weight_ih_l0` [hidden, input],
/// `weight_hh_l0` [hidden, hidden], `bias_ih_l0`, `bias_hh_l0`, then `…_l0_reverse` when
/// bidirectional, then `_l1`, …) and initial distribution (U(−1/√hidden, 1/√hidden)): a
/// `state_dict` of PyTorch's `nn.RNN` with the same settings saved as safetensors loads with
/// ``Module/load(from:layout:)`` and gives PyTorch's outputs.
///
/// ```swift
/// let rnn = RNN<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 1)
/// let outputs = rnn(x)                          // [batch, time, 10] → [batch, time, 32]
/// let (output, state) = rnn(x, state: nil)      // state: final hidden states [2, batch, 32]
/// rnn.namedParameters.map(\.name).prefix(4)     // ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
/// let both = RNN<Float>(inputSize: 10, hiddenSize: 32, batchFirst: false, bidirectional: true)
/// both(Tensor.zeros([7, 4, 10])).shape            // [7, 4, 64]: [time, batch, 2·hidden]
/// ```
public struct RNN<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    let network: RecurrentNetwork<Scalar>

    /// The stacked cells of the forward direction, input layer first.
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32, layers: 2).cells[1].inputSize    // 32
    /// ```
    public var cells: [RNNCell<Scalar>] { network.forward.map(RNNCell.init(core:)) }
    /// The stacked cells of the reverse direction, input layer first; empty unless bidirectional.
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32, layers: 2, bidirectional: true).reverseCells[1].inputSize    // 64
    /// ```
    public var reverseCells: [RNNCell<Scalar>] { network.reverse.map(RNNCell.init(core:)) }
    /// The number of input features.
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32).inputSize    // 10
    /// ```
    public var inputSize: Int { network.inputSize }
    /// The size of every layer's hidden state.
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32).hiddenSize    // 32
    /// ```
    public var hiddenSize: Int { network.hiddenSize }
    /// The number of stacked layers.
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32, layers: 3).layers    // 3
    /// ```
    public var layers: Int { network.layers }
    /// Whether sequences are [batch, time, features] (`true`) or [time, batch, features].
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32).batchFirst    // true
    /// ```
    public var batchFirst: Bool { network.batchFirst }
    /// Whether every layer runs in both directions (outputs of 2·hiddenSize features).
    ///
    /// ```swift
    /// RNN<Float>(inputSize: 10, hiddenSize: 32, bidirectional: true).bidirectional    // true
    /// ```
    public var bidirectional: Bool { network.bidirectional }

    /// `layers` stacked layers of one cell per direction, weights drawn from
    /// U(−1/√hiddenSize, 1/√hiddenSize) by `generator` in the order of the parameters' names.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 4)
    /// let rnn = RNN<Double>(inputSize: 3, hiddenSize: 5, layers: 2, nonlinearity: .relu, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, nonlinearity: RNNNonlinearity = .tanh, useBias: Bool = true,
                batchFirst: Bool = true, bidirectional: Bool = false, using generator: inout SeededGenerator) {
        network = RecurrentNetwork(.rnn(nonlinearity), inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
                                   useBias: useBias, batchFirst: batchFirst, bidirectional: bidirectional, using: &generator)
    }

    /// The same, drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the
    /// next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let rnn = RNN<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 42)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, nonlinearity: RNNNonlinearity = .tanh, useBias: Bool = true,
                batchFirst: Bool = true, bidirectional: Bool = false, seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, nonlinearity: nonlinearity, useBias: useBias,
                  batchFirst: batchFirst, bidirectional: bidirectional, using: &generator)
    }

    /// A stack of these cells, input layer first, and for a bidirectional layer as many
    /// `reverseCells`: all share one hidden size, and each layer after the first takes the
    /// previous layer's output (hiddenSize features, or 2·hiddenSize when bidirectional). Build the
    /// cells with their `weightIH:` initializer to run `gradcheck` through the whole sequence.
    ///
    /// ```swift
    /// let rnn = RNN(cells: [RNNCell<Double>(inputSize: 3, hiddenSize: 4, seed: 1), RNNCell(inputSize: 4, hiddenSize: 4, seed: 2)])
    /// ```
    public init(cells: [RNNCell<Scalar>], reverseCells: [RNNCell<Scalar>] = [], batchFirst: Bool = true) {
        network = RecurrentNetwork(name: "RNN", forward: cells.map(\.core), reverse: reverseCells.map(\.core), batchFirst: batchFirst)
    }

    var moduleChildren: [(label: String, value: Any)] { network.moduleChildren }

    /// The top layer's hidden state at every step, [batch, time, directions·hiddenSize] (time
    /// first when not ``batchFirst``), from zero initial states.
    ///
    /// ```swift
    /// let y = RNN<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 6, 3]))    // [4, 6, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, state: nil).output
    }

    /// The output sequence [batch, time, directions·hiddenSize] (time first when not
    /// ``batchFirst``) and every layer's final hidden state [layers·directions, batch, hiddenSize]
    /// (layer 0, layer 0 reverse, layer 1, …), from the initial hidden states `state` (of that
    /// shape; zeros when `nil`), as PyTorch's `(output, h_n)`.
    ///
    /// ```swift
    /// let (output, last) = rnn(x, state: nil)
    /// let (next, _) = rnn(moreX, state: last)           // carry the state on
    /// ```
    /// - Precondition: `input` is [batch, time ≥ 1, ``inputSize``] ([time, batch, ``inputSize``]
    ///   when not ``batchFirst``); `state` is [``layers``·directions, batch, ``hiddenSize``].
    public func callAsFunction(_ input: Tensor<Scalar>, state: Tensor<Scalar>?) -> (output: Tensor<Scalar>, state: Tensor<Scalar>) {
        let (output, final) = network.run(input, initial: [state])
        return (output, final[0])
    }
}

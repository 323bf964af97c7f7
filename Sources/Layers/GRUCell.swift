/// One step of a gated recurrent unit, as PyTorch's `nn.GRUCell`:
///
///     r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)
///     z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
///     n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))
///     h′ = (1 − z) ⊙ n + z ⊙ h
///
/// Weights in PyTorch's layout and names, the gates stacked r, z, n: `weight_ih` [3·hidden, input],
/// `weight_hh` [3·hidden, hidden], `bias_ih`, `bias_hh` [3·hidden]; initial distribution
/// U(−1/√hidden, 1/√hidden). Composed from engine ops. ``GRU`` runs stacked cells over sequences.
///
/// ```swift
/// let cell = GRUCell<Float>(inputSize: 3, hiddenSize: 8, seed: 1)
/// let h1 = cell(x0, state: nil)             // [4, 3] → [4, 8]
/// let h2 = cell(x1, state: h1)
/// cell.weightIH.shape                       // [24, 3]
/// ```
public struct GRUCell<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    let core: RecurrentCellCore<Scalar>

    /// [3·hidden, input], gates r, z, n (PyTorch's `weight_ih`).
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).weightIH.shape    // [24, 3]
    /// ```
    public var weightIH: Parameter<Scalar> { core.weightIH }
    /// [3·hidden, hidden], gates r, z, n (PyTorch's `weight_hh`).
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).weightHH.shape    // [24, 8]
    /// ```
    public var weightHH: Parameter<Scalar> { core.weightHH }
    /// [3·hidden] (PyTorch's `bias_ih`); `nil` without bias.
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).biasIH?.shape    // [24]
    /// ```
    public var biasIH: Parameter<Scalar>? { core.biasIH }
    /// [3·hidden] (PyTorch's `bias_hh`); `nil` without bias.
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).biasHH?.shape    // [24]
    /// ```
    public var biasHH: Parameter<Scalar>? { core.biasHH }
    /// The number of input features.
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).inputSize    // 3
    /// ```
    public var inputSize: Int { core.inputSize }
    /// The size of the hidden state.
    ///
    /// ```swift
    /// GRUCell<Float>(inputSize: 3, hiddenSize: 8).hiddenSize    // 8
    /// ```
    public var hiddenSize: Int { core.hiddenSize }

    /// A cell with every weight and bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let cell = GRUCell<Double>(inputSize: 3, hiddenSize: 5, using: &rng)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, useBias: Bool = true, using generator: inout SeededGenerator) {
        core = RecurrentCellCore(.gru, layer: "GRUCell", inputSize: inputSize, hiddenSize: hiddenSize, useBias: useBias,
                                 using: &generator)
    }

    /// A cell drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the next
    /// seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let cell = GRUCell<Float>(inputSize: 3, hiddenSize: 8, seed: 42)
    /// ```
    public init(inputSize: Int, hiddenSize: Int, useBias: Bool = true, seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, useBias: useBias, using: &generator)
    }

    /// A cell holding exactly these tensors, in PyTorch's layout: weightIH [3·hidden, input],
    /// weightHH [3·hidden, hidden], biases [3·hidden] (both or neither). Leaves stay leaves (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let cell = GRUCell(weightIH: Tensor<Double>.zeros([6, 3]), weightHH: Tensor.zeros([6, 2]))
    /// ```
    public init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>? = nil,
                biasHH: Tensor<Scalar>? = nil) {
        core = RecurrentCellCore(.gru, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// One direction of one layer of a sequence layer, seen as a cell.
    init(core: RecurrentCellCore<Scalar>) { self.core = core }

    var moduleChildren: [(label: String, value: Any)] { core.children(suffix: "") }

    /// One step from a zero state: [batch, input] → [batch, hidden].
    ///
    /// ```swift
    /// let h = GRUCell<Float>(inputSize: 3, hiddenSize: 8)(Tensor.zeros([4, 3]))    // [4, 8]
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

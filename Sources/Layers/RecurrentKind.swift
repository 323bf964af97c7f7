/// Which recurrent cell a layer is made of, as the `mode` of PyTorch's `RNNBase`
/// ("RNN_TANH", "RNN_RELU", "GRU", "LSTM"): the number of gates stacked in the weights, the
/// number of state tensors, and the step.
enum RecurrentKind: Hashable {
    case rnn(RNNNonlinearity)
    case gru
    case lstm

    /// The layer's name for messages ("LSTM"); a cell's is this name followed by "Cell".
    var name: String {
        switch self {
        case .rnn: return "RNN"
        case .gru: return "GRU"
        case .lstm: return "LSTM"
        }
    }

    /// How many [hidden, ·] blocks are stacked in weightIH and weightHH, in PyTorch's order
    /// (GRU: r, z, n; LSTM: i, f, g, o).
    var gates: Int {
        switch self {
        case .rnn: return 1
        case .gru: return 3
        case .lstm: return 4
        }
    }

    /// The number of state tensors: the hidden state, and an LSTM's cell state.
    var stateCount: Int { self == .lstm ? 2 : 1 }

    /// Whether a layer of this kind runs each direction as one sequence primitive of the engine
    /// (`Tensor.lstmSequence`, `Tensor.gruSequence`); the Elman RNN runs step by step.
    var hasSequencePrimitive: Bool {
        switch self {
        case .rnn: return false
        case .gru, .lstm: return true
        }
    }

    /// The names of the states in messages, hidden state first.
    var stateNames: [String] { self == .lstm ? ["hidden state", "cell state"] : ["hidden state"] }

    /// The next state (hidden state first) from the projected input x·weightIHᵀ + biasIH and the
    /// projected hidden state h·weightHHᵀ + biasHH, both [batch, gates·hidden], and the state.
    /// The GRU and LSTM steps are fused primitives of the engine (one pass over the elements,
    /// forward and backward; the same values as the equations composed of ops).
    ///
    ///     RNN:  h′ = act(x + h)
    ///     GRU:  r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn), h′ = (1 − z) ⊙ n + z ⊙ h
    ///     LSTM: i, f, o = σ(x + h)ᵢ,f,o, g = tanh(x + h)g, c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′)
    func step<Scalar>(input x: Tensor<Scalar>, hidden h: Tensor<Scalar>, state: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        switch self {
        case .rnn(let nonlinearity):
            return [nonlinearity(x + h)]
        case .gru:
            // One fused primitive (Tensor.gruCell): the equations above in one pass, forward and back.
            return [Tensor.gruCell(input: x, hidden: h, state: state[0])]
        case .lstm:
            // One fused primitive (Tensor.lstmCell) giving h′ and c′ side by side, cut apart here.
            let width = state[1].shape[1], both = Tensor.lstmCell(gates: x + h, cell: state[1])
            return [both.slice(axis: 1, 0..<width), both.slice(axis: 1, width..<2 * width)]
        }
    }
}

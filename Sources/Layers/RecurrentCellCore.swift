/// One recurrent cell of any kind: the implementation behind ``RNNCell``, ``GRUCell`` and
/// ``LSTMCell``, and one direction of one layer of ``RNN``, ``GRU`` and ``LSTM``.
///
/// The four tensors are in PyTorch's layout: `weightIH` [gates·hidden, input], `weightHH`
/// [gates·hidden, hidden], `biasIH` and `biasHH` [gates·hidden], the gates stacked in PyTorch's
/// order (see ``RecurrentKind/gates``).
struct RecurrentCellCore<Scalar: TensorScalar> {
    let kind: RecurrentKind
    let weightIH: Parameter<Scalar>
    let weightHH: Parameter<Scalar>
    let biasIH: Parameter<Scalar>?
    let biasHH: Parameter<Scalar>?

    var inputSize: Int { weightIH.shape[1] }
    var hiddenSize: Int { weightHH.shape[1] }
    /// The name of the cell alone, for messages ("GRUCell").
    var cellName: String { kind.name + "Cell" }

    /// Every tensor drawn from U(−1/√hidden, 1/√hidden), as PyTorch initializes them; `layer`
    /// names the layer in messages.
    init(_ kind: RecurrentKind, layer: String, inputSize: Int, hiddenSize: Int, useBias: Bool,
         using generator: inout SeededGenerator) {
        require(inputSize > 0 && hiddenSize > 0,
                "\(layer): inputSize (\(inputSize)) and hiddenSize (\(hiddenSize)) must be positive")
        let bound = Scalar(1 / Double(hiddenSize).squareRoot())
        func draw(_ shape: [Int]) -> Parameter<Scalar> {
            Parameter(.randomUniform(shape, lower: -bound, upper: bound, using: &generator))
        }
        let rows = kind.gates * hiddenSize
        self.kind = kind
        weightIH = draw([rows, inputSize])
        weightHH = draw([rows, hiddenSize])
        biasIH = useBias ? draw([rows]) : nil
        biasHH = useBias ? draw([rows]) : nil
    }

    /// A cell holding exactly these tensors (leaves stay leaves), checked against the kind's layout.
    init(_ kind: RecurrentKind, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
         biasHH: Tensor<Scalar>?) {
        let layer = kind.name + "Cell", gates = kind.gates
        require(weightHH.rank == 2 && weightHH.shape[1] > 0 && weightHH.shape[0] == gates * weightHH.shape[1],
                "\(layer): weightHH of shape \(weightHH.shape) is not [\(gates)·hidden, hidden]")
        let rows = weightHH.shape[0], hidden = weightHH.shape[1]
        require(weightIH.rank == 2 && weightIH.shape[0] == rows && weightIH.shape[1] > 0,
                "\(layer): weightIH of shape \(weightIH.shape) is not [\(rows), input] (\(gates)·hidden \(hidden) rows)")
        require((biasIH == nil) == (biasHH == nil), "\(layer): give both biasIH and biasHH, or neither")
        for (name, bias) in [("biasIH", biasIH), ("biasHH", biasHH)] {
            if let bias { require(bias.shape == [rows], "\(layer): \(name) of shape \(bias.shape) is not [\(rows)]") }
        }
        self.kind = kind
        self.weightIH = Parameter(sharing: weightIH)
        self.weightHH = Parameter(sharing: weightHH)
        self.biasIH = biasIH.map { Parameter(sharing: $0) }
        self.biasHH = biasHH.map { Parameter(sharing: $0) }
    }

    /// PyTorch's names, with `suffix` ("_l0" or "_l0_reverse" in a multi-layer module, "" in a cell).
    func children(suffix: String) -> [(label: String, value: Any)] {
        var out: [(label: String, value: Any)] = [("weight_ih" + suffix, weightIH), ("weight_hh" + suffix, weightHH)]
        if let biasIH { out.append(("bias_ih" + suffix, biasIH)) }
        if let biasHH { out.append(("bias_hh" + suffix, biasHH)) }
        return out
    }

    /// x · weightIHᵀ + biasIH for inputs [batch, input], with weightIHᵀ computed once per sequence
    /// by the caller: [batch, gates·hidden].
    func projectInput(_ x: Tensor<Scalar>, transposedWeightIH: Tensor<Scalar>) -> Tensor<Scalar> {
        let projected = x.matmul(transposedWeightIH)
        return biasIH.map { projected + $0.value } ?? projected
    }

    /// One step from the input [batch, input] and the state (hidden state first, each
    /// [batch, hidden]), with the weights' transposes computed once per sequence by the caller.
    /// `trace` (kept during a batched per-sample pass) receives the step's inputs and projections.
    func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>], transposedWeightIH: Tensor<Scalar>,
              transposedWeightHH: Tensor<Scalar>, trace: RecurrentTrace<Scalar>? = nil) -> [Tensor<Scalar>] {
        let projectedHidden = state[0].matmul(transposedWeightHH)
        let input = projectInput(x, transposedWeightIH: transposedWeightIH)     // the ops in the order they always ran
        let hidden = biasHH.map { projectedHidden + $0.value } ?? projectedHidden
        trace?.append(input: x, hidden: state[0], projectedInput: input, projectedHidden: hidden)
        return kind.step(input: input, hidden: hidden, state: state)
    }

    /// One direction of a layer over a whole time-major sequence [time, batch, input] by the
    /// engine's sequence primitive (LSTM and GRU only): the inputs of every step projected in one
    /// product, then the steps in one op. Returns the hidden state after each step [time, batch,
    /// hidden] and the final states (hidden state first, each [batch, hidden]); `initial` holds
    /// the initial states, nil for zeros. The same values as `step` run over the sequence.
    func sequence(_ x: Tensor<Scalar>, initial: [Tensor<Scalar>?], reversed: Bool) -> (outputs: Tensor<Scalar>, final: [Tensor<Scalar>]) {
        let (steps, batch) = (x.shape[0], x.shape[1])
        let flat = x.reshaped([steps * batch, inputSize])
        let projected = projectInput(flat, transposedWeightIH: weightIH.value.transposed()).reshaped([steps, batch, kind.gates * hiddenSize])
        func row(_ t: Tensor<Scalar>, _ index: Int) -> Tensor<Scalar> { t.slice(axis: 0, index..<(index + 1)).squeezed(at: 0) }
        let last = reversed ? 0 : steps - 1
        switch kind {
        case .lstm:
            let all = Tensor.lstmSequence(projected: projected, weightHH: weightHH.value, biasHH: biasHH?.value,
                                          hidden: initial[0], cell: initial[1], reversed: reversed)
            return (all.slice(axis: 0, 0..<steps), [row(all, last), row(all, steps)])
        case .gru:
            let all = Tensor.gruSequence(projected: projected, weightHH: weightHH.value, biasHH: biasHH?.value,
                                         hidden: initial[0], reversed: reversed)
            return (all, [row(all, last)])
        case .rnn:
            trap("\(cellName): the sequence primitive runs LSTM and GRU cells only (RNN runs step by step)")
        }
    }

    /// One step of the cell alone (``GRUCell`` and its kin): the input [batch, input] and the
    /// states [batch, hidden] checked, a missing state taken as zeros.
    func callAsFunction(_ input: Tensor<Scalar>, state: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        require(input.rank == 2 && input.shape[1] == inputSize,
                "\(cellName): input of shape \(input.shape) is not [batch, \(inputSize)] (inputSize \(inputSize))")
        let expected = [input.shape[0], hiddenSize]
        for (name, tensor) in zip(kind.stateNames, state) {
            if let tensor {
                require(tensor.shape == expected,
                        "\(cellName): \(name) of shape \(tensor.shape) is not \(expected) ([batch, hiddenSize])")
            }
        }
        let zeros = Tensor<Scalar>.zeros(expected)
        let recorder = PerSampleRecorder<Scalar>.active
        let trace = recorder.map { _ in RecurrentTrace<Scalar>() }
        let next = step(input, state: state.map { $0 ?? zeros }, transposedWeightIH: weightIH.value.transposed(),
                        transposedWeightHH: weightHH.value.transposed(), trace: trace)
        if let recorder, let trace { recorder.recurrent(self, trace, layer: cellName) }
        return next
    }
}

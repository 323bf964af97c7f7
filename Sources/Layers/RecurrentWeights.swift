/// The four tensors of a recurrent cell, in PyTorch's layout: `weightIH` [gates·hidden, input],
/// `weightHH` [gates·hidden, hidden], `biasIH` and `biasHH` [gates·hidden], the gates stacked
/// in PyTorch's order (GRU: r, z, n; LSTM: i, f, g, o). Shared by ``RNNCell``, ``GRUCell`` and
/// ``LSTMCell``.
struct RecurrentWeights<Scalar: TensorScalar> {
    let weightIH: Parameter<Scalar>
    let weightHH: Parameter<Scalar>
    let biasIH: Parameter<Scalar>?
    let biasHH: Parameter<Scalar>?
    let gates: Int

    var inputSize: Int { weightIH.shape[1] }
    var hiddenSize: Int { weightHH.shape[1] }

    /// Every tensor drawn from U(−1/√hidden, 1/√hidden), as PyTorch initializes them.
    init(layer: String, inputSize: Int, hiddenSize: Int, gates: Int, useBias: Bool, using generator: inout SeededGenerator) {
        require(inputSize > 0 && hiddenSize > 0,
                "\(layer): inputSize (\(inputSize)) and hiddenSize (\(hiddenSize)) must be positive")
        let bound = Scalar(1 / Double(hiddenSize).squareRoot())
        func draw(_ shape: [Int]) -> Parameter<Scalar> {
            Parameter(.randomUniform(shape, lower: -bound, upper: bound, using: &generator))
        }
        weightIH = draw([gates * hiddenSize, inputSize])
        weightHH = draw([gates * hiddenSize, hiddenSize])
        biasIH = useBias ? draw([gates * hiddenSize]) : nil
        biasHH = useBias ? draw([gates * hiddenSize]) : nil
        self.gates = gates
    }

    init(layer: String, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
         biasHH: Tensor<Scalar>?, gates: Int) {
        require(weightHH.rank == 2 && weightHH.shape[1] > 0 && weightHH.shape[0] == gates * weightHH.shape[1],
                "\(layer): weightHH of shape \(weightHH.shape) is not [\(gates)·hidden, hidden]")
        let rows = weightHH.shape[0], hidden = weightHH.shape[1]
        require(weightIH.rank == 2 && weightIH.shape[0] == rows && weightIH.shape[1] > 0,
                "\(layer): weightIH of shape \(weightIH.shape) is not [\(rows), input] (\(gates)·hidden \(hidden) rows)")
        require((biasIH == nil) == (biasHH == nil), "\(layer): give both biasIH and biasHH, or neither")
        for (name, bias) in [("biasIH", biasIH), ("biasHH", biasHH)] {
            if let bias { require(bias.shape == [rows], "\(layer): \(name) of shape \(bias.shape) is not [\(rows)]") }
        }
        self.weightIH = Parameter(sharing: weightIH)
        self.weightHH = Parameter(sharing: weightHH)
        self.biasIH = biasIH.map { Parameter(sharing: $0) }
        self.biasHH = biasHH.map { Parameter(sharing: $0) }
        self.gates = gates
    }

    /// PyTorch's names, with `suffix` ("_l0" in a multi-layer module, "" in a cell).
    func children(suffix: String) -> [(label: String, value: Any)] {
        var out: [(label: String, value: Any)] = [("weight_ih" + suffix, weightIH), ("weight_hh" + suffix, weightHH)]
        if let biasIH { out.append(("bias_ih" + suffix, biasIH)) }
        if let biasHH { out.append(("bias_hh" + suffix, biasHH)) }
        return out
    }

    /// x · weightIHᵀ + biasIH for inputs [..., input]: [..., gates·hidden].
    func projectInput(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        projectInput(x, transposedWeightIH: weightIH.value.transposed())
    }

    /// The same, with weightIHᵀ computed once per sequence by the caller.
    func projectInput(_ x: Tensor<Scalar>, transposedWeightIH: Tensor<Scalar>) -> Tensor<Scalar> {
        let projected = x.matmul(transposedWeightIH)
        return biasIH.map { projected + $0.value } ?? projected
    }

    /// h · weightHHᵀ + biasHH, with weightHHᵀ computed once per sequence by the caller.
    func projectHidden(_ h: Tensor<Scalar>, transposedWeightHH: Tensor<Scalar>) -> Tensor<Scalar> {
        let projected = h.matmul(transposedWeightHH)
        return biasHH.map { projected + $0.value } ?? projected
    }

    /// Gate `index` of a [batch, gates·hidden] tensor: [batch, hidden].
    func gate(_ index: Int, of stacked: Tensor<Scalar>) -> Tensor<Scalar> {
        let h = hiddenSize
        return stacked.slice(axis: 1, index * h..<(index + 1) * h)
    }
}

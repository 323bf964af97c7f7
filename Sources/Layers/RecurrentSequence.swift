/// A recurrent cell seen by the sequence runner: its weights, and one step from an input
/// already projected by weightIH (for every time step at once) and the previous state.
protocol RecurrentCell {
    associatedtype Scalar: TensorScalar
    /// The layer's name for messages ("LSTM").
    static var sequenceName: String { get }
    /// The number of state tensors (1, or 2 for an LSTM's hidden and cell state).
    static var stateCount: Int { get }
    var weights: RecurrentWeights<Scalar> { get }
    /// The next state (hidden state first) from x·weightIHᵀ + biasIH [batch, gates·hidden].
    func step(projectedInput: Tensor<Scalar>, state: [Tensor<Scalar>], transposedWeightHH: Tensor<Scalar>) -> [Tensor<Scalar>]
}

/// Runs stacked cells over batch-first sequences, the engine's tape unrolling through time.
enum RecurrentSequence {
    /// Checks that `cells` stack: each takes the previous one's hidden state, all of one hidden size.
    static func checkStack<Cell: RecurrentCell>(_ cells: [Cell]) {
        let name = Cell.sequenceName
        require(!cells.isEmpty, "\(name): needs at least one layer")
        let hidden = cells[0].weights.hiddenSize
        for (k, cell) in cells.enumerated() {
            require(cell.weights.hiddenSize == hidden,
                    "\(name): layer \(k) has hiddenSize \(cell.weights.hiddenSize), layer 0 has \(hidden) (all layers share one)")
            if k > 0 {
                require(cell.weights.inputSize == hidden,
                        "\(name): layer \(k) takes inputs of \(cell.weights.inputSize) features, but layer \(k - 1) "
                        + "gives \(hidden) (weightIH \(cell.weights.weightIH.shape))")
            }
        }
    }

    /// The children of stacked cells, with PyTorch's names (weight_ih_l0, …).
    static func children<Cell: RecurrentCell>(_ cells: [Cell]) -> [(label: String, value: Any)] {
        cells.enumerated().flatMap { k, cell in cell.weights.children(suffix: "_l\(k)") }
    }

    /// The top layer's hidden state at every step [batch, time, hidden] and each state's final
    /// value for every layer [layers, batch, hidden]. `initial` holds the initial states
    /// ([layers, batch, hidden] each), zeros when `nil`.
    static func run<Cell: RecurrentCell>(_ cells: [Cell], input: Tensor<Cell.Scalar>,
                                         initial: [Tensor<Cell.Scalar>?]) -> (output: Tensor<Cell.Scalar>, final: [Tensor<Cell.Scalar>]) {
        let name = Cell.sequenceName
        let inputSize = cells[0].weights.inputSize, hidden = cells[0].weights.hiddenSize
        require(input.rank == 3 && input.shape[2] == inputSize,
                "\(name): input of shape \(input.shape) is not [batch, time, \(inputSize)] "
                + "(batch-first sequences of inputSize \(inputSize))")
        let (batch, steps) = (input.shape[0], input.shape[1])
        require(steps > 0, "\(name): input of shape \(input.shape) has no time steps")
        let expected = [cells.count, batch, hidden]
        let stateNames = Cell.stateCount == 1 ? ["initial hidden state"] : ["initial hidden state", "initial cell state"]
        for (stateName, state) in zip(stateNames, initial) {
            if let state {
                require(state.shape == expected,
                        "\(name): \(stateName) of shape \(state.shape) is not \(expected) ([layers, batch, hiddenSize])")
            }
        }
        // The input is cut into its time steps once, and each layer hands its steps to the next
        // as they are: a slice's gradient is a tensor of the whole sequence's size, so slicing a
        // projected [batch, time, gates·hidden] tensor at every step and layer made backward
        // traffic grow with the square of the length (and the gate width).
        var stepInputs = (0..<steps).map { input.slice(axis: 1, $0..<($0 + 1)).squeezed(at: 1) }
        var finals = [[Tensor<Cell.Scalar>]](repeating: [], count: Cell.stateCount)
        for (k, cell) in cells.enumerated() {
            var state = initial.map { $0?[k] ?? Tensor<Cell.Scalar>.zeros([batch, hidden]) }
            let transposedWeightIH = cell.weights.weightIH.value.transposed()
            let transposedWeightHH = cell.weights.weightHH.value.transposed()
            var outputs: [Tensor<Cell.Scalar>] = []
            outputs.reserveCapacity(steps)
            for t in 0..<steps {
                let x = cell.weights.projectInput(stepInputs[t], transposedWeightIH: transposedWeightIH)
                state = cell.step(projectedInput: x, state: state, transposedWeightHH: transposedWeightHH)
                outputs.append(state[0])
            }
            for i in 0..<Cell.stateCount { finals[i].append(state[i]) }
            stepInputs = outputs
        }
        return (Tensor.stack(stepInputs, axis: 1), finals.map { Tensor.stack($0, axis: 0) })
    }

    /// Checks a single step's input [batch, input] and state [batch, hidden] for a cell.
    static func checkStep<Scalar>(_ cellName: String, weights: RecurrentWeights<Scalar>, input: Tensor<Scalar>,
                                  states: [(name: String, tensor: Tensor<Scalar>?)]) {
        require(input.rank == 2 && input.shape[1] == weights.inputSize,
                "\(cellName): input of shape \(input.shape) is not [batch, \(weights.inputSize)] (inputSize \(weights.inputSize))")
        let expected = [input.shape[0], weights.hiddenSize]
        for (name, tensor) in states {
            if let tensor {
                require(tensor.shape == expected,
                        "\(cellName): \(name) of shape \(tensor.shape) is not \(expected) ([batch, hiddenSize])")
            }
        }
    }
}

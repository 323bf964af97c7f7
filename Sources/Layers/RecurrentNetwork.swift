/// Stacked recurrent cells run over whole sequences, one or two directions per layer: the one
/// implementation behind ``RNN``, ``GRU`` and ``LSTM``, as PyTorch's `RNNBase` is behind
/// `nn.RNN`, `nn.GRU` and `nn.LSTM`. The engine's tape unrolls through time.
struct RecurrentNetwork<Scalar: TensorScalar> {
    /// Per layer, the cell of the forward direction, input layer first.
    let forward: [RecurrentCellCore<Scalar>]
    /// Per layer, the cell of the reverse direction (which reads the sequence from its last
    /// step to its first); empty unless bidirectional.
    let reverse: [RecurrentCellCore<Scalar>]
    /// Whether sequences are [batch, time, features] (else [time, batch, features]).
    let batchFirst: Bool

    var kind: RecurrentKind { forward[0].kind }
    var name: String { kind.name }
    var inputSize: Int { forward[0].inputSize }
    var hiddenSize: Int { forward[0].hiddenSize }
    var layers: Int { forward.count }
    var bidirectional: Bool { !reverse.isEmpty }
    var directions: Int { bidirectional ? 2 : 1 }

    /// `layers` layers of one or two cells each, drawn from `generator` in PyTorch's order of
    /// parameters (layer 0, layer 0 reverse, layer 1, …). Layers after the first take the previous
    /// layer's output, `directions`·hiddenSize features.
    init(_ kind: RecurrentKind, inputSize: Int, hiddenSize: Int, layers: Int, useBias: Bool, batchFirst: Bool,
         bidirectional: Bool, using generator: inout SeededGenerator) {
        require(layers > 0, "\(kind.name): layers (\(layers)) must be positive")
        var forward: [RecurrentCellCore<Scalar>] = [], reverse: [RecurrentCellCore<Scalar>] = []
        for k in 0..<layers {
            let width = k == 0 ? inputSize : (bidirectional ? 2 : 1) * hiddenSize
            for direction in 0..<(bidirectional ? 2 : 1) {
                let cell = RecurrentCellCore<Scalar>(kind, layer: kind.name, inputSize: width, hiddenSize: hiddenSize,
                                                     useBias: useBias, using: &generator)
                if direction == 0 { forward.append(cell) } else { reverse.append(cell) }
            }
        }
        self.init(name: kind.name, forward: forward, reverse: reverse, batchFirst: batchFirst)
    }

    /// The cells given, checked to stack: one hidden size, each layer after the first taking the
    /// previous layer's output, and as many reverse cells as layers (or none).
    init(name: String, forward: [RecurrentCellCore<Scalar>], reverse: [RecurrentCellCore<Scalar>], batchFirst: Bool) {
        require(!forward.isEmpty, "\(name): needs at least one layer")
        require(reverse.isEmpty || reverse.count == forward.count,
                "\(name): \(reverse.count) reverse cells for \(forward.count) layers (give one per layer, or none)")
        let hidden = forward[0].hiddenSize, directions = reverse.isEmpty ? 1 : 2
        let given = directions == 1 ? "\(hidden)" : "\(2 * hidden) (forward and reverse, \(hidden) each)"
        for (direction, cells) in [("", forward), (" reverse", reverse)] {
            for (k, cell) in cells.enumerated() {
                require(cell.hiddenSize == hidden,
                        "\(name): layer \(k)\(direction) has hiddenSize \(cell.hiddenSize), layer 0 has \(hidden) (all layers share one)")
                let expected = k == 0 ? forward[0].inputSize : directions * hidden
                require(cell.inputSize == expected,
                        k == 0 ? "\(name): layer 0 reverse takes inputs of \(cell.inputSize) features, layer 0 takes \(expected)"
                               : "\(name): layer \(k)\(direction) takes inputs of \(cell.inputSize) features, but layer \(k - 1) "
                                 + "gives \(given) (weightIH \(cell.weightIH.shape))")
            }
        }
        self.forward = forward
        self.reverse = reverse
        self.batchFirst = batchFirst
    }

    /// PyTorch's names, in the order of its `named_parameters()`: weight_ih_l0, weight_hh_l0,
    /// bias_ih_l0, bias_hh_l0, then the same with `_reverse`, then `_l1`, ….
    var moduleChildren: [(label: String, value: Any)] {
        (0..<layers).flatMap { k in
            forward[k].children(suffix: "_l\(k)") + (bidirectional ? reverse[k].children(suffix: "_l\(k)_reverse") : [])
        }
    }

    /// The layout of sequences, for messages.
    var layout: String { batchFirst ? "[batch, time, features] (batchFirst: true)" : "[time, batch, features] (batchFirst: false)" }

    /// The top layer's output at every step ([batch, time, directions·hidden], or time first) and
    /// each state's final value for every layer and direction [layers·directions, batch, hidden].
    /// `initial` holds the initial states (of that shape each), zeros when `nil`.
    func run(_ input: Tensor<Scalar>, initial: [Tensor<Scalar>?]) -> (output: Tensor<Scalar>, final: [Tensor<Scalar>]) {
        let timeAxis = batchFirst ? 1 : 0
        require(input.rank == 3 && input.shape[2] == inputSize,
                "\(name): input of shape \(input.shape) is not \(batchFirst ? "[batch, time" : "[time, batch"), \(inputSize)]: "
                + "the layer expects \(layout), features = inputSize \(inputSize)")
        let (batch, steps) = (input.shape[1 - timeAxis], input.shape[timeAxis])
        require(steps > 0, "\(name): input of shape \(input.shape) has no time steps (the layer expects \(layout))")
        let expected = [layers * directions, batch, hiddenSize]
        let stateLayout = bidirectional ? "[layers·2 directions, batch, hiddenSize], layer 0 forward, layer 0 reverse, …"
                                        : "[layers, batch, hiddenSize]"
        for (stateName, state) in zip(kind.stateNames, initial) {
            if let state {
                require(state.shape == expected,
                        "\(name): initial \(stateName) of shape \(state.shape) is not \(expected) (\(stateLayout))")
            }
        }
        // An empty batch (a data loader's last, empty batch) runs step by step: the sequence
        // primitives need at least one row.
        if PerSampleRecorder<Scalar>.active == nil, kind.hasSequencePrimitive, batch > 0 {
            return runSequences(input, initial: initial, batch: batch)
        }
        // The input is cut into its time steps once, and each layer hands its steps to the next
        // as they are: a slice's gradient is a tensor of the whole sequence's size, so slicing a
        // projected [batch, time, gates·hidden] tensor at every step and layer made backward
        // traffic grow with the square of the length (and the gate width).
        var stepInputs = (0..<steps).map { input.slice(axis: timeAxis, $0..<($0 + 1)).squeezed(at: timeAxis) }
        var finals = [[Tensor<Scalar>]](repeating: [], count: kind.stateCount)
        for k in 0..<layers {
            let cells = bidirectional ? [forward[k], reverse[k]] : [forward[k]]
            var outputs: [[Tensor<Scalar>]] = []
            for (direction, cell) in cells.enumerated() {
                let state = initial.map { $0?[k * directions + direction] ?? Tensor<Scalar>.zeros([batch, hiddenSize]) }
                let (sequence, final) = Self.run(cell, over: stepInputs, from: state, reversed: direction == 1,
                                                 layer: "\(name) layer \(k)\(direction == 1 ? " reverse" : "")")
                outputs.append(sequence)
                for i in 0..<kind.stateCount { finals[i].append(final[i]) }
            }
            stepInputs = bidirectional ? zip(outputs[0], outputs[1]).map { Tensor.concatenate([$0, $1], axis: 1) } : outputs[0]
        }
        return (Tensor.stack(stepInputs, axis: timeAxis), finals.map { Tensor.stack($0, axis: 0) })
    }

    /// `run` with each direction of each layer one sequence primitive (LSTM and GRU, outside a
    /// per-sample pass, whose rule reads every step's projections): the sequence made time-major
    /// once, each layer's input projected for all its steps in one product.
    private func runSequences(_ input: Tensor<Scalar>, initial: [Tensor<Scalar>?], batch: Int)
        -> (output: Tensor<Scalar>, final: [Tensor<Scalar>]) {
        var sequence = batchFirst ? input.permuted([1, 0, 2]) : input         // [time, batch, features]
        var finals = [[Tensor<Scalar>]](repeating: [], count: kind.stateCount)
        for k in 0..<layers {
            let cells = bidirectional ? [forward[k], reverse[k]] : [forward[k]]
            var outputs: [Tensor<Scalar>] = []
            for (direction, cell) in cells.enumerated() {
                let state = initial.map { $0?[k * directions + direction] }
                let (hiddens, final) = cell.sequence(sequence, initial: state, reversed: direction == 1)
                outputs.append(hiddens)
                for i in 0..<kind.stateCount { finals[i].append(final[i]) }
            }
            sequence = bidirectional ? Tensor.concatenate(outputs, axis: 2) : outputs[0]
        }
        return (batchFirst ? sequence.permuted([1, 0, 2]) : sequence, finals.map { Tensor.stack($0, axis: 0) })
    }

    /// One direction of one layer: its hidden state after each step, in the order of `inputs`
    /// (the reverse direction reads them from the last to the first), and its final state. During
    /// a batched per-sample pass the steps are traced and reported as one capture (`layer` names
    /// the cell in messages).
    private static func run(_ cell: RecurrentCellCore<Scalar>, over inputs: [Tensor<Scalar>], from initial: [Tensor<Scalar>],
                            reversed: Bool, layer: @autoclosure () -> String) -> (outputs: [Tensor<Scalar>], final: [Tensor<Scalar>]) {
        let transposedWeightIH = cell.weightIH.value.transposed()
        let transposedWeightHH = cell.weightHH.value.transposed()
        let recorder = PerSampleRecorder<Scalar>.active
        let trace = recorder.map { _ in RecurrentTrace<Scalar>() }
        var state = initial
        var outputs: [Tensor<Scalar>] = []
        outputs.reserveCapacity(inputs.count)
        for x in reversed ? Array(inputs.reversed()) : inputs {
            state = cell.step(x, state: state, transposedWeightIH: transposedWeightIH, transposedWeightHH: transposedWeightHH,
                              trace: trace)
            outputs.append(state[0])
        }
        if let recorder, let trace { recorder.recurrent(cell, trace, layer: layer()) }
        return (reversed ? outputs.reversed() : outputs, state)
    }
}

import XCTest
import Foundation
import Layers

/// The options of RNN, GRU and LSTM that PyTorch users write: `batchFirst: false` (time-major
/// sequences) and `bidirectional: true`. A time-major run is the batch-first run transposed, bit
/// for bit; a bidirectional stack passes gradcheck and agrees with PyTorch's own modules (weights
/// saved by PyTorch, loaded by name) to 1e-12, and names its parameters as PyTorch does.
final class RecurrentOptionsTests: XCTestCase {
    enum Kind: String, CaseIterable { case rnn, gru, lstm }

    /// A sequence layer of `kind` from explicit tensors: [weightIH, weightHH, biasIH, biasHH] per
    /// layer and direction, in PyTorch's order (l0, l0_reverse, l1, l1_reverse, …).
    func layer(_ kind: Kind, _ w: [Tensor<Double>], layers: Int, bidirectional: Bool, batchFirst: Bool) -> SequenceRun {
        let directions = bidirectional ? 2 : 1
        func tensors(_ k: Int, _ d: Int) -> ArraySlice<Tensor<Double>> { w[(4 * (k * directions + d))..<(4 * (k * directions + d) + 4)] }
        func cells<Cell>(_ make: (ArraySlice<Tensor<Double>>) -> Cell) -> (forward: [Cell], reverse: [Cell]) {
            ((0..<layers).map { make(tensors($0, 0)) }, bidirectional ? (0..<layers).map { make(tensors($0, 1)) } : [])
        }
        switch kind {
        case .rnn:
            let (f, r) = cells { RNNCell(weightIH: $0[$0.startIndex], weightHH: $0[$0.startIndex + 1], biasIH: $0[$0.startIndex + 2],
                                         biasHH: $0[$0.startIndex + 3]) }
            let rnn = RNN(cells: f, reverseCells: r, batchFirst: batchFirst)
            return { x, s in let (o, h) = rnn(x, state: s[0]); return [o, h] }
        case .gru:
            let (f, r) = cells { GRUCell(weightIH: $0[$0.startIndex], weightHH: $0[$0.startIndex + 1], biasIH: $0[$0.startIndex + 2],
                                         biasHH: $0[$0.startIndex + 3]) }
            let gru = GRU(cells: f, reverseCells: r, batchFirst: batchFirst)
            return { x, s in let (o, h) = gru(x, state: s[0]); return [o, h] }
        case .lstm:
            let (f, r) = cells { LSTMCell(weightIH: $0[$0.startIndex], weightHH: $0[$0.startIndex + 1], biasIH: $0[$0.startIndex + 2],
                                          biasHH: $0[$0.startIndex + 3]) }
            let lstm = LSTM(cells: f, reverseCells: r, batchFirst: batchFirst)
            return { x, s in
                let (o, final) = lstm(x, state: s.count == 2 ? LSTMState(hidden: s[0], cell: s[1]) : nil)
                return [o, final.hidden, final.cell]
            }
        }
    }

    /// Runs a layer on an input and its initial states (none for zeros): the output, then the final states.
    typealias SequenceRun = (Tensor<Double>, [Tensor<Double>]) -> [Tensor<Double>]

    func gates(_ kind: Kind) -> Int { kind == .rnn ? 1 : kind == .gru ? 3 : 4 }

    /// Leaves for every layer and direction, in PyTorch's order.
    func weights(_ kind: Kind, input: Int, hidden: Int, layers: Int, directions: Int, seed: UInt64) -> [Tensor<Double>] {
        let rows = gates(kind) * hidden
        return (0..<(layers * directions)).flatMap { i -> [Tensor<Double>] in
            let s = seed + UInt64(10 * i), width = i < directions ? input : directions * hidden
            return [Tensor<Double>.randomNormal([rows, width], standardDeviation: 0.6, seed: s),
                    Tensor<Double>.randomNormal([rows, hidden], standardDeviation: 0.6, seed: s + 1),
                    Tensor<Double>.randomNormal([rows], standardDeviation: 0.3, seed: s + 2),
                    Tensor<Double>.randomNormal([rows], standardDeviation: 0.3, seed: s + 3)]
        }
    }

    func names(layers: Int, bidirectional: Bool) -> [String] {
        (0..<layers).flatMap { k in
            (bidirectional ? ["", "_reverse"] : [""]).flatMap { d in
                ["weight_ih_l\(k)\(d)", "weight_hh_l\(k)\(d)", "bias_ih_l\(k)\(d)", "bias_hh_l\(k)\(d)"]
            }
        }
    }

    func flat(_ tensors: [Tensor<Double>]) -> Tensor<Double> {
        Tensor.concatenate(tensors.map { $0.reshaped([-1]) })
    }

    // MARK: Gradients

    func testBidirectionalTwoLayerGradients() {
        // Non-square throughout: input 3, hidden 2 (layer 1 takes 2·2 = 4), batch 2, 3 steps.
        let (input, hidden, batch, steps) = (3, 2, 2, 3)
        for kind in Kind.allCases {
            for batchFirst in [false, true] {
                let x = Tensor<Double>.randomNormal(batchFirst ? [batch, steps, input] : [steps, batch, input], seed: 1)
                let states = (0..<(kind == .lstm ? 2 : 1)).map { Tensor<Double>.randomNormal([4, batch, hidden], seed: 2 + UInt64($0)) }
                let w = weights(kind, input: input, hidden: hidden, layers: 2, directions: 2, seed: 700)
                let stateNames = kind == .lstm ? ["h0", "c0"] : ["h0"]
                let count = states.count
                assertGradcheck([x] + states + w, names: ["x"] + stateNames + names(layers: 2, bidirectional: true),
                                "bidirectional \(kind), batchFirst: \(batchFirst)") { v in
                    let run = self.layer(kind, Array(v[(1 + count)...]), layers: 2, bidirectional: true, batchFirst: batchFirst)
                    return self.flat(run(v[0], Array(v[1..<(1 + count)])))
                }
            }
        }
    }

    // MARK: Layouts

    func testTimeMajorIsTheTransposedBatchFirstRunBitForBit() {
        let (input, hidden, batch, steps) = (5, 3, 4, 6)
        for kind in Kind.allCases {
            for bidirectional in [false, true] {
                let directions = bidirectional ? 2 : 1
                let w = weights(kind, input: input, hidden: hidden, layers: 2, directions: directions, seed: 40)
                let xb = Tensor<Double>.randomNormal([batch, steps, input], seed: 41).requiringGrad()
                let xt = Tensor<Double>(xb.permuted([1, 0, 2]).scalars, shape: [steps, batch, input]).requiringGrad()
                let states = (0..<(kind == .lstm ? 2 : 1)).map {
                    Tensor<Double>.randomNormal([2 * directions, batch, hidden], seed: 42 + UInt64($0))
                }
                let first = layer(kind, w, layers: 2, bidirectional: bidirectional, batchFirst: true)(xb, states)
                let time = layer(kind, w, layers: 2, bidirectional: bidirectional, batchFirst: false)(xt, states)
                let context = "\(kind), bidirectional: \(bidirectional)"
                XCTAssertEqual(first[0].shape, [batch, steps, directions * hidden], context)
                XCTAssertEqual(time[0].shape, [steps, batch, directions * hidden], context)
                XCTAssertEqual(time[0].scalars, first[0].permuted([1, 0, 2]).scalars, "output, \(context)")
                for (a, b) in zip(time.dropFirst(), first.dropFirst()) {
                    XCTAssertEqual(a.shape, [2 * directions, batch, hidden], context)
                    XCTAssertEqual(a.scalars, b.scalars, "final states, \(context)")
                }
                // And the gradients: the same upstream, transposed.
                let upstream = Tensor<Double>.randomNormal(first[0].shape, seed: 43)
                (first[0] * upstream).sum().backward()
                (time[0] * Tensor(upstream.permuted([1, 0, 2]).scalars, shape: time[0].shape)).sum().backward()
                XCTAssertEqual(xt.grad?.scalars, xb.grad?.permuted([1, 0, 2]).scalars, "input gradient, \(context)")
            }
        }
    }

    func testTheReverseDirectionReadsTheSequenceBackwards() {
        // One bidirectional layer: the second half of the output is the reverse cell run forwards
        // over the time-reversed sequence, reversed again.
        let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 5)
        let x = Tensor<Double>.randomNormal([2, 5, 3], seed: 6)
        func reversedInTime(_ t: Tensor<Double>) -> Tensor<Double> {
            Tensor.stack((0..<t.shape[1]).reversed().map { t.slice(axis: 1, $0..<($0 + 1)).squeezed(at: 1) }, axis: 1)
        }
        let (output, final) = gru(x, state: nil)
        let (forwardOnly, forwardFinal) = GRU(cells: gru.cells)(x, state: nil)
        let (backwards, reverseFinal) = GRU(cells: gru.reverseCells)(reversedInTime(x), state: nil)
        XCTAssertEqual(output.slice(axis: 2, 0..<4).scalars, forwardOnly.scalars)
        XCTAssertEqual(output.slice(axis: 2, 4..<8).scalars, reversedInTime(backwards).scalars)
        XCTAssertEqual(final.scalars, Tensor.concatenate([forwardFinal, reverseFinal]).scalars, "h_n: forward, then reverse")
    }

    func testBidirectionalNamesShapesAndDescription() {
        let lstm = LSTM<Float>(inputSize: 3, hiddenSize: 5, layers: 2, batchFirst: false, bidirectional: true, seed: 1)
        XCTAssertEqual(lstm.namedParameters.map(\.name), names(layers: 2, bidirectional: true))
        XCTAssertEqual(lstm.namedParameters.map(\.parameter.shape), [
            [20, 3], [20, 5], [20], [20], [20, 3], [20, 5], [20], [20],
            [20, 10], [20, 5], [20], [20], [20, 10], [20, 5], [20], [20],
        ])
        XCTAssertEqual(lstm.reverseCells.map(\.inputSize), [3, 10])
        XCTAssertTrue(lstm.bidirectional)
        XCTAssertFalse(lstm.batchFirst)
        XCTAssertEqual("\(lstm)", "LSTM(3→5, 2 layers, bidirectional, batchFirst: false)")
        XCTAssertEqual("\(RNN<Float>(inputSize: 3, hiddenSize: 5, nonlinearity: .relu, bidirectional: true))", "RNN(3→5, relu, bidirectional)")
        let (output, state) = lstm(Tensor.zeros([7, 2, 3]), state: nil)
        XCTAssertEqual(output.shape, [7, 2, 10])
        XCTAssertEqual(state.hidden.shape, [4, 2, 5])
        XCTAssertEqual(state.cell.shape, [4, 2, 5])
        // The defaults are as before: batch-first, one direction, and the same seeded weights.
        let plain = GRU<Float>(inputSize: 3, hiddenSize: 5, layers: 2, seed: 9)
        XCTAssertTrue(plain.batchFirst)
        XCTAssertFalse(plain.bidirectional)
        XCTAssertTrue(plain.reverseCells.isEmpty)
        let explicit = GRU<Float>(inputSize: 3, hiddenSize: 5, layers: 2, batchFirst: true, bidirectional: false, seed: 9)
        XCTAssertEqual(plain.parameters.map(\.value), explicit.parameters.map(\.value))
        // A bidirectional layer draws its forward cells first in each layer, as PyTorch's order of names.
        let both = GRU<Float>(inputSize: 3, hiddenSize: 5, bidirectional: true, seed: 9)
        XCTAssertEqual(both.cells[0].weightIH.value, plain.cells[0].weightIH.value)
    }

    // MARK: PyTorch

    /// The files of `scripts/make_recurrent_reference.py`.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TorchFixtures/recurrent")

    /// The largest absolute difference of two tensors of one shape (infinity when the shapes differ).
    func difference(_ a: Tensor<Double>?, _ b: Tensor<Double>?) -> Double {
        guard let a, let b, a.shape == b.shape else { return .infinity }
        return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    func testBidirectionalTimeMajorStacksAgreeWithPyTorch() throws {
        for name in ["lstm", "gru", "rnn_tanh", "rnn_relu"] {
            let io = try SafeTensors.read(from: Self.fixtures.appendingPathComponent("\(name).io.safetensors").path, as: Double.self)
            let statePath = Self.fixtures.appendingPathComponent("\(name).safetensors").path
            let stateNames = name == "lstm" ? ["h0", "c0"] : ["h0"]
            let finalNames = name == "lstm" ? ["h_n", "c_n"] : ["h_n"]
            let states = stateNames.compactMap { io[$0]?.requiringGrad() }
            guard let x = io["input"]?.requiringGrad(), states.count == stateNames.count else {
                return XCTFail("\(name): inputs missing from the fixture")
            }
            // The module PyTorch built (nn.X(3, 4, num_layers=2, batch_first=False, bidirectional=True)),
            // its state_dict loaded by name into ours.
            let module: any Layer<Double>
            let run: ([Tensor<Double>]) -> [Tensor<Double>]
            switch name {
            case "lstm":
                let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2, batchFirst: false, bidirectional: true, seed: 1)
                module = lstm
                run = { s in let (o, f) = lstm(x, state: LSTMState(hidden: s[0], cell: s[1])); return [o, f.hidden, f.cell] }
            case "gru":
                let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, layers: 2, batchFirst: false, bidirectional: true, seed: 1)
                module = gru
                run = { s in let (o, h) = gru(x, state: s[0]); return [o, h] }
            default:
                let rnn = RNN<Double>(inputSize: 3, hiddenSize: 4, layers: 2, nonlinearity: name == "rnn_relu" ? .relu : .tanh,
                                      batchFirst: false, bidirectional: true, seed: 1)
                module = rnn
                run = { s in let (o, h) = rnn(x, state: s[0]); return [o, h] }
            }
            try module.load(from: statePath)
            let about = try JSONSerialization.jsonObject(with: Data((io.metadata["reference"] ?? "{}").utf8)) as? [String: Any]
            XCTAssertEqual(module.namedParameters.map(\.name), about?["parameter_names"] as? [String],
                           "\(name): named_parameters() in PyTorch's order")
            let outputs = run(states)
            for (key, value) in zip(["output"] + finalNames, outputs) {
                let d = difference(value, io[key])
                XCTAssertLessThanOrEqual(d, 1e-12, "\(name) \(key)")
            }
            var loss = Tensor<Double>(0)
            for (key, value) in zip(["output"] + finalNames, outputs) {
                guard let upstream = io["probe.\(key)"] else { return XCTFail("\(name): probe.\(key) missing") }
                loss = loss + (value * upstream).sum()
            }
            module.zeroGrad()
            loss.backward()
            let gradients = [("input", x.grad)] + zip(stateNames, states.map(\.grad)).map { ($0, $1) }
                + module.namedParameters.map { ($0.name, $0.parameter.grad) }
            for (key, gradient) in gradients {
                let d = difference(gradient, io["grad.\(key)"])
                XCTAssertLessThanOrEqual(d, 1e-12, "\(name) gradient of \(key)")
            }
        }
    }
}

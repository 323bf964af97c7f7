import XCTest
import Foundation
import Layers

/// RNN, GRU and LSTM: the cells' steps against PyTorch's formulas written out in plain loops
/// (gate order included), the sequence layers against the cells run by hand, PyTorch's names,
/// shapes and initial distribution, and gradcheck (gradgradcheck for the smooth ones) with
/// respect to the inputs, the initial states and every weight, for sequences of length 1 and 3,
/// one and two layers, batch > 1.
final class LayerRecurrentTests: XCTestCase {
    // MARK: Plain-loop references (PyTorch's equations, one sample at a time)

    func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// W·x + b for W [rows, cols] in row-major order.
    func affine(_ w: Tensor<Double>, _ x: [Double], _ b: Tensor<Double>?) -> [Double] {
        let (rows, cols) = (w.shape[0], w.shape[1])
        var out: [Double] = []
        for r in 0..<rows {
            var sum: Double = b?.scalars[r] ?? 0
            for j in 0..<cols { sum += w.scalars[r * cols + j] * x[j] }
            out.append(sum)
        }
        return out
    }

    func referenceLSTMStep(_ cell: LSTMCell<Double>, x: [Double], h: [Double], c: [Double]) -> (h: [Double], c: [Double]) {
        let n = cell.hiddenSize
        let gi = affine(cell.weightIH.value, x, cell.biasIH?.value), gh = affine(cell.weightHH.value, h, cell.biasHH?.value)
        let g = zip(gi, gh).map(+)
        var hNext = [Double](), cNext = [Double]()
        for j in 0..<n {
            let i = sigmoid(g[j]), f = sigmoid(g[n + j]), gg = Foundation.tanh(g[2 * n + j]), o = sigmoid(g[3 * n + j])
            cNext.append(f * c[j] + i * gg)
            hNext.append(o * Foundation.tanh(cNext[j]))
        }
        return (hNext, cNext)
    }

    func referenceGRUStep(_ cell: GRUCell<Double>, x: [Double], h: [Double]) -> [Double] {
        let n = cell.hiddenSize
        let gi = affine(cell.weightIH.value, x, cell.biasIH?.value), gh = affine(cell.weightHH.value, h, cell.biasHH?.value)
        return (0..<n).map { j in
            let r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[n + j] + gh[n + j])
            let candidate = Foundation.tanh(gi[2 * n + j] + r * gh[2 * n + j])
            return (1 - z) * candidate + z * h[j]
        }
    }

    func referenceRNNStep(_ cell: RNNCell<Double>, x: [Double], h: [Double]) -> [Double] {
        let pre = zip(affine(cell.weightIH.value, x, cell.biasIH?.value), affine(cell.weightHH.value, h, cell.biasHH?.value)).map(+)
        return pre.map { cell.nonlinearity == .tanh ? Foundation.tanh($0) : Swift.max(0, $0) }
    }

    func row(_ t: Tensor<Double>, _ i: Int) -> [Double] {
        let width = t.shape[t.rank - 1]
        return Array(t.scalars[(i * width)..<((i + 1) * width)])
    }

    // MARK: Forward values

    func testCellsMatchPyTorchEquations() {
        let x = Tensor<Double>.randomNormal([3, 4], seed: 1), h = Tensor<Double>.randomNormal([3, 5], seed: 2)
        let c = Tensor<Double>.randomNormal([3, 5], seed: 3)
        let lstm = LSTMCell<Double>(inputSize: 4, hiddenSize: 5, seed: 4)
        let lstmState = lstm(x, state: LSTMState(hidden: h, cell: c))
        let gru = GRUCell<Double>(inputSize: 4, hiddenSize: 5, seed: 5)
        let gruState = gru(x, state: h)
        for nonlinearity in RNNNonlinearity.allCases {
            let rnn = RNNCell<Double>(inputSize: 4, hiddenSize: 5, nonlinearity: nonlinearity, seed: 6)
            let rnnState = rnn(x, state: h)
            for b in 0..<3 {
                assertClose(row(rnnState, b), referenceRNNStep(rnn, x: row(x, b), h: row(h, b)), tolerance: 1e-14, "RNN \(nonlinearity)")
            }
        }
        for b in 0..<3 {
            let expected = referenceLSTMStep(lstm, x: row(x, b), h: row(h, b), c: row(c, b))
            assertClose(row(lstmState.hidden, b), expected.h, tolerance: 1e-14, "LSTM hidden, sample \(b)")
            assertClose(row(lstmState.cell, b), expected.c, tolerance: 1e-14, "LSTM cell, sample \(b)")
            assertClose(row(gruState, b), referenceGRUStep(gru, x: row(x, b), h: row(h, b)), tolerance: 1e-14, "GRU")
        }
        // A missing state is zeros.
        assertClose(lstm(x).scalars, lstm(x, state: LSTMState(hidden: .zeros([3, 5]), cell: .zeros([3, 5]))).hidden.scalars,
                    tolerance: 0)
        assertClose(gru(x).scalars, gru(x, state: .zeros([3, 5])).scalars, tolerance: 0)
        let noBias = LSTMCell<Double>(inputSize: 4, hiddenSize: 5, useBias: false, seed: 7)
        XCTAssertEqual(noBias.namedParameters.map(\.name), ["weight_ih", "weight_hh"])
        assertClose(row(noBias(x, state: LSTMState(hidden: h, cell: c)).hidden, 1),
                    referenceLSTMStep(noBias, x: row(x, 1), h: row(h, 1), c: row(c, 1)).h, tolerance: 1e-14)
    }

    func testSequenceLayersRunTheCellsThroughTime() {
        let steps = 4, batch = 2
        let x = Tensor<Double>.randomNormal([batch, steps, 3], seed: 10)
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 11)
        let h0 = Tensor<Double>.randomNormal([2, batch, 4], seed: 12), c0 = Tensor<Double>.randomNormal([2, batch, 4], seed: 13)
        let (output, final) = lstm(x, state: LSTMState(hidden: h0, cell: c0))
        XCTAssertEqual(output.shape, [batch, steps, 4])
        XCTAssertEqual(final.hidden.shape, [2, batch, 4])
        // By hand: layer 0 over the input, layer 1 over layer 0's hidden states.
        for b in 0..<batch {
            var layerInput = (0..<steps).map { t in Array(x.scalars[((b * steps + t) * 3)..<((b * steps + t) * 3 + 3)]) }
            for k in 0..<2 {
                var h = Array(h0.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)])
                var c = Array(c0.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)])
                var outputs: [[Double]] = []
                for t in 0..<steps {
                    (h, c) = referenceLSTMStep(lstm.cells[k], x: layerInput[t], h: h, c: c)
                    outputs.append(h)
                }
                assertClose(Array(final.hidden.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)]), h, tolerance: 1e-13)
                assertClose(Array(final.cell.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)]), c, tolerance: 1e-13)
                layerInput = outputs
            }
            assertClose(Array(output.scalars[(b * steps * 4)..<((b + 1) * steps * 4)]), layerInput.flatMap { $0 }, tolerance: 1e-13)
        }
        XCTAssertEqual(lstm(x).shape, [batch, steps, 4], "zero initial states")

        let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 14)
        let (gruOutput, gruFinal) = gru(x, state: h0)
        let rnn = RNN<Double>(inputSize: 3, hiddenSize: 4, layers: 2, nonlinearity: .relu, seed: 15)
        let (rnnOutput, rnnFinal) = rnn(x, state: h0)
        for b in 0..<batch {
            var gruInput = (0..<steps).map { t in Array(x.scalars[((b * steps + t) * 3)..<((b * steps + t) * 3 + 3)]) }
            var rnnInput = gruInput
            for k in 0..<2 {
                var hg = Array(h0.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)]), hr = hg
                var gruOutputs: [[Double]] = [], rnnOutputs: [[Double]] = []
                for t in 0..<steps {
                    hg = referenceGRUStep(gru.cells[k], x: gruInput[t], h: hg)
                    hr = referenceRNNStep(rnn.cells[k], x: rnnInput[t], h: hr)
                    gruOutputs.append(hg)
                    rnnOutputs.append(hr)
                }
                assertClose(Array(gruFinal.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)]), hg, tolerance: 1e-13)
                assertClose(Array(rnnFinal.scalars[((k * batch + b) * 4)..<((k * batch + b) * 4 + 4)]), hr, tolerance: 1e-13)
                gruInput = gruOutputs
                rnnInput = rnnOutputs
            }
            assertClose(Array(gruOutput.scalars[(b * steps * 4)..<((b + 1) * steps * 4)]), gruInput.flatMap { $0 }, tolerance: 1e-13)
            assertClose(Array(rnnOutput.scalars[(b * steps * 4)..<((b + 1) * steps * 4)]), rnnInput.flatMap { $0 }, tolerance: 1e-13)
        }
    }

    /// An empty batch (a data loader's last batch can be one) gives empty outputs and states, as
    /// before the layers ran each direction as one sequence primitive.
    func testEmptyBatchGivesEmptyOutputs() {
        let x = Tensor<Double>.zeros([0, 4, 3])
        let (lstmOut, lstmState) = LSTM<Double>(inputSize: 3, hiddenSize: 2, bidirectional: true, seed: 1)(x, state: nil)
        XCTAssertEqual(lstmOut.shape, [0, 4, 4])
        XCTAssertEqual(lstmState.cell.shape, [2, 0, 2])
        let (gruOut, gruState) = GRU<Double>(inputSize: 3, hiddenSize: 2, layers: 2, seed: 2)(x, state: nil)
        XCTAssertEqual(gruOut.shape, [0, 4, 2])
        XCTAssertEqual(gruState.shape, [2, 0, 2])
    }

    func testPyTorchNamesShapesAndInitialization() {
        let lstm = LSTM<Float>(inputSize: 3, hiddenSize: 5, layers: 2, seed: 1)
        XCTAssertEqual(lstm.namedParameters.map(\.name), [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
        ])
        XCTAssertEqual(lstm.namedParameters.map(\.parameter.shape), [[20, 3], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20]])
        XCTAssertEqual(GRU<Float>(inputSize: 3, hiddenSize: 5, seed: 1).namedParameters.map(\.parameter.shape),
                       [[15, 3], [15, 5], [15], [15]])
        XCTAssertEqual(RNN<Float>(inputSize: 3, hiddenSize: 5, useBias: false, seed: 1).namedParameters.map(\.name),
                       ["weight_ih_l0", "weight_hh_l0"])
        XCTAssertEqual(RNNCell<Float>(inputSize: 3, hiddenSize: 5).namedParameters.map(\.name),
                       ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        // Inside a model: the layer's own names under the property's.
        struct Model: Layer {
            let embed = Embedding<Float>(count: 10, dimension: 3, seed: 1)
            let gru = GRU<Float>(inputSize: 3, hiddenSize: 4, seed: 2)
            func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { gru(embed(x)) }
        }
        XCTAssertEqual(Model().namedParameters.map(\.name),
                       ["embed.weight", "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0"])
        XCTAssertEqual(Model()(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])).shape, [2, 3, 4])
        // U(−1/√hidden, 1/√hidden): every value inside, spread over the whole interval.
        let big = LSTM<Double>(inputSize: 30, hiddenSize: 25, seed: 3)
        let values = big.parameters.flatMap(\.value.scalars)
        XCTAssertTrue(values.allSatisfy { Swift.abs($0) <= 0.2 })
        XCTAssertEqual(values.max() ?? 0, 0.2, accuracy: 0.01)
        XCTAssertEqual(values.min() ?? 0, -0.2, accuracy: 0.01)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        XCTAssertEqual(variance, 0.04 / 3, accuracy: 0.001, "the variance of U(−a, a) is a²/3")
    }

    // MARK: Gradients

    /// Leaves for `layers` stacked cells with `gates` gates: [weightIH, weightHH, biasIH, biasHH] each.
    func cellTensors(gates: Int, input: Int, hidden: Int, layers: Int, seed: UInt64) -> [Tensor<Double>] {
        (0..<layers).flatMap { k -> [Tensor<Double>] in
            let s = seed + UInt64(10 * k)
            return [Tensor<Double>.randomNormal([gates * hidden, k == 0 ? input : hidden], standardDeviation: 0.6, seed: s),
                    Tensor<Double>.randomNormal([gates * hidden, hidden], standardDeviation: 0.6, seed: s + 1),
                    Tensor<Double>.randomNormal([gates * hidden], standardDeviation: 0.3, seed: s + 2),
                    Tensor<Double>.randomNormal([gates * hidden], standardDeviation: 0.3, seed: s + 3)]
        }
    }

    func names(layers: Int) -> [String] {
        (0..<layers).flatMap { ["weight_ih_l\($0)", "weight_hh_l\($0)", "bias_ih_l\($0)", "bias_hh_l\($0)"] }
    }

    func flat(_ tensors: [Tensor<Double>]) -> Tensor<Double> {
        Tensor.concatenate(tensors.map { $0.reshaped([-1]) })
    }

    func testLSTMGradients() {
        for (steps, layers) in [(1, 1), (3, 1), (3, 2)] {
            let x = Tensor<Double>.randomNormal([2, steps, 3], seed: 1)
            let h0 = Tensor<Double>.randomNormal([layers, 2, 3], seed: 2), c0 = Tensor<Double>.randomNormal([layers, 2, 3], seed: 3)
            let weights = cellTensors(gates: 4, input: 3, hidden: 3, layers: layers, seed: 100)
            func run(_ v: [Tensor<Double>]) -> Tensor<Double> {
                let cells = (0..<layers).map { k in
                    LSTMCell(weightIH: v[3 + 4 * k], weightHH: v[4 + 4 * k], biasIH: v[5 + 4 * k], biasHH: v[6 + 4 * k])
                }
                let (output, final) = LSTM(cells: cells)(v[0], state: LSTMState(hidden: v[1], cell: v[2]))
                return flat([output, final.hidden, final.cell])
            }
            let names = ["x", "h0", "c0"] + names(layers: layers)
            assertGradcheck([x, h0, c0] + weights, names: names, "LSTM \(steps) steps, \(layers) layers", run)
        }
        // Second order on a smaller stack (two layers, two steps, hidden 2) to keep it quick.
        let x2 = Tensor<Double>.randomNormal([2, 2, 2], seed: 14)
        let h2 = Tensor<Double>.randomNormal([2, 2, 2], seed: 15), c2 = Tensor<Double>.randomNormal([2, 2, 2], seed: 16)
        let small = cellTensors(gates: 4, input: 2, hidden: 2, layers: 2, seed: 150)
        // (with respect to the input, the states and the recurrent weights; the rest held constant)
        let report = gradgradcheck(inputs: [x2, h2, c2, small[1], small[5]], names: ["x", "h0", "c0", "weight_hh_l0", "weight_hh_l1"]) { v in
            let cells = (0..<2).map { k in
                LSTMCell(weightIH: small[4 * k], weightHH: v[3 + k], biasIH: small[2 + 4 * k], biasHH: small[3 + 4 * k])
            }
            let (output, final) = LSTM(cells: cells)(v[0], state: LSTMState(hidden: v[1], cell: v[2]))
            return self.flat([output, final.hidden, final.cell])
        }
        XCTAssertTrue(report.passed, "LSTM gradgradcheck\n\(report)")
        // The cell alone, with and without an initial state.
        let x = Tensor<Double>.randomNormal([3, 2], seed: 4)
        let h = Tensor<Double>.randomNormal([3, 5], seed: 5), c = Tensor<Double>.randomNormal([3, 5], seed: 6)
        let w = cellTensors(gates: 4, input: 2, hidden: 5, layers: 1, seed: 200)
        assertGradcheck([x, h, c] + w, names: ["x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh"], "LSTMCell") { v in
            let s = LSTMCell(weightIH: v[3], weightHH: v[4], biasIH: v[5], biasHH: v[6])(v[0], state: LSTMState(hidden: v[1], cell: v[2]))
            return self.flat([s.hidden, s.cell])
        }
        assertGradcheck([x, w[0], w[2], w[3]], names: ["x", "weight_ih", "bias_ih", "bias_hh"], "LSTMCell from zero state") { v in
            LSTMCell(weightIH: v[1], weightHH: w[1], biasIH: v[2], biasHH: v[3])(v[0])
        }
    }

    func testGRUGradients() {
        for (steps, layers) in [(1, 1), (3, 1), (3, 2)] {
            let x = Tensor<Double>.randomNormal([2, steps, 3], seed: 7)
            let h0 = Tensor<Double>.randomNormal([layers, 2, 3], seed: 8)
            let weights = cellTensors(gates: 3, input: 3, hidden: 3, layers: layers, seed: 300)
            func run(_ v: [Tensor<Double>]) -> Tensor<Double> {
                let cells = (0..<layers).map { k in
                    GRUCell(weightIH: v[2 + 4 * k], weightHH: v[3 + 4 * k], biasIH: v[4 + 4 * k], biasHH: v[5 + 4 * k])
                }
                let (output, final) = GRU(cells: cells)(v[0], state: v[1])
                return flat([output, final])
            }
            let names = ["x", "h0"] + names(layers: layers)
            assertGradcheck([x, h0] + weights, names: names, "GRU \(steps) steps, \(layers) layers", run)
        }
        let x2 = Tensor<Double>.randomNormal([2, 2, 2], seed: 17), h2 = Tensor<Double>.randomNormal([2, 2, 2], seed: 18)
        let small = cellTensors(gates: 3, input: 2, hidden: 2, layers: 2, seed: 350)
        let report = gradgradcheck(inputs: [x2, h2, small[1], small[5]], names: ["x", "h0", "weight_hh_l0", "weight_hh_l1"]) { v in
            let cells = (0..<2).map { k in
                GRUCell(weightIH: small[4 * k], weightHH: v[2 + k], biasIH: small[2 + 4 * k], biasHH: small[3 + 4 * k])
            }
            let (output, final) = GRU(cells: cells)(v[0], state: v[1])
            return self.flat([output, final])
        }
        XCTAssertTrue(report.passed, "GRU gradgradcheck\n\(report)")
        let x = Tensor<Double>.randomNormal([3, 2], seed: 9), h = Tensor<Double>.randomNormal([3, 5], seed: 10)
        let w = cellTensors(gates: 3, input: 2, hidden: 5, layers: 1, seed: 400)
        assertGradcheck([x, h] + w, names: ["x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"], "GRUCell") { v in
            GRUCell(weightIH: v[2], weightHH: v[3], biasIH: v[4], biasHH: v[5])(v[0], state: v[1])
        }
    }

    func testRNNGradients() {
        for nonlinearity in RNNNonlinearity.allCases {
            for (steps, layers) in [(1, 1), (3, 2)] {
                let x = Tensor<Double>.randomNormal([3, steps, 2], seed: 11)
                let h0 = Tensor<Double>.randomNormal([layers, 3, 4], seed: 12)
                let weights = cellTensors(gates: 1, input: 2, hidden: 4, layers: layers, seed: 500)
                func run(_ v: [Tensor<Double>]) -> Tensor<Double> {
                    let cells = (0..<layers).map { k in
                        RNNCell(weightIH: v[2 + 4 * k], weightHH: v[3 + 4 * k], biasIH: v[4 + 4 * k], biasHH: v[5 + 4 * k],
                                nonlinearity: nonlinearity)
                    }
                    let (output, final) = RNN(cells: cells)(v[0], state: v[1])
                    return flat([output, final])
                }
                let names = ["x", "h0"] + names(layers: layers)
                assertGradcheck([x, h0] + weights, names: names, "RNN \(nonlinearity) \(steps) steps, \(layers) layers", run)
                if nonlinearity == .tanh && layers == 2 {
                    let report = gradgradcheck(inputs: [x, h0] + weights, names: names, run)
                    XCTAssertTrue(report.passed, "RNN tanh gradgradcheck\n\(report)")
                }
            }
        }
    }

    func testBackpropagationThroughTimeReachesEveryStep() {
        // The loss reads only the last output; the gradient still reaches the first input.
        let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, seed: 1)
        let x = Tensor<Double>.randomNormal([1, 5, 2], seed: 2).requiringGrad()
        let output = lstm(x)
        output.slice(axis: 1, 4..<5).sum().backward()
        let firstStep = Array(x.grad?.scalars[0..<2] ?? [])
        XCTAssertTrue(firstStep.allSatisfy { $0 != 0 }, "the gradient reached step 0: \(firstStep)")
        XCTAssertTrue(lstm.parameters.allSatisfy { $0.grad != nil })
    }
}

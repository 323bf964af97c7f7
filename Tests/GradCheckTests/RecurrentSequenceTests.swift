import XCTest
import Autograd

/// The sequence-level recurrent primitives (Ops/RecurrentSequence.swift): gradcheck and
/// gradgradcheck in Double on non-square shapes (batch ≠ hidden ≠ input, 3 and 4 steps), with
/// and without biases and initial states, both directions; values and gradients against the
/// steps composed of ops (what the layers ran step by step), first and second order.
final class RecurrentSequenceTests: XCTestCase {
    static let (steps, batch, inputSize, hidden) = (3, 2, 4, 3)

    /// The inputs of one test: the sequence x [steps, batch, input], weightIH, weightHH, then the
    /// biases and initial states asked for, in that order.
    static func inputs(gates: Int, steps: Int = steps, bias: Bool, states: Int, seed: UInt64) -> [Tensor<Double>] {
        var out = [GradTest.normal([steps, batch, inputSize], seed: seed),
                   GradTest.normal([gates * hidden, inputSize], seed: seed + 1) * 0.6,
                   GradTest.normal([gates * hidden, hidden], seed: seed + 2) * 0.6]
        if bias { out += [GradTest.normal([gates * hidden], seed: seed + 3) * 0.5, GradTest.normal([gates * hidden], seed: seed + 4) * 0.5] }
        for k in 0..<states { out.append(GradTest.normal([batch, hidden], seed: seed + 5 + UInt64(k))) }
        return out
    }

    /// x·W_ihᵀ + b_ih for every step at once, [steps, batch, gates·hidden].
    static func project(_ x: [Tensor<Double>], bias: Bool) -> Tensor<Double> {
        let (steps, batch) = (x[0].shape[0], x[0].shape[1])
        let flat = x[0].reshaped([steps * batch, x[0].shape[2]]).matmul(x[1], transposeA: false, transposeB: true)
        return (bias ? flat + x[3] : flat).reshaped([steps, batch, x[1].shape[0]])
    }

    /// The primitive on inputs laid out as `inputs` makes them.
    static func sequence(_ kind: String, _ x: [Tensor<Double>], bias: Bool, states: Int, reversed: Bool) -> Tensor<Double> {
        let first = bias ? 5 : 3
        let h0 = states > 0 ? x[first] : nil, c0 = states > 1 ? x[first + 1] : nil
        let projected = project(x, bias: bias), biasHH = bias ? x[4] : nil
        return kind == "lstm"
            ? Tensor.lstmSequence(projected: projected, weightHH: x[2], biasHH: biasHH, hidden: h0, cell: c0, reversed: reversed)
            : Tensor.gruSequence(projected: projected, weightHH: x[2], biasHH: biasHH, hidden: h0, reversed: reversed)
    }

    /// The same, step by step with ops as RecurrentCellCore.step runs it: per step x_t·W_ihᵀ + b_ih,
    /// h·W_hhᵀ + b_hh (the transposes made row-major), and the fused cell.
    static func composed<S>(_ kind: String, _ x: [Tensor<S>], bias: Bool, states: Int, reversed: Bool) -> Tensor<S> {
        let first = bias ? 5 : 3
        let (steps, batch, width) = (x[0].shape[0], x[0].shape[1], x[2].shape[1])
        var h = states > 0 ? x[first] : Tensor<S>.zeros([batch, width])
        var c = states > 1 ? x[first + 1] : Tensor<S>.zeros([batch, width])
        let (wih, whh) = (x[1].transposed(), x[2].transposed())
        var outputs = [Tensor<S>?](repeating: nil, count: steps)
        for t in reversed ? Array((0..<steps).reversed()) : Array(0..<steps) {
            let hiddenProduct = h.matmul(whh)
            let inputProduct = x[0].slice(axis: 0, t..<(t + 1)).squeezed(at: 0).matmul(wih)
            let input = bias ? inputProduct + x[3] : inputProduct
            let hiddenGates = bias ? hiddenProduct + x[4] : hiddenProduct
            if kind == "lstm" {
                let both = Tensor.lstmCell(gates: input + hiddenGates, cell: c)
                (h, c) = (both.slice(axis: 1, 0..<width), both.slice(axis: 1, width..<(2 * width)))
            } else {
                h = Tensor.gruCell(input: input, hidden: hiddenGates, state: h)
            }
            outputs[t] = h
        }
        return Tensor.stack(outputs.compactMap { $0 } + (kind == "lstm" ? [c] : []), axis: 0)
    }

    static func names(bias: Bool, states: Int) -> [String] {
        ["x", "weightIH", "weightHH"] + (bias ? ["biasIH", "biasHH"] : []) + ["h0", "c0"].prefix(states)
    }

    static func largestDifference<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Double {
        XCTAssertEqual(a.shape, b.shape)
        return zip(a.scalars, b.scalars).map { abs(Double($0) - Double($1)) }.max() ?? 0
    }

    // MARK: gradcheck and gradgradcheck

    func check(_ kind: String, stateCount: Int) {
        for (bias, states, reversed) in [(true, stateCount, false), (false, 0, false), (true, 0, true), (false, stateCount, true)] {
            let x = Self.inputs(gates: kind == "lstm" ? 4 : 3, bias: bias, states: states, seed: 40)
            let names = Self.names(bias: bias, states: states)
            GradTest.check(x, names: names) { Self.sequence(kind, $0, bias: bias, states: states, reversed: reversed) }
            GradTest.checkSecond(x, names: names) { Self.sequence(kind, $0, bias: bias, states: states, reversed: reversed) }
        }
    }

    func testLSTMSequenceGradients() { check("lstm", stateCount: 2) }

    func testGRUSequenceGradients() { check("gru", stateCount: 1) }

    /// Only the initial hidden state given (the cell state zeros), four steps.
    func testLSTMSequenceWithHiddenStateOnly() {
        let x = Self.inputs(gates: 4, steps: 4, bias: true, states: 1, seed: 50)
        GradTest.check(x, names: Self.names(bias: true, states: 1)) { Self.sequence("lstm", $0, bias: true, states: 1, reversed: false) }
        GradTest.checkSecond(x, names: Self.names(bias: true, states: 1)) { Self.sequence("lstm", $0, bias: true, states: 1, reversed: true) }
    }

    // MARK: Against the composed steps

    /// Values bit for bit (Double), gradients of every input to rounding, and second-order
    /// gradients (of ⟨w, gradient⟩) too.
    func testSequencesEqualTheComposedSteps() throws {
        for kind in ["lstm", "gru"] {
            for (bias, reversed) in [(true, false), (false, true)] {
                let states = kind == "lstm" ? 2 : 1
                let x = Self.inputs(gates: kind == "lstm" ? 4 : 3, steps: 4, bias: bias, states: states, seed: 60).map { $0.requiringGrad() }
                let fused = Self.sequence(kind, x, bias: bias, states: states, reversed: reversed)
                let composed = Self.composed(kind, x, bias: bias, states: states, reversed: reversed)
                XCTAssertEqual(fused.scalars, composed.scalars, "\(kind) bias \(bias) reversed \(reversed)")
                let upstream = GradTest.normal(fused.shape, seed: 61)
                let df = try gradients(of: fused, wrt: x, upstream: upstream, createGraph: true)
                let dc = try gradients(of: composed, wrt: x, upstream: upstream, createGraph: true)
                for (a, b) in zip(df, dc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-12, "\(kind)") }
                let w = x.enumerated().map { GradTest.normal($1.shape, seed: 70 + UInt64($0)) }
                let sf = zip(df, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
                let sc = zip(dc, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
                let ddf = try gradients(of: sf, wrt: x), ddc = try gradients(of: sc, wrt: x)
                for (a, b) in zip(ddf, ddc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-11, "\(kind) second order") }
            }
        }
    }

    /// In Float at the bench's sizes (16 steps, batch 32, input 64, hidden 128): the hidden states the
    /// sequence primitive gives (one product for all the steps' inputs, the recurrent weight
    /// packed once) against the steps composed of ops, bit for bit.
    func testFloatSequencesAtBenchSizes() throws {
        for kind in ["lstm", "gru"] {
            let gates = kind == "lstm" ? 4 : 3, (steps, batch, input, width) = (16, 32, 64, 128)
            let x: [Tensor<Float>] = [Tensor.randomNormal([steps, batch, input], seed: 80),
                                      Tensor.randomNormal([gates * width, input], seed: 81) * 0.09,
                                      Tensor.randomNormal([gates * width, width], seed: 82) * 0.09,
                                      Tensor.randomNormal([gates * width], seed: 83) * 0.09,
                                      Tensor.randomNormal([gates * width], seed: 84) * 0.09]
            let flat = x[0].reshaped([steps * batch, input]).matmul(x[1].transposed()) + x[3]
            let projected = flat.reshaped([steps, batch, gates * width])
            let fused = kind == "lstm"
                ? Tensor.lstmSequence(projected: projected, weightHH: x[2], biasHH: x[4], hidden: nil, cell: nil)
                : Tensor.gruSequence(projected: projected, weightHH: x[2], biasHH: x[4], hidden: nil)
            let composed = Self.composed(kind, x, bias: true, states: 0, reversed: false)
            #if canImport(Darwin)
            // Accelerate's BLAS takes products of both sizes, and its per-row sums may depend on the shape.
            XCTAssertLessThanOrEqual(Self.largestDifference(fused, composed), 1e-5, kind)
            #else
            // The package's own GEMM: the same kernels and order of sums for each row, whatever m.
            XCTAssertEqual(fused.scalars, composed.scalars, kind)
            #endif
        }
    }
}

import XCTest
import Autograd
import CKernels

/// The fused recurrent cells (Ops/RecurrentCells.swift): gradcheck and gradgradcheck of each
/// primitive (the cells and their backward passes) in Double on non-square shapes, the fused cells
/// against their equations composed of ops (values and gradients, first and second order), and
/// Float against Double.
final class FusedCellTests: XCTestCase {
    // MARK: The composed equations (what RecurrentKind.step ran before the cells were fused)

    static func composedLSTM<S>(gates: Tensor<S>, cell: Tensor<S>) -> Tensor<S> {
        let width = cell.shape[1]
        func gate(_ k: Int) -> Tensor<S> { gates.slice(axis: 1, k * width..<(k + 1) * width) }
        let (i, f, g, o) = (gate(0).sigmoid(), gate(1).sigmoid(), gate(2).tanh(), gate(3).sigmoid())
        let c = f * cell + i * g
        return Tensor.concatenate([o * c.tanh(), c], axis: 1)
    }

    static func composedGRU<S>(input x: Tensor<S>, hidden h: Tensor<S>, state: Tensor<S>) -> Tensor<S> {
        let width = state.shape[1]
        func gate(_ k: Int, _ t: Tensor<S>) -> Tensor<S> { t.slice(axis: 1, k * width..<(k + 1) * width) }
        let r = (gate(0, x) + gate(0, h)).sigmoid()
        let z = (gate(1, x) + gate(1, h)).sigmoid()
        let n = (gate(2, x) + r * gate(2, h)).tanh()
        return (1 - z) * n + z * state
    }

    /// Gate pre-activations spread over [−3, 3] (both saturating and linear parts of σ and tanh).
    static func spread(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        Tensor<Double>.randomNormal(shape, seed: seed) * 1.5
    }

    static func largestDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        XCTAssertEqual(a.shape, b.shape)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    // MARK: gradcheck and gradgradcheck of each primitive

    func testLSTMCellGradients() {
        for (batch, hidden) in [(3, 2), (3, 5)] {
            let inputs = [Self.spread([batch, 4 * hidden], seed: 1), Self.spread([batch, hidden], seed: 2)]
            let names = ["gates", "cell"]
            GradTest.check(inputs, names: names) { Tensor.lstmCell(gates: $0[0], cell: $0[1]) }
            GradTest.checkSecond(inputs, names: names) { Tensor.lstmCell(gates: $0[0], cell: $0[1]) }
        }
    }

    func testLSTMCellBackwardGradients() {
        for (batch, hidden) in [(3, 2), (3, 5)] {
            let inputs = [GradTest.normal([batch, 2 * hidden], seed: 3), Self.spread([batch, 4 * hidden], seed: 4),
                          Self.spread([batch, hidden], seed: 5)]
            let names = ["upstream", "gates", "cell"]
            func both(_ x: [Tensor<Double>]) -> Tensor<Double> {
                let d = Tensor.lstmCellBackward(upstream: x[0], gates: x[1], cell: x[2])
                return Tensor.concatenate([d.gates, d.cell], axis: 1)
            }
            GradTest.check(inputs, names: names) { Tensor.lstmCellBackward(upstream: $0[0], gates: $0[1], cell: $0[2]).gates }
            GradTest.check(inputs, names: names) { Tensor.lstmCellBackward(upstream: $0[0], gates: $0[1], cell: $0[2]).cell }
            GradTest.checkSecond(inputs, names: names, both)
        }
    }

    func testGRUCellGradients() {
        for (batch, hidden) in [(3, 2), (3, 5)] {
            let inputs = [Self.spread([batch, 3 * hidden], seed: 6), Self.spread([batch, 3 * hidden], seed: 7),
                          Self.spread([batch, hidden], seed: 8)]
            let names = ["input", "hidden", "state"]
            GradTest.check(inputs, names: names) { Tensor.gruCell(input: $0[0], hidden: $0[1], state: $0[2]) }
            GradTest.checkSecond(inputs, names: names) { Tensor.gruCell(input: $0[0], hidden: $0[1], state: $0[2]) }
        }
    }

    func testGRUCellBackwardGradients() {
        for (batch, hidden) in [(3, 2), (3, 5)] {
            let inputs = [GradTest.normal([batch, hidden], seed: 9), Self.spread([batch, 3 * hidden], seed: 10),
                          Self.spread([batch, 3 * hidden], seed: 11), Self.spread([batch, hidden], seed: 12)]
            let names = ["upstream", "input", "hidden", "state"]
            func backward(_ x: [Tensor<Double>]) -> (input: Tensor<Double>, hidden: Tensor<Double>, state: Tensor<Double>) {
                Tensor.gruCellBackward(upstream: x[0], input: x[1], hidden: x[2], state: x[3])
            }
            GradTest.check(inputs, names: names) { backward($0).input }
            GradTest.check(inputs, names: names) { backward($0).hidden }
            GradTest.check(inputs, names: names) { backward($0).state }
            GradTest.checkSecond(inputs, names: names) { x in
                let d = backward(x)
                return Tensor.concatenate([d.input, d.hidden, d.state], axis: 1)
            }
        }
    }

    // MARK: The fused cells against the composed equations

    /// Values bit for bit (the same kernels in the same order), gradients of every input to
    /// rounding, and the gradients of a gradient (double backward) too.
    func testLSTMCellEqualsTheComposedEquations() throws {
        let (batch, hidden) = (3, 5)
        let gates = Self.spread([batch, 4 * hidden], seed: 13).requiringGrad(), cell = Self.spread([batch, hidden], seed: 14).requiringGrad()
        let upstream = GradTest.normal([batch, 2 * hidden], seed: 15)
        let fused = Tensor.lstmCell(gates: gates, cell: cell), composed = Self.composedLSTM(gates: gates, cell: cell)
        XCTAssertEqual(fused.scalars, composed.scalars)
        let df = try gradients(of: fused, wrt: [gates, cell], upstream: upstream, createGraph: true)
        let dc = try gradients(of: composed, wrt: [gates, cell], upstream: upstream, createGraph: true)
        for (a, b) in zip(df, dc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-12) }
        // Second order: the gradient of ⟨w, ∂L/∂gates⟩ + ⟨w′, ∂L/∂cell⟩ with respect to both inputs.
        let w = [GradTest.normal(gates.shape, seed: 16), GradTest.normal(cell.shape, seed: 17)]
        let sf = (df[0] * w[0]).sum() + (df[1] * w[1]).sum(), sc = (dc[0] * w[0]).sum() + (dc[1] * w[1]).sum()
        let ddf = try gradients(of: sf, wrt: [gates, cell]), ddc = try gradients(of: sc, wrt: [gates, cell])
        for (a, b) in zip(ddf, ddc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-12) }
    }

    func testGRUCellEqualsTheComposedEquations() throws {
        let (batch, hidden) = (3, 5)
        let x = Self.spread([batch, 3 * hidden], seed: 18).requiringGrad(), h = Self.spread([batch, 3 * hidden], seed: 19).requiringGrad()
        let state = Self.spread([batch, hidden], seed: 20).requiringGrad()
        let upstream = GradTest.normal([batch, hidden], seed: 21)
        let fused = Tensor.gruCell(input: x, hidden: h, state: state), composed = Self.composedGRU(input: x, hidden: h, state: state)
        XCTAssertEqual(fused.scalars, composed.scalars)
        let df = try gradients(of: fused, wrt: [x, h, state], upstream: upstream, createGraph: true)
        let dc = try gradients(of: composed, wrt: [x, h, state], upstream: upstream, createGraph: true)
        for (a, b) in zip(df, dc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-12) }
        let w = [GradTest.normal(x.shape, seed: 22), GradTest.normal(h.shape, seed: 23), GradTest.normal(state.shape, seed: 24)]
        let sf = zip(df, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +), sc = zip(dc, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
        let ddf = try gradients(of: sf, wrt: [x, h, state]), ddc = try gradients(of: sc, wrt: [x, h, state])
        for (a, b) in zip(ddf, ddc) { XCTAssertLessThanOrEqual(Self.largestDifference(a, b), 1e-12) }
    }

    /// The Float cells (vectorised sigmoid and tanh) give the composed Float ops' values bit for bit,
    /// gradients within a few ulps of them, and agree with the Double cells to Float precision.
    func testFloatCellsAgreeWithTheComposedOpsAndWithDouble() throws {
        let (batch, hidden) = (4, 37)                           // a hidden size that is no multiple of a vector
        let gatesD = Self.spread([batch, 4 * hidden], seed: 25) * 2, cellD = Self.spread([batch, hidden], seed: 26)
        let xD = Self.spread([batch, 3 * hidden], seed: 27) * 2, hD = Self.spread([batch, 3 * hidden], seed: 28)
        let stateD = Self.spread([batch, hidden], seed: 29)
        func float(_ t: Tensor<Double>) -> Tensor<Float> { Tensor<Float>(t.scalars.map { Float($0) }, shape: t.shape) }
        func double(_ t: Tensor<Float>) -> Tensor<Double> { Tensor<Double>(t.scalars.map { Double($0) }, shape: t.shape) }
        // Rounded to Float first, so that both types see the same inputs.
        let (gatesF, cellF, xF, hF, stateF) = (float(gatesD), float(cellD), float(xD), float(hD), float(stateD))
        let inputsD = [gatesF, cellF, xF, hF, stateF].map { double($0).requiringGrad() }
        let inputsF = [gatesF, cellF, xF, hF, stateF].map { $0.requiringGrad() }
        let lstmF = Tensor.lstmCell(gates: inputsF[0], cell: inputsF[1])
        let gruF = Tensor.gruCell(input: inputsF[2], hidden: inputsF[3], state: inputsF[4])
        XCTAssertEqual(lstmF.scalars, Self.composedLSTM(gates: inputsF[0], cell: inputsF[1]).scalars)
        XCTAssertEqual(gruF.scalars, Self.composedGRU(input: inputsF[2], hidden: inputsF[3], state: inputsF[4]).scalars)
        let lstmD = Tensor.lstmCell(gates: inputsD[0], cell: inputsD[1])
        let gruD = Tensor.gruCell(input: inputsD[2], hidden: inputsD[3], state: inputsD[4])
        // Values of magnitude ≤ 1 (h′) or a few (c′): within a few Float ulps of the Double cell.
        XCTAssertLessThanOrEqual(Self.largestDifference(double(lstmF), lstmD), 1e-6)
        XCTAssertLessThanOrEqual(Self.largestDifference(double(gruF), gruD), 1e-6)
        let uLSTM = GradTest.normal(lstmD.shape, seed: 30), uGRU = GradTest.normal(gruD.shape, seed: 31)
        let gF = try gradients(of: lstmF, wrt: Array(inputsF[0...1]), upstream: float(uLSTM))
            + gradients(of: gruF, wrt: Array(inputsF[2...4]), upstream: float(uGRU))
        let gD = try gradients(of: lstmD, wrt: Array(inputsD[0...1]), upstream: double(float(uLSTM)))
            + gradients(of: gruD, wrt: Array(inputsD[2...4]), upstream: double(float(uGRU)))
        let composedF = try gradients(of: Self.composedLSTM(gates: inputsF[0], cell: inputsF[1]), wrt: Array(inputsF[0...1]),
                                      upstream: float(uLSTM))
            + gradients(of: Self.composedGRU(input: inputsF[2], hidden: inputsF[3], state: inputsF[4]), wrt: Array(inputsF[2...4]),
                        upstream: float(uGRU))
        for (k, (f, d)) in zip(gF, gD).enumerated() {
            XCTAssertLessThanOrEqual(Self.largestDifference(double(f), d), 2e-6, "input \(k)")
            XCTAssertLessThanOrEqual(Self.largestDifference(double(f), double(composedF[k])), 2e-6, "input \(k)")
        }
    }

    func testKnownValues() {
        // Zero pre-activations: i = f = o = ½, g = 0, so c′ = ½·0 and h′ = 0.
        let both = Tensor.lstmCell(gates: Tensor<Double>.zeros([2, 12]), cell: Tensor<Double>.zeros([2, 3]))
        XCTAssertEqual(both.shape, [2, 6])
        XCTAssertEqual(both.scalars, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let next = Tensor.gruCell(input: Tensor<Double>.zeros([2, 9]), hidden: Tensor<Double>.zeros([2, 9]), state: Tensor<Double>.ones([2, 3]))
        XCTAssertEqual(next.scalars, [Double](repeating: 0.5, count: 6))     // z = ½, n = 0: h′ = ½·h
    }
    /// The Float LSTM cell backward runs in C (recurrent.c): every instruction set's path gives
    /// the bits of the Swift expressions, evaluated here element by element, vector tails included.
    func testFloatLSTMBackwardKernelMatchesTheSwiftExpressions() {
        for (batch, h) in [(3, 13), (2, 16), (1, 5)] {
            var rng = SeededGenerator(seed: UInt64(batch * 100 + h))
            func values(_ n: Int, _ lower: Float, _ upper: Float) -> [Float] {
                Tensor<Float>.randomUniform([n], lower: lower, upper: upper, using: &rng).scalars
            }
            let upstream = values(batch * 2 * h, -2, 2), cell = values(batch * h, -2, 2)
            let saved = values(batch * 5 * h, 0, 1)   // activations in (0, 1) stand in for σ and tanh values
            var expectedGates = [Float](repeating: 0, count: batch * 4 * h), expectedCell = [Float](repeating: 0, count: batch * h)
            for b in 0..<batch {
                for j in 0..<h {
                    let (uh, uc) = (upstream[b * 2 * h + j], upstream[b * 2 * h + h + j])
                    let a = { (k: Int) in saved[b * 5 * h + k * h + j] }
                    let (i, f, g, o, t) = (a(0), a(1), a(2), a(3), a(4))
                    let dcNext = uh * o * (1 - t * t) + uc
                    expectedGates[b * 4 * h + j] = dcNext * g * (i * (1 - i))
                    expectedGates[b * 4 * h + h + j] = dcNext * cell[b * h + j] * (f * (1 - f))
                    expectedGates[b * 4 * h + 2 * h + j] = dcNext * i * (1 - g * g)
                    expectedGates[b * 4 * h + 3 * h + j] = uh * t * (o * (1 - o))
                    expectedCell[b * h + j] = dcNext * f
                }
            }
            for isa in Set([Int32(0), ck_isa()]) {
                var dGates = [Float](repeating: .nan, count: batch * 4 * h), dCell = [Float](repeating: .nan, count: batch * h)
                ck_lstm_cell_backward_f32(isa, batch, h, upstream, cell, saved, &dGates, &dCell)
                XCTAssertEqual(dGates.map(\.bitPattern), expectedGates.map(\.bitPattern), "isa \(isa), batch \(batch), hidden \(h)")
                XCTAssertEqual(dCell.map(\.bitPattern), expectedCell.map(\.bitPattern), "isa \(isa), batch \(batch), hidden \(h)")
            }
        }
    }
}

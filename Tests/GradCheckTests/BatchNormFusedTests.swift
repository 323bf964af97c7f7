import XCTest
import Autograd

/// The fused batch normalization (Ops/BatchNorm.swift), with and without its affine map: its
/// values are the composed ops' bit for bit (Float and Double, 2-D, 3-D and 4-D inputs, one element
/// per channel in the rest); gradcheck (the fused backward kernel) and gradgradcheck (the rule
/// written with ops, recorded) in Double for x, weight and bias; the fused and the recorded rule
/// agree; large inputs split over threads give the bits of one.
final class BatchNormFusedTests: XCTestCase {
    /// What BatchNorm ran before the op was fused.
    static func composed<S>(_ x: Tensor<S>, eps: S) -> (Tensor<S>, Tensor<S>, Tensor<S>) {
        let axes = [0] + Array(2..<x.rank)
        let mean = x.mean(axes: axes, keepDims: true)
        let centered = x - mean
        let variance = (centered * centered).mean(axes: axes, keepDims: true)
        return (centered / (variance + eps).sqrt(), mean.reshaped([-1]), variance.reshaped([-1]))
    }

    func testValuesAreTheComposedOpsBitForBit() {
        for shape in [[5, 3], [4, 3, 7], [2, 3, 4, 5], [6, 2, 1], [64, 8, 300]] {
            let x = Tensor<Double>.randomNormal(shape, seed: 1) * 3 + 1.5
            let fused = x.batchNormalized(eps: 1e-5), plain = Self.composed(x, eps: 1e-5)
            XCTAssertEqual(fused.output.scalars, plain.0.scalars, "\(shape)")
            XCTAssertEqual(fused.mean.scalars, plain.1.scalars, "\(shape)")
            XCTAssertEqual(fused.variance.scalars, plain.2.scalars, "\(shape)")
            let xf = Tensor<Float>(x.scalars.map { Float($0) }, shape: shape)
            let fusedF = xf.batchNormalized(eps: 1e-5), plainF = Self.composed(xf, eps: 1e-5)
            XCTAssertEqual(fusedF.output.scalars, plainF.0.scalars, "Float \(shape)")
            XCTAssertEqual(fusedF.variance.scalars, plainF.2.scalars, "Float \(shape)")
        }
    }

    func testAffineValuesAreTheComposedOpsBitForBit() {
        for shape in [[5, 3], [4, 3, 7], [2, 3, 4, 5]] {
            let x = Tensor<Double>.randomNormal(shape, seed: 7) * 2 - 0.5
            let w = Tensor<Double>.randomNormal([3], seed: 8), b = Tensor<Double>.randomNormal([3], seed: 9)
            let broadcast = [1, 3] + Array(repeating: 1, count: shape.count - 2)
            let plain = Self.composed(x, eps: 1e-5).0 * w.reshaped(broadcast) + b.reshaped(broadcast)
            XCTAssertEqual(x.batchNormalized(eps: 1e-5, weight: w, bias: b).output.scalars, plain.scalars, "\(shape)")
        }
    }

    func testAffineGradients() {
        for shape in [[5, 3], [4, 3, 2]] {
            let inputs = [GradTest.normal(shape, seed: 10) * 1.5 + 0.3, GradTest.normal([3], seed: 11), GradTest.normal([3], seed: 12)]
            let names = ["x", "weight", "bias"]
            GradTest.check(inputs, names: names) { $0[0].batchNormalized(eps: 1e-5, weight: $0[1], bias: $0[2]).output }
            GradTest.checkSecond(inputs, names: names) { $0[0].batchNormalized(eps: 1e-5, weight: $0[1], bias: $0[2]).output }
        }
        // The fused rule and the recorded one agree for every input.
        let x = (GradTest.normal([6, 3, 4], seed: 13) * 2).requiringGrad()
        let w = GradTest.normal([3], seed: 14).requiringGrad(), b = GradTest.normal([3], seed: 15).requiringGrad()
        let u = GradTest.normal([6, 3, 4], seed: 16)
        do {
            let fused = try gradients(of: x.batchNormalized(eps: 1e-5, weight: w, bias: b).output, wrt: [x, w, b], upstream: u)
            let recorded = try gradients(of: x.batchNormalized(eps: 1e-5, weight: w, bias: b).output, wrt: [x, w, b], upstream: u,
                                         createGraph: true)
            for (a, r) in zip(fused, recorded) {
                XCTAssertLessThan(zip(a.scalars, r.scalars).map { abs($0 - $1) }.max() ?? .infinity, 1e-12)
            }
        } catch {
            XCTFail("\(error)")
        }
    }

    func testGradients() {
        for shape in [[5, 3], [4, 2, 3], [2, 2, 2, 3]] {
            let x = GradTest.normal(shape, seed: 2) * 1.5 + 0.3
            GradTest.check([x], names: ["x"]) { $0[0].batchNormalized(eps: 1e-5).output }
            GradTest.checkSecond([x], names: ["x"]) { $0[0].batchNormalized(eps: 1e-5).output }
        }
    }

    /// The kernel (plain backward) and the rule written with ops (createGraph) give the same gradient.
    func testFusedRuleAgreesWithTheRecordedOne() throws {
        let x = (GradTest.normal([8, 5, 6], seed: 3) * 2).requiringGrad()
        let u = GradTest.normal([8, 5, 6], seed: 4)
        let fused = try gradients(of: x.batchNormalized(eps: 1e-5).output, wrt: [x], upstream: u)[0]
        let recorded = try gradients(of: x.batchNormalized(eps: 1e-5).output, wrt: [x], upstream: u, createGraph: true)[0]
        let composed = try gradients(of: Self.composed(x, eps: 1e-5).0, wrt: [x], upstream: u)[0]
        for (a, b) in [(fused, recorded), (fused, composed)] {
            let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-12)
        }
    }

    /// A map large enough to be shared by the threads gives the bits of one thread's run (each row
    /// is computed alone; the sums are fixed by the shapes).
    func testLargeInputsGiveTheSameBitsAsTheComposition() throws {
        let x = Tensor<Float>.randomNormal([32, 16, 28, 28], seed: 5)
        let fused = x.batchNormalized(eps: 1e-5)
        XCTAssertEqual(fused.output.scalars, Self.composed(x, eps: 1e-5).0.scalars)
        let leaf = x.requiringGrad()
        let u = Tensor<Float>.randomNormal(x.shape, seed: 6)
        let g1 = try gradients(of: leaf.batchNormalized(eps: 1e-5).output, wrt: [leaf], upstream: u)[0]
        let g2 = try gradients(of: leaf.batchNormalized(eps: 1e-5).output, wrt: [leaf], upstream: u)[0]
        XCTAssertEqual(g1.scalars, g2.scalars)
    }
}

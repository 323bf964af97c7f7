import XCTest
import Autograd

/// The fused batch normalization (Ops/BatchNorm.swift): its values are the composed ops' bit for
/// bit (Float and Double, 2-D, 3-D and 4-D inputs, one element per channel in the rest); gradcheck
/// (the fused backward kernel) and gradgradcheck (the rule written with ops, recorded) in Double;
/// the fused and the recorded rule agree; large inputs split over threads give the bits of one.
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
            XCTAssertEqual(fused.normalized.scalars, plain.0.scalars, "\(shape)")
            XCTAssertEqual(fused.mean.scalars, plain.1.scalars, "\(shape)")
            XCTAssertEqual(fused.variance.scalars, plain.2.scalars, "\(shape)")
            let xf = Tensor<Float>(x.scalars.map { Float($0) }, shape: shape)
            let fusedF = xf.batchNormalized(eps: 1e-5), plainF = Self.composed(xf, eps: 1e-5)
            XCTAssertEqual(fusedF.normalized.scalars, plainF.0.scalars, "Float \(shape)")
            XCTAssertEqual(fusedF.variance.scalars, plainF.2.scalars, "Float \(shape)")
        }
    }

    func testGradients() {
        for shape in [[5, 3], [4, 2, 3], [2, 2, 2, 3]] {
            let x = GradTest.normal(shape, seed: 2) * 1.5 + 0.3
            GradTest.check([x], names: ["x"]) { $0[0].batchNormalized(eps: 1e-5).normalized }
            GradTest.checkSecond([x], names: ["x"]) { $0[0].batchNormalized(eps: 1e-5).normalized }
        }
    }

    /// The kernel (plain backward) and the rule written with ops (createGraph) give the same gradient.
    func testFusedRuleAgreesWithTheRecordedOne() throws {
        let x = (GradTest.normal([8, 5, 6], seed: 3) * 2).requiringGrad()
        let u = GradTest.normal([8, 5, 6], seed: 4)
        let fused = try gradients(of: x.batchNormalized(eps: 1e-5).normalized, wrt: [x], upstream: u)[0]
        let recorded = try gradients(of: x.batchNormalized(eps: 1e-5).normalized, wrt: [x], upstream: u, createGraph: true)[0]
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
        XCTAssertEqual(fused.normalized.scalars, Self.composed(x, eps: 1e-5).0.scalars)
        let leaf = x.requiringGrad()
        let u = Tensor<Float>.randomNormal(x.shape, seed: 6)
        let g1 = try gradients(of: leaf.batchNormalized(eps: 1e-5).normalized, wrt: [leaf], upstream: u)[0]
        let g2 = try gradients(of: leaf.batchNormalized(eps: 1e-5).normalized, wrt: [leaf], upstream: u)[0]
        XCTAssertEqual(g1.scalars, g2.scalars)
    }
}

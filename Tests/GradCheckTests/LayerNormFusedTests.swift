import XCTest
import Autograd
import Layers

/// The fused layer normalization (Ops/LayerNorm.swift), with and without its affine map: its
/// values are the composed ops' bit for bit (Float and Double, one and two trailing axes, large
/// inputs split over threads); gradcheck (the fused backward kernel) and gradgradcheck (the rule
/// written with ops, recorded) in Double for x, weight and bias; the fused rule, the recorded rule
/// and the composition's gradient agree; the layer runs the fused op.
final class LayerNormFusedTests: XCTestCase {
    /// What LayerNorm ran before the op was fused.
    static func composed<S>(_ x: Tensor<S>, trailing: Int, eps: S, weight: Tensor<S>? = nil, bias: Tensor<S>? = nil) -> Tensor<S> {
        let axes = Array((x.rank - trailing)..<x.rank)
        let centered = x - x.mean(axes: axes, keepDims: true)
        let variance = (centered * centered).mean(axes: axes, keepDims: true)
        let normalized = centered / (variance + eps).sqrt()
        guard let weight, let bias else { return normalized }
        return normalized * weight + bias
    }

    func testValuesAreTheComposedOpsBitForBit() {
        for (shape, trailing) in [([5, 3], 1), ([4, 3, 7], 1), ([2, 3, 4, 5], 2), ([6, 1], 1), ([32, 16, 64], 1), ([7], 1),
                                  ([64, 300, 40], 1)] {
            let x = Tensor<Double>.randomNormal(shape, seed: 1) * 3 + 1.5
            let inner = Array(shape.suffix(trailing))
            let w = Tensor<Double>.randomNormal(inner, seed: 2), b = Tensor<Double>.randomNormal(inner, seed: 3)
            XCTAssertEqual(x.layerNormalized(trailing: trailing, eps: 1e-5).scalars,
                           Self.composed(x, trailing: trailing, eps: 1e-5).scalars, "\(shape)")
            XCTAssertEqual(x.layerNormalized(trailing: trailing, eps: 1e-5, weight: w, bias: b).scalars,
                           Self.composed(x, trailing: trailing, eps: 1e-5, weight: w, bias: b).scalars, "\(shape)")
            let xf = Tensor<Float>(x.scalars.map { Float($0) }, shape: shape)
            let wf = Tensor<Float>(w.scalars.map { Float($0) }, shape: inner), bf = Tensor<Float>(b.scalars.map { Float($0) }, shape: inner)
            XCTAssertEqual(xf.layerNormalized(trailing: trailing, eps: 1e-5, weight: wf, bias: bf).scalars,
                           Self.composed(xf, trailing: trailing, eps: 1e-5, weight: wf, bias: bf).scalars, "Float \(shape)")
        }
    }

    func testGradients() {
        for (shape, trailing) in [([5, 3], 1), ([4, 2, 3], 1), ([2, 2, 3], 2), ([4], 1)] {
            let inner = Array(shape.suffix(trailing))
            let x = GradTest.normal(shape, seed: 4) * 1.5 + 0.3
            GradTest.check([x], names: ["x"]) { $0[0].layerNormalized(trailing: trailing, eps: 1e-5) }
            GradTest.checkSecond([x], names: ["x"]) { $0[0].layerNormalized(trailing: trailing, eps: 1e-5) }
            let inputs = [x, GradTest.normal(inner, seed: 5), GradTest.normal(inner, seed: 6)]
            let names = ["x", "weight", "bias"]
            GradTest.check(inputs, names: names) { $0[0].layerNormalized(trailing: trailing, eps: 1e-5, weight: $0[1], bias: $0[2]) }
            GradTest.checkSecond(inputs, names: names) {
                $0[0].layerNormalized(trailing: trailing, eps: 1e-5, weight: $0[1], bias: $0[2])
            }
        }
    }

    /// The kernel (plain backward), the rule written with ops (createGraph) and the composition's
    /// gradient agree for every input.
    func testFusedRuleAgreesWithTheRecordedOneAndTheComposition() throws {
        let x = (GradTest.normal([6, 3, 8], seed: 7) * 2).requiringGrad()
        let w = GradTest.normal([8], seed: 8).requiringGrad(), b = GradTest.normal([8], seed: 9).requiringGrad()
        let u = GradTest.normal([6, 3, 8], seed: 10)
        let fused = try gradients(of: x.layerNormalized(trailing: 1, eps: 1e-5, weight: w, bias: b), wrt: [x, w, b], upstream: u)
        let recorded = try gradients(of: x.layerNormalized(trailing: 1, eps: 1e-5, weight: w, bias: b), wrt: [x, w, b],
                                     upstream: u, createGraph: true)
        let composed = try gradients(of: Self.composed(x, trailing: 1, eps: 1e-5, weight: w, bias: b), wrt: [x, w, b], upstream: u)
        for (a, others) in zip(fused, zip(recorded, composed)) {
            for other in [others.0, others.1] {
                XCTAssertLessThan(zip(a.scalars, other.scalars).map { abs($0 - $1) }.max() ?? .infinity, 1e-12)
            }
        }
    }

    /// The layer runs the fused op (one node) with the composition's values; gradients of its
    /// parameters agree with the composition's.
    func testLayerRunsTheFusedOp() throws {
        let norm = LayerNorm<Double>(weight: GradTest.normal([5], seed: 11), bias: GradTest.normal([5], seed: 12))
        let x = (GradTest.normal([3, 4, 5], seed: 13) * 2 + 1).requiringGrad()
        let y = norm(x)
        XCTAssertEqual(y.scalars, Self.composed(x, trailing: 1, eps: 1e-5, weight: norm.weight?.value, bias: norm.bias?.value).scalars)
        let (w, b) = (try XCTUnwrap(norm.weight?.value), try XCTUnwrap(norm.bias?.value))
        let fused = try gradients(of: y.sum(), wrt: [x, w, b])
        let composed = try gradients(of: Self.composed(x, trailing: 1, eps: 1e-5, weight: w, bias: b).sum(), wrt: [x, w, b])
        for (a, c) in zip(fused, composed) {
            XCTAssertLessThan(zip(a.scalars, c.scalars).map { abs($0 - $1) }.max() ?? .infinity, 1e-12)
        }
    }
}

import XCTest
import Autograd

/// The fused scale–mask–softmax of attention (Ops/AttentionSoftmax.swift): values equal to the
/// composition bit for bit (Float and Double, causal or not, square and wide score matrices, more
/// rows than keys), gradcheck and gradgradcheck in Double, and the gradient equal to the
/// composition's (up to the sign of the zeros at hidden entries, which `==` does not see).
final class AttentionSoftmaxTests: XCTestCase {
    /// What MultiHeadAttention ran before the op was fused.
    static func composed<S>(_ x: Tensor<S>, scale: S, causal: Bool) -> Tensor<S> {
        var scores = x / scale
        let (t, s) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        if causal { scores = scores.masked(where: Tensor.triu(rows: t, columns: s, diagonal: 1), fill: -.infinity) }
        return scores.softmax(axis: -1)
    }

    func testValuesAreTheComposedOpsBitForBit() {
        for shape in [[32, 4, 16, 16], [2, 3, 5, 7], [3, 6, 4], [4, 4], [1, 1, 1]] {
            for causal in [true, false] {
                let x = Tensor<Double>.randomNormal(shape, seed: 1) * 3
                XCTAssertEqual(x.scaledSoftmax(dividingBy: 4, causal: causal).scalars,
                               Self.composed(x, scale: 4, causal: causal).scalars, "\(shape) causal \(causal)")
                let xf = x.converted(to: Float.self)
                XCTAssertEqual(xf.scaledSoftmax(dividingBy: 8, causal: causal).scalars,
                               Self.composed(xf, scale: 8, causal: causal).scalars, "Float \(shape) causal \(causal)")
            }
        }
    }

    func testGradients() {
        for shape in [[2, 3, 4, 4], [3, 2, 5], [4, 3]] {
            for causal in [true, false] {
                let x = GradTest.normal(shape, seed: 2) * 2
                GradTest.check([x], names: ["scores"]) { $0[0].scaledSoftmax(dividingBy: 1.7, causal: causal) }
                GradTest.checkSecond([x], names: ["scores"]) { $0[0].scaledSoftmax(dividingBy: 1.7, causal: causal) }
            }
        }
    }

    func testGradientIsTheComposition() throws {
        for causal in [true, false] {
            let x = (GradTest.normal([3, 2, 6, 6], seed: 3) * 2).requiringGrad()
            let u = GradTest.normal([3, 2, 6, 6], seed: 4)
            let fused = try gradients(of: x.scaledSoftmax(dividingBy: 2.5, causal: causal), wrt: [x], upstream: u)[0]
            let composed = try gradients(of: Self.composed(x, scale: 2.5, causal: causal), wrt: [x], upstream: u)[0]
            XCTAssertEqual(fused.scalars, composed.scalars, "causal \(causal)")
            let xf = x.detached().converted(to: Float.self).requiringGrad(), uf = u.converted(to: Float.self)
            let fusedF = try gradients(of: xf.scaledSoftmax(dividingBy: 8, causal: causal), wrt: [xf], upstream: uf)[0]
            let composedF = try gradients(of: Self.composed(xf, scale: 8, causal: causal), wrt: [xf], upstream: uf)[0]
            XCTAssertEqual(fusedF.scalars, composedF.scalars, "Float causal \(causal)")
        }
    }
}

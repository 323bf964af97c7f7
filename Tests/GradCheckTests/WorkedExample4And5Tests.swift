import XCTest
import Autograd

/// Worked example 4 (ReLU of an affine function, and its kink) and worked example 5
/// (softmax with negative log-likelihood, the softmax Jacobian, the L2 loss).
final class WorkedExample4And5Tests: XCTestCase {
    typealias T = Tensor<Double>

    // MARK: Example 4: f(b, w) = ReLU(b + x w)

    /// df/db and df/dw from the tape.
    func reluAffineGradients(x: Double, b: Double, w: Double) -> (value: Double, db: Double, dw: Double) {
        let bLeaf = T(b).requiringGrad(named: "b"), wLeaf = T(w).requiringGrad(named: "w")
        let f = (bLeaf + T(x) * wLeaf).relu()
        f.backward()
        return (f.scalar, bLeaf.grad?.scalar ?? .nan, wLeaf.grad?.scalar ?? .nan)
    }

    func testReluAffineActiveAndInactive() {
        // b + x w = 1 + 2·0.5 = 2 > 0: df/db = 1, df/dw = x.
        let active = reluAffineGradients(x: 2, b: 1, w: 0.5)
        XCTAssertEqual(active.value, 2)
        XCTAssertEqual(active.db, 1)
        XCTAssertEqual(active.dw, 2)
        // Negative x: df/dw = x = -3 still where active.
        let negativeX = reluAffineGradients(x: -3, b: 4, w: 1)
        XCTAssertEqual(negativeX.value, 1)
        XCTAssertEqual(negativeX.db, 1)
        XCTAssertEqual(negativeX.dw, -3)
        // b + x w = -1 + 2·0.25 = -0.5 < 0: both 0.
        let inactive = reluAffineGradients(x: 2, b: -1, w: 0.25)
        XCTAssertEqual(inactive.value, 0)
        XCTAssertEqual(inactive.db, 0)
        XCTAssertEqual(inactive.dw, 0)
        // Away from the kink, gradcheck passes with no kinks.
        GradTest.check([T(1), T(0.5)], names: ["b", "w"]) { ($0[0] + T(2) * $0[1]).relu() }
        GradTest.check([T(-1), T(0.25)], names: ["b", "w"]) { ($0[0] + T(2) * $0[1]).relu() }
    }

    func testReluAffineAtTheKink() {
        // b + x w = -1 + 2·0.5 = 0 exactly: the engine documents relu'(0) = 0.
        let atKink = reluAffineGradients(x: 2, b: -1, w: 0.5)
        XCTAssertEqual(atKink.value, 0)
        XCTAssertEqual(atKink.db, 0)
        XCTAssertEqual(atKink.dw, 0)
        // gradcheck does not report a false failure there: both entries are kinks whose
        // one-sided slopes are (0, 1) for b and (0, x) for w.
        let report = GradTest.check([T(-1), T(0.5)], names: ["b", "w"], allowKinks: true) { ($0[0] + T(2) * $0[1]).relu() }
        XCTAssertEqual(report.inputs.map(\.kinks), [1, 1], "\(report)")
        XCTAssertEqual(report.inputs.map(\.mismatches), [0, 0])
        for (input, rightSlope) in zip(report.inputs, [1.0, 2.0]) {
            guard case .kink(let left, let right) = input.worst[0].status else { return XCTFail("\(report)") }
            XCTAssertEqual(left, 0, accuracy: 1e-6, input.name)
            XCTAssertEqual(right, rightSlope, accuracy: 1e-6, input.name)
            XCTAssertEqual(input.worst[0].analytic, 0, input.name)
        }
        XCTAssertTrue(report.description.contains("kink: left slope 0, right slope 2"), report.description)
    }

    func testReluAffineOverManySamples() {
        // x over five samples, b = 1, w = 1: b + x w = [-1, 0, 1, 2, 3]; the second is at the kink.
        let x = T([-2, -1, 0, 1, 2])
        let b = T(1).requiringGrad(named: "b"), w = T(1).requiringGrad(named: "w")
        let f = (b + x * w).relu()
        XCTAssertEqual(f, T([0, 0, 1, 2, 3]))
        let jb = jacobian(of: { ($0 + x * T(1)).relu() }, at: T(1))
        let jw = jacobian(of: { (T(1) + x * $0).relu() }, at: T(1))
        XCTAssertEqual(jb, T([0, 0, 1, 1, 1], shape: [5]))
        XCTAssertEqual(jw, T([0, 0, 0, 1, 2], shape: [5]), "df/dw = x where active, 0 elsewhere")
        f.sum().backward()
        XCTAssertEqual(b.grad, T(3))
        XCTAssertEqual(w.grad, T(3))
        let report = GradTest.check([T(1), T(1)], names: ["b", "w"], allowKinks: true) { ($0[0] + x * $0[1]).relu() }
        XCTAssertEqual(report.inputs.map(\.kinks), [1, 1])
        XCTAssertEqual(report.inputs.map { $0.worst[0].outputIndex }, [[1], [1]], "the kink is at the second sample")
    }

    // MARK: Example 5: softmax with a loss

    func testSoftmaxNLLGradientIsPMinusY() throws {
        let logits = GradTest.normal([4, 5], seed: 1).requiringGrad(named: "a")
        let labels = T([3, 0, 4, 1])
        let indices = labels.reshaped([4, 1])
        let oneHot = T.zeros([4, 5]).scatterAdding(axis: 1, indices: indices, values: T.ones([4, 1]))
        let p = withoutGradients { logits.softmax(axis: 1) }
        // Through logSoftmax, summed over the batch: ∂L/∂a = p − y.
        let nll = -logits.logSoftmax(axis: 1).gather(axis: 1, indices: indices).sum()
        GradTest.assertClose(try gradients(of: nll, wrt: [logits])[0], p - oneHot, accuracy: 1e-12)
        // Through softmax then log: the same.
        let nll2 = -logits.softmax(axis: 1).log().gather(axis: 1, indices: indices).sum()
        GradTest.assertClose(try gradients(of: nll2, wrt: [logits])[0], p - oneHot, accuracy: 1e-12)
        // Written with the one-hot target, and averaged over the batch: (p − y) / N.
        let mean = -(logits.logSoftmax(axis: 1) * oneHot).sum(axes: [1]).mean()
        GradTest.assertClose(try gradients(of: mean, wrt: [logits])[0], (p - oneHot) / 4, accuracy: 1e-12)
        GradTest.check([logits.detached()], names: ["a"]) { -($0[0].logSoftmax(axis: 1) * oneHot).sum() }
    }

    func testSoftmaxJacobianHasOffDiagonalTerms() {
        let a = T([0.5, -1, 2, 0.1])
        let p = a.softmax().scalars
        let j = jacobian(of: { $0.softmax() }, at: a)
        var full = [Double](), diagonalOnly = [Double]()
        for k in 0..<4 {
            for l in 0..<4 {
                full.append(p[k] * ((k == l ? 1 : 0) - p[l]))
                diagonalOnly.append(k == l ? p[k] * (1 - p[k]) : 0)
            }
        }
        GradTest.assertClose(j, T(full, shape: [4, 4]), accuracy: 1e-15)
        // The "hand" Jacobian that keeps only p_k (1 − p_k) agrees on the diagonal only.
        let hand = T(diagonalOnly, shape: [4, 4])
        for k in 0..<4 {
            XCTAssertEqual(j[index: k, k], hand[index: k, k], accuracy: 1e-15)
            for l in 0..<4 where l != k {
                XCTAssertEqual(j[index: k, l], -p[k] * p[l], accuracy: 1e-15)
                XCTAssertGreaterThan(Swift.abs(j[index: k, l] - hand[index: k, l]), 1e-3, "entry [\(k), \(l)] must differ")
            }
        }
    }

    func testDiagonalOnlySoftmaxRuleFailsGradcheckOffDiagonal() {
        // The wrong derivation as a custom op: gradcheck fails exactly at the off-diagonal entries.
        let a = T([0.5, -1, 2, 0.1])
        let report = gradcheck(inputs: [a], names: ["a"], worst: 16) { v in
            let p = withoutGradients { v[0].softmax() }
            return T.customOp("handSoftmax", inputs: v, value: p) { g, _, output in [g * output * (1 - output)] }
        }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs[0].mismatches, 12, "all 4·3 off-diagonal entries\n\(report)")
        XCTAssertEqual(report.mismatches.count, 12)
        XCTAssertTrue(report.mismatches.allSatisfy { $0.entry.inputIndex != $0.entry.outputIndex }, "\(report)")
        XCTAssertTrue(report.mismatches.allSatisfy { $0.entry.analytic == 0 }, "the hand rule has no off-diagonal terms")
        XCTAssertTrue(report.description.contains("FAILED"))
        // With a single class the diagonal rule is right (p = 1, both are 0).
        let single = gradcheck(inputs: [T([0.7])]) { v in
            T.customOp("handSoftmax", inputs: v, value: withoutGradients { v[0].softmax() }) { g, _, o in [g * o * (1 - o)] }
        }
        XCTAssertTrue(single.passed, "\(single)")
    }

    func testL2LossGradientIsPredictionMinusTarget() throws {
        let prediction = GradTest.normal([3, 4], seed: 2).requiringGrad(named: "ŷ")
        let target = GradTest.normal([3, 4], seed: 3)
        let loss = 0.5 * (prediction - target).squared().sum()
        let g = try gradients(of: loss, wrt: [prediction])[0]
        GradTest.assertClose(g, prediction.detached() - target, accuracy: 1e-15)
        GradTest.check([prediction.detached()], names: ["ŷ"]) { 0.5 * ($0[0] - target).squared().sum() }
        // A hand example: ŷ = [1, 2], y = [0, 4]: L = ½(1 + 4) = 2.5, ∇ = [1, -2].
        let (value, gradient) = valueWithGradient(at: T([1, 2])) { 0.5 * ($0 - T([0, 4])).squared().sum() }
        XCTAssertEqual(value, T(2.5))
        XCTAssertEqual(gradient, T([1, -2]))
    }
}

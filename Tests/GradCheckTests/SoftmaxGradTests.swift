import XCTest
import Autograd

/// softmax and logSoftmax: gradients along every axis, stability for logits of ±1000,
/// values, and second derivatives.
final class SoftmaxGradTests: XCTestCase {
    typealias T = Tensor<Double>

    func testGradientsAlongEveryAxis() {
        let x = GradTest.normal([2, 3, 4], seed: 1)
        for axis in [0, 1, 2, -1] {
            GradTest.check([x]) { $0[0].softmax(axis: axis) }
            GradTest.check([x]) { $0[0].logSoftmax(axis: axis) }
        }
        let m = GradTest.normal([3, 5], seed: 2)
        GradTest.check([m]) { $0[0].softmax() }
        GradTest.check([m]) { $0[0].logSoftmax(axis: 0) }
        GradTest.check([GradTest.normal([5, 3], seed: 3)]) { $0[0].transposed().softmax(axis: 1) }
        GradTest.check([GradTest.normal([5, 3], seed: 3)]) { $0[0].transposed().logSoftmax(axis: 1) }
        GradTest.check([GradTest.normal([4], seed: 4)]) { $0[0].softmax() }
    }

    func testValues() {
        let p = T([1, 2, 3]).softmax()
        let e = [1.0, 2, 3].map { Foundation.exp($0) }
        let total = e.reduce(0, +)
        GradTest.assertClose(p, T(e.map { $0 / total }), accuracy: 1e-15)
        GradTest.assertClose(T([1, 2, 3]).logSoftmax(), T(e.map { Foundation.log($0 / total) }), accuracy: 1e-15)
        // Rows sum to 1 along the chosen axis.
        let s = GradTest.normal([2, 3, 4], seed: 5).softmax(axis: 1)
        GradTest.assertClose(s.sum(axes: [1]), T.ones([2, 4]), accuracy: 1e-15)
    }

    func testStableForLogitsOfPlusMinus1000() {
        let x = T(rows: [[1000, 0, -1000], [-1000, -1000, -999], [1000, 1000, 1000]])
        let p = x.softmax(axis: 1), lp = x.logSoftmax(axis: 1)
        XCTAssertTrue(p.scalars.allSatisfy(\.isFinite), "\(p)")
        XCTAssertTrue(lp.scalars.allSatisfy(\.isFinite), "\(lp)")
        let z = 1 + 2 * Foundation.exp(-1.0)
        GradTest.assertClose(p, T(rows: [[1, 0, 0], [Foundation.exp(-1) / z, Foundation.exp(-1) / z, 1 / z],
                                         [1.0 / 3, 1.0 / 3, 1.0 / 3]]), accuracy: 1e-15)
        GradTest.assertClose(lp, T(rows: [[0, -1000, -2000], [-1 - Foundation.log(z), -1 - Foundation.log(z), -Foundation.log(z)],
                                          [-Foundation.log(3), -Foundation.log(3), -Foundation.log(3)]]), accuracy: 1e-12)
        // Gradients stay finite and correct there too.
        GradTest.check([x]) { $0[0].softmax(axis: 1) }
        GradTest.check([x]) { $0[0].logSoftmax(axis: 1) }
        let leaf = x.requiringGrad()
        leaf.logSoftmax(axis: 1).gather(axis: 1, indices: T(rows: [[1], [2], [0]])).sum().backward()
        XCTAssertTrue(leaf.grad?.scalars.allSatisfy(\.isFinite) == true)
        GradTest.assertClose(leaf.grad?[0], T([-1, 1, 0]), accuracy: 1e-15)
    }

    func testSecondDerivatives() {
        let x = GradTest.normal([3, 4], seed: 6)
        GradTest.checkSecond([x]) { $0[0].softmax(axis: 1) }
        GradTest.checkSecond([x]) { $0[0].softmax(axis: 0) }
        GradTest.checkSecond([x]) { $0[0].logSoftmax(axis: 1) }
        GradTest.checkSecond([GradTest.normal([2, 3, 2], seed: 7)]) { $0[0].logSoftmax(axis: 1) }
    }
}

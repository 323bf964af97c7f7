import XCTest
import Autograd

/// cumulativeSum along every axis (negative ones too), forward and reverse: values against a
/// direct loop in Double and Float, gradients (the reverse running sum) and second derivatives.
final class CumulativeGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// Running sums by index arithmetic on the flat elements.
    func naive(_ x: T, axis: Int, reverse: Bool) -> [Double] {
        let a = axis < 0 ? axis + x.rank : axis
        let inner = x.shape[(a + 1)...].reduce(1, *), length = x.shape[a]
        return x.scalars.indices.map { flat in
            let i = (flat / inner) % length
            let range = reverse ? i..<length : 0..<(i + 1)
            return range.map { x.scalars[flat + ($0 - i) * inner] }.reduce(0, +)
        }
    }

    func testValuesAlongEveryAxis() {
        let x = GradTest.normal([3, 4, 5], seed: 1)
        for axis in -3..<3 {
            for reverse in [false, true] {
                let y = x.cumulativeSum(axis: axis, reverse: reverse)
                XCTAssertEqual(y.shape, x.shape)
                for (got, want) in zip(y.scalars, naive(x, axis: axis, reverse: reverse)) {
                    XCTAssertEqual(got, want, accuracy: 1e-14, "axis \(axis) reverse \(reverse)")
                }
                // Float: its own compiled loop.
                let f = x.converted(to: Float.self).cumulativeSum(axis: axis, reverse: reverse)
                for (got, want) in zip(f.scalars, y.scalars) { XCTAssertEqual(Double(got), want, accuracy: 1e-5) }
            }
        }
        XCTAssertEqual(T([1, 2, 3, 4]).cumulativeSum(axis: 0), T([1, 3, 6, 10]))
        XCTAssertEqual(T([1, 2, 3, 4]).cumulativeSum(axis: -1, reverse: true), T([10, 9, 7, 4]))
        XCTAssertEqual(T(rows: [[1, 2], [3, 4]]).cumulativeSum(axis: 0), T(rows: [[1, 2], [4, 6]]))
        // Edge cases: a scalar, an empty axis, an axis of length 1.
        XCTAssertEqual(T(5).cumulativeSum(axis: -1), T(5))
        XCTAssertEqual(T.zeros([2, 0, 3]).cumulativeSum(axis: 1).shape, [2, 0, 3])
        let column = GradTest.normal([4, 1], seed: 2)
        XCTAssertEqual(column.cumulativeSum(axis: 1), column)
    }

    func testGradients() {
        let x = GradTest.normal([3, 4, 5], seed: 3)
        for axis in [0, 1, -1] {
            for reverse in [false, true] {
                GradTest.check([x], names: ["x"]) { $0[0].cumulativeSum(axis: axis, reverse: reverse) }
                // Linear in x: the second derivative is 0, but through a square it is not.
                GradTest.checkSecond([x], names: ["x"]) { $0[0].cumulativeSum(axis: axis, reverse: reverse).squared() }
            }
        }
        // A permuted input and a batch: [2, 7, 3] transposed to [2, 3, 7], summed along time.
        GradTest.check([GradTest.normal([2, 7, 3], seed: 4)], names: ["x"]) { $0[0].transposed().cumulativeSum(axis: -1) }
        // The rule by hand: ∂/∂x of Σ w ⊙ cumsum(x) is the reverse running sum of w.
        let leaf = GradTest.normal([6], seed: 5).requiringGrad()
        let w = T([1, 2, 3, 4, 5, 6])
        (leaf.cumulativeSum(axis: 0) * w).sum().backward()
        XCTAssertEqual(leaf.grad, T([21, 20, 18, 15, 11, 6]))
    }
}

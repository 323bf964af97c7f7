import XCTest
import Autograd

/// Reductions: sum, mean, max, min, logSumExp, variance over any set of axes; argmax/argmin;
/// the first-winner rule for ties.
final class ReductionGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// The axis sets every reduction is checked over, on a [2, 3, 4] input.
    static let axisSets: [[Int]?] = [nil, [0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2]]

    func checkReduction(_ reduce: (T, [Int]?, Bool) -> T, input: T,
                        file: StaticString = #filePath, line: UInt = #line) {
        for axes in Self.axisSets {
            for keepDims in [false, true] {
                GradTest.check([input], names: ["x"], file: file, line: line) { reduce($0[0], axes, keepDims) }
            }
        }
        // A transposed input, and an odd 2-D shape.
        GradTest.check([input.reshaped([6, 4])], names: ["x"], file: file, line: line) {
            reduce($0[0].transposed(), [1], false)
        }
    }

    func testSum() {
        checkReduction({ $0.sum(axes: $1, keepDims: $2) }, input: GradTest.normal([2, 3, 4], seed: 1))
        GradTest.check([GradTest.normal([3, 5], seed: 2)]) { $0[0].sum(axis: 1) }
        GradTest.check([GradTest.normal([3, 5], seed: 2)]) { $0[0].sum(axes: []) }
        let m = T(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.sum(), T(21))
        XCTAssertEqual(m.sum(axes: [0]), T([5, 7, 9]))
        XCTAssertEqual(m.sum(axis: -1, keepDims: true), T([6, 15], shape: [2, 1]))
        XCTAssertEqual(m.sum(axes: [0]).shape, [3])
        XCTAssertEqual(GradTest.normal([2, 3, 4], seed: 3).sum(axes: [0, 2], keepDims: true).shape, [1, 3, 1])
    }

    func testMean() {
        checkReduction({ $0.mean(axes: $1, keepDims: $2) }, input: GradTest.normal([2, 3, 4], seed: 4))
        let m = T(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.mean(), T(3.5))
        XCTAssertEqual(m.mean(axis: 1), T([2, 5]))
        XCTAssertEqual(m.mean(axes: [0], keepDims: true), T([2.5, 3.5, 4.5], shape: [1, 3]))
        let x = m.requiringGrad()
        x.mean().backward()
        GradTest.assertClose(x.grad, T.full([2, 3], 1.0 / 6))
    }

    func testMaxMinWithDistinctValues() {
        let x = GradTest.distinct([2, 3, 4], seed: 5)
        checkReduction({ $0.max(axes: $1, keepDims: $2) }, input: x)
        checkReduction({ $0.min(axes: $1, keepDims: $2) }, input: x)
        GradTest.check([x]) { $0[0].max(axis: 1) }
        GradTest.check([x]) { $0[0].min(axis: -1, keepDims: true) }
        let m = T(rows: [[1, 7, 3], [9, 5, 6]])
        XCTAssertEqual(m.max(), T(9))
        XCTAssertEqual(m.max(axis: 1), T([7, 9]))
        XCTAssertEqual(m.min(axis: 0), T([1, 5, 3]))
        XCTAssertEqual(m.min(axes: [0, 1], keepDims: true), T([1], shape: [1, 1]))
    }

    func testMaxTieSendsGradientToFirstWinnerOnly() {
        // Whole-tensor max with three tied cells: only the first in row-major order gets it.
        let x = T(rows: [[1, 4, 2], [4, 0, 4]]).requiringGrad(named: "x")
        x.max().backward()
        XCTAssertEqual(x.grad, T(rows: [[0, 1, 0], [0, 0, 0]]))
        // Along axis 0 (not the innermost axis): columns 0 and 2 tie, the first row wins.
        let y = T(rows: [[3, 1, 5], [3, 2, 5]]).requiringGrad(named: "y")
        y.max(axis: 0).backward(upstream: T([10, 20, 30]))
        XCTAssertEqual(y.grad, T(rows: [[10, 0, 30], [0, 20, 0]]))
        // Along the last axis, over a [2, 2, 3] input with a tie in every row.
        let z = T([7, 7, 1, 0, 2, 2, 5, 3, 5, 9, 9, 9], shape: [2, 2, 3]).requiringGrad(named: "z")
        z.max(axis: -1).sum().backward()
        XCTAssertEqual(z.grad, T([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0], shape: [2, 2, 3]))
        XCTAssertEqual(z.grad?.scalars.reduce(0, +), 4, "exactly one cell per reduced row")
    }

    func testMinTieSendsGradientToFirstWinnerOnly() {
        let x = T(rows: [[3, -1, 2], [-1, 0, -1]]).requiringGrad(named: "x")
        x.min().backward()
        XCTAssertEqual(x.grad, T(rows: [[0, 1, 0], [0, 0, 0]]))
        x.zeroGrad()
        x.min(axis: 1).sum().backward()
        XCTAssertEqual(x.grad, T(rows: [[0, 1, 0], [1, 0, 0]]))
    }

    func testArgmaxArgminFirstWinner() {
        let m = T(rows: [[1, 5, 5, 2], [8, 3, 8, 8], [0, 0, 0, 0]])
        XCTAssertEqual(m.argmax(axis: 1), T([1, 0, 0]))
        XCTAssertEqual(m.argmin(axis: 1), T([0, 1, 0]))
        XCTAssertEqual(m.argmax(axis: 0), T([1, 0, 1, 1]))
        XCTAssertEqual(m.argmin(axis: 0, keepDims: true), T([2, 2, 2, 2], shape: [1, 4]))
        XCTAssertEqual(m.argmax(axis: -1, keepDims: true).shape, [3, 1])
        XCTAssertFalse(m.requiringGrad().argmax(axis: 1).requiresGrad, "argmax is not differentiable")
        let cube = T.arange(0, 24).reshaped([2, 3, 4])
        XCTAssertEqual(cube.argmax(axis: 1), T.full([2, 4], 2))
    }

    func testLogSumExp() {
        checkReduction({ $0.logSumExp(axes: $1, keepDims: $2) }, input: GradTest.normal([2, 3, 4], seed: 6))
        let v = T([1, 2, 3])
        GradTest.assertClose(v.logSumExp(), T(Foundation.log(Foundation.exp(1) + Foundation.exp(2) + Foundation.exp(3))))
        // Stable for large logits, and its gradient is the softmax.
        let big = T([1000, 1000, -1000]).requiringGrad()
        let lse = big.logSumExp()
        GradTest.assertClose(lse, T(1000 + Foundation.log(2)), accuracy: 1e-9)
        lse.backward()
        GradTest.assertClose(big.grad, T([0.5, 0.5, 0]))
        GradTest.check([T([400, 401, -300])]) { $0[0].logSumExp() }
        // Rows of −∞ (no shift possible) give −∞, not NaN; −∞ entries get no weight.
        XCTAssertEqual(T([-.infinity, -.infinity]).logSumExp(), T(-.infinity))
        GradTest.assertClose(T([0, -.infinity]).logSumExp(), T(0))
        XCTAssertEqual(T([1, .infinity, -.infinity, .nan]).isFiniteMask(), T([1, 0, 0, 0]))
    }

    func testVariance() {
        checkReduction({ $0.variance(axes: $1, keepDims: $2) }, input: GradTest.normal([2, 3, 4], seed: 7))
        GradTest.check([GradTest.normal([3, 5], seed: 8)]) { $0[0].variance(axes: [1], unbiased: true) }
        let v = T([1, 2, 3, 4])
        GradTest.assertClose(v.variance(), T(1.25))
        GradTest.assertClose(v.variance(unbiased: true), T(5.0 / 3))
        GradTest.assertClose(T(rows: [[1, 3], [2, 6]]).variance(axes: [0]), T([0.25, 2.25]))
    }

    func testSecondDerivatives() {
        let x = GradTest.normal([2, 3, 4], seed: 9)
        // Linear reductions composed with a product so that the second derivative is not zero.
        GradTest.checkSecond([x]) { $0[0].sum(axes: [1]) * $0[0].sum(axes: [1]) }
        GradTest.checkSecond([x]) { $0[0].mean(axes: [0, 2], keepDims: true) * $0[0] }
        GradTest.checkSecond([x]) { $0[0].logSumExp(axes: [2]) }
        GradTest.checkSecond([x]) { $0[0].logSumExp() }
        GradTest.checkSecond([x]) { $0[0].variance(axes: [1]) }
        let d = GradTest.distinct([2, 3, 4], seed: 10)
        GradTest.checkSecond([d]) { $0[0].max(axes: [1]) }
        GradTest.checkSecond([d]) { $0[0].min(axes: [2]).squared() }
    }
}

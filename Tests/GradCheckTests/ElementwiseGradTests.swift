import XCTest
import Autograd

/// Elementwise ops: gradients by finite differences on odd shapes, broadcasting, transposed
/// inputs, second derivatives, and the documented choices at non-differentiable points.
final class ElementwiseGradTests: XCTestCase {
    typealias T = Tensor<Double>
    typealias Binary = (T, T) -> T

    /// The shape pairs every binary op is checked on: equal odd shapes, [3,1]+[1,4],
    /// [2,3,4]·[4], scalar with tensor and tensor with scalar.
    static let shapePairs: [([Int], [Int])] = [([3, 5], [3, 5]), ([3, 1], [1, 4]), ([2, 3, 4], [4]),
                                                ([], [3, 5]), ([2, 3], [])]

    /// Gradchecks `op` on every shape pair and with a transposed left and right input;
    /// `left` and `right` make the inputs (so that each op gets a valid domain).
    func checkBinary(_ op: Binary, left: ([Int], UInt64) -> T = GradTest.normal, right: ([Int], UInt64) -> T = GradTest.normal,
                     file: StaticString = #filePath, line: UInt = #line) {
        for (n, (sa, sb)) in Self.shapePairs.enumerated() {
            let a = left(sa, UInt64(10 + n)), b = right(sb, UInt64(20 + n))
            GradTest.check([a, b], names: ["a", "b"], file: file, line: line) { op($0[0], $0[1]) }
        }
        // Non-contiguous operands: the op sees transposed()/permuted() results.
        let a = left([5, 3], 31), b = right([3, 5], 32)
        GradTest.check([a, b], names: ["a", "b"], file: file, line: line) { op($0[0].transposed(), $0[1]) }
        let a2 = left([3, 5], 35), b2 = right([5, 3], 36)
        GradTest.check([a2, b2], names: ["a", "b"], file: file, line: line) { op($0[0], $0[1].transposed()) }
        let c = left([4, 2, 3], 33), d = right([2, 3, 4], 34)
        GradTest.check([c, d], names: ["c", "d"], file: file, line: line) { op($0[0].permuted([1, 2, 0]), $0[1]) }
    }

    // MARK: Arithmetic

    func testAdd() { checkBinary(+) }
    func testSubtract() { checkBinary(-) }
    func testMultiply() { checkBinary(*) }
    func testDivide() {
        checkBinary(/, right: { GradTest.awayFromZero($0, seed: $1, margin: 0.5) })
    }
    func testPowTensorExponent() {
        checkBinary({ T.pow($0, $1) }, left: { GradTest.positive($0, seed: $1) })
    }

    func testArithmeticValues() {
        let a = T(rows: [[1, 2, 3], [4, 5, 6]]), b = T([10, 20, 30])
        XCTAssertEqual(a + b, T(rows: [[11, 22, 33], [14, 25, 36]]))
        XCTAssertEqual(a - b, T(rows: [[-9, -18, -27], [-6, -15, -24]]))
        XCTAssertEqual(a * b, T(rows: [[10, 40, 90], [40, 100, 180]]))
        XCTAssertEqual(b / a, T(rows: [[10, 10, 10], [2.5, 4, 5]]))
        XCTAssertEqual(T.pow(a, T(2)), T(rows: [[1, 4, 9], [16, 25, 36]]))
        XCTAssertEqual(-a, T(rows: [[-1, -2, -3], [-4, -5, -6]]))
        XCTAssertEqual(2 - a * 3 + 1, T(rows: [[0, -3, -6], [-9, -12, -15]]))
        XCTAssertEqual(12 / a[0], T([12, 6, 4]))
        XCTAssertEqual(a.squared(), a * a)
        var c = a
        c += b
        c -= a
        c *= b
        c /= b
        XCTAssertEqual(c, T(rows: [[10, 20, 30], [10, 20, 30]]))
    }

    func testScalarOperandsOnEitherSide() {
        let x = GradTest.normal([3, 5], seed: 1)
        GradTest.check([x]) { 2.5 * $0[0] + 1 }
        GradTest.check([x]) { $0[0] * 2.5 - 1 }
        GradTest.check([x]) { 1 - $0[0] / 4 }
        GradTest.check([GradTest.awayFromZero([3, 5], seed: 2, margin: 0.5)]) { 3 / $0[0] }
        GradTest.check([x]) { $0[0].squared() }
        // The compound assignments record like the operators they stand for.
        GradTest.check([x, GradTest.normal([5], seed: 3)]) { v in
            var y = v[0]
            y += v[1]
            y *= v[1]
            y -= v[0]
            return y
        }
        GradTest.check([x, GradTest.awayFromZero([1, 5], seed: 4, margin: 0.5)]) { v in
            var y = v[0]
            y /= v[1]
            return y
        }
    }

    func testNegate() {
        GradTest.check([GradTest.normal([2, 3, 4], seed: 5)]) { -$0[0] }
        GradTest.check([GradTest.normal([5, 3], seed: 6)]) { -$0[0].transposed() }
    }

    func testPowScalarExponent() {
        let x = GradTest.positive([3, 5], seed: 7)
        for p in [2.0, 3.0, 0.5, -1.5] {
            GradTest.check([x]) { $0[0].pow(p) }
        }
        // Integer exponents work for negative bases.
        GradTest.check([GradTest.awayFromZero([2, 3, 4], seed: 8)]) { $0[0].pow(3) }
        XCTAssertEqual(T([-2, 3]).pow(3), T([-8, 27]))
    }

    func testPowExponentGradientIsZeroForNonPositiveBase() {
        // Documented: ∂(aᵇ)/∂b uses log(a) taken as 0 where a ≤ 0.
        let a = T([-2, 0, 2]).requiringGrad(named: "a")
        let b = T([2, 2, 2]).requiringGrad(named: "b")
        T.pow(a, b).sum().backward()
        GradTest.assertClose(b.grad, T([0, 0, 4 * Foundation.log(2)]))
        GradTest.assertClose(a.grad, T([-4, 0, 4]))
    }

    func testPowWithExponentZeroHasZeroGradientAtZero() throws {
        // x⁰ is constant: its derivative is 0 everywhere, not 0·0⁻¹ = NaN at x = 0.
        let x = T([0, 2, -1]).requiringGrad(named: "x")
        x.pow(0).sum().backward()
        XCTAssertEqual(x.grad, T([0, 0, 0]))
        let a = T([0, 2, -1]).requiringGrad(named: "a"), b = T(0).requiringGrad(named: "b")
        T.pow(a, b).sum().backward()
        XCTAssertEqual(a.grad, T([0, 0, 0]))
        GradTest.assertClose(b.grad, T(Foundation.log(2)))
        // x¹ = x: its second derivative is 0, also at 0 (the rule of x¹ differentiates x⁰).
        let y = T([0, 3]).requiringGrad(named: "y")
        let dy = try gradients(of: y.pow(1).sum(), wrt: [y], createGraph: true)[0]
        XCTAssertEqual(dy, T([1, 1]))
        XCTAssertEqual(try gradients(of: dy.sum(), wrt: [y])[0], T([0, 0]))
        let z = T([0, 3]).requiringGrad(named: "z")
        let dz = try gradients(of: T.pow(z, T(1)).sum(), wrt: [z], createGraph: true)[0]
        XCTAssertEqual(dz, T([1, 1]))
        XCTAssertEqual(try gradients(of: dz.sum(), wrt: [z])[0], T([0, 0]))
    }

    // MARK: Elementary functions

    func testExpLogSqrt() {
        GradTest.check([GradTest.normal([3, 5], seed: 9)]) { $0[0].exp() }
        GradTest.check([GradTest.positive([2, 3, 4], seed: 10)]) { $0[0].log() }
        GradTest.check([GradTest.positive([3, 5], seed: 11)]) { $0[0].sqrt() }
        GradTest.check([GradTest.positive([5, 3], seed: 12, low: 1.2)]) { $0[0].transposed().log().sqrt().exp() }
        GradTest.assertClose(T([0, 1]).exp(), T([1, Foundation.exp(1)]))
        GradTest.assertClose(T([1, 4, 9]).sqrt(), T([1, 2, 3]))
        GradTest.assertClose(T([1, Foundation.exp(2)]).log(), T([0, 2]))
    }

    func testTanhSigmoid() {
        GradTest.check([GradTest.normal([3, 5], seed: 13)]) { $0[0].tanh() }
        GradTest.check([GradTest.normal([2, 3, 4], seed: 14)]) { $0[0].sigmoid() }
        GradTest.check([GradTest.normal([5, 3], seed: 15)]) { $0[0].transposed().sigmoid().tanh() }
        // The sigmoid is computed without overflow at both ends.
        let s = T([-1000, 0, 1000]).sigmoid()
        XCTAssertEqual(s, T([0, 0.5, 1]))
        GradTest.check([T([-30, -5, 0.3, 5, 30])]) { $0[0].sigmoid() }
    }

    func testAbsReluLeakyReluAwayFromKinks() {
        let x = GradTest.awayFromZero([3, 5], seed: 16)
        GradTest.check([x]) { $0[0].abs() }
        GradTest.check([x]) { $0[0].relu() }
        GradTest.check([x]) { $0[0].leakyRelu(slope: 0.2) }
        GradTest.check([x]) { $0[0].leakyRelu() }
        let y = GradTest.awayFromZero([5, 3], seed: 17)
        GradTest.check([y]) { $0[0].transposed().relu() * $0[0].transposed().abs() }
        XCTAssertEqual(T([-2, 0, 3]).relu(), T([0, 0, 3]))
        XCTAssertEqual(T([-2, 0, 3]).abs(), T([2, 0, 3]))
        XCTAssertEqual(T([-2, 0, 3]).leakyRelu(slope: 0.5), T([-1, 0, 3]))
        XCTAssertEqual(T([-2, 0, 3]).sign(), T([-1, 0, 1]))
        XCTAssertFalse(T([-2, 0, 3]).requiringGrad().sign().requiresGrad, "sign is not differentiable")
    }

    func testClampAwayFromBounds() {
        // Values inside, below and above [-0.5, 0.5], none within 0.05 of a bound.
        let raw = GradTest.normal([3, 5], seed: 18).scalars.map { v -> Double in
            Swift.abs(Swift.abs(v) - 0.5) < 0.05 ? v + 0.1 : v
        }
        let x = T(raw, shape: [3, 5])
        XCTAssertTrue(x.scalars.contains { $0 > 0.5 } && x.scalars.contains { $0 < -0.5 }
                      && x.scalars.contains { Swift.abs($0) < 0.5 })
        GradTest.check([x]) { $0[0].clamped(lower: -0.5, upper: 0.5) }
        XCTAssertEqual(T([-2, 0.25, 3]).clamped(lower: -1, upper: 1), T([-1, 0.25, 1]))
    }

    func testMaximumMinimumAwayFromTies() {
        // Independent normal operands: no two within ±eps of each other (the helper asserts
        // that no entry sat at a kink).
        checkBinary({ T.maximum($0, $1) })
        checkBinary({ T.minimum($0, $1) })
        // b = a + an offset of at least 0.3 in either direction: both sides win somewhere.
        let a = GradTest.normal([3, 5], seed: 19)
        let b = a + GradTest.awayFromZero([3, 5], seed: 20, margin: 0.3)
        GradTest.check([a, b]) { T.maximum($0[0], $0[1]) }
        GradTest.check([a, b]) { T.minimum($0[0], $0[1]) }
        XCTAssertEqual(T.maximum(T([1, 5, 3]), T([4, 2, 3])), T([4, 5, 3]))
        XCTAssertEqual(T.minimum(T([1, 5, 3]), T([4, 2, 3])), T([1, 2, 3]))
    }

    func testSelect() {
        let condition = GradTest.normal([3, 5], seed: 21) .> 0
        let a = GradTest.normal([3, 5], seed: 22), b = GradTest.normal([3, 5], seed: 23)
        GradTest.check([a, b]) { select(condition, $0[0], $0[1]) }
        // Broadcasting all three: condition [3, 1], a [1, 4], b scalar.
        let c2 = T([1, 0, 1], shape: [3, 1])
        GradTest.check([GradTest.normal([1, 4], seed: 24), T(0.7)]) { select(c2, $0[0], $0[1]) }
        // Broadcast condition [4] over a [2, 3, 4] and b [3, 1].
        let c3 = T([0, 1, 1, 0])
        GradTest.check([GradTest.normal([2, 3, 4], seed: 25), GradTest.normal([3, 1], seed: 26)]) { select(c3, $0[0], $0[1]) }
        // Transposed operand.
        GradTest.check([GradTest.normal([5, 3], seed: 27), b]) { select(condition, $0[0].transposed(), $0[1]) }

        let x = T([1, 2, 3]).requiringGrad(named: "x"), y = T([10, 20, 30]).requiringGrad(named: "y")
        let picked = select(T([1, 0, 1]), x, y)
        XCTAssertEqual(picked, T([1, 20, 3]))
        picked.backward(upstream: T([5, 6, 7]))
        XCTAssertEqual(x.grad, T([5, 0, 7]))
        XCTAssertEqual(y.grad, T([0, 6, 0]))
    }

    func testComparisonsAreMasksWithoutGradient() {
        let a = T([1, 2, 3]).requiringGrad(), b = T([3, 2, 1])
        XCTAssertEqual(a .> b, T([0, 0, 1]))
        XCTAssertEqual(a .>= b, T([0, 1, 1]))
        XCTAssertEqual(a .< b, T([1, 0, 0]))
        XCTAssertEqual(a .<= b, T([1, 1, 0]))
        XCTAssertEqual(a .== b, T([0, 1, 0]))
        XCTAssertEqual(a .> 1.5, T([0, 1, 1]))
        XCTAssertEqual(a .>= 2, T([0, 1, 1]))
        XCTAssertEqual(a .< 2, T([1, 0, 0]))
        XCTAssertEqual(a .<= 2, T([1, 1, 0]))
        XCTAssertEqual(a .== 3, T([0, 0, 1]))
        XCTAssertEqual(T([1, 2]).reshaped([2, 1]) .< T([0, 1.5, 3]), T(rows: [[0, 1, 1], [0, 0, 1]]))
        XCTAssertFalse((a .> b).requiresGrad)
        // Masking is a constant factor: d/da sum(a · (a > 1.5)) = the mask.
        let y = (a * (a .> 1.5)).sum()
        y.backward()
        XCTAssertEqual(a.grad, T([0, 1, 1]))
    }

    // MARK: Non-differentiable points: the documented one-sided choices

    func testReluAbsLeakyReluAtZero() {
        let x = T([-1, 0, 2]).requiringGrad(named: "x")
        x.relu().sum().backward()
        XCTAssertEqual(x.grad, T([0, 0, 1]), "relu'(0) = 0")
        x.zeroGrad()
        x.abs().sum().backward()
        XCTAssertEqual(x.grad, T([-1, 0, 1]), "|x|'(0) = 0")
        x.zeroGrad()
        x.leakyRelu(slope: 0.1).sum().backward()
        XCTAssertEqual(x.grad, T([0.1, 0.1, 1]), "leakyRelu'(0) = slope")
    }

    func testMaximumMinimumTiesSplitTheGradient() {
        // As in PyTorch: half of the gradient to each argument where they are equal.
        let a = T([1, 2, 5]).requiringGrad(named: "a"), b = T([1, 3, 5]).requiringGrad(named: "b")
        T.maximum(a, b).sum().backward()
        XCTAssertEqual(a.grad, T([0.5, 0, 0.5]))
        XCTAssertEqual(b.grad, T([0.5, 1, 0.5]))
        a.zeroGrad()
        b.zeroGrad()
        T.minimum(a, b).sum().backward()
        XCTAssertEqual(a.grad, T([0.5, 1, 0.5]))
        XCTAssertEqual(b.grad, T([0.5, 0, 0.5]))
        // Swapping the arguments changes nothing.
        a.zeroGrad()
        b.zeroGrad()
        T.maximum(b, a).sum().backward()
        XCTAssertEqual(a.grad, T([0.5, 0, 0.5]))
        XCTAssertEqual(b.grad, T([0.5, 1, 0.5]))
        // Broadcast tie: a scalar b tied with one element of a.
        let s = T(2).requiringGrad(named: "s")
        T.maximum(T([1, 2, 3]).requiringGrad(), s).sum().backward()
        XCTAssertEqual(s.grad, T(1.5), "all of it where s strictly wins, half where it ties")
    }

    func testClampGradientPassesStrictlyInsideItsBounds() {
        // As in PyTorch 2.x: 0 at x == lower and x == upper.
        let x = T([-1, -0.5, 0, 0.5, 1]).requiringGrad(named: "x")
        x.clamped(lower: -0.5, upper: 0.5).sum().backward()
        XCTAssertEqual(x.grad, T([0, 0, 1, 0, 0]))
    }

    // MARK: Second derivatives

    func testSecondDerivativesOfSmoothOps() {
        let a = GradTest.normal([3, 4], seed: 40), b = GradTest.normal([4], seed: 41)
        let p = GradTest.positive([3, 4], seed: 42), q = GradTest.awayFromZero([3, 4], seed: 43, margin: 0.5)
        GradTest.checkSecond([a, b]) { $0[0] + $0[1] }
        GradTest.checkSecond([a, b]) { $0[0] - $0[1] }
        GradTest.checkSecond([a, b]) { $0[0] * $0[1] }
        GradTest.checkSecond([a, b]) { $0[0] * $0[0] * $0[1] }
        GradTest.checkSecond([a, q]) { $0[0] / $0[1] }
        GradTest.checkSecond([p, b]) { T.pow($0[0], $0[1]) }
        GradTest.checkSecond([p]) { $0[0].pow(3) }
        GradTest.checkSecond([p]) { $0[0].pow(-0.5) }
        GradTest.checkSecond([a]) { -$0[0] * $0[0] }
        GradTest.checkSecond([a]) { $0[0].exp() }
        GradTest.checkSecond([p]) { $0[0].log() }
        GradTest.checkSecond([p]) { $0[0].sqrt() }
        GradTest.checkSecond([a]) { $0[0].tanh() }
        GradTest.checkSecond([a]) { $0[0].sigmoid() }
        GradTest.checkSecond([a]) { $0[0].squared() }
    }

    func testSecondDerivativesOfPiecewiseLinearOpsAreZero() {
        // Away from kinks these are locally linear: the second derivative is 0 and
        // gradgradcheck must agree with finite differences of the first derivative.
        let x = GradTest.awayFromZero([3, 4], seed: 44)
        let y = x + GradTest.awayFromZero([3, 4], seed: 45, margin: 0.3)
        GradTest.checkSecond([x]) { $0[0].relu() }
        GradTest.checkSecond([x]) { $0[0].abs() }
        GradTest.checkSecond([x]) { $0[0].leakyRelu(slope: 0.2) }
        GradTest.checkSecond([x, y]) { T.maximum($0[0], $0[1]) }
        GradTest.checkSecond([x, y]) { T.minimum($0[0], $0[1]) * $0[0] }
        GradTest.checkSecond([x]) { $0[0].relu() * $0[0] }
        GradTest.checkSecond([x]) { $0[0].clamped(lower: -0.5, upper: 0.5) * $0[0] }
        GradTest.checkSecond([x, y]) { select(x .> 0, $0[0] * $0[1], $0[1]) }
    }
}

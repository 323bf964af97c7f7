import XCTest
import Foundation
import Autograd

/// gradcheck and gradgradcheck themselves: they must fail on wrong rules and say where,
/// pass at kinks without hiding wrong rules there, and catch non-deterministic rules,
/// rules that are not linear in the upstream gradient, and rules that cannot be
/// differentiated again.
final class GradCheckSelfTests: XCTestCase {
    typealias T = Tensor<Double>

    /// x², recorded as a custom op with the given rule (upstream, x) -> gradient.
    func square(_ x: T, rule: @escaping (T, T) -> T) -> T {
        let value = withoutGradients { x * x }
        return T.customOp("square", inputs: [x], value: value) { upstream, inputs, _ in [rule(upstream, inputs[0])] }
    }

    /// sin(x) as a custom op (the engine has no sin), with a rule that is given cos(x) and sin(x) as constants.
    func sine(_ x: T, rule: @escaping (_ upstream: T, _ cos: T, _ sin: T) -> T) -> T {
        let value = T(x.scalars.map { Foundation.sin($0) }, shape: x.shape)
        let cos = T(x.scalars.map { Foundation.cos($0) }, shape: x.shape)
        return T.customOp("sine", inputs: [x], value: value) { upstream, _, _ in [rule(upstream, cos, value)] }
    }

    func testRightCustomRulesPass() {
        let x = GradTest.normal([3, 5], seed: 1)
        GradTest.check([x], names: ["x"]) { square($0[0]) { g, x in g * 2 * x } }
        GradTest.check([x], names: ["x"]) { sine($0[0]) { g, cos, _ in g * cos } }
    }

    func testWrongRuleEverywhereFails() {
        // The classic slip d(sin x) = sin x instead of cos x.
        let x = GradTest.normal([2, 3], seed: 2)
        let report = gradcheck(inputs: [x], names: ["x"]) { sine($0[0]) { g, _, sin in g * sin } }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs[0].mismatches, 6, "every diagonal entry is wrong, off-diagonal ones are 0 = 0\n\(report)")
        XCTAssertEqual(report.mismatches.count, Swift.min(6, report.inputs[0].worst.count))
        for (_, entry) in report.mismatches {
            XCTAssertEqual(entry.inputIndex, entry.outputIndex)
            XCTAssertEqual(entry.numeric, Foundation.cos(x[index: entry.inputIndex[0], entry.inputIndex[1]]), accuracy: 1e-8)
            XCTAssertEqual(entry.analytic, Foundation.sin(x[index: entry.inputIndex[0], entry.inputIndex[1]]), accuracy: 1e-15)
        }
        // x³ with the rule 2x.
        let cube = gradcheck(inputs: [GradTest.awayFromZero([4], seed: 3, margin: 1)], names: ["x"]) { v in
            let value = withoutGradients { v[0] * v[0] * v[0] }
            return T.customOp("cube", inputs: v, value: value) { g, inputs, _ in [g * 2 * inputs[0]] }
        }
        XCTAssertFalse(cube.passed)
        XCTAssertEqual(cube.inputs[0].mismatches, 4, "\(cube)")
    }

    func testWrongInOneElementIsPinpointed() {
        let x = GradTest.normal([3, 5], seed: 4)
        // The rule is right except at [1, 2], where it is 1.5 times too large.
        var factor = [Double](repeating: 1, count: 15)
        factor[1 * 5 + 2] = 1.5
        let bad = T(factor, shape: [3, 5])
        let report = gradcheck(inputs: [x], names: ["x"]) { square($0[0]) { g, x in g * 2 * x * bad } }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs[0].mismatches, 1, "\(report)")
        let worst = report.inputs[0].worst[0]
        XCTAssertEqual(worst.inputIndex, [1, 2])
        XCTAssertEqual(worst.outputIndex, [1, 2])
        XCTAssertEqual(worst.status, .mismatch)
        XCTAssertEqual(worst.analytic, 3 * x[index: 1, 2], accuracy: 1e-12)
        XCTAssertEqual(worst.numeric, 2 * x[index: 1, 2], accuracy: 1e-6)
        XCTAssertEqual(report.mismatches.map(\.entry.inputIndex), [[1, 2]])
        // The printed report says FAILED and names the element.
        let text = report.description
        XCTAssertTrue(text.hasPrefix("gradcheck FAILED"), text)
        XCTAssertTrue(text.contains("x[1, 2]"), text)
        XCTAssertTrue(text.contains("MISMATCH"), text)
        XCTAssertTrue(text.contains("1 mismatched"), text)
        // Everything else is fine: the remaining entries are ok.
        XCTAssertTrue(report.inputs[0].worst.dropFirst().allSatisfy { $0.status == .ok })
    }

    func testWrongRuleForOneOfTwoInputs() {
        // a·b with the right gradient for a and twice the right one for b.
        let a = GradTest.normal([2, 3], seed: 5), b = GradTest.normal([2, 3], seed: 6)
        let report = gradcheck(inputs: [a, b], names: ["a", "b"]) { v in
            let value = withoutGradients { v[0] * v[1] }
            return T.customOp("mul", inputs: v, value: value) { g, inputs, _ in [g * inputs[1], g * inputs[0] * 2] }
        }
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.inputs[0].passed, "\(report)")
        XCTAssertFalse(report.inputs[1].passed, "\(report)")
        XCTAssertEqual(report.inputs[1].mismatches, 6)
        XCTAssertTrue(report.mismatches.allSatisfy { $0.input == "b" })
        XCTAssertTrue(report.description.contains("b [2, 3]: 6 mismatched"), report.description)
    }

    func testKinksPassAndAreMarked() {
        // relu at exactly 0: the one-sided slopes are 0 and 1; the rule's 0 is one of them.
        let relu = GradTest.check([T([-1, 0, 2])], names: ["x"], allowKinks: true) { $0[0].relu() }
        XCTAssertEqual(relu.inputs[0].kinks, 1)
        let reluKink = relu.inputs[0].worst[0]
        XCTAssertEqual(reluKink.inputIndex, [1])
        guard case .kink(let left, let right) = reluKink.status else { return XCTFail("\(relu)") }
        XCTAssertEqual(left, 0, accuracy: 1e-9)
        XCTAssertEqual(right, 1, accuracy: 1e-9)
        XCTAssertEqual(reluKink.analytic, 0)
        XCTAssertTrue(relu.description.contains("kink"), relu.description)
        XCTAssertTrue(relu.description.hasPrefix("gradcheck PASSED"), relu.description)

        // |x| at 0: slopes −1 and 1, the rule's 0 lies between.
        let abs = GradTest.check([T([0.5, 0, -2])], names: ["x"], allowKinks: true) { $0[0].abs() }
        XCTAssertEqual(abs.inputs[0].kinks, 1)
        guard case .kink(let absLeft, let absRight) = abs.inputs[0].worst[0].status else { return XCTFail("\(abs)") }
        XCTAssertEqual(absLeft, -1, accuracy: 1e-9)
        XCTAssertEqual(absRight, 1, accuracy: 1e-9)

        // A tie in a max: both tied cells are kinks (slopes 0 and 1).
        let tie = GradTest.check([T([3, 1, 3, 2])], names: ["x"], allowKinks: true) { $0[0].max() }
        XCTAssertEqual(tie.inputs[0].kinks, 2, "\(tie)")
        XCTAssertEqual(Set(tie.inputs[0].worst.prefix(2).map(\.inputIndex)), [[0], [2]])
        for entry in tie.inputs[0].worst.prefix(2) {
            guard case .kink(let l, let r) = entry.status else { return XCTFail("\(tie)") }
            XCTAssertEqual(Set([l.rounded(), r.rounded()]), [0, 1])
        }
        // maximum(a, b) with a tie, and leakyRelu at 0.
        let maximum = GradTest.check([T([1, 2]), T([1, 0])], names: ["a", "b"], allowKinks: true) { T.maximum($0[0], $0[1]) }
        XCTAssertEqual(maximum.inputs.map(\.kinks), [1, 1])
        let leaky = GradTest.check([T([0, 1])], names: ["x"], allowKinks: true) { $0[0].leakyRelu(slope: 0.1) }
        XCTAssertEqual(leaky.inputs[0].kinks, 1)
    }

    func testWrongRuleAtAKinkIsStillAMismatch() {
        // A "relu" whose rule gives −1 at 0: outside the one-sided slopes [0, 1].
        let report = gradcheck(inputs: [T([-1, 0, 2])], names: ["x"]) { v in
            let value = withoutGradients { v[0].relu() }
            return T.customOp("badRelu", inputs: v, value: value) { g, inputs, _ in
                let x = inputs[0].detached()
                return [g * select(x .== 0, T(-1), x .> 0)]
            }
        }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs[0].mismatches, 1)
        XCTAssertEqual(report.inputs[0].kinks, 0)
        XCTAssertEqual(report.inputs[0].worst[0].inputIndex, [1])
    }

    func testNonDeterministicBackwardIsFlagged() {
        // A rule whose result drifts by one part in 10¹² per call: within tolerance, but two
        // backward passes give different bits.
        final class Counter: @unchecked Sendable { var calls = 0.0 }
        let counter = Counter()
        let report = gradcheck(inputs: [GradTest.normal([3], seed: 7)], names: ["x"]) { v in
            square(v[0]) { g, x in
                counter.calls += 1
                return g * 2 * x * (1 + counter.calls * 1e-12)
            }
        }
        XCTAssertFalse(report.backwardIsDeterministic)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.inputs[0].passed, "every entry is within tolerance")
        XCTAssertTrue(report.description.contains("backward twice gave different gradients"), report.description)
    }

    func testRuleNotLinearInUpstreamIsFlagged() {
        // A rule that returns 1 when the upstream is all zero: the Jacobian it produces from
        // one-hot upstreams is right, but a zero upstream must give a zero gradient.
        let report = gradcheck(inputs: [GradTest.normal([3], seed: 8)], names: ["x"]) { v in
            square(v[0]) { g, x in
                let isZero = g.scalars.allSatisfy { $0 == 0 }
                return g * 2 * x + (isZero ? 1 : 0)
            }
        }
        XCTAssertFalse(report.zeroUpstreamGivesZero)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.description.contains("zero upstream"), report.description)
    }

    func testGradgradcheckCatchesRuleThatIsNotDifferentiable() {
        let x = GradTest.normal([2, 3], seed: 9)
        // Right first derivative, written with differentiable ops: passes.
        GradTest.checkSecond([x], names: ["x"]) { square($0[0]) { g, x in g * 2 * x } }
        // Right first derivative, but built from a detached copy of x: its own derivative is lost.
        let report = gradgradcheck(inputs: [x], names: ["x"]) { square($0[0]) { g, x in g * 2 * x.detached() } }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs[0].mismatches, 6, "\(report)")
        // First order it is still fine.
        GradTest.check([x], names: ["x"]) { square($0[0]) { g, x in g * 2 * x.detached() } }
    }

    func testReportShape() {
        let report = gradcheck(inputs: [GradTest.normal([2, 3], seed: 10), GradTest.normal([3], seed: 11)],
                               names: ["a", "b"], eps: 1e-5, atol: 1e-6, rtol: 1e-4, worst: 2) { $0[0] * $0[1] }
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.outputShape, [2, 3])
        XCTAssertEqual(report.tolerance, GradCheckTolerance(eps: 1e-5, atol: 1e-6, rtol: 1e-4))
        XCTAssertEqual(report.inputs.map(\.name), ["a", "b"])
        XCTAssertEqual(report.inputs.map(\.shape), [[2, 3], [3]])
        XCTAssertEqual(report.inputs.map(\.worst.count), [2, 2])
        XCTAssertTrue(report.inputs.allSatisfy { $0.maxAbsoluteError < 1e-8 })
        XCTAssertTrue(report.backwardIsDeterministic && report.zeroUpstreamGivesZero)
        XCTAssertTrue(report.description.contains("a [2, 3]: ok"), report.description)
        // Default names.
        XCTAssertEqual(gradcheck(inputs: [T([1, 2])]) { $0[0].exp() }.inputs.map(\.name), ["input0"])
    }
}

import XCTest
import Autograd

/// The NaN/infinity debug mode names the op that produced a non-finite value.
final class NumericsCheckTests: XCTestCase {
    func testForwardProducerIsNamedNotTheOpsThatPassItOn() {
        let x = Tensor<Double>([4, 1, 5]).requiringGrad(named: "x")
        XCTAssertThrowsError(try checkingNumerics { ((x - 3).log() * 2).sum() }) { error in
            guard let e = error as? NumericsError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.op, "log")
            XCTAssertNil(e.backwardOf)
            XCTAssertEqual(e.nanCount, 1)
            XCTAssertEqual(e.infinityCount, 0)
            XCTAssertEqual(e.firstIndex, [1])
            XCTAssertEqual(e.inputs.first?.minimum, -2)
            XCTAssertTrue(e.scope.contains("NumericsCheckTests.swift"), e.scope)
            XCTAssertTrue(e.description.contains("log produced 1 NaN"), e.description)
            XCTAssertFalse(e.stack.isEmpty)
            XCTAssertTrue(e.description.contains("addr2line"), e.description)
        }
    }

    func testBackwardProducerIsNamedWithTheRuleItRanIn() {
        // sqrt(0) = 0 is finite; its derivative 1/(2·0) is not.
        let x = Tensor<Double>([0, 4]).requiringGrad(named: "x")
        XCTAssertThrowsError(try checkingNumerics { x.sqrt().sum().backward() }) { error in
            guard let e = error as? NumericsError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.op, "divide", e.description)
            XCTAssertEqual(e.backwardOf, "sqrt (t1)", e.description)
            XCTAssertEqual(e.infinityCount, 1)
            XCTAssertEqual(e.firstIndex, [0])
            XCTAssertTrue(e.description.contains("backward pass"), e.description)
        }
    }

    func testCleanComputationReturnsItsValue() throws {
        let x = Tensor<Double>([1, 2]).requiringGrad()
        let y = try checkingNumerics { (x * x).sum() }
        XCTAssertEqual(y.scalar, 5)
    }

    func testUnrecordedOpsAreCheckedToo() {
        XCTAssertThrowsError(try checkingNumerics { Tensor<Float>([1, 0]).log().sum() }) { error in
            XCTAssertEqual((error as? NumericsError)?.op, "log")
            XCTAssertEqual((error as? NumericsError)?.infinityCount, 1)
        }
    }

    func testOffOutsideAScope() {
        // No scope: NaN flows as usual and nothing is recorded or thrown.
        let y = Tensor<Double>([-1]).log()
        XCTAssertTrue(y.scalar.isNaN)
        XCTAssertNoThrow(try checkingNumerics { Tensor<Double>([2]).exp() })
    }
}

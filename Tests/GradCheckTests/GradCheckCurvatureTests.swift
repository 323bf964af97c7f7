import XCTest
import Autograd

/// Curvature is not a kink: a smooth function whose one-sided slopes differ by f''·eps
/// must not be reported as crossing a non-differentiable point.
final class GradCheckCurvatureTests: XCTestCase {
    func testLargeCurvatureIsNotAKink() {
        let x = Tensor<Double>([1e-7, -3e-7, 0.5])
        let report = gradcheck(inputs: [x], names: ["x"]) { (100 * $0[0] * $0[0]).sum() + ($0[0] * 40).exp().sum() }
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.inputs[0].kinks, 0, "\(report)")
    }

    func testReluAtZeroIsStillAKink() {
        let report = gradcheck(inputs: [Tensor<Double>([0, 0.3])], names: ["x"]) { $0[0].relu().sum() }
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.inputs[0].kinks, 1, "\(report)")
    }
}

import XCTest
import Autograd

/// "Check my derivation": a right derivation passes; a wrong step is named as the first
/// disagreement walking back from the loss.
final class DerivationCheckTests: XCTestCase {
    let x = Tensor<Double>(rows: [[0.5, -1.0], [2.0, 0.25], [-0.3, 0.7]])
    let y = Tensor<Double>(rows: [[1.0], [0.0], [1.0]])
    let w = Tensor<Double>(rows: [[0.3], [0.8]])

    func network(_ v: [Tensor<Double>], _ step: DerivationSteps) -> Tensor<Double> {
        let z = step("z", x.matmul(v[0]))
        let a = step("a", z.sigmoid())
        return 0.5 * (a - y).squared().sum()
    }

    func testRightDerivationPasses() {
        let report = checkDerivation(at: [w], names: ["w"], function: network) { v, forward in
            guard let a = forward["a"] else { return [:] }
            let dA = a - y
            let dZ = dA * a * (1 - a)
            return ["a": dA, "z": dZ, "w": self.x.transposed().matmul(dZ)]
        }
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.items.map(\.name), ["a", "z", "w"])
        XCTAssertTrue(report.items.allSatisfy { $0.verdict == .exact || $0.verdict == .close }, "\(report)")
        // Finite differences agree with the input's gradient too.
        let wItem = report.items[2]
        XCTAssertEqual(wItem.numeric ?? .nan, wItem.tape, accuracy: 1e-6)
    }

    func testWrongStepIsNamed() {
        // A classic slip: forgetting the sigmoid's derivative a(1 − a) in dZ.
        let report = checkDerivation(at: [w], names: ["w"], function: network) { v, forward in
            guard let a = forward["a"] else { return [:] }
            let dA = a - y
            let dZ = dA
            return ["a": dA, "z": dZ, "w": self.x.transposed().matmul(dZ)]
        }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.firstWrong?.name, "z", "\(report)")
        XCTAssertEqual(report.items[0].verdict, .exact)
        XCTAssertEqual(report.items[2].verdict, .wrong)
        XCTAssertTrue(report.description.contains("first step that disagrees, walking back from the loss, is ∂L/∂z"),
                      report.description)
    }

    func testDiagonalOnlySoftmaxDerivationIsCaught() {
        // Worked example 5: softmax then L = Σ c ⊙ p. The right gradient uses the full Jacobian.
        let logits = Tensor<Double>([2.0, 1.0, 0.1])
        let c = Tensor<Double>([1.0, -2.0, 0.5])
        let report = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            (step("p", v[0].softmax()) * c).sum()
        }, hand: { _, forward in
            guard let p = forward["p"] else { return [:] }
            // Wrong: keeps only the diagonal p_k(1 − p_k) of the softmax Jacobian.
            return ["p": c, "logits": c * p * (1 - p)]
        })
        XCTAssertEqual(report.firstWrong?.name, "logits", "\(report)")
        XCTAssertEqual(report.items[0].verdict, .exact)
        let right = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            (step("p", v[0].softmax()) * c).sum()
        }, hand: { _, forward in
            guard let p = forward["p"] else { return [:] }
            return ["p": c, "logits": p * (c - (c * p).sum())]
        })
        XCTAssertTrue(right.passed, "\(right)")
    }
}

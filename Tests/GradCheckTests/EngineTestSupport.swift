import XCTest
import Autograd

/// Shared helpers of the engine's gradient tests (the op-family files, the tape and the
/// worked examples). Kept in one namespace so that they cannot clash with helpers of the
/// Layers and Optim tests in the same target.
enum GradTest {
    /// Gradchecks `function` at `inputs` and asserts that it passes; the report is printed on
    /// failure. Unless `allowKinks`, also asserts that no entry sat at a kink: the inputs of
    /// these tests are chosen away from kinks, so a "kink" there would hide a wrong rule.
    @discardableResult
    static func check(_ inputs: [Tensor<Double>], names: [String]? = nil, atol: Double = 1e-5, rtol: Double = 1e-3,
                      allowKinks: Bool = false, file: StaticString = #filePath, line: UInt = #line,
                      _ function: ([Tensor<Double>]) -> Tensor<Double>) -> GradCheckReport {
        let report = gradcheck(inputs: inputs, names: names, atol: atol, rtol: rtol, function)
        XCTAssertTrue(report.passed, "\(report)", file: file, line: line)
        if !allowKinks {
            XCTAssertEqual(report.inputs.map(\.kinks).reduce(0, +), 0, "unexpected kinks:\n\(report)", file: file, line: line)
        }
        return report
    }

    /// Gradgradchecks `function` at `inputs` (second derivatives through the recorded
    /// backward pass) and asserts that it passes.
    @discardableResult
    static func checkSecond(_ inputs: [Tensor<Double>], names: [String]? = nil, atol: Double = 1e-5,
                            rtol: Double = 1e-3, file: StaticString = #filePath, line: UInt = #line,
                            _ function: ([Tensor<Double>]) -> Tensor<Double>) -> GradCheckReport {
        let report = gradgradcheck(inputs: inputs, names: names, atol: atol, rtol: rtol, function)
        XCTAssertTrue(report.passed, "\(report)", file: file, line: line)
        XCTAssertEqual(report.inputs.map(\.kinks).reduce(0, +), 0, "unexpected kinks:\n\(report)", file: file, line: line)
        return report
    }

    /// Standard normal samples.
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        Tensor<Double>.randomNormal(shape, seed: seed)
    }

    /// Normal samples pushed at least `margin` away from 0 (for relu, abs, divisors, …),
    /// so that x ± eps never crosses a kink.
    static func awayFromZero(_ shape: [Int], seed: UInt64, margin: Double = 0.1) -> Tensor<Double> {
        let x = normal(shape, seed: seed)
        return Tensor(x.scalars.map { $0 < 0 ? $0 - margin : $0 + margin }, shape: shape)
    }

    /// Positive samples in [low, low + 2) (for log, sqrt and the base of pow).
    static func positive(_ shape: [Int], seed: UInt64, low: Double = 0.5) -> Tensor<Double> {
        Tensor<Double>.randomUniform(shape, lower: low, upper: low + 2, seed: seed)
    }

    /// Distinct values at least `gap` apart in a random order (for max, min and max pooling:
    /// no ties, and no two elements within eps of each other).
    static func distinct(_ shape: [Int], seed: UInt64, gap: Double = 0.1) -> Tensor<Double> {
        var rng = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        let order = Array(0..<n).shuffled(using: &rng)
        return Tensor(order.map { (Double($0) - Double(n) / 2) * gap }, shape: shape)
    }

    /// Asserts that two tensors have the same shape and elements within `accuracy`.
    static func assertClose(_ actual: Tensor<Double>?, _ expected: Tensor<Double>, accuracy: Double = 1e-12,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard let actual else {
            XCTFail("nil tensor, expected \(expected) \(message)", file: file, line: line)
            return
        }
        XCTAssertEqual(actual.shape, expected.shape, message, file: file, line: line)
        guard actual.shape == expected.shape else { return }
        let worst = zip(actual.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertTrue(worst <= accuracy, "max difference \(worst) > \(accuracy)\nactual:\n\(actual)\nexpected:\n\(expected)\n\(message)",
                      file: file, line: line)
    }
}

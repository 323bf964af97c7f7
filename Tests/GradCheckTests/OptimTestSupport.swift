import XCTest
import Optim

/// The quadratic the optimizer tests minimise: L(w) = ½·Σ aᵢ(wᵢ − cᵢ)² with a = [1, 4] and
/// c = [3, −1], so ∇L(w) = [w₀ − 3, 4(w₁ + 1)]. `quadraticGradient` is the same gradient in
/// plain Double arithmetic, for the hand-computed expectations.
enum Quadratic {
    static let a: [Double] = [1, 4]
    static let c: [Double] = [3, -1]
    static let start: [Double] = [1, 2]

    static func loss(_ w: Tensor<Double>) -> Tensor<Double> {
        (Tensor(a) * (w - Tensor(c)).squared()).sum() * 0.5
    }

    static func gradient(_ w: [Double]) -> [Double] {
        (0..<2).map { a[$0] * (w[$0] - c[$0]) }
    }

    /// A fresh parameter at `start`.
    static func parameter() -> Parameter<Double> { Parameter(Tensor(start)) }

    /// Computes the gradient of the loss at the parameter's value and takes one optimizer step.
    static func step<O: Optimizer>(_ optimizer: O, _ w: Parameter<Double>) where O.Scalar == Double {
        w.zeroGrad()
        loss(w.value).backward()
        optimizer.step()
    }
}

func assertOptimClose(_ actual: [Double], _ expected: [Double], accuracy: Double = 1e-12,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count differs \(message)", file: file, line: line)
    for (i, (x, y)) in zip(actual, expected).enumerated() {
        XCTAssertEqual(x, y, accuracy: accuracy, "element \(i): \(actual) vs \(expected) \(message)",
                       file: file, line: line)
    }
}

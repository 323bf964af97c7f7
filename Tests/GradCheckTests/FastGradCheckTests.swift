import Foundation
import XCTest
import Autograd
import Layers

/// gradcheck's fast mode: a whole transformer block proved from random directions; a wrong rule
/// hidden in one element of a big model is found and named with its coordinates; kinks and
/// disconnected inputs are reported as in the full check.
final class FastGradCheckTests: XCTestCase {
    typealias T = Tensor<Double>

    /// A copy whose rule is wrong at one flat position (the gradient there is doubled).
    static func copyWrongAt(_ position: Int) -> (T) -> T {
        { x in
            T.customOp("copyWrongAt\(position)", inputs: [x], value: withoutGradients { x * 1 }) { upstream, _, _ in
                var scale = [Double](repeating: 1, count: upstream.count)
                if position < scale.count { scale[position] = 2 }
                return [upstream * T(scale, shape: upstream.shape)]
            }
        }
    }

    func block(_ v: [T], heads: Int) -> TransformerBlock<Double> {
        TransformerBlock(norm1: LayerNorm(weight: v[1], bias: v[2]),
                         attention: MultiHeadAttention(inputProjectionWeight: v[3], inputProjectionBias: v[4],
                                                       outputProjectionWeight: v[5], outputProjectionBias: v[6], heads: heads),
                         norm2: LayerNorm(weight: v[7], bias: v[8]),
                         linear1: Dense(weight: v[9], bias: v[10]), linear2: Dense(weight: v[11], bias: v[12]))
    }

    func testAWholeTransformerBlockIsProvedInSeconds() {
        let model = TransformerBlock<Double>(dimension: 96, heads: 4, hidden: 384, seed: 1)
        let x = T.randomNormal([2, 8, 96], seed: 2)
        let parameters = model.namedParameters
        let inputs = [x] + parameters.map(\.parameter.value)
        let names = ["x"] + parameters.map(\.name)
        let count = inputs.map(\.count).reduce(0, +)
        XCTAssertGreaterThan(count, 100_000)
        let start = Date()
        let report = gradcheck(inputs: inputs, names: names, fastMode: true) { v in
            self.block(v, heads: 4)(v[0], causal: true)
        }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.check, "gradcheck (fast)")
        print("FastGradCheckTests: a transformer block of \(count) inputs proved in \(String(format: "%.2f", seconds)) s (debug build)")
    }

    func testAWrongRuleInOneElementIsFoundAndNamed() {
        // Dense(64 → 48) inside a two-layer model; the first weight's element [5, 17] has a wrong rule.
        let w1 = T.randomNormal([48, 64], standardDeviation: 0.2, seed: 3), w2 = T.randomNormal([10, 48], standardDeviation: 0.2, seed: 4)
        let x = T.randomNormal([4, 64], seed: 5)
        let wrong = Self.copyWrongAt(5 * 64 + 17)
        let report = gradcheck(inputs: [x, w1, w2], names: ["x", "w1", "w2"], fastMode: true) { v in
            // (Through matmul, not Dense(weight:): a layer built around a recorded result copies it
            // into a new leaf, which the check would rightly report as not connected.)
            Dense(weight: v[2])(v[0].matmul(wrong(v[1]), transposeA: false, transposeB: true).tanh())
        }
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.inputs[0].passed && report.inputs[2].passed, "\(report)")
        let w1Report = report.inputs[1]
        XCTAssertEqual(w1Report.mismatches, 1, "\(report)")
        XCTAssertEqual(w1Report.worst.first?.inputIndex, [5, 17], "\(report)")
        if let entry = w1Report.worst.first {
            XCTAssertEqual(entry.analytic, 2 * entry.numeric, accuracy: 1e-6 * Swift.abs(entry.numeric) + 1e-8)
        }
        XCTAssertTrue(report.description.contains("w1[5, 17]"), report.description)
        // The full check finds the same element (on a model small enough for it).
        let small = Self.copyWrongAt(3)
        let full = gradcheck(inputs: [T.randomNormal([2, 3], seed: 6), T.randomNormal([2, 3], seed: 7)], names: ["x", "w"]) { v in
            v[0].matmul(small(v[1]), transposeA: false, transposeB: true)
        }
        let fast = gradcheck(inputs: [T.randomNormal([2, 3], seed: 6), T.randomNormal([2, 3], seed: 7)], names: ["x", "w"],
                             fastMode: true) { v in v[0].matmul(small(v[1]), transposeA: false, transposeB: true) }
        XCTAssertEqual(full.inputs[1].worst.first?.inputIndex, [1, 0])
        XCTAssertEqual(fast.inputs[1].worst.first?.inputIndex, [1, 0])
    }

    func testSeveralWrongElementsAreAllListed() {
        func wrongAt(_ positions: Set<Int>) -> (T) -> T {
            { x in
                T.customOp("wrongAt", inputs: [x], value: withoutGradients { x * 1 }) { upstream, _, _ in
                    [upstream * T((0..<upstream.count).map { positions.contains($0) ? 3 : 1 }, shape: upstream.shape)]
                }
            }
        }
        let w = T.randomNormal([20, 30], seed: 8), x = T.randomNormal([3, 30], seed: 9)
        let bad: Set<Int> = [7, 301, 599]
        let report = gradcheck(inputs: [x, w], names: ["x", "w"], worst: 5, fastMode: true) { v in
            v[0].matmul(wrongAt(bad)(v[1]), transposeA: false, transposeB: true).sigmoid()
        }
        let found = Set(report.inputs[1].worst.filter { $0.status == .mismatch }.map { $0.inputIndex[0] * 30 + $0.inputIndex[1] })
        XCTAssertEqual(found, bad, "\(report)")
    }

    func testKinksAndDisconnectedInputs() {
        // relu exactly at 0 for one element: a kink, not a failure.
        let x = T([0, 1.5, -2])
        let kinked = gradcheck(inputs: [x], names: ["x"], fastMode: true) { $0[0].relu() * T([1, 2, 3]) }
        XCTAssertTrue(kinked.passed, "\(kinked)")
        // An input copied (cut off the tape) inside the function: reported as not connected.
        let cut = gradcheck(inputs: [T([1, 2]), T([3, 4])], names: ["a", "b"], fastMode: true) { v in
            v[0] * v[1].detached()
        }
        XCTAssertFalse(cut.passed)
        XCTAssertTrue(cut.inputs[1].notConnected, "\(cut)")
        XCTAssertTrue(cut.inputs[0].passed)
    }
}

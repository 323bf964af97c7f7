import XCTest
import Foundation
import Autograd

/// Each thread records on its own tape; graphs on several threads may share leaves.
final class ConcurrencyTests: XCTestCase {
    /// Two threads differentiate through one shared leaf at the same time, many times over;
    /// every gradient equals the one computed alone.
    func testSharedLeafAcrossThreads() {
        let w = Tensor<Double>.randomNormal([4, 3], seed: 11).requiringGrad(named: "w")
        let inputs = (0..<2).map { Tensor<Double>.randomNormal([5, 4], seed: UInt64(20 + $0)) }
        @Sendable func gradient(_ x: Tensor<Double>) -> Tensor<Double> {
            let loss = x.matmul(w).tanh().sum()
            return (try? gradients(of: loss, wrt: [w]))?.first ?? .zeros([1])
        }
        let expected = inputs.map(gradient)
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for _ in 0..<200 where gradient(inputs[t]) != expected[t] { mismatches.add() }
        }
        XCTAssertEqual(mismatches.count, 0)
    }

    /// Two threads each backpropagate into `.grad` of the same leaf: no contribution is lost.
    func testConcurrentAccumulationIntoOneLeaf() {
        let w = Tensor<Double>([1, 2, 3]).requiringGrad(named: "w")
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<500 { (w * w).sum().backward() }
        }
        XCTAssertEqual(w.grad, Tensor([2, 4, 6]) * 1000)
    }

    /// withoutGradients on one thread does not stop recording on another.
    func testRecordingStateIsPerThread() {
        let x = Tensor<Double>(3).requiringGrad()
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let thread = Thread {
            withoutGradients {
                started.signal()
                release.wait()
            }
        }
        thread.start()
        started.wait()
        let y = x * x
        release.signal()
        XCTAssertTrue(y.requiresGrad)
    }
}

private final class Mismatches: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

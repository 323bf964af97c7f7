import XCTest
import Foundation
import Autograd
import Optim

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

/// Two models trained at the same time on two threads end with exactly the weights they get
/// when trained one after the other.
final class ConcurrentTrainingTests: XCTestCase {
    static func train(seed: UInt64) -> [[Double]] {
        let model = Sequential<Double> {
            Dense<Double>(inputs: 3, outputs: 6, activation: .tanh, seed: seed)
            Dropout<Double>(rate: 0.2, seed: seed &+ 1)
            Dense<Double>(inputs: 6, outputs: 2, seed: seed &+ 2)
        }
        var rng = SeededGenerator(seed: seed &+ 3)
        let x = Tensor<Double>.randomNormal([40, 3], using: &rng)
        let y = Tensor<Double>((0..<40).map { x.scalars[$0 * 3] > 0 ? 1 : 0 }, shape: [40])
        fit(model, optimizer: Adam(model, learningRate: 0.02), loss: { crossEntropy(logits: $0, labels: $1) },
            training: Dataset(inputs: x, targets: y), epochs: 5, batchSize: 8, shuffleSeed: seed, output: .silent)
        return model.parameters.map(\.value.scalars)
    }

    func testTwoModelsOnTwoThreadsMatchSequentialTraining() {
        let sequential = [Self.train(seed: 10), Self.train(seed: 20)]
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { t in results.set(t, Self.train(seed: t == 0 ? 10 : 20)) }
        XCTAssertEqual(results.get(0), sequential[0])
        XCTAssertEqual(results.get(1), sequential[1])
        XCTAssertNotEqual(sequential[0], sequential[1])
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: [[Double]]] = [:]
    func set(_ i: Int, _ v: [[Double]]) { lock.lock(); values[i] = v; lock.unlock() }
    func get(_ i: Int) -> [[Double]]? { lock.lock(); defer { lock.unlock() }; return values[i] }
}

private final class Mismatches: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

import XCTest
import Foundation
import Layers

/// Dropout and the learning phase: gradcheck with a fixed mask, training vs inference,
/// reproducible masks, and a phase that is per thread and restored after `withLearningPhase`.
final class LayerDropoutTests: XCTestCase {
    func testGradcheckWithFixedMask() {
        let dropout = Dropout<Double>(rate: 0.4, seed: 1)
        let x = Tensor<Double>.randomNormal([3, 4], seed: 2)
        let mask = dropout.sampleMask(shape: [3, 4])
        XCTAssertTrue(mask.scalars.contains(0) && mask.scalars.contains(1), "the mask should drop some and keep some")
        assertGradcheck([x], names: ["x"], "Dropout with a fixed mask") { dropout($0[0], mask: mask) }
        // The gradient is exactly mask / (1 − rate).
        let leaf = x.requiringGrad()
        dropout(leaf, mask: mask).sum().backward()
        assertClose(leaf.grad?.scalars ?? [], mask.scalars.map { $0 / 0.6 }, tolerance: 1e-15)
    }

    func testTrainingDropsAndScalesInferenceIsIdentity() {
        let dropout = Dropout<Double>(rate: 0.25, seed: 3)
        let x = Tensor<Double>.ones([100, 100])
        XCTAssertEqual(LearningPhase.current, .training, "training is the default phase")
        let y = dropout(x)
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { Swift.abs($0 - 1 / 0.75) < 1e-12 }, "survivors are scaled by 1/(1 − rate)")
        let dropped = Double(y.count - kept.count) / Double(y.count)
        XCTAssertEqual(dropped, 0.25, accuracy: 0.02)
        XCTAssertEqual(y.mean().scalar, 1, accuracy: 0.03, "the expected output equals the input")
        let z = withLearningPhase(.inference) { dropout(x) }
        XCTAssertEqual(z, x)
        XCTAssertEqual(Dropout<Double>(rate: 0)(x), x)
    }

    func testMasksAreSeededAndAdvance() {
        let a = Dropout<Float>(rate: 0.5, seed: 9), b = Dropout<Float>(rate: 0.5, seed: 9)
        let m1 = a.sampleMask(shape: [64])
        XCTAssertEqual(m1, b.sampleMask(shape: [64]))
        XCTAssertNotEqual(m1, a.sampleMask(shape: [64]), "each call draws a new mask")
    }

    func testLearningPhaseIsScopedAndPerThread() {
        XCTAssertEqual(LearningPhase.current, .training)
        withLearningPhase(.inference) {
            XCTAssertEqual(LearningPhase.current, .inference)
            withLearningPhase(.training) { XCTAssertEqual(LearningPhase.current, .training) }
            XCTAssertEqual(LearningPhase.current, .inference)
            // Another thread starts in training, whatever this one says.
            let group = DispatchGroup()
            nonisolated(unsafe) var other: LearningPhase?
            group.enter()
            Thread.detachNewThread {
                other = LearningPhase.current
                group.leave()
            }
            group.wait()
            XCTAssertEqual(other, .training)
        }
        XCTAssertEqual(LearningPhase.current, .training)
        struct Failure: Error {}
        XCTAssertThrowsError(try withLearningPhase(.inference) { throw Failure() })
        XCTAssertEqual(LearningPhase.current, .training, "restored after a throw")
        LearningPhase.current = .inference
        XCTAssertEqual(LearningPhase.current, .inference)
        LearningPhase.current = .training
    }

    func testDropoutInsideSequentialFollowsThePhase() {
        let model = Sequential<Double> {
            Dense(inputs: 4, outputs: 50, seed: 1)
            Dropout(rate: 0.5, seed: 2)
        }
        let x = Tensor<Double>.ones([2, 4])
        let evaluation1 = withLearningPhase(.inference) { model(x) }
        let evaluation2 = withLearningPhase(.inference) { model(x) }
        XCTAssertEqual(evaluation1, evaluation2)
        XCTAssertNotEqual(model(x), evaluation1)
        XCTAssertTrue(model.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias"])
    }
}

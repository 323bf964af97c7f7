import Autograd
import Foundation
import Layers
import XCTest
@testable import Examples

/// `worked-cnn` (example 1), `cnn-gradients` (example 2) and `xor` (example 6): the numbers they print.
final class WorkedExamplesTests: XCTestCase {
    func testWorkedCNNWithTheLayersGivesTheExerciseNumbers() throws {
        let bank = Tensor(WorkedCNN.exerciseFilters.flatMap { $0 }, shape: [3, 1, 3, 3])
        let outcome = try WorkedCNN.compute(bank: bank)
        XCTAssertEqual(outcome.convolutions, WorkedCNN.expectedConvolution)
        XCTAssertEqual(outcome.pooled, [[16, 33, 34, 35], [17, 14, 18, 25], [24, 41, 42, 35]])
        // The pooling gradient reaches exactly the winner of each window: 16, 33, 34, 35.
        XCTAssertEqual(outcome.winners.map { outcome.convolutions[0][$0] }, [16, 33, 34, 35])
        XCTAssertEqual(outcome.dConvolution.scalars.filter { $0 != 0 }, [1, 1, 1, 1])
        XCTAssertTrue(outcome.report.passed, "\(outcome.report)")
        // ∂L/∂filter #1 = Σ over the winners of the 3×3 padded patch under each winner.
        let padded = WorkedCNN.image.padded([(1, 1), (1, 1)])
        var expected = [Double](repeating: 0, count: 9)
        for w in outcome.winners {
            let (r, c) = (w / 4, w % 4)
            for i in 0..<3 { for j in 0..<3 { expected[i * 3 + j] += padded.scalars[(r + i) * 6 + c + j] } }
        }
        XCTAssertEqual(outcome.dFilter.scalars, expected)
        XCTAssertEqual(outcome.dImage.shape, [4, 4])
    }

    func testWorkedCNNParsesCustomFilters() throws {
        let bank = try WorkedCNN.parseFilters("0,1,2,1,0,1,2,1,0")
        XCTAssertEqual(try WorkedCNN.compute(bank: bank).pooled, [[16, 33, 34, 35]])
        XCTAssertThrowsError(try WorkedCNN.parseFilters("1,2,3"))
    }

    func testCNNGradientsAgreeThreeWays() {
        // ReLU away from its kink, with a dead unit so that the check is not all-positive.
        let c = CNNGradients.preActivations()
        XCTAssertTrue(c.allSatisfy { abs($0) > 0.5 }, "\(c)")
        XCTAssertTrue(c.contains { $0 < 0 } && c.contains { $0 > 0 }, "\(c)")
        for g in CNNGradients.activations {
            let r = CNNGradients.compare(g)
            XCTAssertEqual(r.tape.count, 8)
            XCTAssertTrue(r.agrees, "g = \(g): tape \(r.tape), hand \(r.hand), numeric \(r.numeric)")
            XCTAssertLessThan(r.maxTapeVsHand, 1e-12, "g = \(g)")
            XCTAssertLessThan(r.maxTapeVsNumeric, 1e-8, "g = \(g)")
            XCTAssertGreaterThanOrEqual(r.tape.filter { $0 != 0 }.count, 7, "g = \(g): \(r.tape)")
        }
        // The numbers the example prints for ReLU (docs/Backpropagation.md quotes them).
        let relu = CNNGradients.compare(.relu)
        XCTAssertEqual(relu.tape[0], 3.32143, accuracy: 1e-9)
        XCTAssertEqual(relu.tape[1], 0)
        XCTAssertEqual(relu.tape[4], 1.19654, accuracy: 1e-9)
    }

    func testXORIsLearnedWithAHiddenLayerAndNotWithout() {
        let hidden = XORExample.train(XORExample.hiddenNetwork(seed: 1), epochs: 400, learningRate: 0.1)
        XCTAssertTrue(hidden.allRight, "\(hidden.probabilities)")
        XCTAssertTrue(hidden.confident, "\(hidden.rightClassProbabilities)")
        XCTAssertEqual(hidden.firstAllRight, 183)
        XCTAssertEqual(hidden.firstConfident, 214)
        let linear = XORExample.train(XORExample.noHiddenNetwork(seed: 1), epochs: 400, learningRate: 0.1)
        XCTAssertFalse(linear.allRight)
        XCTAssertFalse(linear.confident)
        XCTAssertNil(linear.firstAllRight)
        XCTAssertLessThanOrEqual(linear.correct, 3)
        XCTAssertEqual(linear.finalLoss, log(2), accuracy: 1e-3)
    }
}

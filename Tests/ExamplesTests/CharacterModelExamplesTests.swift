import Autograd
import Foundation
import XCTest
@testable import Examples

/// `gpt`, `lstm` and `gru` through the command line with their quick settings, and the pieces
/// they share: the masked next-character loss and the batches of names.
final class CharacterModelExamplesTests: XCTestCase {
    func testMaskedLossIgnoresThePadding() throws {
        let logits = Tensor<Float>.randomNormal([2, 3, 4], seed: 1).requiringGrad(named: "logits")
        let targets = Tensor<Float>(rows: [[1, 2, 0], [3, 0, 0]])
        let mask = Tensor<Float>(rows: [[1, 1, 1], [1, 0, 0]])
        let loss = Models.nextTokenLoss(logits: logits, targets: targets, mask: mask)
        // By hand: the mean of −log softmax at the four unmasked positions.
        var total = 0.0
        for (b, t) in [(0, 0), (0, 1), (0, 2), (1, 0)] {
            let row = (0..<4).map { Double(logits.scalars[(b * 3 + t) * 4 + $0]) }
            let target = Int(targets.scalars[b * 3 + t])
            total += Foundation.log(row.map(Foundation.exp).reduce(0, +)) - row[target]
        }
        XCTAssertEqual(Double(loss.scalar), total / 4, accuracy: 1e-5)
        let g = try gradients(of: loss, wrt: [logits])[0]
        for position in [4, 5] {            // [1, 1] and [1, 2]: padding, no gradient
            XCTAssertEqual(Array(g.scalars[(position * 4)..<(position * 4 + 4)]), [0, 0, 0, 0])
        }
        XCTAssertNotEqual(Array(g.scalars[0..<4]), [0, 0, 0, 0])
    }

    func testBatchesAreCutToTheirLongestName() {
        let data = NamesData(names: ["al", "bea", "cy", "dora", "eve", "flo", "gus", "hal", "ida", "jo"], seed: 3)
        let sequences = CharacterModelTraining.Sequences(data, ["al", "dora", "jo"], context: 16)
        XCTAssertEqual(sequences.lengths, [3, 5, 3])
        let batch = sequences.batch([0, 2])
        XCTAssertEqual(batch.inputs.shape, [2, 3])
        XCTAssertEqual(batch.mask.scalars, [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(sequences.batch([1, 0]).mask.rows, [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    }

    /// Runs a sequence-model subcommand with --quick and checks what it prints: the dev loss falls
    /// from the initial weights', the losses are finite, ten names come out.
    func checkQuickRun(_ name: String, parameters: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let (_, output) = try capturingOutput { try Subcommand.run([name, "--quick"]) }
        XCTAssertTrue(output.contains("96 training names (--quick: the first 96), 64 dev names (--quick: the first 64)"),
                      output, file: file, line: line)
        XCTAssertTrue(output.contains("\(parameters) parameters"), output, file: file, line: line)
        let before = try XCTUnwrap(numbers(in: try XCTUnwrap(firstLine(containing: "before training: dev loss", in: output))).first)
        let final = numbers(in: try XCTUnwrap(firstLine(containing: "final: train loss", in: output)))
        XCTAssertGreaterThanOrEqual(final.count, 5, output, file: file, line: line)
        let (train, dev) = (final[0], final[1])
        XCTAssertTrue(train.isFinite && dev.isFinite, output, file: file, line: line)
        XCTAssertLessThan(dev, before - 0.05, "three Adam steps lower the dev loss: \(output)", file: file, line: line)
        XCTAssertTrue(output.contains("3 steps an epoch"), output, file: file, line: line)
        XCTAssertEqual(output.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 1, file: file, line: line)
        let samples = output.split(separator: "\n").drop { !$0.contains("names sampled") }.dropFirst()
        XCTAssertEqual(samples.count, 10, output, file: file, line: line)
        for sample in samples {
            let word = sample.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            XCTAssertTrue(word == "(empty)" || (word.count < 16 && word.allSatisfy { $0.isASCII && $0.isLowercase }),
                          String(sample), file: file, line: line)
        }
    }

    func testGPTQuickRun() throws {
        // 27 characters, embedding 64, context 16, 2 blocks of 4 heads (the layers' own test counts the blocks).
        try checkQuickRun("gpt", parameters: 27 * 64 + 16 * 64 + 2 * 49_984 + 2 * 64 + 64 * 27 + 27)
    }

    func testLSTMQuickRun() throws {
        // Embedding 27×64, LSTM 4·128·(64 + 128) + 2·4·128, head 128×27 + 27.
        try checkQuickRun("lstm", parameters: 27 * 64 + 4 * 128 * (64 + 128) + 2 * 4 * 128 + 128 * 27 + 27)
    }

    func testGRUQuickRun() throws {
        try checkQuickRun("gru", parameters: 27 * 64 + 3 * 128 * (64 + 128) + 2 * 3 * 128 + 128 * 27 + 27)
    }

    func testOptionsOfTheSequenceExamples() {
        XCTAssertThrowsError(try Subcommand.run(["gpt", "--epochs", "0"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "--epochs and --lr must be positive and --samples not negative")
        }
        XCTAssertThrowsError(try Subcommand.run(["lstm", "--steps", "10"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "unknown option '--steps'")
        }
    }
}

import Autograd
import Foundation
import Optim
import XCTest
@testable import Examples

/// `digits` and `mnist` from the command line: hidden layers, activation, loss, optimizer and
/// schedule, each parsed, refused when bad, and used.
final class ClassicNetworkTests: XCTestCase {
    func parse(_ arguments: [String]) throws -> ClassicNetwork {
        var options = try Options(arguments)
        return try ClassicNetwork.parse(&options)
    }

    func usageMessage(_ arguments: [String]) -> String? {
        do {
            _ = try capturingOutput { try Subcommand.run(arguments) }
            return nil
        } catch let error as UsageError {
            return error.message
        } catch {
            return "not a usage error: \(error)"
        }
    }

    func testEveryOptionIsParsed() throws {
        let homework = try parse(["--hidden", "30", "--activation", "sigmoid", "--loss", "mse", "--optimizer", "sgd",
                                  "--schedule", "time-based", "--lr", "0.3"])
        XCTAssertEqual(homework, ClassicNetwork(hidden: [30], activation: .sigmoid, loss: .mse, optimizer: .sgd,
                                                schedule: .timeBased, learningRate: 0.3))
        let deep = try parse(["--hidden", "256,64,32", "--activation", "leaky-relu", "--optimizer", "rmsprop", "--schedule", "cosine"])
        XCTAssertEqual(deep.hidden, [256, 64, 32])
        XCTAssertEqual(deep.activation, .leakyRelu)
        XCTAssertEqual(deep.initialLearningRate, 1e-3, "RMSProp's default rate")
        XCTAssertEqual(try parse([]), ClassicNetwork(), "no option: the network the README's results were measured with")
        XCTAssertEqual(ClassicNetwork(), ClassicNetwork(hidden: [128], activation: .relu, loss: .crossEntropy, optimizer: .adam,
                                                        schedule: .constant, learningRate: nil))
        for name in ClassicNetwork.OptimizerChoice.allCases.map(\.rawValue) {
            XCTAssertEqual(try parse(["--optimizer", name]).optimizer.rawValue, name)
        }
    }

    func testBadValuesAreUsageErrorsNamingTheOptionAndTheChoices() {
        XCTAssertEqual(usageMessage(["digits", "--activation", "softsign"]),
                       "--activation expects one of sigmoid, tanh, relu, leaky-relu, got 'softsign'")
        XCTAssertEqual(usageMessage(["digits", "--loss", "hinge"]), "--loss expects one of cross-entropy, mse, got 'hinge'")
        XCTAssertEqual(usageMessage(["mnist", "--optimizer", "lbfgs"]),
                       "--optimizer expects one of sgd, momentum, rmsprop, adagrad, adam, got 'lbfgs'")
        XCTAssertEqual(usageMessage(["digits", "--schedule", "linear"]),
                       "--schedule expects one of constant, time-based, step, cosine, got 'linear'")
        for bad in ["0", "64,", "a,b", "64,-3", ""] {
            XCTAssertEqual(usageMessage(["digits", "--hidden=\(bad)"]),
                           "--hidden expects positive layer sizes separated by commas (e.g. 128 or 256,64), got '\(bad)'", bad)
        }
        XCTAssertEqual(usageMessage(["digits", "--lr", "-1"]), "--lr expects a positive learning rate, got '-1'")
        XCTAssertEqual(usageMessage(["digits", "--lr", "fast"]), "--lr expects a number, got 'fast'")
        XCTAssertEqual(usageMessage(["digits", "--model", "cnn", "--hidden", "32"]),
                       "--hidden applies to the dense network, not to --model cnn")
        XCTAssertEqual(usageMessage(["mnist", "--model", "cnn", "--activation", "tanh"]),
                       "--activation applies to the dense network, not to --model cnn")
    }

    func testSchedulesOverTheRun() {
        func rates(_ schedule: ClassicNetwork.ScheduleChoice) -> [Double] {
            let network = ClassicNetwork(optimizer: .sgd, schedule: schedule, learningRate: 0.4)
            let s = network.learningRateSchedule(epochs: 3, batchesPerEpoch: 10)
            return [0, 10, 15, 20, 30].map { s.learningRate(at: $0) }
        }
        XCTAssertEqual(rates(.constant), [0.4, 0.4, 0.4, 0.4, 0.4])
        XCTAssertEqual(rates(.timeBased), [0.4, 0.4 / (1 + 10.0 / 30), 0.4 / 1.5, 0.4 / (1 + 20.0 / 30), 0.2])
        XCTAssertEqual(rates(.step), [0.4, 0.2, 0.2, 0.1, 0.05])
        let cosine = rates(.cosine)
        XCTAssertEqual(cosine[0], 0.4)
        XCTAssertEqual(cosine[2], 0.2, accuracy: 1e-15)
        XCTAssertEqual(cosine[4], 0, accuracy: 1e-15)
    }

    func testSquaredErrorOfTheSoftmaxAgainstOneHotTargets() {
        let logits = Tensor<Float>(rows: [[1, 2, 0.5], [0, 0, 3]]), labels = Tensor<Float>([1, 0])
        let loss = ClassicNetwork.softmaxSquaredError(logits, labels)
        var expected = 0.0
        for (row, label) in zip(logits.rows, [1, 0]) {
            let e = row.map { Foundation.exp(Double($0)) }, total = e.reduce(0, +)
            expected += e.enumerated().map { k, v in Foundation.pow(v / total - (k == label ? 1 : 0), 2) }.reduce(0, +) / 2
        }
        XCTAssertEqual(Double(loss.scalar), expected / 2, accuracy: 1e-6)
    }

    /// The standard homework network — a sigmoid hidden layer, softmax output, SGD with time-based
    /// decay — under both losses, as one command each: it learns, and draws loss, accuracy and
    /// learning-rate curves.
    func testTheHomeworkNetworkRunsAsOneCommandUnderBothLosses() throws {
        // The squared error of a softmax has small gradients (the lesson of this homework): it
        // needs a larger rate than cross-entropy to learn within three epochs.
        for (loss, rate) in [("mse", "4"), ("cross-entropy", "0.5")] {
            let out = try temporaryFolder(self)
            let (_, output) = try capturingOutput {
                try Subcommand.run(["digits", "--quick", "--epochs", "3", "--hidden", "32", "--activation", "sigmoid",
                                    "--loss", loss, "--optimizer", "sgd", "--lr", rate, "--schedule", "time-based", "--out", out])
            }
            let heading = try XCTUnwrap(firstLine(containing: "Digits: dense 64-32-10 (sigmoid", in: output))
            XCTAssertTrue(heading.contains(loss == "mse" ? "½‖softmax − one-hot‖²" : "cross-entropy"), String(heading))
            XCTAssertTrue(output.contains("learning rate \(rate) (time-based decay lr₀/(1 + t/120))"), output)
            let accuracy = try XCTUnwrap(numbers(in: try XCTUnwrap(firstLine(containing: "TEST accuracy", in: output))).first)
            XCTAssertGreaterThan(accuracy, 60, "\(loss): three epochs of plain SGD already beat chance (10%) by far")
            let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
            XCTAssertEqual(written, ["digits-dense-loss.svg", "digits-dense-accuracy.svg", "digits-dense-learning-rate.svg"])
            let rate = try ParsedSVG(contentsOf: out + "/digits-dense-learning-rate.svg")
            XCTAssertEqual(rate.seriesPointCounts, ["learning rate": 3])
            XCTAssertEqual(try ParsedSVG(contentsOf: out + "/digits-dense-loss.svg").seriesPointCounts,
                           ["training": 3, "validation": 3])
        }
    }

    func testTheScheduleReachesTheOptimizer() throws {
        var config = DigitsExample.Config.quick
        (config.epochs, config.verbose) = (3, false)
        config.network = ClassicNetwork(hidden: [16], activation: .tanh, optimizer: .momentum, schedule: .cosine, learningRate: 0.1)
        let outcome = DigitsExample.train(config, data: ExampleData.prefix(try ExampleData.digits(), 400))
        // 280 training images in batches of 32: 9 steps an epoch, 27 in all; the rate after the
        // last step of each epoch is the cosine's at steps 8, 17 and 26.
        let cosine = CosineAnnealing(initial: 0.1, steps: 27)
        XCTAssertEqual(outcome.history.learningRate, [8, 17, 26].map { cosine.learningRate(at: $0) })
        XCTAssertTrue(outcome.history.trainingLoss.allSatisfy(\.isFinite))
    }

    func testMNISTTakesTheSameOptions() throws {
        let data = try temporaryFolder(self), out = try temporaryFolder(self)
        try writeTinyMNIST(to: data, train: 120, test: 30)
        let (_, output) = try capturingOutput {
            try Subcommand.run(["mnist", "--data", data, "--epochs", "2", "--hidden", "20,10", "--activation", "relu",
                                "--loss", "mse", "--optimizer", "adagrad", "--schedule", "step", "--out", out])
        }
        XCTAssertTrue(output.contains("dense 100-20-10-10 (relu, softmax output), MSE"), output)
        XCTAssertTrue(output.contains("Adagrad"), output)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out)),
                       ["mnist-loss.svg", "mnist-accuracy.svg", "mnist-learning-rate.svg"])
    }
}

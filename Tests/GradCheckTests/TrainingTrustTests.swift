import XCTest
import Optim

/// The training loop a person writes by hand: one idiom evaluates in the inference phase
/// without recording; a NaN in the data stops `fit` at once, naming where it came from.
final class TrainingTrustTests: XCTestCase {
    struct Net: Layer {
        // tanh, not relu: relu maps NaN to 0 (see docs/Conventions.md), which would hide it.
        var hidden = Dense<Double>(inputs: 3, outputs: 16, activation: .tanh, seed: 1)
        var dropout = Dropout<Double>(rate: 0.5, seed: 2)
        var output = Dense<Double>(inputs: 16, outputs: 1, seed: 3)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { output(dropout(hidden(x))) }
    }

    static func data(_ n: Int) -> Dataset<Double> {
        let x = Tensor<Double>.randomNormal([n, 3], seed: 4)
        let y = x.matmul(Tensor([1, -2, 0.5], shape: [3, 1])) + 0.3
        return Dataset(inputs: x, targets: y)
    }

    static func meanSquared(_ p: Tensor<Double>, _ t: Tensor<Double>) -> Tensor<Double> { (p - t).squared().mean() }

    // MARK: Evaluation

    func testWithInferenceTurnsDropoutOffAndRecordsNothing() {
        let model = Net()
        let x = Tensor<Double>.randomNormal([8, 3], seed: 5)
        let evaluated = withInference { model(x) }
        XCTAssertFalse(evaluated.requiresGrad)
        // Deterministic, and equal to what `evaluate` computes: dropout is off.
        XCTAssertEqual(withInference { model(x) }, evaluated)
        XCTAssertEqual(evaluated, withLearningPhase(.inference) { withoutGradients { model(x) } })
        // withoutGradients alone keeps the phase: dropout still drops.
        XCTAssertNotEqual(withoutGradients { model(x) }, evaluated)
        // The phase and recording come back afterwards, also when the body throws.
        struct Failure: Error {}
        XCTAssertThrowsError(try withInference { () throws -> Void in throw Failure() })
        XCTAssertEqual(LearningPhase.current, .training)
        XCTAssertTrue(isRecordingGradients)
        // The loss `evaluate` reports is the loss of withInference's predictions.
        let data = Self.data(8)
        let (loss, _) = evaluate(model, on: data, loss: Self.meanSquared)
        XCTAssertEqual(loss, Self.meanSquared(withInference { model(data.inputs) }, data.targets).scalar, accuracy: 1e-12)
    }

    // MARK: A NaN in the data

    func testANaNInTheInputsStopsFitWithTheWeightsStillFinite() {
        var x = Self.data(64).inputs.scalars
        x[17 * 3 + 2] = .nan                         // sample 17, feature 2
        let data = Dataset(inputs: Tensor(x, shape: [64, 3]), targets: Self.data(64).targets)
        let model = Net()
        let history = fit(model, optimizer: SGD(model, learningRate: 0.01), loss: Self.meanSquared,
                          training: data, epochs: 5, batchSize: 16, output: .silent)
        XCTAssertEqual(history.epochs, 1, "fit stops in the first epoch")
        XCTAssertTrue(model.parameters.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) },
                      "the update of the bad batch is not applied")
    }

    func testTheStopIsRecordedAndNamesEpochBatchAndInput() throws {
        var x = Self.data(64).inputs.scalars
        x[17 * 3 + 2] = .nan
        let data = Dataset(inputs: Tensor(x, shape: [64, 3]), targets: Self.data(64).targets)
        let model = Net()
        var lines: [String] = []
        let history = fit(model, optimizer: SGD(model, learningRate: 0.01), loss: Self.meanSquared,
                          training: data, epochs: 5, batchSize: 16, shuffleSeed: nil, output: .lines { lines.append($0) })
        XCTAssertTrue(history.stoppedOnNonFiniteLoss)
        let event = try XCTUnwrap(history.nonFiniteLoss)
        XCTAssertEqual(event.epoch, 0)
        XCTAssertEqual(event.batch, 1)                // samples 16…31, in order
        XCTAssertEqual(event.batches, 4)
        XCTAssertTrue(event.loss.isNaN)
        XCTAssertEqual(event.culprit, "input [1, 2] of the batch (sample 17 of the training set) is nan")
        XCTAssertEqual(history.trainingLoss.count, 1)
        XCTAssertTrue(history.trainingLoss[0].isNaN)
        let text = lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("stopped: non-finite training loss (nan) at epoch 1, batch 2 of 4: input [1, 2]"), text)
    }

    func testANonFiniteParameterIsNamedWhenTheDataIsFinite() {
        let model = Net()
        var bias = model.output.bias!.value.scalars
        bias[0] = .infinity
        model.output.bias!.assign(Tensor(bias))
        let history = fit(model, optimizer: SGD(model, learningRate: 0.01), loss: Self.meanSquared,
                          training: Self.data(32), epochs: 2, batchSize: 16, output: .silent)
        XCTAssertEqual(history.nonFiniteLoss?.culprit, "parameter output.bias[0] is inf")
        XCTAssertEqual(history.nonFiniteLoss?.batch, 0)
    }

    func testGoingOnIsAnOption() {
        var x = Self.data(64).inputs.scalars
        x[5] = .nan
        let data = Dataset(inputs: Tensor(x, shape: [64, 3]), targets: Self.data(64).targets)
        let model = Net()
        let history = fit(model, optimizer: SGD(model, learningRate: 0.01), loss: Self.meanSquared,
                          training: data, epochs: 3, batchSize: 16, stopOnNonFiniteLoss: false, output: .silent)
        XCTAssertEqual(history.epochs, 3)
        XCTAssertFalse(history.stoppedOnNonFiniteLoss)
        XCTAssertEqual(history.nonFiniteLoss?.epoch, 0, "the first one is still recorded")
    }
}

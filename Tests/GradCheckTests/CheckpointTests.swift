import XCTest
import Foundation
import Optim

/// Training resumed from a checkpoint gives bit for bit the weights of training that was never
/// interrupted; a checkpoint that does not fit changes nothing.
final class CheckpointTests: XCTestCase {
    func makeModel(seed: UInt64) -> Sequential<Double> {
        Sequential<Double> {
            Dense<Double>(inputs: 4, outputs: 8, activation: .relu, seed: seed)
            Dropout<Double>(rate: 0.25, seed: seed &+ 1)
            Dense<Double>(inputs: 8, outputs: 3, seed: seed &+ 2)
        }
    }

    func data() -> Dataset<Double> {
        var rng = SeededGenerator(seed: 9)
        let x = Tensor<Double>.randomNormal([60, 4], using: &rng)
        let labels = Tensor<Double>((0..<60).map { i in Double((x.scalars[i * 4] > 0 ? 1 : 0) + (x.scalars[i * 4 + 1] > 0.5 ? 1 : 0)) },
                                    shape: [60])
        return Dataset(inputs: x, targets: labels)
    }

    func loss(_ logits: Tensor<Double>, _ labels: Tensor<Double>) -> Tensor<Double> {
        crossEntropy(logits: logits, labels: labels)
    }

    func optimizer(_ model: Sequential<Double>) -> Adam<Double> {
        Adam(model, learningRate: StepDecay(initial: 0.01, stepSize: 7, factor: 0.5))
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
    }

    func testResumedTrainingEqualsUninterruptedTraining() throws {
        let data = data()
        let straight = makeModel(seed: 1)
        fit(straight, optimizer: optimizer(straight), loss: loss, training: data, epochs: 4, batchSize: 16,
            shuffleSeed: 3, output: .silent)

        let first = makeModel(seed: 1)
        let firstOptimizer = optimizer(first)
        fit(first, optimizer: firstOptimizer, loss: loss, training: data, epochs: 2, batchSize: 16, shuffleSeed: 3,
            output: .silent)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(first, optimizer: firstOptimizer, epoch: 2, generators: ["data": SeededGenerator(seed: 42)],
                            to: path)

        // A new process would build a fresh model (here with other initial weights) and optimizer.
        let resumed = makeModel(seed: 77)
        let resumedOptimizer = optimizer(resumed)
        let info = try Checkpoint.load(into: resumed, optimizer: resumedOptimizer, from: path)
        XCTAssertEqual(info.epoch, 2)
        XCTAssertEqual(info.generators["data"], SeededGenerator(seed: 42))
        XCTAssertEqual(resumedOptimizer.stepCount, firstOptimizer.stepCount)
        fit(resumed, optimizer: resumedOptimizer, loss: loss, training: data, epochs: 4, initialEpoch: info.epoch,
            batchSize: 16, shuffleSeed: 3, output: .silent)

        XCTAssertEqual(resumed.namedParameters.map(\.name), straight.namedParameters.map(\.name))
        for (a, b) in zip(resumed.namedParameters, straight.namedParameters) {
            XCTAssertEqual(a.parameter.value.scalars, b.parameter.value.scalars, "\(a.name) differs after resuming")
        }
        XCTAssertEqual(resumed.randomStates, straight.randomStates)
        // And the run really trained: the weights moved from the checkpoint's.
        XCTAssertNotEqual(resumed.namedParameters[0].parameter.value.scalars,
                          first.namedParameters[0].parameter.value.scalars)
    }

    func testMismatchedCheckpointChangesNothing() throws {
        let model = makeModel(seed: 1)
        let adam = optimizer(model)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(model, optimizer: adam, epoch: 1, to: path)

        let other = Sequential<Double> {
            Dense<Double>(inputs: 4, outputs: 5, seed: 2)
            Dense<Double>(inputs: 5, outputs: 3, seed: 3)
        }
        let before = other.parameters.map(\.value.scalars)
        let otherAdam = optimizer(other)
        XCTAssertThrowsError(try Checkpoint.load(into: other, optimizer: otherAdam, from: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("layers.0.weight: saved shape [8, 4], model shape [5, 4]"), text)
            XCTAssertTrue(text.contains("saved parameter layers.2.weight is not in the model"), text)
            XCTAssertTrue(text.contains("no saved state for") == false, text)
            XCTAssertTrue(text.contains("saved generator layers.1.source is not in the model"), text)
        }
        XCTAssertEqual(other.parameters.map(\.value.scalars), before)
        XCTAssertEqual(otherAdam.stepCount, 0)
    }

    /// The step count is an integer in the file (I64), not a Float: past 2²⁴ steps a Float
    /// checkpoint used to give back 16,777,216 for 16,777,217.
    func testStepCountIsStoredExactly() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Sequential<Float> { Dense<Float>(inputs: 2, outputs: 1, seed: 1) }
        let sgd = SGD(model, learningRate: 0.1)
        sgd.stepCount = 16_777_217
        try Checkpoint.save(model, optimizer: sgd, epoch: 3, to: path)
        XCTAssertEqual(try SafeTensors.read(from: path, as: Float.self).dtypes["optimizer/step"], .I64)
        let resumed = SGD(model, learningRate: 0.1)
        try Checkpoint.load(into: model, optimizer: resumed, from: path)
        XCTAssertEqual(resumed.stepCount, 16_777_217)

        let double = makeModel(seed: 1)
        let adam = optimizer(double)
        adam.stepCount = (1 << 53) + 1
        try Checkpoint.save(double, optimizer: adam, epoch: 3, to: path)
        let resumedAdam = optimizer(double)
        try Checkpoint.load(into: double, optimizer: resumedAdam, from: path)
        XCTAssertEqual(resumedAdam.stepCount, (1 << 53) + 1)
    }

    /// A checkpoint whose optimizer state lost tensors (Adam's moments deleted with a tool) is
    /// refused with the list of what is missing, and nothing changes.
    func testMissingOptimizerStateIsRefused() throws {
        let data = data()
        let model = makeModel(seed: 1)
        let adam = optimizer(model)
        fit(model, optimizer: adam, loss: loss, training: data, epochs: 1, batchSize: 16, shuffleSeed: 3, output: .silent)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(model, optimizer: adam, epoch: 1, to: path)

        // Delete the first moments of every parameter, keeping everything else (metadata included).
        let file = try SafeTensors.read(from: path, as: Double.self)
        let deleted = file.names.filter { $0.hasSuffix(".expAvg") }.sorted()
        XCTAssertEqual(deleted.count, 4)
        var kept: [String: Tensor<Double>] = [:]
        for name in file.names where !deleted.contains(name) { kept[name] = file[name] }
        try SafeTensors.write(kept, metadata: file.metadata, to: path)

        let other = makeModel(seed: 5)
        let before = other.parameters.map(\.value.scalars)
        let otherAdam = optimizer(other)
        XCTAssertThrowsError(try Checkpoint.load(into: other, optimizer: otherAdam, from: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(error is CheckpointError, text)
            XCTAssertTrue(text.contains("missing optimizer state"), text)
            for name in deleted { XCTAssertTrue(text.contains(String(name.dropFirst("optimizer/".count))), "\(name) not in: \(text)") }
            XCTAssertFalse(text.contains("expAvgSq"), text)
        }
        XCTAssertEqual(other.parameters.map(\.value.scalars), before)
        XCTAssertEqual(otherAdam.stepCount, 0)
        XCTAssertTrue(otherAdam.parameterState.allSatisfy(\.isEmpty))
    }

    func testNotACheckpointIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(["w": Tensor<Double>.zeros([2])], to: path)
        let model = makeModel(seed: 1)
        XCTAssertThrowsError(try Checkpoint.load(into: model, optimizer: optimizer(model), from: path)) { error in
            XCTAssertTrue("\(error)".contains("not a checkpoint of this library"), "\(error)")
        }
    }
}

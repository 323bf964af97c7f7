import XCTest
import Layers
import Optim

/// `fit(…, diagnostics:)`: the records equal those of the same training driven by hand with
/// `diagnostics.step(optimizer)`, at the steps `every:` asks for, across epochs; validation passes
/// record nothing; diagnostics of another model, or detached ones, are refused with a message.
final class FitDiagnosticsTests: XCTestCase {
    static func model() -> Sequential<Double> {
        Sequential<Double> {
            Dense(inputs: 3, outputs: 6, activation: .tanh, seed: 1)
            ReLU()
            Dense(inputs: 6, outputs: 2, seed: 2)
        }
    }

    static func data(_ n: Int, seed: UInt64) -> Dataset<Double> {
        Dataset(inputs: Tensor.randomNormal([n, 3], seed: seed), targets: Tensor((0..<n).map { Double($0 % 2) }))
    }

    static func loss(_ logits: Tensor<Double>, _ labels: Tensor<Double>) -> Tensor<Double> { crossEntropy(logits: logits, labels: labels) }

    func testFitRecordsWhatTheHandDrivenLoopRecords() throws {
        let training = Self.data(20, seed: 3), validation = Self.data(8, seed: 4)
        // 20 examples in batches of 4: 5 steps an epoch, 3 epochs, every 2 steps → steps 0, 2, …, 14.
        let fitted = Self.model()
        let diagnostics = TrainingDiagnostics(fitted, every: 2, bins: 10)
        let history = fit(fitted, optimizer: SGD(fitted, learningRate: 0.5), loss: Self.loss, training: training,
                          validation: validation, epochs: 3, batchSize: 4, shuffleSeed: 7, output: .silent,
                          diagnostics: diagnostics)
        XCTAssertEqual(history.epochs, 3)
        XCTAssertEqual(diagnostics.stepCount, 15)
        XCTAssertTrue(diagnostics.isAttached, "fit leaves the diagnostics attached")
        diagnostics.detach()
        let records = diagnostics.records
        XCTAssertEqual(records.map(\.step), [0, 2, 4, 6, 8, 10, 12, 14])
        for record in records {
            XCTAssertEqual(record.layers.map(\.index), [0, 1, 2], "step \(record.step)")
            XCTAssertTrue(record.layers.allSatisfy { $0.gradients != nil }, "step \(record.step): gradients recorded")
            XCTAssertEqual(record.updates.map(\.name), fitted.namedParameters.map(\.name), "step \(record.step)")
            XCTAssertEqual(record.layers[0].activations.count, 4 * 6, "step \(record.step): one training batch, not validation")
        }

        // The same run by hand: the same batches in the same order, diagnostics.step(sgd).
        let byHand = Self.model()
        let handDiagnostics = TrainingDiagnostics(byHand, every: 2, bins: 10)
        let sgd = SGD(byHand, learningRate: 0.5)
        for epoch in 0..<3 {
            for (x, y) in training.batches(size: 4, shuffleSeed: 7 + UInt64(epoch)) {
                let loss = Self.loss(byHand(x), y)
                byHand.zeroGrad()
                loss.backward()
                handDiagnostics.step(sgd)
            }
            _ = evaluate(byHand, on: validation, loss: Self.loss)
        }
        handDiagnostics.detach()
        XCTAssertEqual(records, handDiagnostics.records)
        XCTAssertEqual(fitted.parameters.map(\.value.scalars), byHand.parameters.map(\.value.scalars))
    }

    func testDiagnosticsOfAnInnerSequentialWatchTheWholeModel() throws {
        // A model of your own around a Sequential: the diagnostics are made for the Sequential.
        struct Wrapped: Layer {
            let body = FitDiagnosticsTests.model()
            let scale = Parameter(Tensor<Double>([1.5]))
            func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { body(x) * scale.value }
        }
        let model = Wrapped()
        let diagnostics = TrainingDiagnostics(model.body, every: 3)
        fit(model, optimizer: Adam(model, learningRate: 0.01), loss: Self.loss, training: Self.data(12, seed: 5),
            epochs: 2, batchSize: 4, output: .silent, diagnostics: diagnostics)
        XCTAssertEqual(diagnostics.records.map(\.step), [0, 3])
        XCTAssertEqual(diagnostics.records.first?.updates.map(\.name), ["layers.0.weight", "layers.0.bias",
                                                                         "layers.2.weight", "layers.2.bias"])
    }

    static let roleKey = "FIT_DIAGNOSTICS_TRAP_CASE"
    static let trapCases: [String: TrapCase] = [
        "another model": ({
            let trained = FitDiagnosticsTests.model(), other = FitDiagnosticsTests.model()
            let diagnostics = TrainingDiagnostics(other)
            fit(trained, optimizer: SGD(trained, learningRate: 0.1), loss: FitDiagnosticsTests.loss,
                training: FitDiagnosticsTests.data(4, seed: 1), epochs: 1, output: .silent, diagnostics: diagnostics)
        }, ["fit: the diagnostics watch layers.0.weight (shape [6, 3]), which is not a parameter of the model being trained",
            "TrainingDiagnostics(model)"]),
        "detached": ({
            let trained = FitDiagnosticsTests.model()
            let diagnostics = TrainingDiagnostics(trained)
            diagnostics.detach()
            fit(trained, optimizer: SGD(trained, learningRate: 0.1), loss: FitDiagnosticsTests.loss,
                training: FitDiagnosticsTests.data(4, seed: 1), epochs: 1, output: .silent, diagnostics: diagnostics)
        }, ["fit: the diagnostics were detached", "would record nothing"]),
        "per-sample, vectorized, broadcast positions": ({
            let model = PerSampleSequenceTests.TinyDecoder(sharedPositions: true)
            let tokens = Tensor<Double>(rows: [[1, 4, 2, 6, 3], [5, 5, 1, 0, 2]])
            _ = perSampleGradients(of: model, inputs: tokens, targets: tokens, strategy: .vectorized) {
                crossEntropy(logits: $0, labels: $1, classAxis: -1, reduction: .none).sum(axes: [1])
            }
        }, ["perSampleGradients(strategy: .vectorized): Embedding (table [5, 8]) received indices of shape [5]",
            "not the batch of 2 examples", "use strategy: .automatic or .loop"]),
    ]

    func testMisuseTrapsWithAMessage() throws {
        try runTrapCases(Self.trapCases, roleKey: Self.roleKey, test: "GradCheckTests.FitDiagnosticsTests/testMisuseTrapsWithAMessage")
    }
}

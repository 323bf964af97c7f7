import XCTest
import Optim

/// `fit`: training improves a tiny regression and a tiny classification, histories have one
/// entry per epoch, early stopping stops and restores the best weights exactly, and the
/// metric helpers.
final class TrainingFitTests: XCTestCase {
    /// y = x·w + b from two Parameters.
    struct Linear: Layer {
        let w: Parameter<Double>
        let b: Parameter<Double>
        init(inputs: Int, outputs: Int, seed: UInt64 = 1) {
            w = Parameter(Tensor.randomNormal([inputs, outputs], standardDeviation: 0.1, seed: seed))
            b = Parameter(Tensor.zeros([outputs]))
        }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x.matmul(w.value) + b.value }
    }

    static func meanSquared(_ p: Tensor<Double>, _ t: Tensor<Double>) -> Tensor<Double> { (p - t).squared().mean() }

    /// y = 2x₀ − x₁ + 0.5 on a grid, as [n, 1] targets.
    static func regressionData(_ n: Int, offset: Double) -> Dataset<Double> {
        var x: [Double] = [], y: [Double] = []
        for i in 0..<n {
            let x0: Double = Double(i) / Double(n) + offset
            let x1: Double = Double((i * 7) % n) / Double(n)
            x += [x0, x1]
            y.append(2 * x0 - x1 + 0.5)
        }
        return Dataset(inputs: Tensor(x, shape: [n, 2]), targets: Tensor(y, shape: [n, 1]))
    }

    func testRegressionImprovesAndHistoryHasOneEntryPerEpoch() {
        let model = Linear(inputs: 2, outputs: 1)
        let train = Self.regressionData(40, offset: 0), validation = Self.regressionData(10, offset: 0.05)
        var lines: [String] = []
        let history = fit(model, optimizer: SGD(model, learningRate: 0.2, momentum: 0.5), loss: Self.meanSquared,
                          training: train, validation: validation, epochs: 25, batchSize: 8,
                          metric: .rootMeanSquaredError, output: .lines { lines.append($0) })
        XCTAssertEqual(history.epochs, 25)
        for series in [history.trainingLoss, history.validationLoss, history.trainingMetric, history.validationMetric,
                       history.learningRate, history.elapsedSeconds] {
            XCTAssertEqual(series.count, 25)
        }
        XCTAssertLessThan(history.trainingLoss.last!, history.trainingLoss[0] * 0.01)
        XCTAssertLessThan(history.validationMetric.last!, history.validationMetric[0] * 0.1)
        XCTAssertEqual(history.metricName, "rmse")
        XCTAssertFalse(history.stoppedEarly)
        XCTAssertEqual(history.elapsedSeconds, history.elapsedSeconds.sorted(), "elapsed time only grows")
        // The validation metric is exact over batches: the RMSE of the whole validation set.
        let predictions = withoutGradients { model(validation.inputs) }
        XCTAssertEqual(history.validationMetric.last!, rootMeanSquaredError(predictions, validation.targets), accuracy: 1e-12)
        XCTAssertEqual(history.validationLoss.last!, Self.meanSquared(predictions, validation.targets).scalar, accuracy: 1e-12)
        // Plain output: one line per epoch.
        XCTAssertEqual(lines.count, 25)
        XCTAssertTrue(lines[0].hasPrefix("epoch 1/25  loss "), lines[0])
        XCTAssertTrue(lines[24].contains("val_rmse"), lines[24])
        XCTAssertEqual(history.csv.split(separator: "\n").count, 26)
        XCTAssertTrue(history.csv.hasPrefix("epoch,train_loss,val_loss,train_rmse,val_rmse,lr,seconds\n"))
    }

    func testClassificationReachesFullAccuracy() {
        // Two separable classes, one-hot targets, softmax cross-entropy written with tensor ops.
        var points: [Double] = [], oneHot: [Double] = []
        for i in 0..<32 {
            let cls = i % 2
            let t = Double(i) / 32
            points += cls == 0 ? [1 + t, 0.5 - t] : [-1 - t, t - 0.2]
            oneHot += cls == 0 ? [1, 0] : [0, 1]
        }
        let data = Dataset(inputs: Tensor(points, shape: [32, 2]), targets: Tensor(oneHot, shape: [32, 2]))
        let model = Linear(inputs: 2, outputs: 2, seed: 3)
        let crossEntropy = { (logits: Tensor<Double>, targets: Tensor<Double>) in
            -(logits.logSoftmax(axis: 1) * targets).sum(axes: [1]).mean()
        }
        let history = fit(model, optimizer: Adam(model, learningRate: 0.1), loss: crossEntropy, training: data,
                          epochs: 15, batchSize: 8, metric: .accuracy, output: .silent)
        XCTAssertEqual(history.trainingMetric.count, 15)
        XCTAssertTrue(history.validationLoss.isEmpty)
        XCTAssertEqual(history.trainingMetric.last, 1)
        XCTAssertLessThan(history.trainingLoss.last!, history.trainingLoss[0])
        let (loss, accuracy) = evaluate(model, on: data, loss: crossEntropy, metric: .accuracy)
        XCTAssertEqual(accuracy, 1)
        XCTAssertLessThan(loss, 0.1)
    }

    /// The scalar model y = w·x trained on y = 2x while validated on y = x: the validation loss
    /// falls until w passes 1, then rises, so early stopping triggers after a middle epoch.
    func earlyStoppingRun(restore: Bool) -> (history: TrainingHistory, weights: [Double], final: Double) {
        struct Scale: Layer {
            let w = Parameter(Tensor<Double>([0], shape: [1, 1]))
            func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x.matmul(w.value) }
        }
        let model = Scale()
        let x = Tensor<Double>((1...8).map { Double($0) / 8 }, shape: [8, 1])
        let train = Dataset(inputs: x, targets: 2 * x)
        let validation = Dataset(inputs: x, targets: x)
        var weights: [Double] = []
        let history = fit(model, optimizer: SGD(model, learningRate: 0.1), loss: Self.meanSquared, training: train,
                          validation: validation, epochs: 100, batchSize: 8,
                          earlyStopping: EarlyStopping(patience: 2, restoreBestWeights: restore),
                          output: .silent) { _, _ in weights.append(model.w.value.scalars[0]) }
        return (history, weights, model.w.value.scalars[0])
    }

    func testEarlyStoppingStopsAndRestoresTheBestWeightsExactly() throws {
        let (history, weights, final) = earlyStoppingRun(restore: true)
        let best = try XCTUnwrap(history.bestEpoch)
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertLessThan(history.epochs, 100)
        XCTAssertEqual(history.epochs, best + 2 + 1, "stops after `patience` epochs without improvement")
        XCTAssertGreaterThan(best, 0, "the best epoch is in the middle")
        XCTAssertEqual(history.validationLoss.firstIndex(of: history.validationLoss.min()!), best)
        XCTAssertEqual(weights.count, history.epochs)
        XCTAssertTrue(history.restoredBestWeights)
        XCTAssertEqual(final, weights[best], "the weights of the best epoch, bit for bit")
        XCTAssertNotEqual(final, weights.last)
        XCTAssertEqual(history.trainingLoss.count, history.epochs)
    }

    func testEarlyStoppingWithoutRestoreKeepsTheLastWeights() {
        let (history, weights, final) = earlyStoppingRun(restore: false)
        XCTAssertTrue(history.stoppedEarly)
        XCTAssertFalse(history.restoredBestWeights)
        XCTAssertEqual(final, weights.last)
    }

    func testMetricHelpers() {
        let logits = Tensor<Double>(rows: [[2, 1], [0, 3], [1, 0]])
        XCTAssertEqual(accuracy(logits: logits, labels: Tensor([0, 1, 1])), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(accuracy(logits: logits, labels: Tensor([0, 1, 0], shape: [3, 1])), 1)
        XCTAssertEqual(accuracy(logits: logits, labels: Tensor(rows: [[1, 0], [1, 0], [1, 0]])), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(accuracy(logits: Tensor<Double>([0.3, -2, 1]), labels: Tensor([1, 0, 0])), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(rootMeanSquaredError(Tensor<Double>([1, 2]), Tensor([1, 4])), 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(Metric<Double>.rootMeanSquaredError.value(Tensor([0, 0, 0, 0]), Tensor([1, -1, 1, -1])), 1)
        XCTAssertEqual(Metric<Double>.accuracy.value(logits, Tensor([0, 0, 0])), 2.0 / 3, accuracy: 1e-15)
    }
}

/// `fit` with the library's own layers and loss, in Float: a three-class problem with a
/// Sequential MLP (with dropout, so the training and inference phases differ), class-index labels.
final class TrainingFitLayersTests: XCTestCase {
    func testSequentialMLPInFloatWithCrossEntropyAndAccuracy() {
        var rng = SeededGenerator(seed: 11)
        var points: [Float] = [], labels: [Float] = []
        let centres: [(Float, Float)] = [(2, 0), (-1, 1.7), (-1, -1.7)]
        for i in 0..<90 {
            let c = i % 3
            points += [centres[c].0 + Float(rng.nextNormalDouble()) * 0.4, centres[c].1 + Float(rng.nextNormalDouble()) * 0.4]
            labels.append(Float(c))
        }
        let data = Dataset(inputs: Tensor(points, shape: [90, 2]), targets: Tensor(labels))
        let (train, validation, _) = data.split(training: 0.8, validation: 0.2, seed: 3)
        let model = Sequential<Float> {
            Dense(inputs: 2, outputs: 16, activation: .relu, seed: 1)
            Dropout(rate: 0.1)
            Dense(inputs: 16, outputs: 3, seed: 2)
        }
        let optimizer = AdamW(model, learningRate: LinearWarmup(steps: 3, wrapping: CosineAnnealing(initial: 0.05, steps: 60)))
        let history = fit(model, optimizer: optimizer, loss: { crossEntropy(logits: $0, labels: $1) },
                          training: train, validation: validation, epochs: 20, batchSize: 16, metric: .accuracy,
                          output: .silent)
        XCTAssertEqual(history.epochs, 20)
        XCTAssertEqual(optimizer.stepCount, 20 * 5)   // 72 samples in batches of 16
        XCTAssertGreaterThanOrEqual(history.validationMetric.last ?? 0, 0.95)
        XCTAssertLessThan(history.validationLoss.last!, history.validationLoss[0])
        XCTAssertEqual(history.learningRate[0], optimizer.schedule.learningRate(at: 4), accuracy: 1e-12)
        XCTAssertEqual(Set(optimizer.state.keys).count, 1 + 4 * 3, "step + (expAvg, expAvgSq, step) per parameter")
    }
}

import Autograd
import Foundation
import Layers
import Optim

/// `digits`: a classifier for the bundled 8×8 handwritten digits (data/digits.csv), trained
/// with `fit` on a seeded train/validation/test split, with plots of loss and accuracy.
enum DigitsExample {
    enum ModelKind: String, CaseIterable {
        case dense, cnn
    }

    struct Config {
        var model = ModelKind.dense
        var epochs = 30
        var batchSize = 32
        var learningRate = 1e-3
        var hidden = [128]
        var seed: UInt64 = 42
        /// Use only the first `limit` samples (before the split), for quick runs in tests.
        var limit: Int? = nil
        var verbose = true

        static let quick = Config(epochs: 8)
    }

    struct Outcome {
        var history: TrainingHistory
        var testAccuracy: Double
        var testLoss: Double
        var seconds: Double
        var counts: (training: Int, validation: Int, test: Int)
        var parameterCount: Int
    }

    /// The bundled digits as the model wants them: rows of 64 pixels, or [n, 1, 8, 8] images.
    static func data(for model: ModelKind, limit: Int?) throws -> Dataset<Float> {
        let all = ExampleData.prefix(try ExampleData.digits(), limit)
        return model == .cnn ? ExampleData.asImages(all, side: 8) : all
    }

    /// Splits 70/15/15 with `seed`, trains with Adam and `fit`, evaluates on the test set.
    static func train(_ config: Config, data: Dataset<Float>) -> Outcome {
        let (training, validation, test) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        let start = ContinuousClock.now
        let history: TrainingHistory
        let testResult: (loss: Double, metric: Double)
        let parameterCount: Int
        switch config.model {
        case .dense:
            let model = Models.mlp(inputs: 64, hidden: config.hidden, outputs: 10, seed: config.seed)
            parameterCount = model.parameterCount
            history = fit(model, optimizer: Adam(model, learningRate: config.learningRate), loss: Run.crossEntropyLoss,
                          training: training, validation: validation, epochs: config.epochs, batchSize: config.batchSize,
                          metric: .accuracy, shuffleSeed: config.seed, output: Run.output(config.verbose))
            testResult = evaluate(model, on: test, loss: Run.crossEntropyLoss, metric: .accuracy)
        case .cnn:
            let model = Models.SmallCNN(side: 8, channels: 8, seed: config.seed)
            parameterCount = model.parameterCount
            history = fit(model, optimizer: Adam(model, learningRate: config.learningRate), loss: Run.crossEntropyLoss,
                          training: training, validation: validation, epochs: config.epochs, batchSize: config.batchSize,
                          metric: .accuracy, shuffleSeed: config.seed, output: Run.output(config.verbose))
            testResult = evaluate(model, on: test, loss: Run.crossEntropyLoss, metric: .accuracy)
        }
        return Outcome(history: history, testAccuracy: testResult.metric, testLoss: testResult.loss,
                       seconds: Run.seconds(since: start), counts: (training.count, validation.count, test.count),
                       parameterCount: parameterCount)
    }

    /// The loss and accuracy charts of a training history.
    static func charts(_ history: TrainingHistory, title: String) -> (loss: LineChart, accuracy: LineChart) {
        let loss = LineChart(title: "\(title): loss", xLabel: "epoch", yLabel: "cross-entropy loss",
                             series: [.init(name: "training", perEpoch: history.trainingLoss),
                                      .init(name: "validation", perEpoch: history.validationLoss)])
        let accuracy = LineChart(title: "\(title): accuracy", xLabel: "epoch", yLabel: "accuracy",
                                 series: [.init(name: "training", perEpoch: history.trainingMetric),
                                          .init(name: "validation", perEpoch: history.validationMetric)])
        return (loss, accuracy)
    }

    static func config(_ options: inout Options) throws -> Config {
        var config = options.flag("quick") ? Config.quick : Config()
        if let name = options.string("model") {
            guard let kind = ModelKind(rawValue: name) else {
                throw UsageError(message: "--model expects one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
            }
            config.model = kind
            if kind == .cnn && !options.flag("quick") { config.epochs = 20 }
        }
        config.epochs = try options.int("epochs", default: config.epochs)
        config.batchSize = try options.int("batch-size", default: config.batchSize)
        config.learningRate = try Run.parseDouble(&options, "lr", default: config.learningRate)
        config.seed = UInt64(try options.int("seed", default: Int(config.seed)))
        guard config.epochs > 0, config.batchSize > 0 else { throw UsageError(message: "--epochs and --batch-size must be positive") }
        return config
    }

    static func run(_ options: inout Options) throws {
        let config = try config(&options)
        let folder = Run.outputFolder(&options, default: "digits")
        try run(config, folder: folder)
    }

    @discardableResult
    static func run(_ config: Config, folder: String) throws -> Outcome {
        let data = try data(for: config.model, limit: config.limit)
        let description = config.model == .dense
            ? "dense 64-\(config.hidden.map(String.init).joined(separator: "-"))-10 (ReLU)"
            : "CNN conv 3×3 (8) → ReLU → pool → conv 3×3 (16) → ReLU → pool → dense 64-10"
        print(Text.heading("Digits: \(description) on data/digits.csv"))
        print("\(data.count) images of 8×8 pixels, split 70/15/15 with seed \(config.seed); Adam, learning rate "
              + "\(Text.number(config.learningRate)), batch \(config.batchSize), \(config.epochs) epochs.")
        let outcome = train(config, data: data)
        let h = outcome.history
        print("\n\(outcome.counts.training) training, \(outcome.counts.validation) validation, \(outcome.counts.test) test "
              + "images; \(outcome.parameterCount) parameters.")
        print("Final epoch: training accuracy \(Run.percent(h.trainingMetric.last ?? .nan)), validation accuracy "
              + "\(Run.percent(h.validationMetric.last ?? .nan)).")
        print("TEST accuracy \(Run.percent(outcome.testAccuracy)) (test loss \(String(format: "%.4f", outcome.testLoss))), "
              + "trained in \(String(format: "%.1f", outcome.seconds)) s.")
        let title = "Digits, \(config.model == .dense ? "dense network" : "CNN")"
        let (loss, accuracy) = charts(h, title: title)
        let prefix = folder + "/digits-\(config.model.rawValue)"
        try loss.write(to: prefix + "-loss.svg")
        try accuracy.write(to: prefix + "-accuracy.svg")
        print("Plots: \(prefix)-loss.svg, \(prefix)-accuracy.svg")
        return outcome
    }
}

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
        /// Hidden layers, activation, loss, optimizer, schedule and learning rate (the CNN uses
        /// all but the first two). The default: 128 ReLU units, cross-entropy, Adam at 1e-3.
        var network = ClassicNetwork()
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

    /// Splits 70/15/15 with `seed`, trains with `fit` (the network's optimizer, schedule and
    /// loss), evaluates on the test set.
    static func train(_ config: Config, data: Dataset<Float>) -> Outcome {
        let (training, validation, test) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        let start = ContinuousClock.now
        let network = config.network, loss = network.lossFunction
        let batchesPerEpoch = (training.count + config.batchSize - 1) / config.batchSize
        func go<M: Layer>(_ model: M) -> (TrainingHistory, (loss: Double, metric: Double), Int) where M.Scalar == Float {
            let history = fit(model, optimizer: network.makeOptimizer(model, epochs: config.epochs, batchesPerEpoch: batchesPerEpoch),
                              loss: loss, training: training, validation: validation, epochs: config.epochs,
                              batchSize: config.batchSize, metric: .accuracy, shuffleSeed: config.seed,
                              output: Run.output(config.verbose))
            return (history, evaluate(model, on: test, loss: loss, metric: .accuracy), model.parameterCount)
        }
        let (history, testResult, parameterCount) = config.model == .dense
            ? go(network.model(inputs: 64, seed: config.seed))
            : go(Models.SmallCNN(side: 8, channels: 8, seed: config.seed))
        return Outcome(history: history, testAccuracy: testResult.metric, testLoss: testResult.loss,
                       seconds: Run.seconds(since: start), counts: (training.count, validation.count, test.count),
                       parameterCount: parameterCount)
    }

    /// The loss, accuracy and learning-rate charts of a training history (the loss axis named
    /// after `loss`).
    static func charts(_ history: TrainingHistory, title: String, loss: ClassicNetwork.LossChoice = .crossEntropy)
        -> (loss: LineChart, accuracy: LineChart, learningRate: LineChart) {
        let lossChart = LineChart(title: "\(title): loss", xLabel: "epoch",
                                  yLabel: loss == .crossEntropy ? "cross-entropy loss" : "squared error ½‖p − y‖²",
                                  series: [.init(name: "training", perEpoch: history.trainingLoss),
                                           .init(name: "validation", perEpoch: history.validationLoss)])
        let accuracy = LineChart(title: "\(title): accuracy", xLabel: "epoch", yLabel: "accuracy",
                                 series: [.init(name: "training", perEpoch: history.trainingMetric),
                                          .init(name: "validation", perEpoch: history.validationMetric)])
        let learningRate = LineChart(title: "\(title): learning rate", xLabel: "epoch", yLabel: "learning rate at the epoch's end",
                                     series: [.init(name: "learning rate", perEpoch: history.learningRate)])
        return (lossChart, accuracy, learningRate)
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
        config.network = try ClassicNetwork.parse(&options)
        try ClassicNetwork.rejectDenseOptions(&options, model: config.model)
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
        let network = config.network
        let trainingCount = data.split(training: 0.7, validation: 0.15, seed: config.seed).training.count
        let batchesPerEpoch = (trainingCount + config.batchSize - 1) / config.batchSize
        let description = config.model == .dense
            ? network.describe(inputs: 64)
            : "CNN conv 3×3 (8) → ReLU → pool → conv 3×3 (16) → ReLU → pool → dense 64-10, \(network.loss.description), "
                + network.optimizer.description
        print(Text.heading("Digits: \(description) on data/digits.csv"))
        print("\(data.count) images of 8×8 pixels, split 70/15/15 with seed \(config.seed); learning rate "
              + "\(Text.number(network.initialLearningRate)) (\(network.scheduleDescription(epochs: config.epochs, batchesPerEpoch: batchesPerEpoch))), "
              + "batch \(config.batchSize), \(config.epochs) epochs.")
        let outcome = train(config, data: data)
        let h = outcome.history
        print("\n\(outcome.counts.training) training, \(outcome.counts.validation) validation, \(outcome.counts.test) test "
              + "images; \(outcome.parameterCount) parameters.")
        print("Final epoch: training accuracy \(Run.percent(h.trainingMetric.last ?? .nan)), validation accuracy "
              + "\(Run.percent(h.validationMetric.last ?? .nan)).")
        print("TEST accuracy \(Run.percent(outcome.testAccuracy)) (test loss \(String(format: "%.4f", outcome.testLoss))), "
              + "trained in \(String(format: "%.1f", outcome.seconds)) s.")
        let title = "Digits, \(config.model == .dense ? "dense network" : "CNN")"
        let (loss, accuracy, learningRate) = charts(h, title: title, loss: network.loss)
        let prefix = folder + "/digits-\(config.model.rawValue)"
        try loss.write(to: prefix + "-loss.svg")
        try accuracy.write(to: prefix + "-accuracy.svg")
        var written = [prefix + "-loss.svg", prefix + "-accuracy.svg"]
        if network.schedule != .constant {
            try learningRate.write(to: prefix + "-learning-rate.svg")
            written.append(prefix + "-learning-rate.svg")
        }
        print("Plots: \(written.joined(separator: ", "))")
        return outcome
    }
}

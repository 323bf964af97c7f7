import Autograd
import Foundation
import Layers
import Optim

/// `optimizers`: SGD, SGD with momentum, RMSProp, Adagrad and Adam training the same network
/// from the same initial weights on the same batches of the digits.
enum OptimizersExample {
    struct Config {
        var epochs = 20
        var batchSize = 32
        var hidden = [64]
        var seed: UInt64 = 3
        var limit: Int? = nil
        var verbose = true
        static let quick = Config(epochs: 4)
    }

    struct Contender: Sendable {
        let name: String
        let learningRate: Double
        let make: @Sendable (Sequential<Float>) -> any Optimizer<Float>
    }

    static let contenders: [Contender] = [
        Contender(name: "SGD", learningRate: 0.05) { SGD($0, learningRate: 0.05) },
        Contender(name: "SGD + momentum 0.9", learningRate: 0.05) { SGD($0, learningRate: 0.05, momentum: 0.9) },
        Contender(name: "RMSProp", learningRate: 1e-3) { RMSProp($0, learningRate: 1e-3) },
        Contender(name: "Adagrad", learningRate: 0.05) { Adagrad($0, learningRate: 0.05) },
        Contender(name: "Adam", learningRate: 1e-3) { Adam($0, learningRate: 1e-3) },
    ]

    struct Result {
        var name: String
        var learningRate: Double
        var history: TrainingHistory
        var testAccuracy: Double
        var seconds: Double
    }

    static func train(_ config: Config, data: Dataset<Float>) -> [Result] {
        let (training, validation, test) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        return contenders.map { contender in
            if config.verbose { print("\n\(contender.name), learning rate \(Text.number(contender.learningRate)):") }
            let start = ContinuousClock.now
            // Same seed: the same initial weights for every optimizer; same shuffle seed: the same batches.
            let model = Models.mlp(inputs: 64, hidden: config.hidden, outputs: 10, seed: config.seed)
            let history = fitAny(model, optimizer: contender.make(model), training: training, validation: validation,
                                 config: config)
            let test = evaluate(model, on: test, loss: Run.crossEntropyLoss, metric: .accuracy)
            return Result(name: contender.name, learningRate: contender.learningRate, history: history,
                          testAccuracy: test.metric, seconds: Run.seconds(since: start))
        }
    }

    /// `fit` takes a concrete optimizer type; this opens the existential.
    static func fitAny(_ model: Sequential<Float>, optimizer: any Optimizer<Float>, training: Dataset<Float>,
                       validation: Dataset<Float>, config: Config) -> TrainingHistory {
        func go<O: Optimizer<Float>>(_ o: O) -> TrainingHistory {
            fit(model, optimizer: o, loss: Run.crossEntropyLoss, training: training, validation: validation,
                epochs: config.epochs, batchSize: config.batchSize, metric: .accuracy, shuffleSeed: config.seed,
                output: Run.output(config.verbose))
        }
        return go(optimizer)
    }

    static func chart(_ results: [Result]) -> LineChart {
        LineChart(title: "Digits: validation accuracy by optimizer", xLabel: "epoch", yLabel: "validation accuracy",
                  series: results.map { .init(name: $0.name, perEpoch: $0.history.validationMetric) })
    }

    static func table(_ results: [Result]) -> String {
        Text.table(["optimizer", "learning rate", "val acc, epoch 1", "final val acc", "best val acc", "test acc", "time"],
                   results.map { r in
                       let best = r.history.validationMetric.max() ?? .nan
                       return [r.name, Text.number(r.learningRate), Run.percent(r.history.validationMetric.first ?? .nan),
                               Run.percent(r.history.validationMetric.last ?? .nan),
                               "\(Run.percent(best)) (epoch \((r.history.validationMetric.firstIndex(of: best) ?? 0) + 1))",
                               Run.percent(r.testAccuracy), String(format: "%.1f s", r.seconds)]
                   })
    }

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? Config.quick : Config()
        config.epochs = try options.int("epochs", default: config.epochs)
        let folder = Run.outputFolder(&options, default: "optimizers")
        let data = try ExampleData.digits()
        print(Text.heading("Optimizers on the digits: same network, initial weights, batches and epochs"))
        print("Dense 64-\(config.hidden.map(String.init).joined(separator: "-"))-10 (ReLU), batch \(config.batchSize), "
              + "\(config.epochs) epochs, split 70/15/15 with seed \(config.seed).")
        let results = train(config, data: data)
        print("\n" + table(results))
        let path = folder + "/optimizers-validation-accuracy.svg"
        try chart(results).write(to: path)
        print("Plot: \(path)")
    }
}

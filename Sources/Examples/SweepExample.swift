import Autograd
import Foundation
import Layers
import Optim

/// `sweep`: a learning rate × hidden units grid on the digits, drawn as a heatmap of validation accuracy.
enum SweepExample {
    struct Config {
        var learningRates = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
        var hiddenUnits = [4, 8, 16, 32, 64, 128]
        var epochs = 10
        var batchSize = 32
        var seed: UInt64 = 11
        var limit: Int? = nil
        var verbose = true
        static let quick = Config(learningRates: [0.01, 0.1], hiddenUnits: [8, 32], epochs: 2)
    }

    struct Outcome {
        /// accuracy[row = hidden units][column = learning rate], on the validation set after the last epoch.
        var accuracy: [[Double]]
        var config: Config
        var seconds: Double
        var best: (hidden: Int, learningRate: Double, accuracy: Double) {
            var b = (hidden: 0, learningRate: 0.0, accuracy: -1.0)
            for (r, row) in accuracy.enumerated() {
                for (c, a) in row.enumerated() where a > b.accuracy {
                    b = (config.hiddenUnits[r], config.learningRates[c], a)
                }
            }
            return b
        }
    }

    /// Trains one network per cell (SGD with momentum 0.9, same seed and batches for all).
    static func train(_ config: Config, data: Dataset<Float>) -> Outcome {
        let (training, validation, _) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        let start = ContinuousClock.now
        var grid: [[Double]] = []
        for hidden in config.hiddenUnits {
            var row: [Double] = []
            for rate in config.learningRates {
                let model = Models.mlp(inputs: 64, hidden: [hidden], outputs: 10, seed: config.seed)
                let history = fit(model, optimizer: SGD(model, learningRate: rate, momentum: 0.9), loss: Run.crossEntropyLoss,
                                  training: training, validation: validation, epochs: config.epochs,
                                  batchSize: config.batchSize, metric: .accuracy, shuffleSeed: config.seed, output: .silent)
                let accuracy = history.validationMetric.last ?? .nan
                row.append(accuracy)
                if config.verbose {
                    print("  hidden " + String(hidden).leftPadded(4) + "  learning rate "
                          + Text.number(rate).padding(toLength: 6, withPad: " ", startingAt: 0)
                          + "  validation accuracy " + Run.percent(accuracy))
                }
            }
            grid.append(row)
        }
        return Outcome(accuracy: grid, config: config, seconds: Run.seconds(since: start))
    }

    static func heatmap(_ outcome: Outcome) -> Heatmap {
        Heatmap(title: "Digits: validation accuracy after \(outcome.config.epochs) epochs (SGD, momentum 0.9)",
                xLabel: "learning rate", yLabel: "hidden units",
                columnLabels: outcome.config.learningRates.map { Text.number($0) },
                rowLabels: outcome.config.hiddenUnits.map(String.init),
                values: outcome.accuracy, scaleLabel: "validation accuracy",
                format: { String(format: "%.1f%%", 100 * $0) })
    }

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? Config.quick : Config()
        config.epochs = try options.int("epochs", default: config.epochs)
        let folder = Run.outputFolder(&options, default: "sweep")
        let data = try ExampleData.digits()
        print(Text.heading("Sweep: learning rate × hidden units on the digits"))
        print("\(config.hiddenUnits.count) × \(config.learningRates.count) networks 64-h-10 (ReLU), SGD with momentum 0.9, "
              + "batch \(config.batchSize), \(config.epochs) epochs each, same seed \(config.seed).")
        let outcome = train(config, data: data)
        let best = outcome.best
        print("\nBest: \(best.hidden) hidden units, learning rate \(Text.number(best.learningRate)): validation accuracy "
              + "\(Run.percent(best.accuracy)) (\(String(format: "%.1f", outcome.seconds)) s for the grid).")
        let path = folder + "/sweep-heatmap.svg"
        try heatmap(outcome).write(to: path)
        print("Heatmap: \(path)")
    }
}

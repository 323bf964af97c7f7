import Autograd
import Foundation
import Layers
import Optim

/// `regression`: the same small network trained on data/diabetes.csv with the mean absolute
/// error and with the mean squared error as its loss; test RMSE of both, validation curves in
/// one plot.
enum RegressionExample {
    struct Config {
        var epochs = 200
        var batchSize = 32
        var learningRate = 3e-3
        var hidden = [32]
        var seed: UInt64 = 7
        /// Early stopping on the validation loss; the best epoch's weights are restored.
        var patience = 20
        var verbose = true
        static let quick = Config(epochs: 20)
    }

    enum LossKind: String, CaseIterable {
        case mae = "MAE", mse = "MSE"
    }

    struct Result {
        var loss: LossKind
        var history: TrainingHistory
        /// On the test set, in the target's units (disease progression).
        var testRMSE: Double
        var testMAE: Double
        var seconds: Double
    }

    struct Outcome {
        var results: [Result]
        var counts: (training: Int, validation: Int, test: Int)
        /// The RMSE of always predicting the training mean, for scale.
        var baselineRMSE: Double
        var targetStandardDeviation: Double
    }

    /// RMSE in the target's original units, for targets standardized with standard deviation `scale`.
    static func rmse(scale: Double) -> Metric<Float> {
        Metric(name: "rmse", higherIsBetter: false, batch: { p, t in
            let d = (p - t).scalars
            return (d.reduce(0) { $0 + Double($1) * Double($1) } * scale * scale, Double(d.count))
        }, finish: { $0.squareRoot() })
    }

    static func train(_ config: Config, data: Dataset<Float>) -> Outcome {
        let (training, validation, test) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        // Standardize features and target with the TRAINING statistics only.
        let features = StandardScaler(fitting: training.inputs)
        let target = StandardScaler(fitting: training.targets)
        func standardized(_ d: Dataset<Float>) -> Dataset<Float> {
            Dataset(inputs: features.transform(d.inputs), targets: target.transform(d.targets))
        }
        let (train, valid, testSet) = (standardized(training), standardized(validation), standardized(test))
        let scale = Double(target.scale.scalars[0])
        let metric = rmse(scale: scale)
        let mean = Double(target.mean.scalars[0])
        let baseline = rootMeanSquaredError(Tensor<Float>.full(test.targets.shape, Float(mean)), test.targets)

        var results: [Result] = []
        for kind in LossKind.allCases {
            let start = ContinuousClock.now
            let model = Models.mlp(inputs: 10, hidden: config.hidden, outputs: 1, seed: config.seed)
            let loss: (Tensor<Float>, Tensor<Float>) -> Tensor<Float> = kind == .mse
                ? { meanSquaredError(predicted: $0, targets: $1) }
                : { meanAbsoluteError(predicted: $0, targets: $1) }
            let history = fit(model, optimizer: Adam(model, learningRate: config.learningRate), loss: loss,
                              training: train, validation: valid, epochs: config.epochs, batchSize: config.batchSize,
                              metric: metric, shuffleSeed: config.seed,
                              earlyStopping: EarlyStopping(patience: config.patience, restoreBestWeights: true),
                              output: Run.output(config.verbose))
            let predicted = withInference { target.inverseTransform(model(testSet.inputs)) }
            let difference = (predicted - test.targets).scalars.map { Double($0) }
            results.append(Result(loss: kind, history: history, testRMSE: rootMeanSquaredError(predicted, test.targets),
                                  testMAE: difference.map(abs).reduce(0, +) / Double(max(difference.count, 1)),
                                  seconds: Run.seconds(since: start)))
        }
        return Outcome(results: results, counts: (training.count, validation.count, test.count), baselineRMSE: baseline,
                       targetStandardDeviation: scale)
    }

    static func chart(_ outcome: Outcome) -> LineChart {
        var series: [LineChart.Series] = []
        for r in outcome.results { series.append(.init(name: "\(r.loss.rawValue) loss: validation", perEpoch: r.history.validationMetric)) }
        for r in outcome.results {
            series.append(.init(name: "\(r.loss.rawValue) loss: training", perEpoch: r.history.trainingMetric, dashed: true))
        }
        return LineChart(title: "Diabetes progression: MAE vs MSE loss", xLabel: "epoch",
                         yLabel: "RMSE (progression units)", series: series,
                         colors: [Palette.color(0), Palette.color(1), Palette.color(0), Palette.color(1)])
    }

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? Config.quick : Config()
        config.epochs = try options.int("epochs", default: config.epochs)
        config.learningRate = try Run.parseDouble(&options, "lr", default: config.learningRate)
        let folder = Run.outputFolder(&options, default: "regression")
        let data = try ExampleData.diabetes()
        print(Text.heading("Regression on data/diabetes.csv: MAE loss vs MSE loss"))
        print("\(data.count) patients, 10 features; split 70/15/15 with seed \(config.seed); features and target "
              + "standardized with the training set's mean and standard deviation. The same network "
              + "(10-\(config.hidden.map(String.init).joined(separator: "-"))-1, ReLU) and initial weights twice, once per loss; "
              + "Adam, learning rate \(Text.number(config.learningRate)), batch \(config.batchSize), at most \(config.epochs) epochs, "
              + "early stopping after \(config.patience) epochs without a better validation loss (the best weights are kept).")
        let outcome = train(config, data: data)
        let rows = outcome.results.map { r in
            let best = r.history.bestEpoch ?? (r.history.epochs - 1)
            return [r.loss.rawValue, String(format: "%.2f", r.testRMSE), String(format: "%.2f", r.testMAE),
                    "\(best + 1) of \(r.history.epochs)", String(format: "%.2f", r.history.validationMetric[best]),
                    String(format: "%.1f s", r.seconds)]
        }
        print("\n" + Text.table(["loss", "test RMSE", "test MAE", "best epoch (kept)", "its val RMSE", "time"], rows))
        print(String(format: "Predicting the training mean for everyone gives a test RMSE of %.2f (target standard "
                     + "deviation %.2f). MSE weighs large errors more and so targets the RMSE directly; MAE targets the "
                     + "median and is less pulled by outliers.", outcome.baselineRMSE, outcome.targetStandardDeviation))
        let path = folder + "/regression-validation.svg"
        try chart(outcome).write(to: path)
        print("Plot: \(path)")
    }
}

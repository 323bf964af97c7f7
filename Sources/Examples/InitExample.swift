import Autograd
import Foundation
import Layers
import Optim

/// `init`: zero, random-normal and Xavier initialization of the same network on the digits.
/// Zero initialization fails: every hidden unit starts equal, gets the same gradient, and so
/// stays equal to the others — the layer behaves like a single unit.
enum InitExample {
    struct Config {
        var epochs = 20
        var batchSize = 32
        var hidden = 32
        var learningRate = 0.1
        var seed: UInt64 = 5
        var limit: Int? = nil
        var verbose = true
        static let quick = Config(epochs: 4)
    }

    struct Result {
        var name: String
        var history: TrainingHistory
        var testAccuracy: Double
        /// The largest difference between any hidden unit's incoming weights and the first unit's,
        /// after training: 0 means every hidden unit is the same function of the input.
        var hiddenUnitSpread: Double
        /// How many different hidden units there are after training (rows of the first weight).
        var distinctHiddenUnits: Int
    }

    static let schemes: [(name: String, initializer: Initializer<Float>)] = [
        ("zeros", .zeros),
        ("random normal N(0, 1)", .normal(scale: 1)),
        ("Xavier (Glorot) normal", .xavierNormal()),
    ]

    static func train(_ config: Config, data: Dataset<Float>) -> [Result] {
        let (training, validation, test) = data.split(training: 0.7, validation: 0.15, seed: config.seed)
        return schemes.map { scheme in
            if config.verbose { print("\n\(scheme.name):") }
            let model = Models.mlp(inputs: 64, hidden: [config.hidden], outputs: 10, activation: .sigmoid,
                                   weightInitializer: scheme.initializer, seed: config.seed)
            let history = fit(model, optimizer: SGD(model, learningRate: config.learningRate, momentum: 0.9),
                              loss: Run.crossEntropyLoss, training: training, validation: validation,
                              epochs: config.epochs, batchSize: config.batchSize, metric: .accuracy,
                              shuffleSeed: config.seed, output: Run.output(config.verbose))
            let test = evaluate(model, on: test, loss: Run.crossEntropyLoss, metric: .accuracy)
            let w = model.parameters[0].value.detached()          // [hidden, 64]: row j feeds unit j
            let rows = (0..<w.shape[0]).map { j in Array(w.scalars[j * w.shape[1]..<(j + 1) * w.shape[1]]) }
            let spread = rows.map { r in zip(r, rows[0]).map { Double(abs($0 - $1)) }.max() ?? 0 }.max() ?? 0
            return Result(name: scheme.name, history: history, testAccuracy: test.metric,
                          hiddenUnitSpread: spread, distinctHiddenUnits: Set(rows).count)
        }
    }

    static func chart(_ results: [Result]) -> LineChart {
        LineChart(title: "Digits: validation accuracy by weight initialization", xLabel: "epoch",
                  yLabel: "validation accuracy", series: results.map { .init(name: $0.name, perEpoch: $0.history.validationMetric) },
                  yRange: 0...1)
    }

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? Config.quick : Config()
        config.epochs = try options.int("epochs", default: config.epochs)
        let folder = Run.outputFolder(&options, default: "init")
        let data = try ExampleData.digits()
        print(Text.heading("Weight initialization on the digits: zeros vs random normal vs Xavier"))
        print("Dense 64-\(config.hidden)-10 with sigmoid hidden units (biases start at zero), SGD with momentum 0.9, "
              + "learning rate \(Text.number(config.learningRate)), batch \(config.batchSize), \(config.epochs) epochs.")
        let results = train(config, data: data)
        print("\n" + Text.table(["initialization", "final val acc", "test acc", "distinct hidden units", "max spread"],
                                results.map { r in
                                    [r.name, Run.percent(r.history.validationMetric.last ?? .nan), Run.percent(r.testAccuracy),
                                     "\(r.distinctHiddenUnits) of \(config.hidden)", String(format: "%.3g", r.hiddenUnitSpread)]
                                }))
        print("""

        Why zeros fail: with every weight 0, all \(config.hidden) hidden units compute the same value (sigmoid(0) = 0.5)
        for every image, and their outgoing weights are equal too. So backpropagation hands each of them the
        same gradient, every update keeps them equal, and after training they are still identical copies
        ("distinct hidden units: 1"): the layer works like a single unit, which cannot separate ten digits.
        Any random start breaks this symmetry, and then every unit can learn a feature of its own: here
        N(0, 1) and Xavier end within a few points of each other. Xavier draws with a spread scaled to the
        layer's fan-in and fan-out, which matters more as networks get deeper (the signal neither explodes
        nor vanishes from layer to layer); N(0, 1) is only reasonable because this network is shallow.
        """)
        let path = folder + "/init-validation-accuracy.svg"
        try chart(results).write(to: path)
        print("Plot: \(path)")
    }
}

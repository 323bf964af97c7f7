import Autograd
import Foundation
import Layers
import Optim

/// `diagnostics`: makemore part 3's deep tanh MLP on data/names.txt, watched with
/// ``TrainingDiagnostics`` in five settings (the initial gain right, five times too large, too
/// small; with and without BatchNorm1D): per-layer histograms of activations and gradients at
/// initialisation, update-to-data ratios over the steps, and a table of saturation and ratios.
enum DiagnosticsExample {
    struct Config {
        var steps = 2_000
        var batchSize = 32
        /// Record every this many steps.
        var every = 10
        var block = 3
        var dimension = 10
        var hidden = 100
        /// The number of hidden tanh layers.
        var depth = 5
        var learningRate = 0.1
        /// The initial weights (the same draws in every setting, scaled by its gain); batches use `seed + 1`.
        var seed: UInt64 = 42
        var verbose = true
        static let quick = Config(steps: 30, every: 5)
    }

    /// One way of starting the network: the gain g of the hidden weights, drawn N(0, 1)·g/√fan_in,
    /// and whether a BatchNorm1D follows each linear layer.
    struct Setting: Sendable {
        var name: String
        /// The file name part of its plots.
        var slug: String
        var batchNorm: Bool
        var gain: Double
    }

    static let settings = [
        Setting(name: "tanh, gain 5/3 (Kaiming)", slug: "kaiming", batchNorm: false, gain: 5.0 / 3),
        Setting(name: "tanh, gain 5 × 5/3", slug: "large-gain", batchNorm: false, gain: 25.0 / 3),
        Setting(name: "tanh, gain 0.5", slug: "small-gain", batchNorm: false, gain: 0.5),
        Setting(name: "BatchNorm, gain 5/3", slug: "batchnorm", batchNorm: true, gain: 5.0 / 3),
        Setting(name: "BatchNorm, gain 5 × 5/3", slug: "batchnorm-large-gain", batchNorm: true, gain: 25.0 / 3),
    ]

    struct Outcome {
        var setting: Setting
        var records: [DiagnosticsRecord]
        /// The loss of every step's batch.
        var losses: [Double]
        var seconds: Double

        /// The tanh layers at the first recorded step (initialisation), in order.
        var initialTanh: [LayerRecord] { records.first?.layers.filter { $0.kind == .tanh } ?? [] }
        /// The weight matrices' update ratios at the last recorded step that measured them.
        var finalRatios: [UpdateRatio] {
            records.last { !$0.updates.isEmpty }?.updates.filter { $0.shape.count == 2 } ?? []
        }
        /// The mean batch loss over the last tenth of the steps.
        var finalLoss: Double {
            let tail = losses.suffix(Swift.max(losses.count / 10, 1))
            return tail.reduce(0, +) / Double(tail.count)
        }
    }

    /// makemore part 3's network: embedding (27 × 10), flatten, `depth` × (linear 100 [→
    /// BatchNorm1D] → tanh), linear to 27 [→ BatchNorm1D]. The last layer starts small (its
    /// weights, or its BatchNorm's gain, × 0.1) so that the first predictions are nearly uniform.
    static func model(_ setting: Setting, _ config: Config, vocabulary: Int) -> Sequential<Float> {
        var rng = SeededGenerator(seed: config.seed)
        var layers: [any Layer<Float>] = [
            Embedding(weight: Tensor<Float>.randomNormal([vocabulary, config.dimension], using: &rng)), Flatten(),
        ]
        var fanIn = config.block * config.dimension
        for _ in 0..<config.depth {
            let w = Tensor<Float>.randomNormal([fanIn, config.hidden], using: &rng) * Float(setting.gain / Double(fanIn).squareRoot())
            if setting.batchNorm {
                layers += [Dense(weight: w.transposed()), BatchNorm1D(features: config.hidden)]   // no bias: BatchNorm removes it
            } else {
                layers.append(Dense(weight: w.transposed(), bias: Tensor<Float>.zeros([config.hidden])))
            }
            layers.append(Tanh())
            fanIn = config.hidden
        }
        let w = Tensor<Float>.randomNormal([fanIn, vocabulary], using: &rng) / Float(Double(fanIn).squareRoot())
        if setting.batchNorm {
            layers += [Dense(weight: w.transposed()),
                       BatchNorm1D(weight: Tensor<Float>.full([vocabulary], 0.1), bias: Tensor<Float>.zeros([vocabulary]),
                                   runningMean: Tensor<Float>.zeros([vocabulary]), runningVariance: Tensor<Float>.ones([vocabulary]))]
        } else {
            layers.append(Dense(weight: (w * 0.1).transposed(), bias: Tensor<Float>.zeros([vocabulary])))
        }
        return Sequential(layers)
    }

    /// Trains one setting with plain SGD, recording every `config.every` steps.
    static func train(_ setting: Setting, _ config: Config, names: NamesData) -> Outcome {
        let training = names.contexts(names.training, block: config.block)
        let model = model(setting, config, vocabulary: names.vocabulary)
        let sgd = SGD(model, learningRate: config.learningRate)
        let diagnostics = TrainingDiagnostics(model, every: config.every)
        var batches = SeededGenerator(seed: config.seed + 1)
        var losses: [Double] = []
        let start = ContinuousClock.now
        for _ in 0..<config.steps {
            let rows = NamesData.batchIndices(config.batchSize, below: training.next.count, using: &batches)
            let (x, y) = NamesData.batch(rows, of: training)
            let loss = withLearningPhase(.training) { crossEntropy(logits: model(x), labels: y) }
            model.zeroGrad()
            loss.backward()
            diagnostics.step(sgd)                  // instead of sgd.step(): the update ratios too
            losses.append(Double(loss.scalar))
        }
        diagnostics.detach()
        return Outcome(setting: setting, records: diagnostics.records, losses: losses, seconds: Run.seconds(since: start))
    }

    static func list(_ values: [Double], _ format: String) -> String {
        values.map { String(format: format, $0) }.joined(separator: " ")
    }

    /// Writes the three plots of each setting into `folder` and returns their paths.
    static func writePlots(_ outcomes: [Outcome], folder: String) throws -> [String] {
        var paths: [String] = []
        for outcome in outcomes {
            guard let first = outcome.records.first else { continue }
            let base = folder + "/diagnostics-" + outcome.setting.slug
            try DiagnosticsCharts.activations(first, title: "\(outcome.setting.name): activations at step \(first.step)")
                .write(to: base + "-activations.svg")
            try DiagnosticsCharts.gradients(first, title: "\(outcome.setting.name): gradients at step \(first.step)")
                .write(to: base + "-gradients.svg")
            try DiagnosticsCharts.updateRatios(outcome.records, title: "\(outcome.setting.name): update / data ratio of each weight")
                .write(to: base + "-update-ratios.svg")
            paths += [base + "-activations.svg", base + "-gradients.svg", base + "-update-ratios.svg"]
        }
        return paths
    }

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? Config.quick : Config()
        config.steps = try options.int("steps", default: config.steps)
        config.every = try options.int("every", default: config.every)
        guard config.steps > 0, config.every > 0 else { throw UsageError(message: "--steps and --every must be positive") }
        let folder = Run.outputFolder(&options, default: "diagnostics")
        try run(config, names: try NamesData(seed: config.seed), folder: folder)
    }

    @discardableResult
    static func run(_ config: Config, names: NamesData, folder: String) throws -> [Outcome] {
        print(Text.heading("Watching a network train: makemore part 3's diagnostics on data/names.txt"))
        print("Embedding \(names.vocabulary)×\(config.dimension) of \(config.block) characters → \(config.depth) × "
              + "(linear \(config.hidden) [→ BatchNorm1D] → tanh) → linear \(names.vocabulary); SGD, learning rate "
              + "\(Text.number(config.learningRate)), batch \(config.batchSize), \(config.steps) steps, recorded every "
              + "\(config.every). Hidden weights N(0, 1)·gain/√fan_in, the same draws in every setting.")
        var outcomes: [Outcome] = []
        for setting in settings {
            let outcome = train(setting, config, names: names)
            if config.verbose {
                print(String(format: "%@: loss %.4f at step 0, %.4f over the last tenth of the steps (%.1f s)",
                             setting.name, outcome.losses.first ?? .nan, outcome.finalLoss, outcome.seconds))
            }
            outcomes.append(outcome)
        }
        let layers = outcomes.first?.initialTanh.count ?? config.depth
        print("\nThe \(layers) tanh layers at step 0 (initialisation), first to last:")
        print(Text.table(["setting", "saturated |t| > 0.97 (%)", "std of t", "std of ∂L/∂t (×10⁻³)"], outcomes.map { o in
            [o.setting.name, list(o.initialTanh.map { 100 * ($0.saturation ?? .nan) }, "%4.1f"),
             list(o.initialTanh.map(\.activations.standardDeviation), "%.2f"),
             list(o.initialTanh.map { 1000 * ($0.gradients?.standardDeviation ?? .nan) }, "%.2f")]
        }))
        let last = outcomes.first?.records.last { !$0.updates.isEmpty }?.step ?? 0
        print("\nlog₁₀(std(update) / std(weight)) at step \(last), embedding then linear layers 1–\(config.depth + 1) "
              + "(−3: updates a thousandth of the weights' spread):")
        print(Text.table(["setting", "update ratio (log₁₀)", "loss, last tenth"], outcomes.map { o in
            [o.setting.name, list(o.finalRatios.map(\.log10Ratio), "%5.2f"), String(format: "%.4f", o.finalLoss)]
        }))
        let paths = try writePlots(outcomes, folder: folder)
        print("\n\(paths.count) plots (activations and gradients at step 0, update ratios over the steps) in "
              + URL(fileURLWithPath: folder).standardizedFileURL.path)
        return outcomes
    }
}

import Autograd
import Foundation
import Layers
import Optim

extension Models {
    /// ``nextTokenLoss(logits:targets:)`` over the positions where `mask` is 1 only: the mean
    /// cross-entropy of the characters of the names, not of the padding after them.
    static func nextTokenLoss(logits: Tensor<Float>, targets: Tensor<Float>, mask: Tensor<Float>) -> Tensor<Float> {
        let perPosition = crossEntropy(logits: logits.reshaped([-1, logits.shape[2]]), labels: targets.reshaped([-1]),
                                       reduction: .none)
        let weights = mask.reshaped([-1])
        return (perPosition * weights).sum() / weights.sum()
    }
}

/// Training a model that reads whole names at once (`gpt`, `lstm`, `gru`) on data/names.txt:
/// each name one sequence ". n a m e" → "n a m e .", shuffled mini-batches cut to their longest
/// name, Adam, the loss of the names' characters only (padding masked out), a dev loss after
/// every epoch — the same quantity as `makemore`'s dev loss (the mean −log p of each character
/// and each name's end, given the name so far) — and names sampled at the end.
enum CharacterModelTraining {
    struct Config {
        var epochs = 20
        var batchSize = 32
        var learningRate = 3e-3
        /// The window: the longest name (11 letters) and its end fit in 16.
        var context = 16
        var seed: UInt64 = 42
        var samples = 10
        /// Train on the first `limit` training names only, and measure the dev loss on the first
        /// `developmentLimit` dev names only (nil: all), for quick runs.
        var limit: Int? = nil
        var developmentLimit: Int? = nil
        var verbose = true
    }

    struct Outcome {
        /// The dev loss of the initial weights (about ln 27 = 3.30 for a uniform guess).
        var initialDevelopmentLoss = 0.0
        var trainingLoss: [Double] = []
        var developmentLoss: [Double] = []
        var samples: [String] = []
        var parameterCount = 0
        var seconds = 0.0
        var stepsPerEpoch = 0

        var bestEpoch: Int { developmentLoss.indices.min { developmentLoss[$0] < developmentLoss[$1] } ?? 0 }
    }

    /// The sequences of `names` with their mask, and each sequence's length (inputs up to its end).
    struct Sequences {
        let inputs: Tensor<Float>, targets: Tensor<Float>, mask: Tensor<Float>
        let lengths: [Int]
        var count: Int { lengths.count }

        init(_ data: NamesData, _ names: [String], context: Int) {
            (inputs, targets, mask) = data.sequences(names, length: context)
            lengths = mask.rows.map { Int($0.reduce(0, +)) }
        }

        /// The rows `rows`, cut to the longest of them (the positions after it are all padding).
        func batch(_ rows: [Int]) -> (inputs: Tensor<Float>, targets: Tensor<Float>, mask: Tensor<Float>) {
            let width = rows.map { lengths[$0] }.max() ?? 1, full = inputs.shape[1]
            func pick(_ t: Tensor<Float>) -> Tensor<Float> {
                let s = t.scalars
                return Tensor(rows.flatMap { r in s[(r * full)..<(r * full + width)] }, shape: [rows.count, width])
            }
            return (pick(inputs), pick(targets), pick(mask))
        }
    }

    /// The masked mean loss of `model` on every sequence, in inference mode, in batches.
    static func loss<M: Layer>(_ model: M, on data: Sequences, batchSize: Int = 512) -> Double where M.Scalar == Float {
        withInference {
            var total = 0.0, count = 0.0
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let b = data.batch(Array(start..<min(start + batchSize, data.count)))
                let weight = Double(b.mask.sum().scalar)
                total += Double(Models.nextTokenLoss(logits: model(b.inputs), targets: b.targets, mask: b.mask).scalar) * weight
                count += weight
            }
            return total / max(count, 1)
        }
    }

    /// A name drawn from the model one character at a time, feeding it what it has drawn so far.
    static func sample<M: Layer>(_ model: M, context: Int, names: NamesData, using generator: inout SeededGenerator) -> String
        where M.Scalar == Float {
        var sequence = [NamesData.boundary]
        while sequence.count < context {
            let logits = withInference { model(Tensor(sequence.map(Float.init), shape: [1, sequence.count])) }
            let last = logits.slice(axis: 1, (sequence.count - 1)..<sequence.count).reshaped([1, -1])
            let next = NamesData.sample(last.softmax(axis: 1).scalars, using: &generator)
            if next == NamesData.boundary { break }
            sequence.append(next)
        }
        return names.text(Array(sequence.dropFirst()))
    }

    static func train<M: Layer>(_ model: M, config: Config, names: NamesData) -> Outcome where M.Scalar == Float {
        let trainingNames = config.limit.map { Array(names.training.prefix($0)) } ?? names.training
        let training = Sequences(names, trainingNames, context: config.context)
        let developmentNames = config.developmentLimit.map { Array(names.development.prefix($0)) } ?? names.development
        let development = Sequences(names, developmentNames, context: config.context)
        var outcome = Outcome(parameterCount: model.parameterCount)
        outcome.initialDevelopmentLoss = loss(model, on: development)
        if config.verbose {
            print(String(format: "before training: dev loss %.4f (ln %d = %.4f: every character equally likely)",
                         outcome.initialDevelopmentLoss, names.vocabulary, Foundation.log(Double(names.vocabulary))))
        }
        outcome.stepsPerEpoch = (training.count + config.batchSize - 1) / config.batchSize
        let adam = Adam(model, learningRate: config.learningRate)
        let start = ContinuousClock.now
        for epoch in 0..<config.epochs {
            let order = shuffledIndices(training.count, seed: config.seed &+ UInt64(epoch) &+ 1)
            var total = 0.0, weight = 0.0
            for first in stride(from: 0, to: order.count, by: config.batchSize) {
                let b = training.batch(Array(order[first..<min(first + config.batchSize, order.count)]))
                let loss = withLearningPhase(.training) {
                    Models.nextTokenLoss(logits: model(b.inputs), targets: b.targets, mask: b.mask)
                }
                model.zeroGrad()
                loss.backward()
                adam.step()
                let w = Double(b.mask.sum().scalar)
                total += Double(loss.scalar) * w
                weight += w
            }
            outcome.trainingLoss.append(total / weight)
            outcome.developmentLoss.append(loss(model, on: development))
            if config.verbose {
                print(String(format: "epoch %2d/%d: train loss %.4f, dev loss %.4f  (%.1f s)", epoch + 1, config.epochs,
                             outcome.trainingLoss[epoch], outcome.developmentLoss[epoch], Run.seconds(since: start)))
            }
        }
        outcome.seconds = Run.seconds(since: start)
        var generator = SeededGenerator(seed: config.seed + 2)
        outcome.samples = (0..<config.samples).map { _ in sample(model, context: config.context, names: names, using: &generator) }
        return outcome
    }

    /// Reads the options every sequence-model example shares over `defaults` (and `quick`).
    static func config(_ options: inout Options, defaults: Config, quick: Config) throws -> Config {
        var config = options.flag("quick") ? quick : defaults
        config.epochs = try options.int("epochs", default: config.epochs)
        config.seed = UInt64(try options.int("seed", default: Int(config.seed)))
        config.samples = try options.int("samples", default: config.samples)
        config.learningRate = try Run.parseDouble(&options, "lr", default: config.learningRate)
        guard config.epochs > 0, config.samples >= 0, config.learningRate > 0 else {
            throw UsageError(message: "--epochs and --lr must be positive and --samples not negative")
        }
        return config
    }

    static let optionNames = ["quick", "epochs", "seed", "samples", "lr"]

    /// Trains and prints: the configuration, a line per epoch, the final losses and the samples.
    @discardableResult
    static func run<M: Layer>(_ title: String, model: M, config: Config, names: NamesData) -> Outcome where M.Scalar == Float {
        print(Text.heading("\(title) on data/names.txt"))
        let trainingCount = config.limit.map { min($0, names.training.count) } ?? names.training.count
        let developmentCount = config.developmentLimit.map { min($0, names.development.count) } ?? names.development.count
        print("\(names.names.count) names split 80/10/10 with seed \(config.seed) (as makemore): \(trainingCount) training "
              + "names\(config.limit == nil ? "" : " (--quick: the first \(trainingCount))"), \(developmentCount) dev names"
              + "\(config.developmentLimit == nil ? "" : " (--quick: the first \(developmentCount))"); "
              + "each name one sequence of up to \(config.context) characters, its padding masked out of the loss.")
        print("\(model.parameterCount) parameters; Adam, learning rate \(Text.number(config.learningRate)), batch "
              + "\(config.batchSize), \(config.epochs) epochs.")
        let outcome = train(model, config: config, names: names)
        let best = outcome.bestEpoch
        print(String(format: "final: train loss %.4f, dev loss %.4f (best dev loss %.4f at epoch %d); %d steps an epoch, "
                     + "trained in %.1f s", outcome.trainingLoss.last ?? .nan, outcome.developmentLoss.last ?? .nan,
                     outcome.developmentLoss[best], best + 1, outcome.stepsPerEpoch, outcome.seconds))
        let known = Set(names.names)
        print("\(outcome.samples.count) names sampled from the model (seed \(config.seed + 2)):")
        for name in outcome.samples {
            print("  \(name.isEmpty ? "(empty)" : name)\(known.contains(name) ? "  (in data/names.txt)" : "")")
        }
        return outcome
    }
}

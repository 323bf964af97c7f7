import Autograd
import Foundation
import Layers
import Optim

extension Models {
    /// The MLP character-level language model of Bengio et al. (2003) as makemore builds it:
    /// the last `block` characters' embeddings, concatenated → linear (no bias: batch norm
    /// follows) → BatchNorm1D → tanh → linear → logits of the next character.
    ///
    /// Initial weights as makemore's (part 3): a standard normal embedding table, the hidden
    /// weights scaled by tanh's gain 5/3 over √fan-in, the output weights by 0.01 and its bias
    /// zero (so the first loss is close to ln 27, every character equally likely), batch norm's
    /// gain 1 and bias 0. All draws are standard normals from one ``SeededGenerator``, in the
    /// order table, hidden, output weights, output bias (scripts/makemore_torch.py draws the same).
    struct MLPLanguageModel: Layer {
        let embedding: Embedding<Float>
        let hidden: Dense<Float>
        let norm: BatchNorm1D<Float>
        let output: Dense<Float>

        init(vocabulary: Int, block: Int = 3, dimension: Int = 10, hiddenUnits: Int = 200, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            let fanIn = block * dimension
            let table = Tensor<Float>.randomNormal([vocabulary, dimension], using: &rng)
            let w1 = Tensor<Float>.randomNormal([fanIn, hiddenUnits], using: &rng) * Float((5.0 / 3) / Double(fanIn).squareRoot())
            let w2 = Tensor<Float>.randomNormal([hiddenUnits, vocabulary], using: &rng) * Float(0.01)
            let b2 = Tensor<Float>.randomNormal([vocabulary], using: &rng) * Float(0)
            embedding = Embedding(weight: table)
            hidden = Dense(weight: w1.transposed())   // drawn [in, out] as in makemore; Dense is [out, in]
            norm = BatchNorm1D(features: hiddenUnits)
            output = Dense(weight: w2.transposed(), bias: b2)
        }

        /// Logits [batch, vocabulary] of contexts [batch, block] (token indices).
        func callAsFunction(_ contexts: Tensor<Float>) -> Tensor<Float> {
            let concatenated = embedding(contexts).reshaped([contexts.shape[0], -1])     // [batch, block·dimension]
            return output(norm(hidden(concatenated)).tanh())
        }
    }
}

/// `makemore`: the MLP language model on data/names.txt — training and development losses, and
/// ten new names sampled from it.
enum MakemoreExample {
    struct Config {
        var steps = 30_000
        var batchSize = 32
        var block = 3
        var dimension = 10
        var hiddenUnits = 200
        /// The seed of the split and the initial weights; batches use `seed + 1`, sampling `seed + 2`.
        var seed: UInt64 = 42
        var samples = 10
        /// Evaluate the training loss on the first this many training examples only (nil: all
        /// of them), to keep `--quick` quick in debug builds.
        var trainingEvaluationLimit: Int? = nil
        /// The same for the dev loss (nil: every dev example).
        var developmentEvaluationLimit: Int? = nil
        /// Evaluate in batches of this many examples (nil: all at once).
        var evaluationBatch: Int? = nil
        var verbose = true

        static let quick = Config(steps: 150, trainingEvaluationLimit: 4_000)
    }

    struct Outcome {
        /// (step, loss of that step's batch) at every report.
        var stepLosses: [(step: Int, loss: Double)] = []
        var trainingLoss = 0.0, developmentLoss = 0.0
        var samples: [String] = []
        var parameterCount = 0
        var seconds = 0.0
        var examples: (training: Int, development: Int, test: Int) = (0, 0, 0)
    }

    /// The learning rate of `step`: 0.1 for the first half of the run, 0.01 after.
    static func learningRate(steps: Int) -> StepDecay {
        StepDecay(initial: 0.1, stepSize: max(steps / 2, 1), factor: 0.1)
    }

    /// The mean cross-entropy of `model` on every example of `data`, in inference mode (batch
    /// norm's running statistics).
    static func loss<M: Layer>(_ model: M, on data: (contexts: Tensor<Float>, next: Tensor<Float>), batch: Int? = nil) -> Double
        where M.Scalar == Float {
        let count = data.next.count, size = batch ?? count
        guard size < count else {
            return withInference { Double(crossEntropy(logits: model(data.contexts), labels: data.next).scalar) }
        }
        // In batches (the mean weighted by their sizes), so that a wide model's activations fit.
        var total = 0.0
        for start in stride(from: 0, to: count, by: size) {
            let range = start..<min(start + size, count)
            let x = data.contexts.slice(axis: 0, range), y = data.next.slice(axis: 0, range)
            total += withInference { Double(crossEntropy(logits: model(x), labels: y).scalar) } * Double(range.count)
        }
        return total / Double(count)
    }

    /// A name drawn one character at a time from the model (inference mode) until it draws '.'.
    static func sample<M: Layer>(_ model: M, block: Int, names: NamesData, using generator: inout SeededGenerator) -> String
        where M.Scalar == Float {
        var context = [Int](repeating: NamesData.boundary, count: block), tokens: [Int] = []
        while tokens.count < 40 {
            let logits = withInference { model(Tensor(context.map(Float.init), shape: [1, block])) }
            let next = NamesData.sample(logits.softmax(axis: 1).scalars, using: &generator)
            if next == NamesData.boundary { break }
            tokens.append(next)
            context = Array(context.dropFirst()) + [next]
        }
        return names.text(tokens)
    }

    /// Trains `model` (a next-character model of `config.block` characters of context) with
    /// SGD on batches drawn with `seed + 1`, then measures it and samples names with `seed + 2`.
    static func train<M: Layer>(_ model: M, _ config: Config, names: NamesData) -> Outcome where M.Scalar == Float {
        let training = names.contexts(names.training, block: config.block)
        let development = names.contexts(names.development, block: config.block)
        var outcome = Outcome(parameterCount: model.parameterCount)
        outcome.examples = (training.next.count, development.next.count,
                            names.contexts(names.test, block: config.block).next.count)
        let sgd = SGD(model, learningRate: learningRate(steps: config.steps))
        var batches = SeededGenerator(seed: config.seed + 1)
        let report = max(config.steps / 10, 1)
        let start = ContinuousClock.now
        for step in 0..<config.steps {
            let rows = NamesData.batchIndices(config.batchSize, below: training.next.count, using: &batches)
            let (x, y) = NamesData.batch(rows, of: training)
            let loss = withLearningPhase(.training) { crossEntropy(logits: model(x), labels: y) }
            model.zeroGrad()
            loss.backward()
            sgd.step()
            if step % report == 0 || step == config.steps - 1 {
                outcome.stepLosses.append((step, Double(loss.scalar)))
                if config.verbose {
                    print(String(format: "step %6d/%d: loss %.4f", step, config.steps, Double(loss.scalar)))
                }
            }
        }
        outcome.seconds = Run.seconds(since: start)
        let evaluated = min(config.trainingEvaluationLimit ?? training.next.count, training.next.count)
        outcome.trainingLoss = loss(model, on: (training.contexts.slice(axis: 0, 0..<evaluated),
                                                training.next.slice(axis: 0, 0..<evaluated)), batch: config.evaluationBatch)
        let evaluatedDevelopment = min(config.developmentEvaluationLimit ?? development.next.count, development.next.count)
        outcome.developmentLoss = loss(model, on: (development.contexts.slice(axis: 0, 0..<evaluatedDevelopment),
                                                   development.next.slice(axis: 0, 0..<evaluatedDevelopment)),
                                       batch: config.evaluationBatch)
        var generator = SeededGenerator(seed: config.seed + 2)
        outcome.samples = (0..<config.samples).map { _ in sample(model, block: config.block, names: names, using: &generator) }
        return outcome
    }

    static func config(_ options: inout Options) throws -> Config {
        var config = options.flag("quick") ? Config.quick : Config()
        config.steps = try options.int("steps", default: config.steps)
        config.seed = UInt64(try options.int("seed", default: Int(config.seed)))
        config.samples = try options.int("samples", default: config.samples)
        guard config.steps > 0, config.samples >= 0 else { throw UsageError(message: "--steps must be positive and --samples not negative") }
        return config
    }

    static func run(_ options: inout Options) throws {
        let config = try config(&options)
        let names = try NamesData(seed: config.seed)
        try run(config, names: names)
    }

    @discardableResult
    static func run(_ config: Config, names: NamesData) throws -> Outcome {
        let model = Models.MLPLanguageModel(vocabulary: names.vocabulary, block: config.block, dimension: config.dimension,
                                            hiddenUnits: config.hiddenUnits, seed: config.seed)
        return report("makemore: an MLP language model (block size \(config.block), embedding \(config.dimension), "
                      + "hidden \(config.hiddenUnits), BatchNorm1D, tanh)", model: model, config: config, names: names)
    }

    /// Prints the data, trains `model`, prints its losses and samples.
    @discardableResult
    static func report<M: Layer>(_ title: String, model: M, config: Config, names: NamesData) -> Outcome where M.Scalar == Float {
        print(Text.heading(title + " on data/names.txt"))
        let examples = (names.contexts(names.training, block: config.block).next.count,
                        names.contexts(names.development, block: config.block).next.count,
                        names.contexts(names.test, block: config.block).next.count)
        print("\(names.names.count) names, \(names.vocabulary) characters; split 80/10/10 with seed \(config.seed): "
              + "\(names.training.count) / \(names.development.count) / \(names.test.count) names, "
              + "\(examples.0) / \(examples.1) / \(examples.2) examples")
        print("\(model.parameterCount) parameters; SGD, batch \(config.batchSize), \(config.steps) steps, learning rate 0.1 "
              + "then 0.01 from step \(max(config.steps / 2, 1)); a first loss near ln \(names.vocabulary) = "
              + String(format: "%.4f", Foundation.log(Double(names.vocabulary))) + " means every character starts equally likely")
        let outcome = train(model, config, names: names)
        let sampled = config.trainingEvaluationLimit.map { $0 < examples.0 ? " on the first \($0) training examples" : "" } ?? ""
        let sampledDevelopment = config.developmentEvaluationLimit.map { $0 < examples.1 ? " on the first \($0) dev examples" : "" } ?? ""
        print(String(format: "train loss %.6f%@, dev loss %.6f%@ (BatchNorm's running statistics), trained in %.1f s",
                     outcome.trainingLoss, sampled, outcome.developmentLoss, sampledDevelopment, outcome.seconds))
        let known = Set(names.names)
        print("\(outcome.samples.count) names sampled from the model (seed \(config.seed + 2)):")
        for name in outcome.samples {
            print("  \(name.isEmpty ? "(empty)" : name)\(known.contains(name) ? "  (in data/names.txt)" : "")")
        }
        return outcome
    }
}

import Autograd
import Foundation
import Layers

extension Models {
    /// A WaveNet-style next-character model: the embeddings of the last 8 characters, then a
    /// stack of dilated causal convolutions of kernel 2 — dilation 1, 2, 4, each followed by
    /// batch norm and tanh — whose receptive field is exactly those 8 characters, then a linear
    /// layer to the logits. The first layer combines neighbouring characters, the second
    /// neighbouring pairs, the third neighbouring quadruples: makemore's "WaveNet" (part 5), as
    /// the convolutions it computes (one output position per context).
    ///
    /// Convolutions have no bias (batch norm follows); they start as `Conv1D`'s default
    /// (Xavier-uniform), the output layer's weights are scaled by 0.1 so the first loss is near
    /// ln 27.
    struct WaveNetLanguageModel: Layer {
        let embedding: Embedding<Float>
        let conv1: Conv1D<Float>
        let norm1: BatchNorm1D<Float>
        let conv2: Conv1D<Float>
        let norm2: BatchNorm1D<Float>
        let conv3: Conv1D<Float>
        let norm3: BatchNorm1D<Float>
        let output: Dense<Float>

        init(vocabulary: Int, dimension: Int = 24, channels: Int = 128, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            embedding = Embedding(count: vocabulary, dimension: dimension, using: &rng)
            conv1 = Conv1D(inChannels: dimension, outChannels: channels, kernel: 2, dilation: 1, useBias: false, using: &rng)
            conv2 = Conv1D(inChannels: channels, outChannels: channels, kernel: 2, dilation: 2, useBias: false, using: &rng)
            conv3 = Conv1D(inChannels: channels, outChannels: channels, kernel: 2, dilation: 4, useBias: false, using: &rng)
            norm1 = BatchNorm1D(features: channels)
            norm2 = BatchNorm1D(features: channels)
            norm3 = BatchNorm1D(features: channels)
            let head = Dense<Float>(inputs: channels, outputs: vocabulary, using: &rng)
            output = Dense(weight: head.weight.value * Float(0.1), bias: Tensor.zeros([vocabulary]))
        }

        /// Logits [batch, vocabulary] of contexts [batch, 8] (token indices, oldest first).
        func callAsFunction(_ contexts: Tensor<Float>) -> Tensor<Float> {
            var h = embedding(contexts).permuted([0, 2, 1])       // [batch, dimension, 8]: channels first
            h = norm1(conv1(h)).tanh()                            // [batch, 128, 7]: pairs
            h = norm2(conv2(h)).tanh()                            // [batch, 128, 5]: pairs of pairs
            h = norm3(conv3(h)).tanh()                            // [batch, 128, 1]: all 8 characters
            return output(h.reshaped([contexts.shape[0], -1]))
        }
    }
}

/// `wavenet`: the dilated causal convolution stack on data/names.txt, trained as `makemore` is
/// (same split, SGD, batch 32, learning rate 0.1 then 0.01) with 8 characters of context.
enum WaveNetExample {
    static let defaults = MakemoreExample.Config(steps: 10_000, block: 8, dimension: 24, hiddenUnits: 128, evaluationBatch: 4_096)
    /// --quick: 32 channels instead of 128 (the convolutions' products dominate a debug build's
    /// time), 40 steps, losses measured on 1,000 examples each.
    static let quick = MakemoreExample.Config(steps: 40, block: 8, dimension: 24, hiddenUnits: 32,
                                              trainingEvaluationLimit: 1_000, developmentEvaluationLimit: 1_000)

    static func run(_ options: inout Options) throws {
        var config = options.flag("quick") ? quick : defaults
        config.steps = try options.int("steps", default: config.steps)
        config.seed = UInt64(try options.int("seed", default: Int(config.seed)))
        config.samples = try options.int("samples", default: config.samples)
        guard config.steps > 0, config.samples >= 0 else { throw UsageError(message: "--steps must be positive and --samples not negative") }
        let names = try NamesData(seed: config.seed)
        let model = Models.WaveNetLanguageModel(vocabulary: names.vocabulary, dimension: config.dimension,
                                                channels: config.hiddenUnits, seed: config.seed)
        MakemoreExample.report("wavenet: dilated causal convolutions (kernel 2, dilations 1, 2, 4; 8 characters of context, "
                               + "embedding \(config.dimension), \(config.hiddenUnits) channels, BatchNorm1D, tanh)",
                               model: model, config: config, names: names)
    }
}

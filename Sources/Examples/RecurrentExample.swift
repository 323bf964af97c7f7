import Autograd
import Foundation
import Layers

extension Models {
    /// A character-level GRU model (the `gru` configuration): embedding → ``GRU`` (batch-first,
    /// `layers` deep) → logits over the vocabulary at every step, as ``CharacterLSTM`` with a GRU.
    struct CharacterGRU: Layer {
        let tokens: Embedding<Float>
        let gru: GRU<Float>
        let head: Dense<Float>

        init(vocabulary: Int, dimension: Int = 64, hidden: Int = 128, layers: Int = 1, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            tokens = Embedding(count: vocabulary, dimension: dimension, using: &rng)
            gru = GRU(inputSize: dimension, hiddenSize: hidden, layers: layers, using: &rng)
            head = Dense(inputs: hidden, outputs: vocabulary, using: &rng)
        }

        func callAsFunction(_ indices: Tensor<Float>) -> Tensor<Float> {
            head(gru(tokens(indices)))
        }
    }
}

/// `lstm` and `gru`: the same task with a recurrent network (embedding 64, one layer of 128).
enum RecurrentExample {
    /// 8 epochs: the dev loss is near its lowest there (LSTM 1.8688, GRU 1.8769) and rises a few epochs later.
    static let defaults = CharacterModelTraining.Config(epochs: 8, learningRate: 3e-3)
    static let quick = CharacterModelTraining.Config(epochs: 1, learningRate: 3e-3, limit: 96, developmentLimit: 64)

    static func runLSTM(_ options: inout Options) throws {
        let config = try CharacterModelTraining.config(&options, defaults: defaults, quick: quick)
        let names = try NamesData(seed: config.seed)
        CharacterModelTraining.run("lstm: a character-level LSTM (embedding 64, one layer of 128 units)",
                                   model: Models.CharacterLSTM(vocabulary: names.vocabulary, dimension: 64, hidden: 128, seed: config.seed),
                                   config: config, names: names)
    }

    static func runGRU(_ options: inout Options) throws {
        let config = try CharacterModelTraining.config(&options, defaults: defaults, quick: quick)
        let names = try NamesData(seed: config.seed)
        CharacterModelTraining.run("gru: a character-level GRU (embedding 64, one layer of 128 units)",
                                   model: Models.CharacterGRU(vocabulary: names.vocabulary, dimension: 64, hidden: 128, seed: config.seed),
                                   config: config, names: names)
    }
}

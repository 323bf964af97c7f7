import Autograd
import Foundation
import Layers

/// `gpt`: a character-level transformer (2 pre-norm blocks of 4 heads, embedding 64, context 16).
enum GPTExample {
    /// 12 epochs: the dev loss is lowest there (1.9486) and rises after (overfitting: 4,130 names).
    static let defaults = CharacterModelTraining.Config(epochs: 12, learningRate: 1e-3)
    static let quick = CharacterModelTraining.Config(epochs: 1, learningRate: 1e-3, limit: 96, developmentLimit: 64)

    static func model(vocabulary: Int, config: CharacterModelTraining.Config) -> Models.CharacterGPT {
        Models.CharacterGPT(vocabulary: vocabulary, context: config.context, dimension: 64, heads: 4, layers: 2, seed: config.seed)
    }

    static func run(_ options: inout Options) throws {
        let config = try CharacterModelTraining.config(&options, defaults: defaults, quick: quick)
        let names = try NamesData(seed: config.seed)
        CharacterModelTraining.run("gpt: a character-level transformer (2 layers, 4 heads, embedding 64, context 16)",
                                   model: model(vocabulary: names.vocabulary, config: config), config: config, names: names)
    }
}

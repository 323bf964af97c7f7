import Autograd
import Layers

extension Models {
    /// A character-level transformer (the `gpt` configuration: 2 pre-norm blocks of 4 heads,
    /// embedding 64, context 16): token and position embeddings → causal ``TransformerBlock``s →
    /// LayerNorm → logits over the vocabulary. Input: indices [batch, time ≤ context]; output:
    /// logits [batch, time, vocabulary].
    struct CharacterGPT: Layer {
        let tokens: Embedding<Float>
        let positions: Embedding<Float>
        let blocks: [TransformerBlock<Float>]
        let norm: LayerNorm<Float>
        let head: Dense<Float>

        init(vocabulary: Int, context: Int = 16, dimension: Int = 64, heads: Int = 4, layers: Int = 2,
             dropout: Double = 0, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            tokens = Embedding(count: vocabulary, dimension: dimension, using: &rng)
            positions = Embedding(count: context, dimension: dimension, using: &rng)
            blocks = (0..<layers).map { _ in TransformerBlock(dimension: dimension, heads: heads, dropout: dropout, using: &rng) }
            norm = LayerNorm(normalizedShape: [dimension])
            head = Dense(inputs: dimension, outputs: vocabulary, using: &rng)
        }

        func callAsFunction(_ indices: Tensor<Float>) -> Tensor<Float> {
            var h = tokens(indices) + positions(Tensor.arange(0, Float(indices.shape[1])))
            for block in blocks { h = block(h, causal: true) }
            return head(norm(h))
        }
    }

    /// A character-level recurrent model (the `lstm` configuration): embedding → ``LSTM``
    /// (batch-first, `layers` deep) → logits over the vocabulary at every step. Input: indices
    /// [batch, time]; output: logits [batch, time, vocabulary].
    struct CharacterLSTM: Layer {
        let tokens: Embedding<Float>
        let lstm: LSTM<Float>
        let head: Dense<Float>

        init(vocabulary: Int, dimension: Int = 64, hidden: Int = 128, layers: Int = 1, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            tokens = Embedding(count: vocabulary, dimension: dimension, using: &rng)
            lstm = LSTM(inputSize: dimension, hiddenSize: hidden, layers: layers, using: &rng)
            head = Dense(inputs: hidden, outputs: vocabulary, using: &rng)
        }

        func callAsFunction(_ indices: Tensor<Float>) -> Tensor<Float> {
            head(lstm(tokens(indices)))
        }
    }

    /// The mean cross-entropy of next-token logits [batch, time, vocabulary] against target
    /// indices [batch, time].
    static func nextTokenLoss(logits: Tensor<Float>, targets: Tensor<Float>) -> Tensor<Float> {
        crossEntropy(logits: logits.reshaped([-1, logits.shape[2]]), labels: targets.reshaped([-1]))
    }
}

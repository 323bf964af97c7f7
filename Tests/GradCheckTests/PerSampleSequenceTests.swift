import XCTest
import Layers

/// Per-sample gradients of the recurrent layers and of attention in one batched pass (the steps'
/// and projections' output gradients from one backward through time, then per-example sums of
/// outer products), equal in Double to each example alone through forward and backward: every
/// recurrent kind, several layers, both directions, both layouts, non-square shapes; attention
/// with every kind of mask, cross-attention, transformer blocks pre- and post-norm; models of
/// your own made of built-in layers; tied weights caught and sent to the loop.
final class PerSampleSequenceTests: XCTestCase {
    typealias Loss = PerSampleGradientTests.Loss
    let squaredLoss = PerSampleGradientTests.squaredLoss
    let crossEntropyLoss = PerSampleGradientTests.crossEntropyLoss

    /// [batch, time, features] ⇄ [time, batch, features], for a layer with batchFirst: false
    /// inside a model whose inputs are batch-first (the per-sample gradients' batch is axis 0).
    struct SwapBatchAndTime: Layer {
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x.permuted([1, 0, 2]) }
    }

    func recurrentLayer(_ kind: String, inputSize: Int, hiddenSize: Int, layers: Int, bidirectional: Bool,
                        batchFirst: Bool, useBias: Bool, seed: UInt64) -> any Layer<Double> {
        switch kind {
        case "RNN": return RNN<Double>(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, useBias: useBias,
                                       batchFirst: batchFirst, bidirectional: bidirectional, seed: seed)
        case "RNN relu": return RNN<Double>(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, nonlinearity: .relu,
                                            useBias: useBias, batchFirst: batchFirst, bidirectional: bidirectional, seed: seed)
        case "GRU": return GRU<Double>(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, useBias: useBias,
                                       batchFirst: batchFirst, bidirectional: bidirectional, seed: seed)
        default: return LSTM<Double>(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, useBias: useBias,
                                     batchFirst: batchFirst, bidirectional: bidirectional, seed: seed)
        }
    }

    func testEveryRecurrentLayerIsVectorizedAndEqualsTheLoopInEveryConfiguration() {
        // (layers, bidirectional, batchFirst, useBias): non-square weights throughout (input 3, hidden 5).
        let configurations: [(Int, Bool, Bool, Bool)] = [
            (1, false, true, true), (2, true, true, true), (2, false, false, true), (1, true, false, false),
        ]
        var seed: UInt64 = 1
        for kind in ["RNN", "RNN relu", "GRU", "LSTM"] {
            for (layers, bidirectional, batchFirst, useBias) in configurations {
                seed += 10
                let recurrent = recurrentLayer(kind, inputSize: 3, hiddenSize: 5, layers: layers, bidirectional: bidirectional,
                                               batchFirst: batchFirst, useBias: useBias, seed: seed)
                let width = (bidirectional ? 2 : 1) * 5
                let model = Sequential<Double> {
                    if !batchFirst { SwapBatchAndTime() }
                    recurrent
                    if !batchFirst { SwapBatchAndTime() }
                    Dense(inputs: width, outputs: 2, seed: seed + 1)
                }
                let x = Tensor<Double>.randomNormal([4, 6, 3], seed: seed + 2)
                let y = Tensor<Double>.randomNormal([4, 6, 2], seed: seed + 3)
                let name = "\(kind), \(layers) layers\(bidirectional ? ", bidirectional" : "")"
                    + "\(batchFirst ? "" : ", time-major")\(useBias ? "" : ", no bias")"
                let perSample = assertMatchesLoop(model, x, y, squaredLoss, expecting: .vectorized, name)
                // The hidden-to-hidden weights have gradients beyond the first step's (not all zero).
                let hh = perSample.gradients.first { $0.name.hasSuffix("weight_hh_l0") }?.gradient
                XCTAssertGreaterThan(hh?.abs().max().scalar ?? 0, 1e-3, "\(name): weight_hh_l0")
            }
        }
    }

    /// A cell unrolled by hand in a model of your own, on the last step only: the cell's rule
    /// is applied per call, and the model's own forward is checked against the batch's gradient.
    struct UnrolledGRU: Layer {
        let cell = GRUCell<Double>(inputSize: 2, hiddenSize: 4, seed: 1)
        let head = Dense<Double>(inputs: 4, outputs: 3, seed: 2)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            var h: Tensor<Double>? = nil
            for t in 0..<x.shape[1] { h = cell(x[0..., t], state: h) }
            return head(h ?? Tensor.zeros([x.shape[0], 4]))
        }
    }

    func testACellUnrolledInAModelOfYourOwnIsVectorized() {
        let x = Tensor<Double>.randomNormal([5, 4, 2], seed: 3)
        let labels = Tensor<Double>([0, 2, 1, 1, 0])
        assertMatchesLoop(UnrolledGRU(), x, labels, crossEntropyLoss, expecting: .vectorized, "unrolled GRUCell")
        let lstmCell = Sequential<Double> { LSTMCell(inputSize: 3, hiddenSize: 2, seed: 4); Dense(inputs: 2, outputs: 2, seed: 5) }
        assertMatchesLoop(lstmCell, Tensor.randomNormal([5, 3], seed: 6), Tensor.randomNormal([5, 2], seed: 7), squaredLoss,
                          expecting: .vectorized, "one LSTMCell step")
    }

    func testMultiHeadAttentionIsVectorizedAndEqualsTheLoop() {
        var rng = SeededGenerator(seed: 20)
        // Non-zero biases (PyTorch initializes them to zero) so their gradients are tested on a general point.
        let attention = MultiHeadAttention<Double>(
            inputProjectionWeight: .randomNormal([18, 6], standardDeviation: 0.5, using: &rng),
            inputProjectionBias: .randomNormal([18], standardDeviation: 0.5, using: &rng),
            outputProjectionWeight: .randomNormal([6, 6], standardDeviation: 0.5, using: &rng),
            outputProjectionBias: .randomNormal([6], standardDeviation: 0.5, using: &rng), heads: 3)
        let model = Sequential<Double> { attention; Dense(inputs: 6, outputs: 2, activation: .tanh, seed: 21) }
        let x = Tensor<Double>.randomNormal([4, 5, 6], seed: 22)
        assertMatchesLoop(model, x, Tensor.randomNormal([4, 5, 2], seed: 23), squaredLoss, expecting: .vectorized, "attention")
        let withoutBias = MultiHeadAttention<Double>(dimension: 6, heads: 2, useBias: false, seed: 24)
        assertMatchesLoop(withoutBias, x, Tensor.randomNormal([4, 5, 6], seed: 25), squaredLoss, expecting: .vectorized,
                          "attention without bias")
    }

    /// Token sequences with padding (index 0): the attention is causal, hides the padding keys,
    /// adds a constant [T, S] bias, and hides per example and head the keys whose token is
    /// larger than the query's ([batch·heads, T, S], derived from the tokens so that each example
    /// alone gets its own slice).
    struct MaskedLanguageModel: Layer {
        let embedding = Embedding<Double>(count: 9, dimension: 8, seed: 30)
        let attention = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 31)
        let head = Dense<Double>(inputs: 8, outputs: 9, seed: 32)
        let masks: Int   // 0: causal and padding; 1: + additive; 2: + hidden per example

        func callAsFunction(_ tokens: Tensor<Double>) -> Tensor<Double> {
            let (batch, t) = (tokens.shape[0], tokens.shape[1])
            let padding = Tensor<Double>(tokens.scalars.map { $0 == 0 ? 1 : 0 }, shape: [batch, t])
            let distance = Tensor<Double>((0..<(t * t)).map { -0.3 * Double(abs($0 / t - $0 % t)) }, shape: [t, t])
            var hidden: [Double] = []
            for b in 0..<batch {
                let row = Array(tokens.scalars[(b * t)..<((b + 1) * t)])
                for head in 0..<2 {
                    for i in 0..<t {
                        for j in 0..<t { hidden.append(j != i && head == 1 && row[j] > row[i] ? 1 : 0) }
                    }
                }
            }
            let h = embedding(tokens)
            let mask: AttentionMask<Double>? = masks == 0 ? nil
                : masks == 1 ? .additive(distance) : .hidden(Tensor(hidden, shape: [batch * 2, t, t]))
            return head(attention(query: h, key: h, value: h, causal: true, keyPaddingMask: padding, attentionMask: mask))
        }
    }

    func testAttentionWithEveryKindOfMaskIsVectorizedAndEqualsTheLoop() {
        let tokens = Tensor<Double>(rows: [[3, 5, 1, 0, 0], [2, 2, 8, 7, 4], [6, 1, 0, 0, 0], [4, 8, 3, 5, 0]])
        let next = Tensor<Double>(rows: [[5, 1, 2, 0, 0], [2, 8, 7, 4, 1], [1, 3, 0, 0, 0], [8, 3, 5, 6, 0]])
        let loss: Loss = { logits, targets in
            crossEntropy(logits: logits, labels: targets, classAxis: -1, ignoreIndex: 0, reduction: .none).sum(axes: [1])
        }
        for masks in 0..<3 {
            assertMatchesLoop(MaskedLanguageModel(masks: masks), tokens, next, loss, expecting: .vectorized,
                              ["causal + key padding", "+ additive [T, S]", "+ hidden [batch·heads, T, S]"][masks])
        }
    }

    /// Cross-attention: 3 queries from the first part of each example over 4 keys and values
    /// made by a Dense from the rest (T ≠ S).
    struct CrossAttention: Layer {
        let memory = Dense<Double>(inputs: 4, outputs: 4, activation: .tanh, seed: 40)
        let attention = MultiHeadAttention<Double>(dimension: 4, heads: 2, seed: 41)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            let m = memory(x[0..., 3..<7])
            return attention(query: x[0..., 0..<3], key: m, value: m)
        }
    }

    func testCrossAttentionIsVectorizedAndEqualsTheLoop() {
        assertMatchesLoop(CrossAttention(), Tensor.randomNormal([3, 7, 4], seed: 42), Tensor.randomNormal([3, 3, 4], seed: 43),
                          squaredLoss, expecting: .vectorized, "cross-attention")
    }

    /// A GPT-style decoder of your own: token and position embeddings, causal blocks, final norm.
    /// The positions are [batch, time] indices, or with `sharedPositions` one [time] row whose
    /// embedding is broadcast over the batch (its gradient is then the batch's sum, not each
    /// example's: the batched pass cannot split it and the loop is used).
    struct TinyDecoder: Layer {
        var sharedPositions = false
        let tokens = Embedding<Double>(count: 7, dimension: 8, seed: 50)
        let positions = Embedding<Double>(count: 5, dimension: 8, seed: 51)
        let blocks = [TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 12, seed: 52),
                      TransformerBlock<Double>(dimension: 8, heads: 4, hidden: 6, normFirst: false, activation: .relu, seed: 53)]
        let norm = LayerNorm<Double>(normalizedShape: [8])
        let head = Dense<Double>(inputs: 8, outputs: 7, seed: 54)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            let (batch, t) = (x.shape[0], x.shape[1])
            let row = Tensor((0..<t).map(Double.init))
            var h = tokens(x) + positions(sharedPositions ? row : row.reshaped([1, t]).expanded(to: [batch, t]))
            for block in blocks { h = block(h, causal: true) }
            return head(norm(h))
        }
    }

    func testTransformerBlocksAreVectorizedAndEqualTheLoop() {
        // In a Sequential (no mask), pre-norm and post-norm with a non-square MLP.
        let stack = Sequential<Double> {
            TransformerBlock(dimension: 6, heads: 3, hidden: 10, seed: 60)
            TransformerBlock(dimension: 6, heads: 2, hidden: 4, normFirst: false, seed: 61)
        }
        assertMatchesLoop(stack, Tensor.randomNormal([3, 4, 6], seed: 62), Tensor.randomNormal([3, 4, 6], seed: 63), squaredLoss,
                          expecting: .vectorized, "two blocks")

        let tokens = Tensor<Double>(rows: [[1, 4, 2, 6, 3], [5, 5, 1, 0, 2], [3, 2, 6, 6, 1]])
        let next = Tensor<Double>(rows: [[4, 2, 6, 3, 1], [5, 1, 0, 2, 4], [2, 6, 6, 1, 5]])
        let loss: Loss = { crossEntropy(logits: $0, labels: $1, classAxis: -1, reduction: .none).sum(axes: [1]) }
        let decoder = assertMatchesLoop(TinyDecoder(), tokens, next, loss, expecting: .vectorized, "causal decoder")
        XCTAssertEqual(decoder.gradients.count, 2 + 2 * 12 + 2 + 2)

        let shared = assertMatchesLoop(TinyDecoder(sharedPositions: true), tokens, next, loss, expecting: .loop,
                                       "positions shared by the batch")
        XCTAssertEqual(shared.fallbackReason, "Embedding (table [5, 8]) received indices of shape [5], whose first axis is not "
                       + "the batch of 3 examples (the batched pass needs every layer with parameters to see [batch, …])")
    }

    /// The output layer reads the token embedding's table directly (tied weights): a use the
    /// batched rules cannot see, caught by the check against the batch's gradient.
    struct TiedWeights: Layer {
        let embedding = Embedding<Double>(count: 6, dimension: 4, seed: 70)
        let mix = Dense<Double>(inputs: 4, outputs: 4, activation: .tanh, seed: 71)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            mix(embedding(x)).matmul(embedding.weight.value, transposeA: false, transposeB: true)
        }
    }

    func testTiedWeightsAreCaughtAndSentToTheLoop() {
        let tokens = Tensor<Double>(rows: [[1, 4, 2], [5, 5, 1], [3, 0, 2]])
        let loss: Loss = { crossEntropy(logits: $0, labels: $1, classAxis: -1, reduction: .none).sum(axes: [1]) }
        let result = assertMatchesLoop(TiedWeights(), tokens, Tensor(rows: [[4, 2, 0], [5, 1, 3], [0, 2, 2]]), loss,
                                       expecting: .loop, "tied weights")
        XCTAssertEqual(result.fallbackReason?.hasPrefix("embedding.weight's per-sample gradients do not add up"), true,
                       result.fallbackReason ?? "no reason")
    }

    func testFloatSequenceModelsAgreeWithTheLoopToFloatRounding() {
        let loss: (Tensor<Float>, Tensor<Float>) -> Tensor<Float> = { y, t in ((y - t) * (y - t)).sum(axes: [1, 2]) }
        let models: [(String, any Layer<Float>)] = [
            ("LSTM", Sequential<Float> { LSTM(inputSize: 4, hiddenSize: 6, layers: 2, bidirectional: true, seed: 90)
                                         Dense(inputs: 12, outputs: 4, seed: 91) }),
            ("block", TransformerBlock<Float>(dimension: 4, heads: 2, hidden: 8, seed: 92)),
        ]
        let x = Tensor<Float>.randomNormal([6, 5, 4], seed: 93), y = Tensor<Float>.randomNormal([6, 5, 4], seed: 94)
        for (name, model) in models {
            let fast = perSampleGradients(of: model, inputs: x, targets: y, loss: loss)
            let loop = perSampleGradients(of: model, inputs: x, targets: y, strategy: .loop, loss: loss)
            XCTAssertEqual(fast.strategy, .vectorized, name)
            for ((parameter, a), (_, b)) in zip(fast.gradients, loop.gradients) {
                let scale = max(1, b.abs().max().scalar)
                XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-4 * scale, "\(name): \(parameter)")
            }
        }
    }

    /// privateGradients' one pass (ghost norms for the Dense layers, per-sample gradients for the
    /// recurrent and attention layers) equals perSampleGradients(…).privatized(…) with the same seed.
    func testPrivateGradientsOfSequenceModelsEqualThePrivatizedPerSampleGradients() {
        let cases: [(String, any Layer<Double>, Tensor<Double>, Tensor<Double>)] = [
            ("bidirectional GRU", Sequential<Double> {
                GRU(inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 80)
                Dense(inputs: 8, outputs: 1, seed: 81)
            }, Tensor.randomNormal([5, 3, 3], seed: 82), Tensor.randomNormal([5, 3, 1], seed: 83)),
            ("transformer block", TransformerBlock<Double>(dimension: 4, heads: 2, hidden: 24, seed: 84),
             Tensor.randomNormal([5, 2, 4], seed: 85), Tensor.randomNormal([5, 2, 4], seed: 86)),
        ]
        for (name, model, x, y) in cases {
            let perSample = perSampleGradients(of: model, inputs: x, targets: y, loss: squaredLoss)
            XCTAssertEqual(perSample.strategy, .vectorized, name)
            let clipNorm = 0.5 * perSample.norms.max().scalar
            var first = SeededGenerator(seed: 7), second = SeededGenerator(seed: 7)
            let expected = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 0.5, using: &first)
            let direct = privateGradients(of: model, inputs: x, targets: y, clipNorm: clipNorm, noiseMultiplier: 0.5,
                                          using: &second, loss: squaredLoss)
            XCTAssertLessThanOrEqual((direct.norms - expected.norms).abs().max().scalar, 1e-12, name)
            for ((parameter, a), (_, b)) in zip(direct.gradients, expected.gradients) {
                XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-12, "\(name): \(parameter)")
            }
        }
    }
}

import XCTest
import Foundation
import Layers
import Optim

/// The snippets of docs/UserGuide.md about the newer layers, compiled and checked: embeddings and
/// normalization, recurrent layers, the small GPT (verbatim, trained a few steps on a toy
/// sequence: the loss must go down) and the residual block.
final class LayerUserGuideTests: XCTestCase {
    func testEmbeddingsAndNormalization() {
        let embed = Embedding<Float>(count: 27, dimension: 10, seed: 1)
        let vectors = embed(Tensor(rows: [[1, 5, 0], [3, 3, 26]]))
        XCTAssertEqual(vectors.shape, [2, 3, 10])
        let padded = Embedding<Float>(count: 27, dimension: 10, paddingIndex: 0)
        XCTAssertEqual(Array(padded.weight.value.scalars[0..<10]), Array(repeating: 0, count: 10))

        let norm = BatchNorm1D<Float>(features: 200)
        let h = norm(Tensor<Float>.randomNormal([32, 200], seed: 2))
        let z = withLearningPhase(.inference) { norm(Tensor<Float>.randomNormal([1, 200], seed: 3)) }
        XCTAssertEqual(h.shape, [32, 200])
        XCTAssertEqual(z.shape, [1, 200])
        XCTAssertEqual(norm.namedBuffers.map(\.name), ["running_mean", "running_var", "num_batches_tracked"])

        XCTAssertEqual(LayerNorm<Float>(normalizedShape: [64])(Tensor.zeros([2, 64])).shape, [2, 64])
        XCTAssertEqual(GroupNorm<Float>(groups: 4, channels: 16)(Tensor.zeros([2, 16, 3])).shape, [2, 16, 3])
        XCTAssertEqual(RMSNorm<Float>(normalizedShape: [64])(Tensor.ones([2, 64])), Tensor.ones([2, 64]))
    }

    func testRecurrentLayers() {
        let lstm = LSTM<Float>(inputSize: 10, hiddenSize: 32, layers: 2, seed: 4)
        let sequence = Tensor<Float>.randomNormal([8, 16, 10], seed: 5)
        let outputs = lstm(sequence)
        let (output, state) = lstm(sequence, state: nil)
        let (next, _) = lstm(sequence, state: state)
        XCTAssertEqual(outputs.shape, [8, 16, 32])
        XCTAssertEqual(output, outputs)
        XCTAssertEqual(state.hidden.shape, [2, 8, 32])
        XCTAssertEqual(state.cell.shape, [2, 8, 32])
        XCTAssertNotEqual(next, output, "a carried state changes the outputs")
        XCTAssertEqual(GRU<Float>(inputSize: 10, hiddenSize: 32, seed: 6)(sequence).shape, [8, 16, 32])
        let cell = LSTMCell<Float>(inputSize: 10, hiddenSize: 32, seed: 7)
        var s = cell(Tensor<Float>.zeros([8, 10]), state: nil)
        s = cell(Tensor<Float>.zeros([8, 10]), state: s)
        XCTAssertEqual(s.hidden.shape, [8, 32])

        let encoder = GRU<Float>(inputSize: 10, hiddenSize: 32, layers: 2, batchFirst: false, bidirectional: true, seed: 8)
        let words = Tensor<Float>.randomNormal([16, 8, 10], seed: 9)
        let (encoded, last) = encoder(words, state: nil)
        XCTAssertEqual(encoded.shape, [16, 8, 64])
        XCTAssertEqual(last.shape, [4, 8, 32])
        XCTAssertEqual(encoder.namedParameters.map(\.name)[4], "weight_ih_l0_reverse")
    }

    // MARK: docs/UserGuide.md, "A small GPT" (keep identical)

    struct GPT: Layer {
        let tokens: Embedding<Float>
        let positions: Embedding<Float>
        let blocks: [TransformerBlock<Float>]
        let norm: LayerNorm<Float>
        let head: Dense<Float>

        init(vocabulary: Int, context: Int, dimension: Int = 64, heads: Int = 4, layers: Int = 2, seed: UInt64 = 1) {
            var rng = SeededGenerator(seed: seed)
            tokens = Embedding(count: vocabulary, dimension: dimension, using: &rng)
            positions = Embedding(count: context, dimension: dimension, using: &rng)
            blocks = (0..<layers).map { _ in TransformerBlock(dimension: dimension, heads: heads, using: &rng) }
            norm = LayerNorm(normalizedShape: [dimension])
            head = Dense(inputs: dimension, outputs: vocabulary, using: &rng)
        }

        /// Token indices [batch, time] → logits for the next token [batch, time, vocabulary].
        func callAsFunction(_ indices: Tensor<Float>) -> Tensor<Float> {
            let time = indices.shape[1]
            var h = tokens(indices) + positions(Tensor.arange(0, Float(time)))
            for block in blocks { h = block(h, causal: true) }
            return head(norm(h))
        }
    }

    func testSmallGPTTrainsOnAToySequence() {
        // The text "abcabd" repeated: after "ab" comes "c" or "d" depending on what came before,
        // which only attention over the context can tell.
        let text = Array(repeating: [0, 1, 2, 0, 1, 3], count: 6).flatMap { $0 }.map(Float.init)
        let context = 8
        let starts = Array(stride(from: 0, to: text.count - context - 1, by: 3))
        let inputs = Tensor(starts.flatMap { text[$0..<($0 + context)] }, shape: [starts.count, context])
        let targets = Tensor(starts.flatMap { text[($0 + 1)..<($0 + context + 1)] }, shape: [starts.count * context])

        let model = GPT(vocabulary: 4, context: context, dimension: 16, heads: 2)
        XCTAssertEqual(model.namedParameters.first?.name, "tokens.weight")
        XCTAssertTrue(model.namedParameters.contains { $0.name == "blocks.1.self_attn.in_proj_weight" })
        let adam = Adam(model, learningRate: 1e-2)
        var losses: [Float] = []
        for _ in 0..<20 {
            let logits = model(inputs)                                   // [batch, time, 4]
            let loss = crossEntropy(logits: logits.reshaped([-1, 4]), labels: targets)
            losses.append(loss.scalar)
            model.zeroGrad()
            loss.backward()
            adam.step()
        }
        XCTAssertEqual(model(inputs).shape, [starts.count, context, 4])
        XCTAssertLessThan(losses.last ?? .infinity, 0.25 * losses[0], "losses \(losses)")

        // The guide's step, at the guide's size.
        let gpt = GPT(vocabulary: 27, context: 16)
        let guideAdam = Adam(gpt, learningRate: 3e-3)
        let characters = Tensor<Float>((0..<34).map { Float($0 % 27) })
        let batchInputs = Tensor.stack([characters.slice(axis: 0, 0..<16), characters.slice(axis: 0, 16..<32)])
        let batchTargets = Tensor.stack([characters.slice(axis: 0, 1..<17), characters.slice(axis: 0, 17..<33)]).reshaped([-1])
        let loss = crossEntropy(logits: gpt(batchInputs).reshaped([-1, 27]), labels: batchTargets)
        XCTAssertEqual(Double(loss.scalar), Foundation.log(27), accuracy: 1.5, "about log 27 at the start")
        gpt.zeroGrad()
        loss.backward()
        guideAdam.step()
        XCTAssertEqual(guideAdam.stepCount, 1)
        XCTAssertEqual(gpt.parameterCount, 27 * 64 + 16 * 64 + 2 * 49_984 + 128 + 64 * 27 + 27)
    }

    // MARK: docs/UserGuide.md, "Residual connections" (keep identical)

    struct ResidualBlock: Layer {
        let norm = LayerNorm<Float>(normalizedShape: [32])
        let up = Dense<Float>(inputs: 32, outputs: 128, activation: .relu)
        let down = Dense<Float>(inputs: 128, outputs: 32)
        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
            x + down(up(norm(x)))          // the residual connection is a plain +
        }
    }

    func testResidualBlock() {
        let block = ResidualBlock()
        let x = Tensor<Float>.randomNormal([4, 32], seed: 1).requiringGrad()
        let y = block(x)
        XCTAssertEqual(y.shape, [4, 32])
        y.sum().backward()
        // Through the identity path every input gets gradient 1 plus what flows through the MLP.
        XCTAssertEqual(x.grad?.shape, [4, 32])
        let throughBranch = withoutGradients { (x.grad ?? x) - 1 }
        XCTAssertTrue(throughBranch.scalars.contains { $0 != 0 })
        XCTAssertEqual(block.namedParameters.map(\.name), ["norm.weight", "norm.bias", "up.weight", "up.bias", "down.weight", "down.bias"])
    }
}

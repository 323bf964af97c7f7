import XCTest
import Layers
import Optim

/// The small GPT of docs/UserGuide.md ("A small GPT"), verbatim, compiled and trained a few
/// steps on a toy sequence: the loss must go down. And the residual block of the same section.
final class LayerGPTExampleTests: XCTestCase {
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
        XCTAssertTrue(model.namedParameters.contains { $0.name == "blocks.1.attention.in_proj_weight" })
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

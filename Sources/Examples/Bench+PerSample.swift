import Autograd
import Layers

extension Bench {
    /// Per-sample gradients of an MLP 784-256-10 (ReLU, cross-entropy), batch 64: the vectorized
    /// pass (one forward, one backward, a batched product per layer) against the loop of 64
    /// single-example passes, a DP-SGD gradient from the per-sample gradients and by
    /// `privateGradients` (ghost clipping), and the ordinary batch gradient for scale. bench/compare.py times
    /// `torch.func.vmap(grad(…))` and PyTorch's own loop on the same shapes.
    static func perSampleRows(repeats: Int, report: (_ name: String, _ key: String, _ t: (median: Double, min: Double, max: Double)) -> Void) {
        let model = Sequential<Float> {
            Dense(inputs: 784, outputs: 256, activation: .relu, weightInitializer: .heNormal(), seed: 21)
            Dense(inputs: 256, outputs: 10, seed: 22)
        }
        let batch = 64
        let x = Tensor<Float>.randomNormal([batch, 784], seed: 23)
        let labels = Tensor<Float>((0..<batch).map { Float($0 % 10) })
        let loss = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels, reduction: .none) }
        report("per-sample grads, MLP 784-256-10, batch 64: vectorized", "persample",
               time(repeats: repeats, warmup: 3) {
                   _ = perSampleGradients(of: model, inputs: x, targets: labels, strategy: .vectorized, loss: loss)
               })
        var noise = SeededGenerator(seed: 24)
        report("  vectorized + DP-SGD (norms, clip to 1, noise σ = 1.1)", "persample-dpsgd",
               time(repeats: repeats, warmup: 3) {
                   _ = perSampleGradients(of: model, inputs: x, targets: labels, strategy: .vectorized, loss: loss)
                       .privatized(clipNorm: 1, noiseMultiplier: 1.1, using: &noise)
               })
        report("  DP-SGD by privateGradients (ghost clipping)", "persample-ghost",
               time(repeats: repeats, warmup: 3) {
                   _ = privateGradients(of: model, inputs: x, targets: labels, clipNorm: 1, noiseMultiplier: 1.1,
                                        using: &noise, loss: loss)
               })
        report("  the same by a loop of 64 single-example passes", "persample-loop",
               time(repeats: max(3, repeats / 5), warmup: 1) {
                   _ = perSampleGradients(of: model, inputs: x, targets: labels, strategy: .loop, loss: loss)
               })
        report("  the ordinary batch gradient (one backward), for scale", "persample-batch",
               time(repeats: repeats, warmup: 3) {
                   _ = try? gradients(of: loss(model(x), labels).sum(), wrt: model.parameters.map(\.value))
               })
        sequenceRows(repeats: repeats, report: report)
    }

    /// Per-sample gradients of sequence models, batch 32 of 8 steps: an LSTM 16→32 with a Dense
    /// head (cross-entropy at every step) and a pre-norm TransformerBlock 32 wide, 4 heads, MLP
    /// 128, ReLU (squared error), vectorized (one forward, one backward through time, sums of
    /// outer products over the steps) against the loop, and each model's ordinary batch gradient. bench/compare.py times
    /// `vmap(grad(…))` of nn.LSTM and nn.TransformerEncoderLayer and PyTorch's loop.
    static func sequenceRows(repeats: Int, report: (_ name: String, _ key: String, _ t: (median: Double, min: Double, max: Double)) -> Void) {
        let (batch, steps) = (32, 8)
        let lstm = Sequential<Float> {
            LSTM(inputSize: 16, hiddenSize: 32, seed: 25)
            Dense(inputs: 32, outputs: 10, seed: 26)
        }
        let sequences = Tensor<Float>.randomNormal([batch, steps, 16], seed: 27)
        let classes = Tensor<Float>((0..<(batch * steps)).map { Float($0 % 10) }, shape: [batch, steps])
        let stepLoss = { (logits: Tensor<Float>, labels: Tensor<Float>) in
            crossEntropy(logits: logits, labels: labels, classAxis: -1, reduction: .none).sum(axes: [1])
        }
        let block = TransformerBlock<Float>(dimension: 32, heads: 4, hidden: 128, activation: .relu, seed: 28)
        let tokens = Tensor<Float>.randomNormal([batch, steps, 32], seed: 29)
        let targets = Tensor<Float>.randomNormal([batch, steps, 32], seed: 30)
        let squared = { (y: Tensor<Float>, t: Tensor<Float>) in ((y - t) * (y - t) * 0.5).sum(axes: [1, 2]) }
        for strategy in [PerSampleStrategy.vectorized, .loop] {
            let suffix = strategy == .loop ? "-loop" : ""
            let label = strategy == .loop ? "  the same by the loop of 32 passes" : "vectorized"
            let reps = strategy == .loop ? max(3, repeats / 5) : repeats
            report(strategy == .loop ? label : "per-sample, LSTM 16→32 + Dense, 8 steps, b32: \(label)",
                   "persample-lstm" + suffix, time(repeats: reps, warmup: 1) {
                       _ = perSampleGradients(of: lstm, inputs: sequences, targets: classes, strategy: strategy, loss: stepLoss)
                   })
        }
        report("  the ordinary batch gradient, for scale", "persample-lstm-batch", time(repeats: repeats, warmup: 1) {
            _ = try? gradients(of: stepLoss(lstm(sequences), classes).sum(), wrt: lstm.parameters.map(\.value))
        })
        for strategy in [PerSampleStrategy.vectorized, .loop] {
            let suffix = strategy == .loop ? "-loop" : ""
            let reps = strategy == .loop ? max(3, repeats / 5) : repeats
            report(strategy == .loop ? "  the same by the loop of 32 passes"
                                     : "per-sample, block 32w, 4 heads, 8 tokens, b32: vectorized",
                   "persample-attention" + suffix, time(repeats: reps, warmup: 1) {
                       _ = perSampleGradients(of: block, inputs: tokens, targets: targets, strategy: strategy, loss: squared)
                   })
        }
        report("  the ordinary batch gradient, for scale", "persample-attention-batch", time(repeats: repeats, warmup: 1) {
            _ = try? gradients(of: squared(block(tokens), targets).sum(), wrt: block.parameters.map(\.value))
        })
    }
}

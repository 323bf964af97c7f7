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
    }
}

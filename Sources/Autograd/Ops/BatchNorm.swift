// Batch normalization's statistics step as one primitive, as PyTorch runs `F.batch_norm`
// (`native_batch_norm` and its backward). Composed, it is a dozen ops over the whole input —
// mean, x − mean, its square, their mean, + eps, √, the quotient — and the backward pass of each,
// each a pass over memory and a node on the tape: in a small convolutional model (WaveNet's
// [32, 128, 7] maps) they cost more than the convolutions. Fused: one node, the forward kernel
// computing exactly the composition's values (Loops.batchNorm), and a rule that is one kernel
// pass, dx = (g − mean(g) − x̂·mean(g·x̂)) / √(var + eps).
//
// Differentiability. When the backward pass is itself recorded (`createGraph`), the rule writes
// that same expression with tensor ops on the input (x̂ and the deviation recomputed from x by the
// composition), so the tape differentiates it again: second and higher derivatives, and forward
// mode, come from ops that gradcheck already proves. Without recording, the rule runs the fused
// kernel on the saved x̂ and deviation: the same expression, the values equal up to rounding.
// Tested by gradcheck and gradgradcheck in BatchNormFusedTests.

extension Tensor {
    /// x̂ = (x − mean) / √(var + eps) per channel (axis 1) of an input [batch, channels, …], with
    /// the mean and the biased variance over every other axis: batch normalization in training,
    /// before its affine map. Returns x̂ (differentiable) and the statistics [channels] (constants,
    /// for the running averages). The values are those of the composed ops, exactly.
    package func batchNormalized(eps: Scalar) -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
        require(rank >= 2 && shape[1] > 0, "batchNormalized: input of shape \(shape) is not [batch, channels, …]")
        let (outer, channels) = (shape[0], shape[1])
        let inner = shape.dropFirst(2).reduce(1, *)
        var statistics = [Scalar](repeating: 0, count: 3 * channels)
        let values = Tensor.makeScalars(count: count) { out in
            scalars.withUnsafeBufferPointer { x in
                statistics.withUnsafeMutableBufferPointer { s in
                    guard let base = s.baseAddress else { return }
                    Scalar.kernels.batchNorm(x, outer, channels, inner, eps, out, base, base + channels, base + 2 * channels)
                }
            }
        }
        let deviation = Array(statistics[(2 * channels)...])
        let axes = [0] + Array(2..<rank)
        let normalized = Tensor.record("batchNorm", "eps: \(eps)", inputs: NodeInputs(self), shape: shape, scalars: values) { c in
            guard c.needsGradient[0] else { return [nil] }
            if isRecordingGradients {
                // The rule as ops on x, to be differentiated again.
                let x = c.inputs[0]
                let centered = x - x.mean(axes: axes, keepDims: true)
                let std = ((centered * centered).mean(axes: axes, keepDims: true) + eps).sqrt()
                let xhat = centered / std
                let g = c.upstream
                return [(g - g.mean(axes: axes, keepDims: true) - xhat * (g * xhat).mean(axes: axes, keepDims: true)) / std]
            }
            let dx = Tensor.makeScalars(count: c.upstream.count) { out in
                c.upstream.scalars.withUnsafeBufferPointer { g in
                    c.output.scalars.withUnsafeBufferPointer { h in
                        deviation.withUnsafeBufferPointer { Scalar.kernels.batchNormBackward(g, h, outer, channels, inner, $0, out) }
                    }
                }
            }
            return [Tensor(dx, shape: c.upstream.shape)]
        }
        return (normalized, Tensor(Array(statistics[..<channels]), shape: [channels]),
                Tensor(Array(statistics[channels..<(2 * channels)]), shape: [channels]))
    }
}

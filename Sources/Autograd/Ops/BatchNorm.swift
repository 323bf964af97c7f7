// Batch normalization's statistics step as one primitive, as PyTorch runs `F.batch_norm`
// (`native_batch_norm` and its backward). Composed, it is a dozen ops over the whole input —
// mean, x − mean, its square, their mean, + eps, √, the quotient — and the backward pass of each,
// each a pass over memory and a node on the tape: in a small convolutional model (WaveNet's
// [32, 128, 7] maps) they cost more than the convolutions. Fused: one node, the forward kernel
// computing exactly the composition's values (Loops.batchNorm), the affine map y = x̂·w + b
// folded in, and a rule that is one kernel pass, dx = w·(g − mean(g) − x̂·mean(g·x̂)) / √(var + eps),
// whose two channel sums are also ∂L/∂b = Σg and ∂L/∂w = Σg·x̂.
//
// Differentiability. When the backward pass is itself recorded (`createGraph`), the rule writes
// that same expression with tensor ops on the input (x̂ and the deviation recomputed from x by the
// composition), so the tape differentiates it again: second and higher derivatives, and forward
// mode, come from ops that gradcheck already proves. Without recording, the rule runs the fused
// kernel on the saved x̂ and deviation: the same expression, the values equal up to rounding.
// Tested by gradcheck and gradgradcheck in BatchNormFusedTests.

extension Tensor {
    /// y = x̂·w + b with x̂ = (x − mean) / √(var + eps) per channel (axis 1) of an input [batch,
    /// channels, …], the mean and the biased variance over every other axis: batch normalization
    /// in training. `weight` and `bias` are [channels] (both or neither; without them y = x̂).
    /// Returns y (differentiable in x, weight and bias) and the statistics [channels] (constants,
    /// for the running averages). The values are those of the composed ops, exactly.
    package func batchNormalized(eps: Scalar, weight: Tensor? = nil, bias: Tensor? = nil)
        -> (output: Tensor, mean: Tensor, variance: Tensor) {
        require(rank >= 2 && shape[1] > 0, "batchNormalized: input of shape \(shape) is not [batch, channels, …]")
        let (outer, channels) = (shape[0], shape[1])
        require((weight == nil) == (bias == nil) && (weight.map { $0.shape == [channels] } ?? true)
                && (bias.map { $0.shape == [channels] } ?? true),
                "batchNormalized: weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) are not both [\(channels)]")
        let inner = shape.dropFirst(2).reduce(1, *)
        var statistics = [Scalar](repeating: 0, count: 3 * channels)
        let xhat = Tensor.makeScalars(count: count) { out in
            scalars.withUnsafeBufferPointer { x in
                statistics.withUnsafeMutableBufferPointer { s in
                    guard let base = s.baseAddress else { return }
                    Scalar.kernels.batchNorm(x, outer, channels, inner, eps, out, base, base + channels, base + 2 * channels)
                }
            }
        }
        let deviation = Array(statistics[(2 * channels)...])
        let axes = [0] + Array(2..<rank)
        let mean = Tensor(Array(statistics[..<channels]), shape: [channels])
        let variance = Tensor(Array(statistics[channels..<(2 * channels)]), shape: [channels])
        guard let weight, let bias else {
            let output = Tensor.record("batchNorm", "eps: \(eps)", input: self, shape: shape, scalars: xhat) { c in
                guard c.needsGradient[0] else { return .gradients(nil) }
                if isRecordingGradients { return .gradients(Tensor.batchNormGradient(c.inputs[0], c.upstream, eps: eps, axes: axes)) }
                return .gradients(Tensor.batchNormGradient(c.upstream, xhat, deviation, nil, outer, channels, inner).dx)
            }
            return (output, mean, variance)
        }
        let values = Tensor.makeScalars(count: count) { out in
            xhat.withUnsafeBufferPointer { h in
                weight.scalars.withUnsafeBufferPointer { w in
                    bias.scalars.withUnsafeBufferPointer { Scalar.kernels.channelAffine(h, outer, channels, inner, w, $0, out) }
                }
            }
        }
        let inputs = NodeInputs([self, weight, bias])
        let output = Tensor.record("batchNorm", "eps: \(eps), affine", inputs: inputs, shape: shape, scalars: values) { c in
            let broadcast = [1, channels] + Array(repeating: 1, count: c.inputs[0].rank - 2)
            if isRecordingGradients {
                // The rule as ops on x and w, to be differentiated again.
                let (x, w, g) = (c.inputs[0], c.inputs[1], c.upstream)
                let centered = x - x.mean(axes: axes, keepDims: true)
                let std = ((centered * centered).mean(axes: axes, keepDims: true) + eps).sqrt()
                let normalized = centered / std
                return .gradients(c.needsGradient[0] ? Tensor.batchNormGradient(x, g * w.reshaped(broadcast), eps: eps, axes: axes) : nil,
                                  c.needsGradient[1] ? (g * normalized).sum(axes: axes) : nil,
                                  c.needsGradient[2] ? g.sum(axes: axes) : nil)
            }
            let (dx, sums) = Tensor.batchNormGradient(c.upstream, xhat, deviation, c.inputs[1].scalars, outer, channels, inner)
            return .gradients(c.needsGradient[0] ? dx : nil,
                              c.needsGradient[1] ? Tensor(Array(sums[channels...]), shape: [channels]) : nil,
                              c.needsGradient[2] ? Tensor(Array(sums[..<channels]), shape: [channels]) : nil)
        }
        return (output, mean, variance)
    }

    /// ∂L/∂x of x̂ for the upstream gradient `g` of x̂, written with ops on x (differentiable).
    static func batchNormGradient(_ x: Tensor, _ g: Tensor, eps: Scalar, axes: [Int]) -> Tensor {
        let centered = x - x.mean(axes: axes, keepDims: true)
        let std = ((centered * centered).mean(axes: axes, keepDims: true) + eps).sqrt()
        let xhat = centered / std
        return (g - g.mean(axes: axes, keepDims: true) - xhat * (g * xhat).mean(axes: axes, keepDims: true)) / std
    }

    /// The fused backward kernel: dx (a constant) and the channel sums (Σg, Σg·x̂).
    static func batchNormGradient(_ g: Tensor, _ xhat: [Scalar], _ deviation: [Scalar], _ weight: [Scalar]?,
                                  _ outer: Int, _ channels: Int, _ inner: Int) -> (dx: Tensor, sums: [Scalar]) {
        var sums = [Scalar](repeating: 0, count: 2 * channels)
        let dx = Tensor.makeScalars(count: g.count) { out in
            g.scalars.withUnsafeBufferPointer { gp in
                xhat.withUnsafeBufferPointer { h in
                    deviation.withUnsafeBufferPointer { d in
                        sums.withUnsafeMutableBufferPointer { s in
                            if let weight {
                                weight.withUnsafeBufferPointer {
                                    Scalar.kernels.batchNormBackward(gp, h, outer, channels, inner, d, $0, out, s.baseAddress)
                                }
                            } else {
                                Scalar.kernels.batchNormBackward(gp, h, outer, channels, inner, d, nil, out, s.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(dx, shape: g.shape), sums)
    }
}

// Layer normalization as one primitive, as PyTorch runs `F.layer_norm` (`native_layer_norm` and
// its backward). Composed, it is nine ops over the input — mean, x − mean, its square, their mean,
// + eps, √, the quotient, · weight, + bias — each a pass over memory and a node on the tape, and
// their rules as many again; a small transformer (the GPT bench's five norms over [32, 16, 64])
// spends more on that bookkeeping than on the arithmetic. Fused: one node. The forward pass is
// batch normalization's kernel (Loops.batchNorm) with each row of the trailing axes as a channel
// (outer 1, channels = rows, inner = the row's length), which computes the composition's
// expressions in its order, so the values are those of the composed ops, bit for bit; the affine
// map is the composition's two broadcast ops, unrecorded.
//
// The rule. With x̂ = (x − mean)/σ per row (σ = √(var + eps)) and g the upstream gradient:
// ∂L/∂x = (g·w − mean(g·w) − x̂·mean(g·w·x̂))/σ (means over the row), ∂L/∂w = Σ g·x̂ and ∂L/∂b = Σ g
// over the leading axes. Without recording, ∂L/∂x is batch normalization's backward kernel on
// g·w, the saved x̂ and σ (one pass; equal to the composition's gradient up to rounding, since it
// is the same expression in another order). When the backward pass is itself recorded
// (`createGraph`), the rule writes the expression with tensor ops on x (x̂ and σ recomputed by the
// composition), so the tape differentiates it again. Tested by gradcheck and gradgradcheck in
// LayerNormFusedTests.

extension Tensor {
    /// y = x̂·w + b with x̂ = (x − mean)/√(var + eps) over the last `trailing` axes of each sample,
    /// the mean and the biased variance over those axes: layer normalization. `weight` and `bias`
    /// have the trailing shape (both or neither; without them y = x̂). Differentiable in the input,
    /// weight and bias, and again in the backward pass. The values are those of the composed ops,
    /// exactly.
    ///
    /// ```swift
    /// let y = h.layerNormalized(trailing: 1, eps: 1e-5, weight: w, bias: b)   // h [batch, time, 64], w and b [64]
    /// ```
    /// - Precondition: 1 ≤ `trailing` ≤ rank, a trailing shape of at least one element; weight and
    ///   bias of that shape.
    package func layerNormalized(trailing: Int, eps: Scalar, weight: Tensor? = nil, bias: Tensor? = nil) -> Tensor {
        require(trailing >= 1 && trailing <= rank, "layerNormalized: \(trailing) trailing axes of an input of shape \(shape)")
        let normalizedShape = Array(shape.suffix(trailing))
        let inner = normalizedShape.reduce(1, *)
        require(inner > 0, "layerNormalized: the trailing shape \(normalizedShape) has no elements")
        require((weight == nil) == (bias == nil) && (weight.map { $0.shape == normalizedShape } ?? true)
                && (bias.map { $0.shape == normalizedShape } ?? true),
                "layerNormalized: weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) are not both \(normalizedShape)")
        let rows = count / inner
        // Per row: the mean, the variance and σ = √(var + eps), side by side.
        var statistics = [Scalar](repeating: 0, count: 3 * rows)
        let xhat = Tensor.makeScalars(count: count) { out in
            scalars.withUnsafeBufferPointer { x in
                statistics.withUnsafeMutableBufferPointer { s in
                    guard let base = s.baseAddress else { return }
                    Scalar.kernels.batchNorm(x, 1, rows, inner, eps, out, base, base + rows, base + 2 * rows)
                }
            }
        }
        let deviation = Array(statistics[(2 * rows)...])
        let axes = Array((rank - trailing)..<rank), leading = Array(0..<(rank - trailing))
        guard let weight, let bias else {
            return Tensor.record("layerNorm", "eps: \(eps)", input: self, shape: shape, scalars: xhat) { c in
                guard c.needsGradient[0] else { return .gradients(nil) }
                if isRecordingGradients { return .gradients(Tensor.batchNormGradient(c.inputs[0], c.upstream, eps: eps, axes: axes)) }
                return .gradients(Tensor.batchNormGradient(c.upstream, xhat, deviation, nil, 1, rows, inner).dx)
            }
        }
        // x̂·w + b as the composition computes it: the product rounded, then the sum.
        let normalized = Tensor(shape: shape, scalars: xhat)
        let scaled = Tensor(shape: shape, elements: Tensor.binaryForward(.multiply, normalized, weight.detached(), name: "multiply").elements, node: nil)
        let values = Tensor.binaryForward(.add, scaled, bias.detached(), name: "add").elements.array
        let inputs = NodeInputs([self, weight, bias])
        return Tensor.record("layerNorm", "eps: \(eps), affine", inputs: inputs, shape: shape, scalars: values) { c in
            let (x, w, g) = (c.inputs[0], c.inputs[1], c.upstream)
            if isRecordingGradients {
                // The rule as ops on x and w, to be differentiated again.
                let centered = x - x.mean(axes: axes, keepDims: true)
                let normalized = centered / ((centered * centered).mean(axes: axes, keepDims: true) + eps).sqrt()
                return .gradients(c.needsGradient[0] ? Tensor.batchNormGradient(x, g * w, eps: eps, axes: axes) : nil,
                                  c.needsGradient[1] ? (g * normalized).sum(axes: leading) : nil,
                                  c.needsGradient[2] ? g.sum(axes: leading) : nil)
            }
            let saved = Tensor(shape: g.shape, scalars: xhat)
            return .gradients(c.needsGradient[0] ? Tensor.batchNormGradient(g * w, xhat, deviation, nil, 1, rows, inner).dx : nil,
                              c.needsGradient[1] ? (g * saved).sum(axes: leading) : nil,
                              c.needsGradient[2] ? g.sum(axes: leading) : nil)
        }
    }
}

// Attention's weights softmax(q·kᵀ/√d) with the causal mask, as one primitive (PyTorch's
// `scaled_dot_product_attention` fuses the same steps). Composed, they are three ops over the
// scores [batch, heads, T, S] — the quotient by √d, the masked fill (with a [T, S] mask tensor
// made for it) and the softmax — and their rules as many again, for every block of a transformer.
// Fused: one node whose forward pass runs the same kernels in the same order (the quotient by the
// broadcast scalar, −∞ at the hidden entries, the softmax kernel), so the values are the
// composition's bit for bit.
//
// The rule is the composition's, written with ops: p·(g − Σ g·p)/scale over the keys (p the
// output, linked under createGraph, so the tape differentiates it again). The composition's masked
// fill sent an exact +0 to the hidden entries; here p is 0 there, so they get 0·(…) = ±0: the same
// gradients up to the sign of those zeros. Tested by gradcheck and gradgradcheck in
// AttentionSoftmaxTests.

extension Tensor {
    /// softmax(x / scale) over the last axis of x [..., T, S], with −∞ at every entry (i, j), j > i,
    /// of each [T, S] matrix when `causal` (a query attends to the keys up to its own position): the
    /// weights of causal scaled dot-product attention in one op. The values are those of
    /// `(x / scale).masked(where: triu(T, S, diagonal: 1), fill: −∞).softmax(axis: −1)`, exactly; a
    /// row with every entry hidden gives zeros, as softmax does.
    ///
    /// ```swift
    /// let weights = scores.scaledSoftmax(dividingBy: 8, causal: true)    // scores [batch, heads, T, T]
    /// ```
    /// - Precondition: rank ≥ 2; scale is not 0.
    package func scaledSoftmax(dividingBy scale: Scalar, causal: Bool) -> Tensor {
        require(rank >= 2, "scaledSoftmax: input of shape \(shape) is not [..., queries, keys]")
        require(scale != 0, "scaledSoftmax: scale must not be 0")
        let (t, s) = (shape[rank - 2], shape[rank - 1])
        var scaled = Tensor.binaryForward(.divide, self, Tensor(scale), name: "divide").elements.array
        if causal { scaled.withUnsafeMutableBufferPointer { Scalar.kernels.causalFill($0, t, s) } }
        let axis = rank - 1
        let values = Tensor(shape: shape, scalars: scaled).softmaxValues(axis: axis, log: false).values
        return Tensor.record("scaledSoftmax", "scale: \(scale)\(causal ? ", causal" : "")", input: self,
                             shape: shape, scalars: values) { c in
            let (p, g) = (c.output, c.upstream)
            return .gradients(p * (g - (g * p).sum(axes: [axis], keepDims: true)) / scale)
        }
    }
}

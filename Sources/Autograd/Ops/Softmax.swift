// Softmax and logSoftmax along an axis. Both take −∞ entries (masked by
// `masked(where:fill:)`) without producing a NaN: a masked entry gets probability 0 and no
// gradient. A row that is −∞ everywhere (a fully masked row, where PyTorch gives NaN) gives
// zeros from both ops and a zero gradient (tested in MaskingGradTests).

extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`, computed stably (the row's maximum is subtracted first, so
    /// logits of ±1000 are fine), in one fused pass over each row.
    ///
    /// Entries of −∞ get probability 0. A row whose entries are all −∞ (fully masked) gives
    /// zeros, and its gradient is zero (PyTorch gives NaN there).
    ///
    /// Its rule is the full Jacobian-vector product, off-diagonal terms included:
    /// ∂L/∂x = p ⊙ (g − Σ g ⊙ p).
    ///
    /// A 0-d tensor (axis 0 or −1) gives 1, as in PyTorch; over an empty axis the result is empty.
    ///
    /// ```swift
    /// let p = logits.softmax(axis: 1)                   // each row sums to 1
    /// Tensor<Double>([1, 2, -.infinity]).softmax()    // [0.2689…, 0.7310…, 0]
    /// ```
    @inlinable
    public func softmax(axis: Int = -1) -> Tensor {
        if rank == 0 {
            _ = Shape.normalize(axis: axis, rank: 1, op: "softmax")
            return reshaped([1]).softmax(axis: 0).reshaped([])
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "softmax")
        let values = softmaxValues(axis: a, log: false).values
        return Tensor.record("softmax", "axis: \(a)", input: self, shape: shape, scalars: values) { c in
            let p = c.output
            return .gradients(p * (c.upstream - (c.upstream * p).sum(axes: [a], keepDims: true)))
        }
    }

    /// The forward values of softmax or logSoftmax along axis `a` by the fused kernel (one pass
    /// over each slice), and whether some slice was −∞ everywhere.
    @inlinable
    func softmaxValues(axis a: Int, log: Bool) -> (values: [Scalar], fullyMasked: Bool) {
        let (outer, length, inner) = (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
        let n = count
        var fullyMasked = false
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { fullyMasked = Scalar.kernels.softmax($0, outer, length, inner, log, out) }
            initialized = n
        }
        return (values, fullyMasked)
    }

    /// log(softmax(x)) along `axis`, computed as x − logSumExp(x) without forming softmax
    /// first (one fused pass over each row), so that it stays finite for logits of ±1000.
    ///
    /// An entry of −∞ gives −∞ (log 0) and passes the upstream gradient through unchanged (its
    /// derivative 1 − p is 1). A row whose entries are all −∞ (fully masked) gives zeros — not
    /// log 0, so that a masked-out row stays finite downstream — and a zero gradient.
    ///
    /// Rule: ∂L/∂x = g − softmax(x) · Σ g.
    ///
    /// A 0-d tensor (axis 0 or −1) gives 0, as in PyTorch; over an empty axis the result is empty.
    ///
    /// ```swift
    /// let logProbabilities = logits.logSoftmax(axis: 1)
    /// Tensor<Double>([0, 0]).logSoftmax()    // [−0.6931…, −0.6931…]
    /// ```
    @inlinable
    public func logSoftmax(axis: Int = -1) -> Tensor {
        if rank == 0 {
            _ = Shape.normalize(axis: axis, rank: 1, op: "logSoftmax")
            return reshaped([1]).logSoftmax(axis: 0).reshaped([])
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "logSoftmax")
        let (values, anyFullyMasked) = softmaxValues(axis: a, log: true)
        // The rows that were −∞ everywhere, when there are any: their gradient is zero.
        let fullyMasked = anyFullyMasked ? withoutGradients { detached().max(axes: [a], keepDims: true) .== -Scalar.infinity } : nil
        return Tensor.record("logSoftmax", "axis: \(a)", input: self, shape: shape, scalars: values) { c in
            let dx = c.upstream - c.output.exp() * c.upstream.sum(axes: [a], keepDims: true)
            guard let fullyMasked else { return .gradients(dx) }
            return .gradients(select(fullyMasked, Tensor(0), dx))
        }
    }
}

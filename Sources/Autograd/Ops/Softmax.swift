// Softmax and logSoftmax along an axis. Both take −∞ entries (masked by
// `masked(where:fill:)`) without producing a NaN: a masked entry gets probability 0 and no
// gradient. A row that is −∞ everywhere (a fully masked row, where PyTorch gives NaN) gives
// zeros from both ops and a zero gradient (tested in MaskingGradTests).

extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`, computed stably (logits of ±1000 are fine).
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
        let values = count == 0 ? [] : withoutGradients { () -> [Scalar] in
            let x = detached()
            var shift = x.max(axes: [a], keepDims: true)
            // A fully masked row: no shift (its exponentials are all 0) and a sum of 1, so that it gives 0s.
            let fullyMasked = shift.scalars.contains(-Scalar.infinity)
            if fullyMasked { shift = select(shift .== -Scalar.infinity, Tensor(0), shift) }
            let e = (x - shift).exp()
            var total = e.sum(axes: [a], keepDims: true)
            if fullyMasked { total = select(total .== 0, Tensor(1), total) }
            return (e / total).scalars
        }
        return Tensor.record("softmax", "axis: \(a)", inputs: NodeInputs(self), shape: shape, scalars: values) { c in
            let p = c.output
            return [p * (c.upstream - (c.upstream * p).sum(axes: [a], keepDims: true))]
        }
    }

    /// log(softmax(x)) along `axis`, computed as x − logSumExp(x) without forming softmax
    /// first, so that it stays finite for logits of ±1000.
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
        var fullyMasked: Tensor? = nil
        let values = withoutGradients { () -> [Scalar] in
            let total = detached().logSumExp(axes: [a], keepDims: true)
            let out = detached() - total
            guard total.scalars.contains(-Scalar.infinity) else { return out.scalars }
            let rows = total .== -Scalar.infinity
            fullyMasked = rows
            return select(rows, Tensor(0), out).scalars
        }
        return Tensor.record("logSoftmax", "axis: \(a)", inputs: NodeInputs(self), shape: shape, scalars: values) {
            [fullyMasked] c in
            let dx = c.upstream - c.output.exp() * c.upstream.sum(axes: [a], keepDims: true)
            guard let fullyMasked else { return [dx] }
            return [select(fullyMasked, Tensor(0), dx)]
        }
    }
}

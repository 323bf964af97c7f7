extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`, computed stably (logits of ±1000 are fine).
    ///
    /// Its rule is the full Jacobian-vector product, off-diagonal terms included:
    /// ∂L/∂x = p ⊙ (g − Σ g ⊙ p).
    ///
    /// A 0-d tensor (axis 0 or −1) gives 1, as in PyTorch; over an empty axis the result is empty.
    ///
    /// ```swift
    /// let p = logits.softmax(axis: 1)      // each row sums to 1
    /// ```
    @inlinable
    public func softmax(axis: Int = -1) -> Tensor {
        if rank == 0 {
            _ = Shape.normalize(axis: axis, rank: 1, op: "softmax")
            return reshaped([1]).softmax(axis: 0).reshaped([])
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "softmax")
        let values = count == 0 ? [] : withoutGradients { () -> [Scalar] in
            let shifted = detached() - detached().max(axes: [a], keepDims: true)
            let e = shifted.exp()
            return (e / e.sum(axes: [a], keepDims: true)).scalars
        }
        return Tensor.record("softmax", "axis: \(a)", inputs: NodeInputs(self), shape: shape, scalars: values) { c in
            let p = c.output
            return [p * (c.upstream - (c.upstream * p).sum(axes: [a], keepDims: true))]
        }
    }

    /// log(softmax(x)) along `axis`, computed as x − logSumExp(x) without forming softmax
    /// first, so that it stays finite for logits of ±1000.
    ///
    /// Rule: ∂L/∂x = g − softmax(x) · Σ g.
    ///
    /// A 0-d tensor (axis 0 or −1) gives 0, as in PyTorch; over an empty axis the result is empty.
    ///
    /// ```swift
    /// let logProbabilities = logits.logSoftmax(axis: 1)
    /// ```
    @inlinable
    public func logSoftmax(axis: Int = -1) -> Tensor {
        if rank == 0 {
            _ = Shape.normalize(axis: axis, rank: 1, op: "logSoftmax")
            return reshaped([1]).logSoftmax(axis: 0).reshaped([])
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "logSoftmax")
        let values = withoutGradients { (detached() - detached().logSumExp(axes: [a], keepDims: true)).scalars }
        return Tensor.record("logSoftmax", "axis: \(a)", inputs: NodeInputs(self), shape: shape, scalars: values) { c in
            [c.upstream - c.output.exp() * c.upstream.sum(axes: [a], keepDims: true)]
        }
    }
}

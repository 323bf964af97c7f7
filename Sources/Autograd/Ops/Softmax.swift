extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`, computed stably (logits of ±1000 are fine).
    ///
    /// Its rule is the full Jacobian-vector product, off-diagonal terms included:
    /// ∂L/∂x = p ⊙ (g − Σ g ⊙ p).
    @inlinable
    public func softmax(axis: Int = -1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "softmax")
        let values = withoutGradients { () -> [Scalar] in
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
    @inlinable
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "logSoftmax")
        let values = withoutGradients { (detached() - detached().logSumExp(axes: [a], keepDims: true)).scalars }
        return Tensor.record("logSoftmax", "axis: \(a)", inputs: NodeInputs(self), shape: shape, scalars: values) { c in
            [c.upstream - c.output.exp() * c.upstream.sum(axes: [a], keepDims: true)]
        }
    }
}

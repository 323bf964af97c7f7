extension Tensor {
    /// The elements in reverse order along each of `axes` (NumPy's `flip`): what a subscript
    /// with a negative step reads. Reversing is its own adjoint, so the rule reverses the
    /// upstream gradient along the same axes.
    ///
    /// ```swift
    /// Tensor<Double>([1, 2, 3]).reversed(axes: [0])    // [3, 2, 1]; also x[.stride(by: -1)]
    /// ```
    func reversed(axes: [Int]) -> Tensor {
        let flipped = axes.filter { shape[$0] > 1 }
        if flipped.isEmpty { return self }
        let own = Shape.strides(shape)
        var view = StridedView(offset: 0, strides: own)
        for axis in flipped {
            view.offset += (shape[axis] - 1) * own[axis]
            view.strides[axis] = -own[axis]
        }
        return Tensor.record("reverse", "axes: \(flipped)", input: self, shape: shape,
                             scalars: strided(view, shape: shape)) { c in
            .gradients(c.upstream.reversed(axes: flipped))
        }
    }
}

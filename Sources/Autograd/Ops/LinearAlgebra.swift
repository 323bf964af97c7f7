extension Tensor {
    /// The matrix product. 2-D: [m, k] · [k, n] → [m, n]. With more axes, the leading ones are
    /// batch axes and broadcast (NumPy `matmul` rules). A 1-D operand is treated as a row
    /// (left) or column (right) vector and that axis is dropped from the result; two 1-D
    /// operands give their dot product as a scalar.
    ///
    /// ```swift
    /// let y = x.matmul(w) + b        // x: [batch, in], w: [in, out]
    /// ```
    @inlinable
    public func matmul(_ other: Tensor) -> Tensor {
        require(rank >= 1 && other.rank >= 1, "matmul: \(shape) × \(other.shape): scalars cannot be multiplied as matrices")
        if rank == 1 {
            // [k] · [k] is a scalar: the row axis is then the only one left to drop.
            let product = unsqueezed(at: 0).matmul(other)
            return other.rank == 1 ? product.squeezed(at: 0) : product.squeezed(at: -2)
        }
        if other.rank == 1 { return matmul(other.unsqueezed(at: 1)).squeezed(at: -1) }
        return matmul(other, transposeA: false, transposeB: false)
    }

    /// The product of the last two axes of each operand (leading axes are batch axes and
    /// broadcast), either of them transposed first — read through strides, without copying the
    /// transpose, as `matmul(other.transposed())` would. Its rule is again such products, so
    /// gradients of any order need no copies either.
    ///
    /// ```swift
    /// let scores = q.matmul(k, transposeA: false, transposeB: true)    // q·kᵀ for q, k [batch, heads, T, d]
    /// ```
    @inlinable
    public func matmul(_ other: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        require(rank >= 2 && other.rank >= 2, "matmul: \(shape) × \(other.shape): operands need 2 axes")
        let (ra, ca) = (shape[rank - 2], shape[rank - 1])
        let (rb, cb) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        let (m, k) = transposeA ? (ca, ra) : (ra, ca)
        let (k2, n) = transposeB ? (cb, rb) : (rb, cb)
        require(k == k2, "matmul: \(shape) × \(other.shape): inner dimensions \(k) and \(k2) differ")
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        let batch = batchA == batchB ? batchA : Shape.broadcast(batchA, batchB, op: "matmul (batch axes)")
        var av = Shape.broadcastView(batchA, to: batch), bv = Shape.broadcastView(batchB, to: batch)
        av.strides = av.strides.map { $0 * m * k }
        bv.strides = bv.strides.map { $0 * k * n }
        let outShape = batch + [m, n]
        let total = outShape.reduce(1, *)
        let values = [Scalar](unsafeUninitializedCapacity: total) { out, initialized in
            scalars.withUnsafeBufferPointer { ap in
                other.scalars.withUnsafeBufferPointer { bp in
                    Scalar.kernels.matmul(ap, av, transposeA, bp, bv, transposeB, batch, m, k, n, out)
                }
            }
            initialized = total
        }
        let attributes = transposeA ? (transposeB ? "transposeA, transposeB" : "transposeA") : (transposeB ? "transposeB" : "")
        return Tensor.record("matmul", attributes, inputs: self, other, shape: outShape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            // C = op(A)·op(B): each gradient is one product of g with the other operand.
            var da: Tensor?, db: Tensor?
            if c.needsGradient[0] {
                switch (transposeA, transposeB) {
                case (false, false): da = g.matmul(b, transposeA: false, transposeB: true)   // g·Bᵀ
                case (false, true): da = g.matmul(b, transposeA: false, transposeB: false)   // g·B
                case (true, false): da = b.matmul(g, transposeA: false, transposeB: true)    // B·gᵀ
                case (true, true): da = b.matmul(g, transposeA: true, transposeB: true)      // Bᵀ·gᵀ
                }
            }
            if c.needsGradient[1] {
                switch (transposeA, transposeB) {
                case (false, false): db = a.matmul(g, transposeA: true, transposeB: false)   // Aᵀ·g
                case (false, true): db = g.matmul(a, transposeA: true, transposeB: false)    // gᵀ·A
                case (true, false): db = a.matmul(g, transposeA: false, transposeB: false)   // A·g
                case (true, true): db = g.matmul(a, transposeA: true, transposeB: true)      // gᵀ·Aᵀ
                }
            }
            return .gradients(da?.sum(toShape: a.shape), db?.sum(toShape: b.shape))
        }
    }
}

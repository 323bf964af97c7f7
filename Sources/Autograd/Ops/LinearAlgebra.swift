extension Tensor {
    /// The matrix product. 2-D: [m, k] · [k, n] → [m, n]. With more axes, the leading ones are
    /// batch axes and broadcast (NumPy `matmul` rules). A 1-D operand is treated as a row
    /// (left) or column (right) vector and that axis is dropped from the result; two 1-D
    /// operands give their dot product as a scalar.
    ///
    /// ```swift
    /// let y = x.matmul(w) + b        // x: [batch, in], w: [in, out]
    /// ```
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul: \(shape) × \(other.shape): scalars cannot be multiplied as matrices")
        if rank == 1 {
            // [k] · [k] is a scalar: the row axis is then the only one left to drop.
            let product = unsqueezed(at: 0).matmul(other)
            return other.rank == 1 ? product.squeezed(at: 0) : product.squeezed(at: -2)
        }
        if other.rank == 1 { return matmul(other.unsqueezed(at: 1)).squeezed(at: -1) }
        let (m, k) = (shape[rank - 2], shape[rank - 1])
        let (k2, n) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        precondition(k == k2, "matmul: \(shape) × \(other.shape): inner dimensions \(k) and \(k2) differ")
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        let batch = Shape.broadcast(batchA, batchB, op: "matmul (batch axes)")
        var av = Shape.broadcastView(batchA, to: batch), bv = Shape.broadcastView(batchB, to: batch)
        av.strides = av.strides.map { $0 * m * k }
        bv.strides = bv.strides.map { $0 * k * n }
        let outShape = batch + [m, n]
        let total = outShape.reduce(1, *)
        let values = [Scalar](unsafeUninitializedCapacity: total) { out, initialized in
            scalars.withUnsafeBufferPointer { ap in
                other.scalars.withUnsafeBufferPointer { bp in
                    Scalar._kernels.matmul(ap, av, bp, bv, batch, m, k, n, out)
                }
            }
            initialized = total
        }
        return Tensor.record("matmul", inputs: [self, other], shape: outShape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            return [c.needsGradient[0] ? g.matmul(b.transposed()).sum(toShape: a.shape) : nil,
                    c.needsGradient[1] ? a.transposed().matmul(g).sum(toShape: b.shape) : nil]
        }
    }
}

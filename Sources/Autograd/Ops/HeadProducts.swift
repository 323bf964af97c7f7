// The batched products of multi-head attention, read and written in the layout a linear layer
// gives, [batch, T, heads·d], instead of the [batch, heads, T, d] that `matmul` wants: a head is
// then only other strides (the GEMM takes row and column strides per operand), so splitting and
// merging heads costs no permuted copy, forward or backward. The two ops are each other's rules.

extension Tensor {
    /// The attention scores of every head, q_h·k_hᵀ, from queries [batch, Tq, heads·d] and keys
    /// [batch, Tk, heads·d] (head h is columns h·d..<(h + 1)·d): [batch, heads, Tq, Tk]. The same
    /// as splitting the heads with `reshaped([batch, T, heads, d]).permuted([0, 2, 1, 3])` and
    /// multiplying by the transposed keys, without copying either.
    ///
    /// ```swift
    /// let scores = Tensor.headScores(queries: q, keys: k, heads: 4) / Float(d).squareRoot()
    /// let weights = scores.masked(where: Tensor.triu(rows: t, diagonal: 1), fill: -.infinity).softmax()
    /// let out = Tensor.headOutputs(weights: weights, values: v, heads: 4)        // [batch, T, 4·d]
    /// ```
    @inlinable
    public static func headScores(queries: Tensor, keys: Tensor, heads: Int) -> Tensor {
        if let problem = OpChecks.headProblem("headScores", queries.shape, keys.shape, heads: heads, weights: nil) {
            trap(problem)
        }
        let (batch, tq, width, tk) = (queries.shape[0], queries.shape[1], queries.shape[2], keys.shape[1])
        let d = width / heads
        // Head h of row t of item b starts at b·T·width + t·width + h·d; keys are read transposed.
        let q = MatrixLayout(batch: StridedView(offset: 0, strides: [tq * width, d]), rowStride: width, columnStride: 1)
        let k = MatrixLayout(batch: StridedView(offset: 0, strides: [tk * width, d]), rowStride: 1, columnStride: width)
        let out = MatrixLayout(batch: StridedView(offset: 0, strides: [heads * tq * tk, tq * tk]), rowStride: tk, columnStride: 1)
        let values = stridedProduct(queries, q, keys, k, batch: [batch, heads], m: tq, k: d, n: tk, out, count: batch * heads * tq * tk)
        return record("headScores", "heads: \(heads)", inputs: queries, keys, shape: [batch, heads, tq, tk],
                      scalars: values) { c in
            // S = Q·Kᵀ per head: dQ = dS·K, dK = dSᵀ·Q, both written straight into [batch, T, heads·d].
            let (q, k, g) = (c.inputs[0], c.inputs[1], c.upstream)
            return .gradients(c.needsGradient[0] ? headOutputs(weights: g, values: k, heads: heads, transposeWeights: false) : nil,
                              c.needsGradient[1] ? headOutputs(weights: g, values: q, heads: heads, transposeWeights: true) : nil)
        }
    }

    /// The attention output of every head, p_h·v_h, from weights [batch, heads, Tq, Tk] and values
    /// [batch, Tk, heads·d], with the heads merged: [batch, Tq, heads·d] (head h in columns
    /// h·d..<(h + 1)·d). The same as `weights.matmul(splitValues)` followed by
    /// `permuted([0, 2, 1, 3]).reshaped([batch, Tq, heads·d])`, without the copies.
    ///
    /// ```swift
    /// let out = Tensor.headOutputs(weights: attention, values: v, heads: 4)    // ready for the output projection
    /// ```
    @inlinable
    public static func headOutputs(weights: Tensor, values: Tensor, heads: Int) -> Tensor {
        headOutputs(weights: weights, values: values, heads: heads, transposeWeights: false)
    }

    /// ``headOutputs(weights:values:heads:)`` with each head's weights transposed (stored
    /// [batch, heads, Tk, Tq]) when `transposeWeights`: the rules' other product.
    @inlinable
    static func headOutputs(weights: Tensor, values: Tensor, heads: Int, transposeWeights: Bool) -> Tensor {
        if let problem = OpChecks.headProblem("headOutputs", values.shape, weights.shape, heads: heads, weights: transposeWeights) {
            trap(problem)
        }
        let (batch, rows, columns) = (weights.shape[0], weights.shape[2], weights.shape[3])
        let (tq, tk) = transposeWeights ? (columns, rows) : (rows, columns)
        let width = values.shape[2], d = width / heads
        let p = MatrixLayout(batch: StridedView(offset: 0, strides: [heads * rows * columns, rows * columns]),
                             rowStride: transposeWeights ? 1 : columns, columnStride: transposeWeights ? columns : 1)
        let v = MatrixLayout(batch: StridedView(offset: 0, strides: [tk * width, d]), rowStride: width, columnStride: 1)
        let out = MatrixLayout(batch: StridedView(offset: 0, strides: [tq * width, d]), rowStride: width, columnStride: 1)
        let result = stridedProduct(weights, p, values, v, batch: [batch, heads], m: tq, k: tk, n: d, out, count: batch * tq * width)
        return record("headOutputs", "heads: \(heads)\(transposeWeights ? ", transposeWeights" : "")",
                      inputs: weights, values, shape: [batch, tq, width], scalars: result) { c in
            // O = P·V per head: dP = dO·Vᵀ (scores of dO against V), dV = Pᵀ·dO.
            // With P stored transposed, O = Pᵀ·V: dP = V·dOᵀ, dV = P·dO.
            let (p, v, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let dp = !c.needsGradient[0] ? nil : transposeWeights ? headScores(queries: v, keys: g, heads: heads)
                                                                  : headScores(queries: g, keys: v, heads: heads)
            let dv = c.needsGradient[1] ? headOutputs(weights: p, values: g, heads: heads, transposeWeights: !transposeWeights) : nil
            return .gradients(dp, dv)
        }
    }

    /// The elements of a strided batched product (every layout checked by the caller).
    @inlinable
    static func stridedProduct(_ a: Tensor, _ al: MatrixLayout, _ b: Tensor, _ bl: MatrixLayout, batch: [Int], m: Int, k: Int,
                               n: Int, _ ol: MatrixLayout, count: Int) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
            a.scalars.withUnsafeBufferPointer { ap in
                b.scalars.withUnsafeBufferPointer { bp in
                    Scalar.kernels.stridedMatmul(ap, al, bp, bl, batch, m, k, n, out, ol)
                }
            }
            initialized = count
        }
    }
}

extension OpChecks {
    /// Why `headScores` (queries `x`, keys `y`; `weights` nil) or `headOutputs` (values `x`, weights
    /// `y`, transposed when `weights` is true) cannot run: `x` must be [batch, T, heads·d] with a width divisible by `heads`, and
    /// `y` must match it (keys [batch, Tk, heads·d]; weights [batch, heads, Tq, Tk] with Tk = T).
    @usableFromInline
    package static func headProblem(_ op: String, _ x: [Int], _ y: [Int], heads: Int, weights: Bool?) -> String? {
        let xName = weights == nil ? "queries" : "values"
        guard heads > 0 else { return "\(op): heads (\(heads)) must be positive" }
        guard x.count == 3, x[2] % heads == 0 else {
            return "\(op): \(xName) of shape \(x) are not [batch, T, heads·d] with \(heads) heads"
        }
        if let transposed = weights {
            let tk = transposed ? y.count == 4 ? y[2] : -1 : y.count == 4 ? y[3] : -1
            guard y.count == 4, y[0] == x[0], y[1] == heads, tk == x[1] else {
                return "\(op): weights of shape \(y) are not [\(x[0]), \(heads), Tq, \(x[1])] for values of shape \(x) "
                    + "(batch, heads, queries, keys)"
            }
        } else {
            guard y.count == 3, y[0] == x[0], y[2] == x[2] else {
                return "\(op): keys of shape \(y) are not [\(x[0]), Tk, \(x[2])] for queries of shape \(x)"
            }
        }
        return nil
    }
}

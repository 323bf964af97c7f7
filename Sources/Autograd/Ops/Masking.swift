// Masks for attention: triangular masks of 0 and 1 (`tril`/`triu`, as PyTorch's, with a
// diagonal offset), the triangular parts of a tensor, and `masked(where:fill:)`, which replaces
// the masked elements by a value (−∞ before a softmax). All are compositions of `select`, whose
// rule sends the gradient to the elements that were kept and none to the masked ones.
//
// Softmax and logSoftmax (Softmax.swift) take rows that contain −∞ without producing a NaN, in
// value and gradient; a row that is −∞ everywhere (fully masked) gives zeros and no gradient.

extension Tensor {
    /// A [rows, columns] matrix of 1 on and below the diagonal `diagonal` (0: the main diagonal,
    /// k > 0: k diagonals above it, k < 0: below it) and 0 above, as PyTorch's
    /// `torch.tril(torch.ones(rows, columns), diagonal)`: element (i, j) is 1 where j ≤ i + diagonal.
    ///
    /// ```swift
    /// Tensor<Float>.tril(rows: 3)    // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]: what position i may attend to
    /// ```
    public static func tril(rows: Int, columns: Int? = nil, diagonal: Int = 0) -> Tensor {
        triangle(rows: rows, columns: columns ?? rows, op: "tril") { i, j in j <= i + diagonal }
    }

    /// A [rows, columns] matrix of 1 on and above the diagonal `diagonal` and 0 below, as
    /// PyTorch's `torch.triu(torch.ones(rows, columns), diagonal)`: element (i, j) is 1 where
    /// j ≥ i + diagonal. With `diagonal: 1` it marks the future of each position, the entries a
    /// causal mask removes.
    ///
    /// ```swift
    /// let future = Tensor<Float>.triu(rows: 4, diagonal: 1)
    /// let causal = scores.masked(where: future, fill: -.infinity).softmax()
    /// ```
    public static func triu(rows: Int, columns: Int? = nil, diagonal: Int = 0) -> Tensor {
        triangle(rows: rows, columns: columns ?? rows, op: "triu") { i, j in j >= i + diagonal }
    }

    static func triangle(rows: Int, columns: Int, op: String, _ keep: (Int, Int) -> Bool) -> Tensor {
        require(rows >= 0 && columns >= 0, "\(op): rows (\(rows)) and columns (\(columns)) must not be negative")
        var values = [Scalar](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns where keep(i, j) { values[i * columns + j] = 1 }
        }
        return Tensor(shape: [rows, columns], scalars: values)
    }

    /// The lower triangle of the last two axes (j ≤ i + `diagonal`), zero elsewhere, as
    /// `torch.tril`; the gradient flows to the elements kept. Leading axes are batch axes.
    ///
    /// ```swift
    /// Tensor<Double>(rows: [[1, 2], [3, 4]]).tril()    // [[1, 0], [3, 4]]
    /// ```
    @inlinable
    public func tril(diagonal: Int = 0) -> Tensor {
        require(rank >= 2, "tril: tensor of shape \(shape) has fewer than 2 axes")
        return select(Tensor.tril(rows: shape[rank - 2], columns: shape[rank - 1], diagonal: diagonal), self, Tensor(0))
    }

    /// The upper triangle of the last two axes (j ≥ i + `diagonal`), zero elsewhere, as
    /// `torch.triu`; the gradient flows to the elements kept.
    ///
    /// ```swift
    /// Tensor<Double>(rows: [[1, 2], [3, 4]]).triu()    // [[1, 2], [0, 4]]
    /// ```
    @inlinable
    public func triu(diagonal: Int = 0) -> Tensor {
        require(rank >= 2, "triu: tensor of shape \(shape) has fewer than 2 axes")
        return select(Tensor.triu(rows: shape[rank - 2], columns: shape[rank - 1], diagonal: diagonal), self, Tensor(0))
    }

    /// This tensor with the elements where `mask` is non-zero replaced by `value`, as PyTorch's
    /// `masked_fill`. The mask broadcasts to this tensor's shape (a [T, T] causal mask over
    /// [batch, heads, T, T] scores, a [batch, 1, 1, T] padding mask); it is not differentiated.
    /// The gradient flows to the elements kept; the replaced ones get none.
    ///
    /// With `value` −∞ before a ``softmax(axis:)`` the masked entries get probability 0, with no
    /// NaN in the value or the gradient; a row masked everywhere gives zeros (see `softmax`).
    ///
    /// ```swift
    /// let attention = scores.masked(where: Tensor.triu(rows: t, diagonal: 1), fill: -.infinity).softmax()
    /// ```
    @inlinable
    public func masked(where mask: Tensor, fill value: Scalar) -> Tensor {
        if let problem = OpChecks.maskProblem("masked(where:fill:)", mask: mask.shape, tensor: shape) { trap(problem) }
        return select(mask, Tensor(value), self)
    }
}

// Reductions over any set of axes. `axes: nil` reduces over all of them and `axes: []` over none
// (the tensor is returned as it is: NumPy's meaning; PyTorch's `dim=[]` reduces over all);
// negative axes count from the end; `keepDims` keeps reduced axes with size 1. A 0-d tensor
// accepts axis 0 or −1, like PyTorch. Sums are pairwise (Summation.swift).
//
// max and min route the gradient to the first extreme element in row-major order when
// several tie (the same rule as argmax and as max pooling). Tested in ReductionGradTests and PoolingGradTests.
// Every convention, beside PyTorch's: docs/Conventions.md.

extension Tensor {
    @inlinable
    func reduceForward(_ op: ReduceKernel, axes: [Int], winners: Bool) -> (keepShape: [Int], values: [Scalar], winners: [Int]) {
        var keepShape = shape
        for a in axes { keepShape[a] = 1 }
        let n = keepShape.reduce(1, *)
        require(op == .sum || count > 0 || n == 0, "\(op): cannot reduce an empty axis of shape \(shape)")
        var winnerIndices = [Int](repeating: 0, count: winners ? n : 0)
        let axisSet = Set(axes)
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                winnerIndices.withUnsafeMutableBufferPointer { w in
                    Scalar.kernels.reduce(op, x, shape, axisSet, out, winners ? w.baseAddress : nil)
                }
            }
            initialized = n
        }
        return (keepShape, values, winnerIndices)
    }

    @inlinable
    static func finalShape(_ keepShape: [Int], axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? keepShape : keepShape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// The sum over `axes` (all axes when `nil`, none when `[]`), added pairwise so that a long sum
    /// stays exact to a few ulps. The sum over an empty axis is 0.
    ///
    /// ```swift
    /// let columnTotals = m.sum(axes: [0])
    /// let total = m.sum()
    /// ```
    @inlinable
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = Shape.normalize(axes: axes, rank: rank, op: "sum")
        if axes.isEmpty { return self }
        let (keepShape, values, _) = reduceForward(.sum, axes: axes, winners: false)
        let inShape = shape
        return Tensor.record("sum", "axes: \(axes)\(keepDims ? ", keepDims" : "")", input: self,
                             shape: Tensor.finalShape(keepShape, axes: axes, keepDims: keepDims), scalars: values) { c in
            .gradients(c.upstream.reshaped(keepShape).expanded(to: inShape))
        }
    }

    /// The sum over one axis.
    @inlinable public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// The mean over `axes` (all axes when `nil`, none when `[]`). The mean over an empty axis is
    /// NaN (0 / 0), as in PyTorch.
    ///
    /// ```swift
    /// let columnMeans = m.mean(axes: [0])
    /// ```
    @inlinable
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let normalized = Shape.normalize(axes: axes, rank: rank, op: "mean")
        let n = normalized.map { shape[$0] }.reduce(1, *)
        return sum(axes: normalized, keepDims: keepDims) / Scalar(n)
    }

    /// The mean over one axis.
    @inlinable public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// The largest element over `axes` (all when `nil`, none when `[]`); ties send the gradient to
    /// the first in row-major order (PyTorch's `amax` splits it among them). An empty axis traps.
    ///
    /// ```swift
    /// let rowMax = m.max(axes: [1])
    /// ```
    @inlinable
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extreme(.max, "max", axes: axes, keepDims: keepDims)
    }

    /// The smallest element over `axes` (all when `nil`, none when `[]`); ties send the gradient to
    /// the first in row-major order (PyTorch's `amin` splits it among them). An empty axis traps.
    ///
    /// ```swift
    /// let rowMin = m.min(axes: [1])
    /// ```
    @inlinable
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extreme(.min, "min", axes: axes, keepDims: keepDims)
    }

    /// The largest element over one axis.
    @inlinable public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    /// The smallest element over one axis.
    @inlinable public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    @inlinable
    func extreme(_ op: ReduceKernel, _ name: StaticString, axes: [Int]?, keepDims: Bool) -> Tensor {
        let axes = Shape.normalize(axes: axes, rank: rank, op: name.description)
        if axes.isEmpty { return self }
        let (keepShape, values, winners) = reduceForward(op, axes: axes, winners: true)
        let inShape = shape
        return Tensor.record(OpName(stringLiteral: name), "axes: \(axes)\(keepDims ? ", keepDims" : "")", input: self,
                             shape: Tensor.finalShape(keepShape, axes: axes, keepDims: keepDims), scalars: values) { c in
            // A constant one-hot mask of the winners: the rule is linear in the upstream gradient.
            var mask = Scalar.kernels.filled(0, inShape.reduce(1, *))
            for w in winners { mask[w] = 1 }
            return .gradients(c.upstream.reshaped(keepShape).expanded(to: inShape) * Tensor(shape: inShape, scalars: mask, node: nil))
        }
    }

    /// log Σ exp over `axes`, computed stably (the maximum is subtracted first). Composed
    /// from other ops: its gradient is the softmax over the same axes. Over an empty axis it is
    /// −∞ (the log of an empty sum), as in PyTorch.
    ///
    /// ```swift
    /// let normalizer = logits.logSumExp(axes: [1], keepDims: true)
    /// ```
    @inlinable
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let normalized = Shape.normalize(axes: axes, rank: rank, op: "logSumExp")
        if normalized.contains(where: { shape[$0] == 0 }) {
            // Nothing to shift by: log of an empty sum, −∞ for every output element.
            return exp().sum(axes: normalized, keepDims: keepDims).log()
        }
        // The shift cancels exactly in value and gradient, so it can be a constant.
        let peak = max(axes: normalized, keepDims: true).detached()
        let shift = select(peak.isFiniteMask(), peak, Tensor(0))
        let result = ((self - shift).exp().sum(axes: normalized, keepDims: true)).log() + shift
        return keepDims ? result : result.reshaped(Tensor.finalShape(result.shape, axes: normalized, keepDims: false))
    }

    /// The index of the largest element along `axis` (the first one on ties), as whole
    /// numbers in a tensor of this scalar type. Not differentiable.
    @inlinable
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        argExtreme(.max, axis: axis, keepDims: keepDims)
    }

    /// The index of the smallest element along `axis` (the first one on ties). Not differentiable.
    @inlinable
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor {
        argExtreme(.min, axis: axis, keepDims: keepDims)
    }

    @inlinable
    func argExtreme(_ op: ReduceKernel, axis: Int, keepDims: Bool) -> Tensor {
        if rank == 0 {
            // A 0-d tensor's only element is at index 0 of its one implicit axis (PyTorch: 0).
            _ = Shape.normalize(axis: axis, rank: 1, op: op == .max ? "argmax" : "argmin")
            return Tensor(shape: [], scalars: [0], node: nil)
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: op == .max ? "argmax" : "argmin")
        let (keepShape, _, winners) = reduceForward(op, axes: [a], winners: true)
        let stride = shape[(a + 1)...].reduce(1, *)
        let indices = winners.map { Scalar(($0 / stride) % shape[a]) }
        return Tensor(shape: Tensor.finalShape(keepShape, axes: [a], keepDims: keepDims), scalars: indices, node: nil)
    }

    /// 1 where the element is finite, else 0. Not differentiable.
    @inlinable
    public func isFiniteMask() -> Tensor {
        Tensor(shape: shape, scalars: scalars.map { $0.isFinite ? 1 : 0 }, node: nil)
    }

    /// The variance over `axes` (population variance unless `unbiased`; all axes when `nil`, none
    /// when `[]`, which gives zeros).
    ///
    /// ```swift
    /// let spread = x.variance(axes: [0], unbiased: true)
    /// ```
    @inlinable
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        let normalized = Shape.normalize(axes: axes, rank: rank, op: "variance")
        let n = normalized.map { shape[$0] }.reduce(1, *)
        let centered = self - mean(axes: normalized, keepDims: true)
        return (centered * centered).sum(axes: normalized, keepDims: keepDims) / Scalar(unbiased ? n - 1 : n)
    }
}

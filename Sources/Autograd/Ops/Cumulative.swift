// Cumulative sums along an axis. The adjoint of a running sum from the start is a running sum
// from the end, so each direction is the other's rule (and second derivatives come free).

extension Tensor {
    /// The running sums along `axis` (negative axes count from the end): element i is the sum of
    /// elements 0…i, as `torch.cumsum`; with `reverse`, the sum of elements i…n−1.
    ///
    /// Its rule is the running sum of the upstream gradient in the other direction.
    ///
    /// ```swift
    /// Tensor<Double>([1, 2, 3, 4]).cumulativeSum(axis: 0)                   // [1, 3, 6, 10]
    /// Tensor<Double>([1, 2, 3, 4]).cumulativeSum(axis: 0, reverse: true)    // [10, 9, 7, 4]
    /// ```
    @inlinable
    public func cumulativeSum(axis: Int, reverse: Bool = false) -> Tensor {
        if rank == 0 {
            require(axis == 0 || axis == -1, "cumulativeSum: axis \(axis) is out of range for a scalar (use 0 or -1)")
            return self
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "cumulativeSum")
        let (outer, length, inner) = (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
        let n = count
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { Scalar.kernels.cumulativeSum($0, outer, length, inner, reverse, out) }
            initialized = n
        }
        return Tensor.record("cumulativeSum", "axis: \(a)\(reverse ? ", reverse" : "")", input: self,
                             shape: shape, scalars: values) { c in
            .gradients(c.upstream.cumulativeSum(axis: a, reverse: !reverse))
        }
    }
}

// Picking whole slices by index: an embedding table's rows, a batch's samples.

extension Tensor {
    /// The slices of this tensor at `indices` along `axis`: the result's shape is this tensor's
    /// with axis `axis` replaced by `indices.shape` (NumPy's `take`, PyTorch's `index_select`
    /// for a 1-D index). An index may repeat; its gradients add up.
    ///
    /// ```swift
    /// let table = Tensor<Float>.randomNormal([27, 10], seed: 1)     // an embedding table
    /// let vectors = table.take(Tensor([[1, 5, 5], [0, 2, 26]]))      // [2, 3, 10]
    /// ```
    ///
    /// Its rule adds the upstream gradient back into the picked positions (a scatter), whose
    /// own rule is this pick again: second derivatives flow.
    /// - Precondition: `indices` holds whole numbers in `0..<shape[axis]`.
    @inlinable
    public func take(_ indices: Tensor, axis: Int = 0) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "take")
        let size = shape[a]
        var index = [Int](repeating: 0, count: indices.count)
        let bad = indices.scalars.withUnsafeBufferPointer { x in
            index.withUnsafeMutableBufferPointer { Scalar.kernels.wholeNumbers(x, size, $0) }
        }
        if let bad {
            trap("take: index \(indices.scalars[bad]) at flat position \(bad) of indices \(indices.shape) is not a whole "
                 + "number in 0..<\(size) (axis \(a) of shape \(shape))")
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        // The flat position in this tensor of every element of the result (plain Int arithmetic).
        var offsets = [Int](repeating: 0, count: outer * index.count * inner)
        offsets.withUnsafeMutableBufferPointer { out in
            var o = 0
            for block in 0..<outer {
                for i in index {
                    let start = (block &* size &+ i) &* inner
                    for j in 0..<inner { out[o &+ j] = start &+ j }
                    o &+= inner
                }
            }
        }
        let outShape = Array(shape[..<a]) + indices.shape + Array(shape[(a + 1)...])
        let values = Tensor.makeScalars(count: offsets.count) { out in
            scalars.withUnsafeBufferPointer { x in
                offsets.withUnsafeBufferPointer { Scalar.kernels.gatherByIndex(x, $0, out) }
            }
        }
        let inShape = shape
        return Tensor.record("take", "axis: \(a)", input: self, shape: outShape, scalars: values) { c in
            .gradients(c.upstream.scatteredByIndex(offsets, into: inShape))
        }
    }
}

extension Tensor {
    /// The elements as indices into an axis of `bound` elements, and the flat position of the first
    /// that is not a whole number in 0..<bound (nil when all are): the check `take` makes, through
    /// the loop compiled for the scalar type, for callers in generic code (a layer's lookup), where
    /// converting element by element runs unspecialised.
    package func indexPositions(bound: Int) -> (positions: [Int], firstInvalid: Int?) {
        var positions = [Int](repeating: 0, count: count)
        let bad = scalars.withUnsafeBufferPointer { x in
            positions.withUnsafeMutableBufferPointer { Scalar.kernels.wholeNumbers(x, bound, $0) }
        }
        return (positions, bad)
    }
}

/// Shape arithmetic shared by the ops: strides, broadcasting, axis normalisation.
@usableFromInline
package enum Shape {
    /// The number of elements of a tensor of `shape`, or `nil` when no tensor can have that
    /// shape: a size is negative, or the product of the sizes other than 0 overflows `Int`.
    ///
    /// Zero sizes are left out of the bound on purpose: `[0, 2³², 2³²]` has no elements, but
    /// its strides (2⁶⁴ for axis 0) and the tensor left by summing over its empty axis
    /// (2⁶⁴ elements) cannot be computed. The file readers use this same rule.
    @usableFromInline package static func elementCount(_ shape: [Int]) -> Int? {
        var nonzeroProduct = 1
        var hasZero = false
        for size in shape {
            guard size >= 0 else { return nil }
            if size == 0 { hasZero = true; continue }
            let (product, overflow) = nonzeroProduct.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            nonzeroProduct = product
        }
        return hasZero ? 0 : nonzeroProduct
    }

    /// Row-major strides of a contiguous tensor.
    @usableFromInline static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = acc
            acc *= shape[axis]
        }
        return strides
    }

    /// The NumPy broadcast of two shapes, or a trap naming the op and both shapes.
    @usableFromInline static func broadcast(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                trap("\(op): shapes \(a) and \(b) cannot be broadcast together "
                                    + "(axis \(i) of the result: sizes \(x) and \(y) differ and neither is 1)")
            }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// The view of a contiguous tensor of `shape` broadcast to `target` (stride 0 on
    /// broadcast axes).
    @usableFromInline static func broadcastView(_ shape: [Int], to target: [Int]) -> StridedView {
        let own = strides(shape)
        let lead = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] == target[i + lead] && shape[i] != 1 {
            out[i + lead] = own[i]
        }
        return StridedView(offset: 0, strides: out)
    }

    /// An axis counted from the end when negative, checked against `rank`.
    @usableFromInline static func normalize(axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        require(a >= 0 && a < rank, "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        return a
    }

    @usableFromInline static func normalize(axes: [Int]?, rank: Int, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let out = axes.map { normalize(axis: $0, rank: rank, op: op) }
        require(Set(out).count == out.count, "\(op): axes \(axes) repeat an axis")
        return out.sorted()
    }

    /// The flat positions in a row-major tensor of `shape` named by each position of a tensor of
    /// `indexShape` with its coordinate on `axis` replaced by `index` (gather and scatter-add).
    @usableFromInline static func offsets(replacingAxis axis: Int, with index: [Int], indexShape: [Int], in shape: [Int]) -> [Int] {
        let strides = strides(shape)
        var offsets = [Int](repeating: 0, count: index.count)
        guard !index.isEmpty else { return offsets }
        var position = [Int](repeating: 0, count: indexShape.count)
        for flat in 0..<index.count {
            var offset = 0
            for d in 0..<position.count { offset += (d == axis ? index[flat] : position[d]) * strides[d] }
            offsets[flat] = offset
            var d = indexShape.count - 1
            while d >= 0 {
                position[d] += 1
                if position[d] < indexShape[d] { break }
                position[d] = 0
                d -= 1
            }
        }
        return offsets
    }
}

// Summation that stays accurate on long sums. Adding n numbers one after another lets the
// rounding error grow like n·ε (ten million Float 0.1s came out 9% off); adding them pairwise
// keeps it near log₂(n)·ε, as NumPy and PyTorch do. Every sum the library takes (sum, mean,
// variance, logSumExp, the losses' means, the reductions of broadcast gradients) goes through
// `Loops.sum` below; only the matrix product's inner sums do not (the packed GEMM blocks them).
//
// - Along a contiguous run (the reduced axes innermost): blocks of a few hundred elements are
//   added in 32 (Float) or 16 (Double) independent lanes, which also keeps the vector units
//   busy, the lanes are combined pairwise, and the block totals are combined pairwise.
// - Across rows (a reduced axis with kept axes inside it, such as a bias gradient summed over
//   the batch): groups of up to 16 rows are added four at a time, element by element across the
//   row, and the group totals are combined pairwise.
// Each element's sum then carries at most about (16 + log₂ n)·ε of relative rounding error.

extension Loops {
    /// Sums `x` (of `shape`) over `axes` into `out` (the keep-dims shape, row-major).
    static func sum<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ shape: [Int], _ axes: Set<Int>,
                                     _ out: UnsafeMutableBufferPointer<S>) {
        guard let outBase = out.baseAddress else { return }
        guard let xBase = x.baseAddress, x.count > 0 else {
            outBase.initialize(repeating: 0, count: out.count)   // an empty sum is 0
            return
        }
        // Runs of adjacent axes that are all reduced or all kept are one axis of a contiguous
        // tensor; axes of size 1 change nothing.
        var groups: [(size: Int, reduced: Bool)] = []
        for (axis, size) in shape.enumerated() where size != 1 {
            let reduced = axes.contains(axis)
            if let last = groups.last, last.reduced == reduced {
                groups[groups.count - 1].size *= size
            } else {
                groups.append((size, reduced))
            }
        }
        guard groups.contains(where: \.reduced) else {
            outBase.update(from: xBase, count: out.count)
            return
        }
        // Reduce one run of reduced axes at a time, the innermost first: [outer, R, inner] → [outer, inner].
        var source = UnsafePointer(xBase)
        var owned: UnsafeMutablePointer<S>? = nil
        defer { owned?.deallocate() }
        while let g = groups.lastIndex(where: \.reduced) {
            let outer = groups[..<g].reduce(1) { $0 * $1.size }
            let inner = groups[(g + 1)...].reduce(1) { $0 * $1.size }
            let count = groups[g].size
            groups.remove(at: g)
            let last = !groups.contains(where: \.reduced)
            let target = last ? outBase : UnsafeMutablePointer<S>.allocate(capacity: outer * inner)
            let input = source
            // A large sum is shared by the threads in parts fixed by the shapes alone, each element
            // of the result added in the order one thread adds it: the bits do not depend on the
            // thread count. Rows of the outer axis, or (one block) columns of the kept inner axes,
            // or (a single sum) the subtrees of the pairwise recursion.
            let parts = Parallel.parts(work: outer * count * inner, minimum: sumElementsPerThread)
            if outer > 1 && parts > 1 {
                Parallel.ranges(outer, parts: parts) { start, rows in
                    for o in start..<(start + rows) { sumBlock(input + o * count * inner, count, inner, target + o * inner) }
                }
            } else if outer == 1 && inner > 1 && parts > 1 {
                Parallel.ranges(inner, parts: parts, alignment: 64) { start, width in
                    sumColumns(input + start, count: count, rowStride: inner, width: width, into: target + start)
                }
            } else if outer == 1 && inner == 1 && parts > 1 {
                target[0] = parallelContiguousSum(input, count)
            } else {
                for o in 0..<outer { sumBlock(input + o * count * inner, count, inner, target + o * inner) }
            }
            owned?.deallocate()
            owned = last ? nil : target
            source = UnsafePointer(target)
        }
    }

    /// Elements of a sum worth handing to another thread (measured with Examples bench --only
    /// threads: 2 threads first gain on a sum of 2^17 Floats).
    static let sumElementsPerThread = 1 << 16

    /// One block [count, inner] summed over its rows into `out[0..<inner]`.
    @inline(__always)
    static func sumBlock<S: TensorScalar>(_ block: UnsafePointer<S>, _ count: Int, _ inner: Int,
                                          _ out: UnsafeMutablePointer<S>) {
        if inner == 1 {
            // Shorter than one vector block (32 Floats, 16 Doubles, 8 lanes otherwise), the lanes of
            // `contiguousSum` stay zero and its total is this sum from +0, in order: the same bits,
            // without the call (BatchNorm's mean over [batch, channels, 7] takes thousands of them).
            if count < (S.self == Float.self ? 32 : S.self == Double.self ? 16 : 8) {
                var total: S = 0
                for i in 0..<count { total += block[i] }
                out[0] = total
                return
            }
            out[0] = contiguousSum(block, count)
        } else {
            sumRows(block, count: count, width: inner, into: out)
        }
    }

    /// `contiguousSum` with the top levels of its pairwise recursion (fixed by `n`: at most 16
    /// subtrees) computed on the pool and combined in the recursion's order: the same bits.
    static func parallelContiguousSum<S: TensorScalar>(_ p: UnsafePointer<S>, _ n: Int) -> S {
        // The split of contiguousSum's recursion for this type: blocks of `leaf`, halves rounded
        // down to a multiple of `align`.
        let (leaf, align) = S.self == Float.self ? (512, 32) : S.self == Double.self ? (256, 16) : (128, 8)
        var subtrees: [(start: Int, count: Int)] = []
        func collect(_ start: Int, _ count: Int, _ depth: Int) {
            if depth == 0 || count <= leaf { return subtrees.append((start, count)) }
            let half = (count / 2) & ~(align - 1)
            collect(start, half, depth - 1)
            collect(start + half, count - half, depth - 1)
        }
        collect(0, n, 4)
        let totals = UnsafeMutablePointer<S>.allocate(capacity: subtrees.count)
        defer { totals.deallocate() }
        subtrees.withUnsafeBufferPointer { trees in
            Parallel.forEach(trees.count) { i in totals[i] = contiguousSum(p + trees[i].start, trees[i].count) }
        }
        var next = 0
        func combine(_ count: Int, _ depth: Int) -> S {
            if depth == 0 || count <= leaf {
                defer { next += 1 }
                return totals[next]
            }
            let half = (count / 2) & ~(align - 1)
            let left = combine(half, depth - 1)
            return left + combine(count - half, depth - 1)
        }
        return combine(n, 4)
    }

    /// The sum of `n` contiguous elements, pairwise over blocks, in independent lanes within a block.
    static func contiguousSum<S: TensorScalar>(_ p: UnsafePointer<S>, _ n: Int) -> S {
        if S.self == Float.self {
            let total = floatSum(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), n)
            return unsafeBitCast(total, to: S.self)
        }
        if S.self == Double.self {
            let total = doubleSum(UnsafeRawPointer(p).assumingMemoryBound(to: Double.self), n)
            return unsafeBitCast(total, to: S.self)
        }
        return genericSum(p, n)
    }

    /// Blocks of 512 Floats: 16 additions per lane in 32 lanes.
    static func floatSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        if n > 512 {
            let half = (n / 2) & ~31
            return floatSum(p, half) + floatSum(p + half, n - half)
        }
        let raw = UnsafeRawPointer(p)
        var a = SIMD16<Float>(), b = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            a += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            b += raw.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
            i &+= 32
        }
        var rest: Float = 0
        while i < n {
            rest += p[i]
            i &+= 1
        }
        return pairwise(a + b) + rest
    }

    /// Blocks of 256 Doubles: 16 additions per lane in 16 lanes.
    static func doubleSum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        if n > 256 {
            let half = (n / 2) & ~15
            return doubleSum(p, half) + doubleSum(p + half, n - half)
        }
        let raw = UnsafeRawPointer(p)
        var a = SIMD8<Double>(), b = SIMD8<Double>()
        var i = 0
        while i + 16 <= n {
            a += raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self)
            b += raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 8, as: SIMD8<Double>.self)
            i &+= 16
        }
        var rest: Double = 0
        while i < n {
            rest += p[i]
            i &+= 1
        }
        return pairwise(a + b) + rest
    }

    /// The lanes of a vector added as a balanced tree.
    @inline(__always)
    static func pairwise(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf, four = eight.lowHalf + eight.highHalf, two = four.lowHalf + four.highHalf
        return two.x + two.y
    }

    @inline(__always)
    static func pairwise(_ v: SIMD8<Double>) -> Double {
        let four = v.lowHalf + v.highHalf, two = four.lowHalf + four.highHalf
        return two.x + two.y
    }

    /// The same scheme without vector types (for a scalar type other than Float and Double).
    static func genericSum<S: TensorScalar>(_ p: UnsafePointer<S>, _ n: Int) -> S {
        if n > 128 {
            let half = (n / 2) & ~7
            return genericSum(p, half) + genericSum(p + half, n - half)
        }
        var lanes = (S(0), S(0), S(0), S(0), S(0), S(0), S(0), S(0))
        var i = 0
        while i + 8 <= n {
            lanes.0 += p[i]; lanes.1 += p[i + 1]; lanes.2 += p[i + 2]; lanes.3 += p[i + 3]
            lanes.4 += p[i + 4]; lanes.5 += p[i + 5]; lanes.6 += p[i + 6]; lanes.7 += p[i + 7]
            i += 8
        }
        var rest: S = 0
        while i < n {
            rest += p[i]
            i += 1
        }
        return ((lanes.0 + lanes.1) + (lanes.2 + lanes.3)) + ((lanes.4 + lanes.5) + (lanes.6 + lanes.7)) + rest
    }

    /// out[0..<width] = Σ over `count` rows of `width` contiguous elements (rows one after another):
    /// groups of up to 16 rows, added four at a time as a tree, and group totals combined pairwise.
    /// Wide rows are taken in tiles, so that the partial sums stay in cache.
    static func sumRows<S: TensorScalar>(_ p: UnsafePointer<S>, count: Int, width: Int,
                                         into out: UnsafeMutablePointer<S>) {
        sumColumns(p, count: count, rowStride: width, width: width, into: out)
    }

    /// `sumRows` over `width` columns of rows `rowStride` apart: each column's sum is the one
    /// `sumRows` gives it (columns are added independently), so the columns can be shared out.
    static func sumColumns<S: TensorScalar>(_ p: UnsafePointer<S>, count: Int, rowStride: Int, width: Int,
                                            into out: UnsafeMutablePointer<S>) {
        let tile = 2048
        // One scratch row per level of the pairwise recursion.
        var levels = 1, rows = rowGroup
        while rows < count {
            rows *= 2
            levels += 1
        }
        let tileWidth = Swift.min(width, tile)
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: tileWidth * levels)
        defer { scratch.deallocate() }
        var start = 0
        while start < width {
            let w = Swift.min(tile, width - start)
            sumRowsTile(p + start, rowStride: rowStride, count: count, width: w, into: out + start,
                        scratch: scratch, scratchStride: tileWidth)
            start += w
        }
    }

    /// The most rows added in order (four at a time) before the pairwise recursion splits them.
    static var rowGroup: Int { 16 }

    static func sumRowsTile<S: TensorScalar>(_ p: UnsafePointer<S>, rowStride: Int, count: Int, width: Int,
                                             into out: UnsafeMutablePointer<S>,
                                             scratch: UnsafeMutablePointer<S>, scratchStride: Int) {
        if count <= rowGroup {
            var row = p, done = 0
            while done < count {
                let k = Swift.min(4, count - done)
                addRows(row, rowStride: rowStride, rows: k, width: width, into: out, assign: done == 0)
                row += k * rowStride
                done += k
            }
            return
        }
        let half = count / 2
        sumRowsTile(p, rowStride: rowStride, count: half, width: width, into: out,
                    scratch: scratch + scratchStride, scratchStride: scratchStride)
        sumRowsTile(p + half * rowStride, rowStride: rowStride, count: count - half, width: width, into: scratch,
                    scratch: scratch + scratchStride, scratchStride: scratchStride)
        for j in 0..<width { out[j] += scratch[j] }
    }

    /// out (= or +=) the sum of 1…4 rows, added as a tree, in one pass over `out`.
    @inline(__always)
    static func addRows<S: TensorScalar>(_ p: UnsafePointer<S>, rowStride: Int, rows: Int, width: Int,
                                         into out: UnsafeMutablePointer<S>, assign: Bool) {
        let r0 = p, r1 = p + rowStride, r2 = p + 2 * rowStride, r3 = p + 3 * rowStride
        switch (rows, assign) {
        case (4, true): for j in 0..<width { out[j] = (r0[j] + r1[j]) + (r2[j] + r3[j]) }
        case (4, false): for j in 0..<width { out[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]) }
        case (3, true): for j in 0..<width { out[j] = (r0[j] + r1[j]) + r2[j] }
        case (3, false): for j in 0..<width { out[j] += (r0[j] + r1[j]) + r2[j] }
        case (2, true): for j in 0..<width { out[j] = r0[j] + r1[j] }
        case (2, false): for j in 0..<width { out[j] += r0[j] + r1[j] }
        case (_, true): out.update(from: r0, count: width)
        default: for j in 0..<width { out[j] += r0[j] }
        }
    }
}

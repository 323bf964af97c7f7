import CKernels
import Dispatch

/// A value handed to the threads of one product; each thread writes a disjoint part of C.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An element type with register-blocked micro-kernels in the C target.
protocol GemmScalar: TensorScalar {
    static func tileRows(_ isa: Int32) -> Int
    static func tileColumns(_ isa: Int32) -> Int
    static func tile(_ isa: Int32, _ kc: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                     _ c: UnsafeMutablePointer<Self>, _ ldc: Int, _ mr: Int, _ nr: Int, accumulate: Bool)
    /// C = A·B for row-major B and A (row stride lda, column stride acs) read in place (see
    /// `ck_sgemm_direct`).
    static func direct(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ lda: Int, _ acs: Int,
                       _ b: UnsafePointer<Self>, _ ldb: Int, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    /// C = A·Btᵀ for row-major A and Bt read in place (see `ck_sgemm_direct_nt`); false when this
    /// type has no such kernel and the product must be packed.
    static func directTransposedB(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ lda: Int,
                                  _ bt: UnsafePointer<Self>, _ ldb: Int, _ c: UnsafeMutablePointer<Self>, _ ldc: Int) -> Bool
    static var hasDirectTransposedB: Bool { get }
    /// C = op(A)·op(B) by the platform's CBLAS (see `ck_sgemm_blas`); false when there is none.
    static func blas(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>,
                     _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int, _ c: UnsafeMutablePointer<Self>, _ ldc: Int) -> Bool
}

extension Float: GemmScalar {
    static func blas(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
                     _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Bool {
        ck_sgemm_blas(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc) != 0
    }
    static func tileRows(_ isa: Int32) -> Int { Int(ck_sgemm_mr(isa)) }
    static func tileColumns(_ isa: Int32) -> Int { Int(ck_sgemm_nr(isa)) }
    static func tile(_ isa: Int32, _ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ mr: Int, _ nr: Int, accumulate: Bool) {
        ck_sgemm_tile(isa, kc, a, b, c, ldc, Int32(mr), Int32(nr), accumulate ? 1 : 0)
    }
    static func direct(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ acs: Int,
                       _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        ck_sgemm_direct(isa, m, n, k, a, lda, acs, b, ldb, c, ldc)
    }
    static func directTransposedB(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                                  _ bt: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Bool {
        ck_sgemm_direct_nt(isa, m, n, k, a, lda, bt, ldb, c, ldc)
        return true
    }
    static var hasDirectTransposedB: Bool { true }
}

extension Double: GemmScalar {
    static func blas(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>,
                     _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) -> Bool {
        ck_dgemm_blas(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc) != 0
    }
    static func tileRows(_ isa: Int32) -> Int { Int(ck_dgemm_mr(isa)) }
    static func tileColumns(_ isa: Int32) -> Int { Int(ck_dgemm_nr(isa)) }
    static func tile(_ isa: Int32, _ kc: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                     _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ mr: Int, _ nr: Int, accumulate: Bool) {
        ck_dgemm_tile(isa, kc, a, b, c, ldc, Int32(mr), Int32(nr), accumulate ? 1 : 0)
    }
    static func direct(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int, _ acs: Int,
                       _ b: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        ck_dgemm_direct(isa, m, n, k, a, lda, acs, b, ldb, c, ldc)
    }
    static func directTransposedB(_ isa: Int32, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int,
                                  _ bt: UnsafePointer<Double>, _ ldb: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) -> Bool {
        false
    }
    static var hasDirectTransposedB: Bool { false }
}

/// Blocked, packed matrix multiplication (the BLIS loop nest) around the C micro-kernels:
/// C[m×n] = A[m×k] · B[k×n], where A and B are read through arbitrary row and column
/// strides (so a transposed operand costs no copy) and C is row-major with leading dimension ldc.
/// C is overwritten (the first block of k stores, later ones add): it needs no zeroing.
enum Gemm {
    /// The instruction set chosen at run time: 2 AVX-512, 1 AVX2+FMA, 0 portable C.
    static let isa = ck_isa()
    /// Block sizes: a kc×nr panel of B stays in L1, an mc×kc block of A in L2.
    static let kc = 256, mc = 96, nc = 3072
    /// The fewest multiply-adds worth handing to another thread: a product is split into at most
    /// one part per thread and no part smaller than this. Measured (Examples bench --only threads,
    /// best of runs on a 2-core machine): 2 threads first gain at 2^20 multiply-adds (32×64×512,
    /// 64×128×128), not at 96×96×96.
    static let workPerThread = 1 << 19
    /// Below this many multiply-adds, one thread does the whole product.
    static let parallelThreshold = 2 * workPerThread
    /// Row-major operands with at most this many elements together (192 KiB of Float: they stay
    /// in L2) are multiplied in place, without packing.
    static let directLimit = 48 * 1024
    /// The same for A·Bᵀ read in place: B's rows are read once per four rows of A, from L2 (an
    /// LSTM's [512×128] recurrent weight is 64K elements).
    static let directTransposedLimit = 160 * 1024

    struct Operand<T> {
        let base: UnsafePointer<T>
        let rowStride: Int
        let columnStride: Int

        /// How CBLAS reads this [rows × columns] operand: row-major (not transposed, leading
        /// dimension the row stride) or the transpose of a row-major matrix; nil for any other
        /// layout (a broadcast, a strided view), which the package's own kernels multiply.
        func blasLayout(rows: Int, columns: Int) -> (transposed: Bool, leading: Int)? {
            if columnStride == 1 && rowStride >= Swift.max(1, columns) { return (false, rowStride) }
            if rowStride == 1 && columnStride >= Swift.max(1, rows) { return (true, columnStride) }
            return nil
        }
    }

    /// Whether the package was built with a platform BLAS (Accelerate on Apple platforms,
    /// OpenBLAS with AUTOGRAD_BLAS=openblas).
    static let hasBLAS = ck_blas_available() != 0
    /// The fewest multiply-adds handed to the platform's BLAS. Accelerate's: 2^18 (64³), a guess
    /// not yet measured on a Mac. The OpenBLAS stand-in takes every product, so that every call
    /// shape of the package's tests goes through CBLAS. Settable for tests.
    nonisolated(unsafe) static var blasMinimumWork: Int = {
        #if canImport(Darwin)
        return 1 << 18
        #else
        return 0
        #endif
    }()

    /// `isa` picks the micro-kernels (tests run every one this CPU supports); `direct: false`
    /// packs even operands the direct kernel could read in place (tests of the packed path).
    static func multiply<T: GemmScalar>(m: Int, n: Int, k: Int, a: Operand<T>, b: Operand<T>,
                                        c: UnsafeMutablePointer<T>, ldc: Int, isa: Int32 = Gemm.isa,
                                        direct: Bool = true) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        if hasBLAS && m * n * k >= blasMinimumWork, let la = a.blasLayout(rows: m, columns: k),
           let lb = b.blasLayout(rows: k, columns: n),
           T.blas(la.transposed, lb.transposed, m, n, k, a.base, la.leading, b.base, lb.leading, c, ldc) {
            return
        }
        if direct && readsDirectly(m: m, n: n, k: k, a: a, b: b) {
            // Packing would cost a pass over both operands for nothing: they are in cache, B is
            // row-major and A row-major or transposed (the Aᵀ·g of a matmul's backward).
            byRowBands(m: m, work: m * n * k, tileRows: 6) { i0, rows in
                T.direct(isa, rows, n, k, a.base + i0 * a.rowStride, a.rowStride, a.columnStride, b.base, b.rowStride,
                         c + i0 * ldc, ldc)
            }
            return
        }
        if direct && readsTransposedDirectly(m: m, n: n, k: k, a: a, b: b) {
            // B is the transpose of a row-major matrix (a weight kept as [out, in], or the Bᵀ of
            // a matmul's backward): dot products of rows, where packing would transpose B first.
            let ldb = b.columnStride
            byRowBands(m: m, work: m * n * k, tileRows: 4) { i0, rows in
                _ = T.directTransposedB(isa, rows, n, k, a.base + i0 * a.rowStride, a.rowStride, b.base, ldb, c + i0 * ldc, ldc)
            }
            return
        }
        let mr = T.tileRows(isa), nr = T.tileColumns(isa)
        let parts = Parallel.parts(work: m * n * k, minimum: workPerThread)
        guard parts > 1 else {
            multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, isa: isa, threads: 1)
            return
        }
        // One part per thread, each the whole loop nest on a band of C's rows (or, for a wide and
        // short C, of its columns) at least two tiles high (wide): one hand-off per product instead of
        // one per packed block, and each thread packs its own panels. (Packing B once per part costs
        // 1/(rows of a part) of the work.)
        let rowTiles = (m + mr - 1) / mr, columnPanels = (n + nr - 1) / nr
        let splitRows = rowTiles >= 4 && (m >= n || columnPanels < 4)
        let splitColumns = !splitRows && columnPanels >= 4
        guard splitRows || splitColumns else {
            multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, isa: isa, threads: parts)
            return
        }
        let units = splitRows ? rowTiles : columnPanels, unit = splitRows ? mr : nr
        let pieces = Swift.min(parts, units / 2)
        let shared = Unchecked((a, b, c))
        Parallel.forEach(pieces) { t in
            let (a, b, c) = shared.value
            let start = t * units / pieces * unit, end = Swift.min(splitRows ? m : n, (t + 1) * units / pieces * unit)
            if splitRows {
                let part = Operand(base: a.base + start * a.rowStride, rowStride: a.rowStride, columnStride: a.columnStride)
                multiply(m: end - start, n: n, k: k, a: part, b: b, c: c + start * ldc, ldc: ldc, isa: isa, threads: 1)
            } else {
                let part = Operand(base: b.base + start * b.columnStride, rowStride: b.rowStride, columnStride: b.columnStride)
                multiply(m: m, n: end - start, k: k, a: a, b: part, c: c + start, ldc: ldc, isa: isa, threads: 1)
            }
        }
    }

    /// Whether `multiply` reads A and row-major B in place (both in cache: see `directLimit`).
    static func readsDirectly<T>(m: Int, n: Int, k: Int, a: Operand<T>, b: Operand<T>) -> Bool {
        (a.columnStride == 1 || a.rowStride == 1) && b.columnStride == 1 && m * k + k * n <= directLimit
    }

    /// Whether `multiply` reads row-major A and transposed B in place (see `directTransposedLimit`).
    static func readsTransposedDirectly<T: GemmScalar>(m: Int, n: Int, k: Int, a: Operand<T>, b: Operand<T>) -> Bool {
        T.hasDirectTransposedB && a.columnStride == 1 && b.rowStride == 1 && m * k + k * n <= directTransposedLimit
    }

    /// Whether `multiply` packs its operands for this product (neither the platform's BLAS nor a
    /// direct kernel takes it): then a B used by many products is worth packing once (`PackedB`).
    static func packs<T: GemmScalar>(m: Int, n: Int, k: Int, a: Operand<T>, b: Operand<T>) -> Bool {
        guard m > 0, n > 0, k > 0 else { return false }
        if hasBLAS && m * n * k >= blasMinimumWork && a.blasLayout(rows: m, columns: k) != nil
            && b.blasLayout(rows: k, columns: n) != nil { return false }
        return !readsDirectly(m: m, n: n, k: k, a: a, b: b) && !readsTransposedDirectly(m: m, n: n, k: k, a: a, b: b)
    }

    /// `body(firstRow, rowCount)` over all `m` rows: on this thread for a product too small to
    /// hand off (see `workPerThread`), else in one band of rows per thread (each a whole number of
    /// `tileRows` but the last). For the direct kernels, which read the operands in place and so
    /// split C by rows with nothing to share.
    private static func byRowBands(m: Int, work: Int, tileRows: Int, _ body: (Int, Int) -> Void) {
        let parts = Parallel.parts(work: work, minimum: workPerThread, limit: (m + tileRows - 1) / tileRows)
        Parallel.ranges(m, parts: parts, alignment: tileRows, body)
    }

    /// The loop nest on one thread, or with `threads` > 1 splitting each packed block between
    /// that many (for products too narrow to split in bands).
    private static func multiply<T: GemmScalar>(m: Int, n: Int, k: Int, a: Operand<T>, b: Operand<T>,
                                                c: UnsafeMutablePointer<T>, ldc: Int, isa: Int32, threads: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        let mr = T.tileRows(isa), nr = T.tileColumns(isa)
        // Buffers sized for this product (a small product must not pay for a 3 MB block).
        let kcMax = Swift.min(kc, k), ncMax = Swift.min(nc, n), mcMax = Swift.min(mc, m)
        let packedB = UnsafeMutablePointer<T>.allocate(capacity: kcMax * (ncMax + nr))
        let packedA = UnsafeMutablePointer<T>.allocate(capacity: (mcMax + mr) * kcMax * threads)
        defer {
            packedB.deallocate()
            packedA.deallocate()
        }
        for jc in stride(from: 0, to: n, by: nc) {
            let ncBlock = Swift.min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kcBlock = Swift.min(kc, k - pc)
                packB(b, rows: pc, kcBlock, columns: jc, ncBlock, nr: nr, into: packedB)
                let icBlocks = (m + mc - 1) / mc
                let columnPanels = (ncBlock + nr - 1) / nr
                // The threads split the row blocks when there are several, else the column panels.
                if threads > 1 && icBlocks >= 2 {
                    let pieces = Swift.min(threads, icBlocks)
                    let shared = Unchecked((a, packedA, packedB, c))
                    Parallel.forEach(pieces) { t in
                        let (a, packedA, packedB, c) = shared.value
                        let myA = packedA + t * (mcMax + mr) * kcMax
                        for icIndex in stride(from: t, to: icBlocks, by: pieces) {
                            let ic = icIndex * mc, mcBlock = Swift.min(mc, m - ic)
                            packA(a, rows: ic, mcBlock, columns: pc, kcBlock, mr: mr, into: myA)
                            macroKernel(isa, mcBlock, ncBlock, kcBlock, myA, packedB, c + ic * ldc + jc, ldc,
                                        panels: 0..<columnPanels, accumulate: pc > 0)
                        }
                    }
                } else {
                    for ic in stride(from: 0, to: m, by: mc) {
                        let mcBlock = Swift.min(mc, m - ic)
                        packA(a, rows: ic, mcBlock, columns: pc, kcBlock, mr: mr, into: packedA)
                        let target = c + ic * ldc + jc
                        if threads > 1 && columnPanels >= 2 {
                            let pieces = Swift.min(threads, columnPanels)
                            let share = (columnPanels + pieces - 1) / pieces
                            let shared = Unchecked((packedA, packedB, target))
                            Parallel.forEach(pieces) { t in
                                let (packedA, packedB, target) = shared.value
                                let panels = (t * share)..<Swift.min(columnPanels, (t + 1) * share)
                                macroKernel(isa, mcBlock, ncBlock, kcBlock, packedA, packedB, target, ldc, panels: panels,
                                            accumulate: pc > 0)
                            }
                        } else {
                            macroKernel(isa, mcBlock, ncBlock, kcBlock, packedA, packedB, target, ldc,
                                        panels: 0..<columnPanels, accumulate: pc > 0)
                        }
                    }
                }
            }
        }
    }

    /// All micro-tiles of an mc×nc block, over the given panels of nr columns.
    static func macroKernel<T: GemmScalar>(_ isa: Int32, _ mcBlock: Int, _ ncBlock: Int, _ kcBlock: Int,
                                                   _ packedA: UnsafeMutablePointer<T>, _ packedB: UnsafeMutablePointer<T>,
                                                   _ c: UnsafeMutablePointer<T>, _ ldc: Int, panels: Range<Int>,
                                                   accumulate: Bool) {
        let mr = T.tileRows(isa), nr = T.tileColumns(isa)
        for panel in panels {
            let jr = panel * nr
            let nrValid = Swift.min(nr, ncBlock - jr)
            let bPanel = packedB + panel * nr * kcBlock
            for ir in stride(from: 0, to: mcBlock, by: mr) {
                let mrValid = Swift.min(mr, mcBlock - ir)
                T.tile(isa, kcBlock, packedA + (ir / mr) * mr * kcBlock, bPanel, c + ir * ldc + jr, ldc, mrValid, nrValid,
                       accumulate: accumulate)
            }
        }
    }

    // The packing loops below run once per element of each block: their index arithmetic is
    // wrapping (`&+`, `&*`: the sizes are bounded by the buffers) and their pointers step
    // instead of being recomputed, so that they compile to plain moves.

    /// Packs B[rows, columns] into panels of nr columns: for each p, nr consecutive values
    /// (zero beyond the matrix edge).
    static func packB<T: GemmScalar>(_ b: Operand<T>, rows p0: Int, _ kcBlock: Int, columns j0: Int, _ ncBlock: Int,
                                             nr: Int, into out: UnsafeMutablePointer<T>) {
        let rs = b.rowStride, cs = b.columnStride
        var o = out
        for jr in stride(from: 0, to: ncBlock, by: nr) {
            let valid = Swift.min(nr, ncBlock - jr)
            let corner = b.base + (p0 &* rs &+ (j0 &+ jr) &* cs)
            if valid < nr { o.initialize(repeating: 0, count: kcBlock &* nr) }
            if cs == 1 {
                // Row-major B: each row of the panel is a run of memory.
                var row = corner, dst = o
                for _ in 0..<kcBlock {
                    for j in 0..<valid { dst[j] = row[j] }
                    row += rs
                    dst += nr
                }
            } else {
                // Transposed (or strided) B: read each column of the panel along memory, write it
                // strided into the L1-sized panel.
                for j in 0..<valid {
                    var column = corner + j &* cs, dst = o + j
                    for _ in 0..<kcBlock {
                        dst.pointee = column.pointee
                        column += rs
                        dst += nr
                    }
                }
            }
            o += kcBlock &* nr
        }
    }

    /// Packs A[rows, columns] into panels of mr rows: for each p, mr consecutive values
    /// (zero beyond the matrix edge).
    static func packA<T: GemmScalar>(_ a: Operand<T>, rows i0: Int, _ mcBlock: Int, columns p0: Int, _ kcBlock: Int,
                                             mr: Int, into out: UnsafeMutablePointer<T>) {
        let rs = a.rowStride, cs = a.columnStride
        var o = out
        for ir in stride(from: 0, to: mcBlock, by: mr) {
            let valid = Swift.min(mr, mcBlock - ir)
            let corner = a.base + ((i0 &+ ir) &* rs &+ p0 &* cs)
            if valid == 6 && mr == 6 {
                // A whole panel of the kernels' six rows: six streams read along p, whether A is
                // row-major (each row a run of memory) or transposed (each column one).
                let r0 = corner, r1 = corner + rs, r2 = corner + 2 &* rs
                let r3 = corner + 3 &* rs, r4 = corner + 4 &* rs, r5 = corner + 5 &* rs
                var q = 0
                for _ in 0..<kcBlock {
                    o[0] = r0[q]; o[1] = r1[q]; o[2] = r2[q]; o[3] = r3[q]; o[4] = r4[q]; o[5] = r5[q]
                    q &+= cs
                    o += 6
                }
                continue
            }
            for p in 0..<kcBlock {
                let column = corner + p &* cs
                for i in 0..<valid { o[i] = column[i &* rs] }
                for i in valid..<mr { o[i] = 0 }
                o += mr
            }
        }
    }
}

// A right operand packed once for many products: a recurrent layer multiplies the state by the
// same weight at every step (h·W_hhᵀ forward, ∂L/∂gates·W_hh backward), and `Gemm.multiply`
// packed that weight again for each of them — a pass over 64K elements per step for a product
// of 2M multiply-adds, an eighth of its work. Packed once per sequence, each step packs only
// its small left operand. The blocking, the micro-kernels and the order of the sums are those of
// `Gemm.multiply`'s packed path, so each element of C is the same bits.

extension Gemm {
    /// B [k, n] in the packed layout of `Gemm.multiply`'s loop nest: for each block of nc columns,
    /// for each block of kc rows, panels of nr columns (`packB`), all blocks one after another.
    final class PackedB<T: GemmScalar> {
        let k: Int
        let n: Int
        let isa: Int32
        let storage: UnsafeMutablePointer<T>

        /// Packs `b` read through its strides.
        init(_ b: Operand<T>, k: Int, n: Int, isa: Int32 = Gemm.isa) {
            (self.k, self.n, self.isa) = (k, n, isa)
            let nr = T.tileColumns(isa)
            storage = .allocate(capacity: Swift.max(1, Self.count(k: k, n: n, nr: nr)))
            var offset = 0
            for jc in stride(from: 0, to: n, by: nc) {
                let ncBlock = Swift.min(nc, n - jc), width = (ncBlock + nr - 1) / nr * nr
                for pc in stride(from: 0, to: k, by: kc) {
                    let kcBlock = Swift.min(kc, k - pc)
                    packB(b, rows: pc, kcBlock, columns: jc, ncBlock, nr: nr, into: storage + offset)
                    offset += kcBlock * width
                }
            }
        }

        deinit { storage.deallocate() }

        /// The elements of the packed layout: every block's columns rounded up to whole panels.
        static func count(k: Int, n: Int, nr: Int) -> Int {
            var total = 0
            for jc in stride(from: 0, to: n, by: nc) { total += k * ((Swift.min(nc, n - jc) + nr - 1) / nr * nr) }
            return total
        }
    }

    /// C[m×n] = A[m×k] · B for B packed beforehand (C overwritten). Split between threads as
    /// `multiply` splits a wide product: by bands of B's column panels, each thread packing A.
    static func multiply<T: GemmScalar>(m: Int, a: Operand<T>, packed b: PackedB<T>, c: UnsafeMutablePointer<T>, ldc: Int) {
        let (n, k, isa) = (b.n, b.k, b.isa)
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        let nr = T.tileColumns(isa), mr = T.tileRows(isa)
        let panels = (n + nr - 1) / nr
        let pieces = Swift.max(1, Swift.min(Parallel.parts(work: m * n * k, minimum: workPerThread), panels / 2))
        let packedA = UnsafeMutablePointer<T>.allocate(capacity: (Swift.min(mc, m) + mr) * Swift.min(kc, k) * pieces)
        defer { packedA.deallocate() }
        let shared = Unchecked((a, b, c, packedA))
        // Each piece takes the columns [first, end) (whole panels), through every block they cross.
        func piece(_ t: Int) {
            let (a, b, c, packedA) = shared.value
            let myA = packedA + t * (Swift.min(mc, m) + mr) * Swift.min(kc, k)
            let first = t * panels / pieces * nr, end = Swift.min(n, (t + 1) * panels / pieces * nr)
            var offset = 0
            for jc in stride(from: 0, to: n, by: nc) {
                let ncBlock = Swift.min(nc, n - jc), width = (ncBlock + nr - 1) / nr * nr
                let lower = Swift.max(first, jc) - jc, upper = Swift.min(end, jc + ncBlock) - jc
                for pc in stride(from: 0, to: k, by: kc) {
                    let kcBlock = Swift.min(kc, k - pc)
                    if lower < upper {
                        for ic in stride(from: 0, to: m, by: mc) {
                            let mcBlock = Swift.min(mc, m - ic)
                            packA(a, rows: ic, mcBlock, columns: pc, kcBlock, mr: mr, into: myA)
                            macroKernel(isa, mcBlock, ncBlock, kcBlock, myA, b.storage + offset, c + ic * ldc + jc, ldc,
                                        panels: (lower / nr)..<((upper + nr - 1) / nr), accumulate: pc > 0)
                        }
                    }
                    offset += kcBlock * width
                }
            }
        }
        if pieces > 1 { Parallel.forEach(pieces, piece) } else { piece(0) }
    }
}

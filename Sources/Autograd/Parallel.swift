import CKernels

/// Work split over the pool of persistent worker threads in Sources/CKernels/parallel.c: the
/// GEMM's parts, the parts of a batch of small products, of large elementwise maps and sums.
///
/// Every split here depends on the sizes only through `parts(…)`, and every part computes its
/// elements exactly as one thread would: results are the same bits for every thread count.
enum Parallel {
    /// The threads a job can use, this one included (`AUTOGRAD_THREADS`, else the cores; read once).
    static let threadCount = Int(ck_thread_count())

    /// `body(i)` for every i in 0..<count, across the pool (this thread takes part); returns when
    /// all are done. The parts run concurrently: each must write only its own memory.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = body
            withUnsafeMutablePointer(to: &job) { pointer in
                ck_parallel_for({ context, index in
                    guard let context else { return }
                    context.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer, count)
            }
        }
    }

    /// How many parts `work` is split into: one per thread, but none smaller than `minimum`
    /// and at most `limit`; 1 when the work is too small to hand off.
    static func parts(work: Int, minimum: Int, limit: Int = .max) -> Int {
        Swift.max(1, Swift.min(threadCount, work / Swift.max(1, minimum), limit))
    }

    /// `body(start, count)` over 0..<n in `parts` consecutive ranges, each starting at a multiple
    /// of `alignment` (the last one takes the rest), on the pool.
    static func ranges(_ n: Int, parts: Int, alignment: Int = 1, _ body: (Int, Int) -> Void) {
        let units = (n + alignment - 1) / alignment
        let parts = Swift.max(1, Swift.min(parts, units))
        if parts == 1 { return body(0, n) }
        forEach(parts) { t in
            let start = Swift.min(n, t * units / parts * alignment)
            let end = Swift.min(n, (t + 1) * units / parts * alignment)
            if end > start { body(start, end - start) }
        }
    }
}

import CKernels

/// Work split between the calling thread and one persistent worker (see Sources/CKernels/parallel.c):
/// the GEMM's two halves and the halves of a batch of small products.
enum Parallel {
    /// Runs `body(0)` here and `body(1)` on the worker, and returns when both are done.
    static func two(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var job = body
            withUnsafeMutablePointer(to: &job) { pointer in
                ck_parallel2({ context, index in
                    guard let context else { return }
                    context.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer)
            }
        }
    }
}

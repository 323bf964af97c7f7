import CKernels

/// Keeps glibc's allocator from returning tensor-sized blocks to the kernel after every op.
///
/// By default glibc serves blocks above 128 KiB (a 32×8×28×28 activation is 800 KB) with a fresh
/// `mmap` and trims the heap's free top, so each training step re-faults and re-zeroes its pages:
/// a quarter of a small CNN step went to page faults. Raising the thresholds once (blocks up to
/// 32 MiB from the heap, up to 64 MiB of free top kept) lets freed buffers be reused, as PyTorch's
/// caching allocator does; resident memory stays bounded by the largest step's working set.
/// Elsewhere (macOS, musl) nothing changes.
enum Allocator {
    /// Called when a scalar type's kernel table is built (once per type; repeating it is harmless).
    static func tune() { _ = ck_tune_allocator() }
}

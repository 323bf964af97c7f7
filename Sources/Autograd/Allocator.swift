import CKernels
import Foundation

/// Keeps glibc's allocator from returning tensor-sized blocks to the kernel after every op.
///
/// By default glibc serves blocks above 128 KiB (a 32×8×28×28 activation is 800 KB) with a fresh
/// `mmap` and trims the heap's free top, so each training step re-faults and re-zeroes its pages:
/// a quarter of a small CNN step went to page faults. Raising the thresholds once (blocks up to
/// 32 MiB from the heap, up to 64 MiB of free top kept) lets freed buffers be reused, as PyTorch's
/// caching allocator does; resident memory stays bounded by the largest step's working set.
/// Blocks of up to 112 bytes only are kept in glibc's "fast" lists (128 by default, the size of
/// a tape node's block: freeing a long graph filled them, and the next large request merged them
/// one by one). Elsewhere (macOS, musl) nothing changes.
///
/// The setting is process-wide, so a program that embeds the library and tunes glibc itself
/// can keep its own settings: set `AUTOGRAD_KEEP_MALLOC_DEFAULTS=1` in the environment (which also
/// turns off handing memory back after a long graph, ``returnMemory(afterFreeing:)``).
enum Allocator {
    /// The environment variable that turns the tuning off.
    static let optOutVariable = "AUTOGRAD_KEEP_MALLOC_DEFAULTS"

    /// Whether the program asked the library to leave the allocator alone.
    static let isOptedOut: Bool = {
        guard let value = ProcessInfo.processInfo.environment[optOutVariable] else { return false }
        return !value.isEmpty && value != "0"
    }()

    /// Whether the tuning was applied (false when opted out or on a platform without glibc).
    static let isTuned: Bool = !isOptedOut && ck_tune_allocator() != 0

    /// Called when a scalar type's kernel table is built; the tuning itself runs once.
    static func tune() { _ = isTuned }
}

extension Allocator {
    /// The fewest nodes a freed graph must have for its memory to be handed back (about 12 MiB of
    /// nodes): smaller graphs are what a training step builds and frees, and its next step reuses
    /// the memory.
    static let returnThreshold = 1 << 16

    /// Hands memory back to the system after this thread freed a graph of `nodes` nodes, when the
    /// graph was long (see ``returnThreshold``) and more than twice as long as the longest this
    /// thread freed lately.
    ///
    /// A million-op scalar graph leaves some 200 MiB of freed nodes in the allocator's free lists,
    /// which keeps them. A training loop frees graphs of the same few sizes every step: it hands
    /// memory back in its first step only, and keeps it from then on (handing it back every step
    /// would fault the pages in again every step). "Lately": the longest is forgotten by an eighth
    /// at each long graph freed, so that a loop whose graphs shrink for good hands memory back
    /// again once a graph comes that is twice as long as those.
    static func returnMemory(afterFreeing nodes: Int) {
        guard nodes >= returnThreshold, !isOptedOut else { return }
        let tape = ThreadTape.current
        let longest = tape.longestGraphFreed
        tape.longestGraphFreed = Swift.max(nodes, longest - longest / 8)
        guard nodes > 2 * longest else { return }
        if ck_return_free_memory() != 0 { tape.memoryReturns += 1 }
    }
}

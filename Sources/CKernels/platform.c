#include "CKernels.h"

#if defined(__linux__)
#include <malloc.h>
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#endif

// See Sources/Autograd/Allocator.swift: glibc's defaults return every block above 128 KiB to
// the kernel on free, so a training step re-faults its buffers; keep them instead.
// (M_MMAP_THRESHOLD is glibc's; musl and other platforms leave their allocator alone.)
int ck_tune_allocator(void) {
#if defined(__linux__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#if defined(M_MXFAST)
    // A tape node's block is 128 bytes, which glibc would keep in its "fast" lists when freed:
    // freeing a long graph fills them, and the next large request walks every block there to
    // merge them (malloc_consolidate: 60 instructions per freed node in the scalar chain). Up to
    // 112 bytes (shape arrays, small values) stay fast.
    mallopt(M_MXFAST, 104);
#endif
    return 1;
#else
    return 0;
#endif
}

// See Allocator.returnMemory(afterFreeing:): a freed graph of a million small nodes leaves its
// pages in the heap's free lists, where glibc keeps them (they are not at the top of the heap,
// so no free() trims them); malloc_trim also releases whole free pages inside the heap.
int ck_return_free_memory(void) {
#if defined(__linux__) && defined(__GLIBC__)
    malloc_trim(0);
    return 1;
#elif defined(__APPLE__)
    malloc_zone_pressure_relief(NULL, 0);
    return 1;
#else
    return 0;
#endif
}

// How many `checkingNumerics` scopes are open on all threads (see Sources/Autograd/NumericsCheck.swift):
// every op reads it, so a relaxed atomic load; the scopes themselves are per thread.
static long numerics_scopes = 0;

void ck_numerics_scopes_add(long delta) {
    __atomic_fetch_add(&numerics_scopes, delta, __ATOMIC_SEQ_CST);
}

long ck_numerics_scopes(void) {
    return __atomic_load_n(&numerics_scopes, __ATOMIC_RELAXED);
}

// See CKernels.h: 0 while the calling thread records.
_Thread_local long ck_recording_off_depth = 0;

// Tape node numbers, increasing across all threads: a node recorded after another (on any
// thread, once a tensor has been handed over) has a larger number, so the backward pass can
// take the nodes of a graph in decreasing number as a topological order.
static long node_ids = 0;

long ck_next_node_id(void) {
    return __atomic_add_fetch(&node_ids, 1, __ATOMIC_RELAXED);
}

#include "CKernels.h"

#if defined(__linux__)
#include <malloc.h>
#endif

// See Sources/Autograd/Allocator.swift: glibc's defaults return every block above 128 KiB to
// the kernel on free, so a training step re-faults its buffers; keep them instead.
// (M_MMAP_THRESHOLD is glibc's; musl and other platforms leave their allocator alone.)
int ck_tune_allocator(void) {
#if defined(__linux__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    return 1;
#else
    return 0;
#endif
}

#include "CKernels.h"

// Max over `count` windows of kh×kw cells that lie inside one image plane: window j has its
// top-left cell at x[corner + j*sx], rows w apart. Keeps the first winner in row-major order;
// a NaN wins once and then stays. The test has no short-circuits, so that it compiles to
// selects (on real data `v > best` is unpredictable: a branchy loop ran 4× slower), and the
// common 2×2, stride 2 window is instantiated with constant sizes, which the compiler vectorises.
#define CK_MAXPOOL_BODY(T, x, corner, w, kh, kw, sx, count, out, winners)                         \
    for (long j = 0; j < (count); j++) {                                                         \
        long first = (corner) + j * (sx);                                                        \
        T best = (x)[first];                                                                     \
        long bestIndex = first;                                                                  \
        for (long ky = 0; ky < (kh); ky++) {                                                     \
            for (long kx = 0; kx < (kw); kx++) {                                                 \
                long i = first + ky * (w) + kx;                                                  \
                T v = (x)[i];                                                                    \
                int better = ((v > best) | (v != v)) & (best == best) & (i != first);            \
                best = better ? v : best;                                                        \
                bestIndex = better ? i : bestIndex;                                              \
            }                                                                                    \
        }                                                                                        \
        (out)[j] = best;                                                                         \
        (winners)[j] = bestIndex;                                                                \
    }

#define CK_MAXPOOL_WINDOWS(NAME, T)                                                               \
    void NAME(const T *x, long corner, long w, long kh, long kw, long sx, long count,          \
              T *out, long *winners) {                                                           \
        if (kh == 2 && kw == 2 && sx == 2) {                                                     \
            CK_MAXPOOL_BODY(T, x, corner, w, 2, 2, 2, count, out, winners)                       \
        } else {                                                                                 \
            CK_MAXPOOL_BODY(T, x, corner, w, kh, kw, sx, count, out, winners)                    \
        }                                                                                        \
    }

CK_MAXPOOL_WINDOWS(ck_smaxpool_windows, float)
CK_MAXPOOL_WINDOWS(ck_dmaxpool_windows, double)

#include "CKernels.h"

// Max over `count` windows of kh×kw cells that lie inside one image plane: window j has its
// top-left cell at x[corner + j*sx], its cells dy rows (of w) and dx columns apart. Keeps the first winner in row-major order;
// a NaN wins once and then stays. The test has no short-circuits, so that it compiles to
// selects (on real data `v > best` is unpredictable: a branchy loop ran 4× slower), and the
// common 2×2, stride 2 window is instantiated with constant sizes, which the compiler vectorises.
#define CK_MAXPOOL_BODY(T, x, corner, w, kh, kw, sx, dy, dx, count, out, winners)                 \
    for (long j = 0; j < (count); j++) {                                                         \
        long first = (corner) + j * (sx);                                                        \
        T best = (x)[first];                                                                     \
        long bestIndex = first;                                                                  \
        for (long ky = 0; ky < (kh); ky++) {                                                     \
            for (long kx = 0; kx < (kw); kx++) {                                                 \
                long i = first + ky * (dy) * (w) + kx * (dx);                                    \
                T v = (x)[i];                                                                    \
                int better = ((v > best) | (v != v)) & (best == best) & (i != first);            \
                best = better ? v : best;                                                        \
                bestIndex = better ? i : bestIndex;                                              \
            }                                                                                    \
        }                                                                                        \
        (out)[j] = best;                                                                         \
        (winners)[j] = bestIndex;                                                                \
    }

// The vector path and the constant-size loop are for undilated 2×2 windows of stride 2 only.
#define CK_MAXPOOL_WINDOWS(NAME, T, FAST22)                                                       \
    void NAME(const T *x, long corner, long w, long kh, long kw, long sx, long dy, long dx,      \
              long count, T *out, long *winners) {                                               \
        if (kh == 2 && kw == 2 && sx == 2 && dy == 1 && dx == 1) {                               \
            if (FAST22(x, corner, w, count, out, winners)) return;                               \
            CK_MAXPOOL_BODY(T, x, corner, w, 2, 2, 2, 1, 1, count, out, winners)                 \
        } else {                                                                                 \
            CK_MAXPOOL_BODY(T, x, corner, w, kh, kw, sx, dy, dx, count, out, winners)            \
        }                                                                                        \
    }

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// 2×2 windows with stride 2, sixteen at a time with AVX-512 (the scalar select chain above takes
// 4–6 ns per window): the two rows are loaded as 32 cells each (masked at the row's end, where
// masked lanes cannot fault), split into left and right cells, and the four cells of every window
// compared in row-major order with the same rule as the scalar code. Winners are stored as the
// cell's position in the window (0–3), turned into flat indices in vector registers.
__attribute__((target("avx512f")))
static void smaxpool22_avx512(const float *x, long corner, long w, long count, float *out, long *winners) {
    const __m512i left = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i right = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i steps = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    for (long j0 = 0; j0 < count; j0 += 16) {
        long n = count - j0 < 16 ? count - j0 : 16, cells = 2 * n;
        __mmask16 low = (__mmask16)(cells >= 16 ? 0xFFFFu : (1u << cells) - 1);
        __mmask16 high = (__mmask16)(cells > 16 ? (1u << (cells - 16)) - 1 : 0u);
        const float *top = x + corner + 2 * j0, *bottom = top + w;
        __m512 t0 = _mm512_maskz_loadu_ps(low, top), t1 = _mm512_maskz_loadu_ps(high, top + 16);
        __m512 b0 = _mm512_maskz_loadu_ps(low, bottom), b1 = _mm512_maskz_loadu_ps(high, bottom + 16);
        __m512 cell[4] = {
            _mm512_permutex2var_ps(t0, left, t1), _mm512_permutex2var_ps(t0, right, t1),
            _mm512_permutex2var_ps(b0, left, b1), _mm512_permutex2var_ps(b0, right, b1),
        };
        __m512 best = cell[0];
        __m512i code = _mm512_setzero_si512();
        for (int k = 1; k < 4; k++) {
            __mmask16 better = (_mm512_cmp_ps_mask(cell[k], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(cell[k], cell[k], _CMP_UNORD_Q))
                & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
            best = _mm512_mask_mov_ps(best, better, cell[k]);
            code = _mm512_mask_mov_epi32(code, better, _mm512_set1_epi32(k));
        }
        __mmask16 valid = (__mmask16)(n == 16 ? 0xFFFFu : (1u << n) - 1);
        _mm512_mask_storeu_ps(out + j0, valid, best);
        // Flat index = first cell of the window + (position & 1) + (position >> 1)·w, in 64 bits.
        __m512i offset = _mm512_add_epi32(_mm512_and_si512(code, _mm512_set1_epi32(1)),
                                          _mm512_mullo_epi32(_mm512_srli_epi32(code, 1), _mm512_set1_epi32((int)w)));
        __m512i first = _mm512_add_epi64(_mm512_set1_epi64(corner + 2 * j0), steps);
        __m512i low8 = _mm512_add_epi64(first, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(offset)));
        __m512i high8 = _mm512_add_epi64(_mm512_add_epi64(first, _mm512_set1_epi64(16)),
                                         _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(offset, 1)));
        _mm512_mask_storeu_epi64(winners + j0, (__mmask8)(valid & 0xFF), low8);
        _mm512_mask_storeu_epi64(winners + j0 + 8, (__mmask8)(valid >> 8), high8);
    }
}
#endif

// Returns 1 when a vector kernel pooled the windows, 0 to fall back to the scalar loop.
static int smaxpool22_fast(const float *x, long corner, long w, long count, float *out, long *winners) {
#if defined(__x86_64__) || defined(_M_X64)
    if (ck_isa() == 2) {
        smaxpool22_avx512(x, corner, w, count, out, winners);
        return 1;
    }
#endif
    (void)x; (void)corner; (void)w; (void)count; (void)out; (void)winners;
    return 0;
}

static int dmaxpool22_fast(const double *x, long corner, long w, long count, double *out, long *winners) {
    (void)x; (void)corner; (void)w; (void)count; (void)out; (void)winners;
    return 0;
}

CK_MAXPOOL_WINDOWS(ck_smaxpool_windows, float, smaxpool22_fast)
CK_MAXPOOL_WINDOWS(ck_dmaxpool_windows, double, dmaxpool22_fast)

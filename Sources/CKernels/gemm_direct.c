#include "CKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
#endif

// Products of operands small enough to stay in cache, B row-major (unit column stride), A
// row-major or transposed (any column stride `acs`), without packing them first: the
// micro-kernel broadcasts A from six row pointers and loads B's rows in place. Packing costs a pass over both operands, which for the thin products
// of a small model (k of 64 or 128) is a large part of the work. C is overwritten.
//
// Tiles at the edge compute six rows anyway (missing rows read row 0 again) and load B's missing
// columns as zeros (masked loads); only the valid part of C is stored.

#if CK_X86
static const int lane_mask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

__attribute__((target("avx2,fma")))
static void sgemm_direct_avx2(long m, long n, long k, const float *a, long lda, long acs, const float *b, long ldb,
                              float *c, long ldc) {
    for (long i = 0; i < m; i += 6) {
        long mr = m - i < 6 ? m - i : 6;
        const float *rows[6];
        for (int r = 0; r < 6; r++) rows[r] = a + (i + (r < mr ? r : 0)) * lda;
        for (long j = 0; j < n; j += 16) {
            long nr = n - j < 16 ? n - j : 16;
            // Lanes j..<j+nr are loaded; the rest read as zero.
            __m256i m0 = _mm256_loadu_si256((const __m256i *)(lane_mask + 8 - (nr < 8 ? nr : 8)));
            __m256i m1 = _mm256_loadu_si256((const __m256i *)(lane_mask + 8 - (nr > 8 ? nr - 8 : 0)));
            __m256 acc[6][2];
            for (int r = 0; r < 6; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
            const float *bp = b + j;
            if (nr == 16) {
                for (long p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
                    __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
                    for (int r = 0; r < 6; r++) {
                        __m256 x = _mm256_broadcast_ss(rows[r] + q);
                        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
            } else {
                for (long p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
                    __m256 b0 = _mm256_maskload_ps(bp, m0), b1 = _mm256_maskload_ps(bp + 8, m1);
                    for (int r = 0; r < 6; r++) {
                        __m256 x = _mm256_broadcast_ss(rows[r] + q);
                        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
            }
            for (long r = 0; r < mr; r++) {
                float *cr = c + (i + r) * ldc + j;
                if (nr == 16) {
                    _mm256_storeu_ps(cr, acc[r][0]);
                    _mm256_storeu_ps(cr + 8, acc[r][1]);
                } else {
                    _mm256_maskstore_ps(cr, m0, acc[r][0]);
                    _mm256_maskstore_ps(cr + 8, m1, acc[r][1]);
                }
            }
        }
    }
}

// The same with AVX-512: 6×32 tiles (12 zmm accumulators), the packed AVX-512 kernel's shape.
// Each element of C is the same chain of fused multiply-adds along p, from zero, as in the AVX2
// kernel (and in the packed kernels when k ≤ kc): the same bits, twice the width.
__attribute__((target("avx512f")))
static void sgemm_direct_avx512(long m, long n, long k, const float *a, long lda, long acs, const float *b, long ldb,
                                float *c, long ldc) {
    for (long i = 0; i < m; i += 6) {
        long mr = m - i < 6 ? m - i : 6;
        const float *rows[6];
        for (int r = 0; r < 6; r++) rows[r] = a + (i + (r < mr ? r : 0)) * lda;
        for (long j = 0; j < n; j += 32) {
            long nr = n - j < 32 ? n - j : 32;
            // Lanes j..<j+nr are loaded and stored; the rest read as zero.
            __mmask16 m0 = (__mmask16)(nr >= 16 ? 0xFFFF : (1u << nr) - 1);
            __mmask16 m1 = (__mmask16)(nr >= 32 ? 0xFFFF : nr > 16 ? (1u << (nr - 16)) - 1 : 0);
            __m512 acc[6][2];
            for (int r = 0; r < 6; r++) { acc[r][0] = _mm512_setzero_ps(); acc[r][1] = _mm512_setzero_ps(); }
            const float *bp = b + j;
            if (nr == 32) {
                for (long p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
                    __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
                    for (int r = 0; r < 6; r++) {
                        __m512 x = _mm512_set1_ps(rows[r][q]);
                        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
            } else {
                for (long p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
                    __m512 b0 = _mm512_maskz_loadu_ps(m0, bp), b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
                    for (int r = 0; r < 6; r++) {
                        __m512 x = _mm512_set1_ps(rows[r][q]);
                        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
            }
            for (long r = 0; r < mr; r++) {
                float *cr = c + (i + r) * ldc + j;
                _mm512_mask_storeu_ps(cr, m0, acc[r][0]);
                _mm512_mask_storeu_ps(cr + 16, m1, acc[r][1]);
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void dgemm_direct_avx2(long m, long n, long k, const double *a, long lda, long acs, const double *b, long ldb,
                              double *c, long ldc) {
    for (long i = 0; i < m; i += 6) {
        long mr = m - i < 6 ? m - i : 6;
        const double *rows[6];
        for (int r = 0; r < 6; r++) rows[r] = a + (i + (r < mr ? r : 0)) * lda;
        for (long j = 0; j < n; j += 8) {
            long nr = n - j < 8 ? n - j : 8;
            // 64-bit lanes: two ints of the mask per lane.
            long lo = nr < 4 ? nr : 4, hi = nr > 4 ? nr - 4 : 0;
            __m256i m0 = _mm256_loadu_si256((const __m256i *)(lane_mask + 8 - 2 * lo));
            __m256i m1 = _mm256_loadu_si256((const __m256i *)(lane_mask + 8 - 2 * hi));
            __m256d acc[6][2];
            for (int r = 0; r < 6; r++) { acc[r][0] = _mm256_setzero_pd(); acc[r][1] = _mm256_setzero_pd(); }
            const double *bp = b + j;
            for (long p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
                __m256d b0 = _mm256_maskload_pd(bp, m0), b1 = _mm256_maskload_pd(bp + 4, m1);
                for (int r = 0; r < 6; r++) {
                    __m256d x = _mm256_broadcast_sd(rows[r] + q);
                    acc[r][0] = _mm256_fmadd_pd(x, b0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_pd(x, b1, acc[r][1]);
                }
            }
            for (long r = 0; r < mr; r++) {
                double *cr = c + (i + r) * ldc + j;
                _mm256_maskstore_pd(cr, m0, acc[r][0]);
                _mm256_maskstore_pd(cr + 4, m1, acc[r][1]);
            }
        }
    }
}

// C = A·Bᵀ with A [m×k] and Bt [n×k] both row-major: each element of C is the dot product of a
// row of A and a row of Bt, both runs of memory. This is the product x·Wᵀ of a layer that keeps
// its weight as [out, in] (PyTorch's layout) and the backward product g·Bᵀ of every matmul; the
// packed path would first transpose Bt element by element, a pass that for a thin product (m of
// 32) costs more than the multiply. A 4×3 block of dot products keeps twelve accumulators of
// eight lanes in registers; the lanes are summed once at the end. Edge blocks read row 0 again
// for missing rows (only valid results are stored); k's tail is a masked load.
__attribute__((target("avx2,fma")))
static inline float hsum_avx(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

// Eight steps of k for the 4×3 block of dot products; `masked` (a constant once inlined) reads
// only the lanes of `mask`, for k's tail.
#define NT_LOAD(pointer) (masked ? _mm256_maskload_ps((pointer), mask) : _mm256_loadu_ps(pointer))
__attribute__((target("avx2,fma"), always_inline))
static inline void nt_step(__m256 acc[4][3], const float *const ar[4], const float *b0p, const float *b1p,
                           const float *b2p, long p, int masked, __m256i mask) {
    __m256 b0 = NT_LOAD(b0p + p), b1 = NT_LOAD(b1p + p), b2 = NT_LOAD(b2p + p);
    for (int r = 0; r < 4; r++) {
        __m256 x = NT_LOAD(ar[r] + p);
        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        acc[r][2] = _mm256_fmadd_ps(x, b2, acc[r][2]);
    }
}
#undef NT_LOAD

__attribute__((target("avx2,fma")))
static void sgemm_direct_nt_avx2(long m, long n, long k, const float *a, long lda, const float *bt, long ldb,
                                 float *c, long ldc) {
    long whole = k & ~7L, tail = k - whole;
    __m256i tail_mask = _mm256_loadu_si256((const __m256i *)(lane_mask + 8 - tail));
    for (long i = 0; i < m; i += 4) {
        long mr = m - i < 4 ? m - i : 4;
        const float *ar[4];
        for (int r = 0; r < 4; r++) ar[r] = a + (i + (r < mr ? r : 0)) * lda;
        for (long j = 0; j < n; j += 3) {
            long nr = n - j < 3 ? n - j : 3;
            const float *b0p = bt + j * ldb, *b1p = bt + (j + (nr > 1 ? 1 : 0)) * ldb, *b2p = bt + (j + (nr > 2 ? 2 : 0)) * ldb;
            __m256 acc[4][3];
            for (int r = 0; r < 4; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); acc[r][2] = _mm256_setzero_ps(); }
            for (long p = 0; p < whole; p += 8) nt_step(acc, ar, b0p, b1p, b2p, p, 0, tail_mask);
            if (tail) nt_step(acc, ar, b0p, b1p, b2p, whole, 1, tail_mask);
            for (long r = 0; r < mr; r++)
                for (long s = 0; s < nr; s++) c[(i + r) * ldc + j + s] = hsum_avx(acc[r][s]);
        }
    }
}
#endif

// Portable: one row of C at a time, the inner loop over C's columns (the compiler vectorises it).
#define CK_DIRECT_PORTABLE(T, name)                                                                 \
    static void name(long m, long n, long k, const T *a, long lda, long acs, const T *b, long ldb, T *c, long ldc) { \
        for (long i = 0; i < m; i++) {                                                              \
            T *ci = c + i * ldc;                                                                    \
            for (long j = 0; j < n; j++) ci[j] = 0;                                                 \
            for (long p = 0; p < k; p++) {                                                          \
                T x = a[i * lda + p * acs];                                                         \
                const T *bp = b + p * ldb;                                                          \
                for (long j = 0; j < n; j++) ci[j] += x * bp[j];                                    \
            }                                                                                       \
        }                                                                                           \
    }
CK_DIRECT_PORTABLE(float, sgemm_direct_portable)
CK_DIRECT_PORTABLE(double, dgemm_direct_portable)

void ck_sgemm_direct(int isa, long m, long n, long k, const float *a, long lda, long acs, const float *b, long ldb,
                     float *c, long ldc) {
#if CK_X86
    if (isa >= 2) { sgemm_direct_avx512(m, n, k, a, lda, acs, b, ldb, c, ldc); return; }
    if (isa >= 1) { sgemm_direct_avx2(m, n, k, a, lda, acs, b, ldb, c, ldc); return; }
#endif
    (void)isa;
    sgemm_direct_portable(m, n, k, a, lda, acs, b, ldb, c, ldc);
}

void ck_dgemm_direct(int isa, long m, long n, long k, const double *a, long lda, long acs, const double *b, long ldb,
                     double *c, long ldc) {
#if CK_X86
    if (isa >= 1) { dgemm_direct_avx2(m, n, k, a, lda, acs, b, ldb, c, ldc); return; }
#endif
    (void)isa;
    dgemm_direct_portable(m, n, k, a, lda, acs, b, ldb, c, ldc);
}

// Portable C = A·Bᵀ: dot products of rows (the compiler vectorises the inner loop).
#define CK_DIRECT_NT_PORTABLE(T, name)                                                              \
    static void name(long m, long n, long k, const T *a, long lda, const T *bt, long ldb, T *c, long ldc) { \
        for (long i = 0; i < m; i++)                                                                \
            for (long j = 0; j < n; j++) {                                                          \
                const T *ai = a + i * lda, *bj = bt + j * ldb;                                      \
                T sum = 0;                                                                          \
                for (long p = 0; p < k; p++) sum += ai[p] * bj[p];                                  \
                c[i * ldc + j] = sum;                                                               \
            }                                                                                       \
    }
CK_DIRECT_NT_PORTABLE(float, sgemm_direct_nt_portable)

void ck_sgemm_direct_nt(int isa, long m, long n, long k, const float *a, long lda, const float *bt, long ldb,
                        float *c, long ldc) {
#if CK_X86
    if (isa >= 1) { sgemm_direct_nt_avx2(m, n, k, a, lda, bt, ldb, c, ldc); return; }
#endif
    (void)isa;
    sgemm_direct_nt_portable(m, n, k, a, lda, bt, ldb, c, ldc);
}

#include "CKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
#endif

// Products of operands that are already row-major (unit column stride) and small enough to stay
// in cache, without packing them first: the micro-kernel broadcasts A from six row pointers and
// loads B's rows in place. Packing costs a pass over both operands, which for the thin products
// of a small model (k of 64 or 128) is a large part of the work. C is overwritten.
//
// Tiles at the edge compute six rows anyway (missing rows read row 0 again) and load B's missing
// columns as zeros (masked loads); only the valid part of C is stored.

#if CK_X86
static const int lane_mask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

__attribute__((target("avx2,fma")))
static void sgemm_direct_avx2(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
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
                for (long p = 0; p < k; p++, bp += ldb) {
                    __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
                    for (int r = 0; r < 6; r++) {
                        __m256 x = _mm256_broadcast_ss(rows[r] + p);
                        acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                        acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
                    }
                }
            } else {
                for (long p = 0; p < k; p++, bp += ldb) {
                    __m256 b0 = _mm256_maskload_ps(bp, m0), b1 = _mm256_maskload_ps(bp + 8, m1);
                    for (int r = 0; r < 6; r++) {
                        __m256 x = _mm256_broadcast_ss(rows[r] + p);
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

__attribute__((target("avx2,fma")))
static void dgemm_direct_avx2(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
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
            for (long p = 0; p < k; p++, bp += ldb) {
                __m256d b0 = _mm256_maskload_pd(bp, m0), b1 = _mm256_maskload_pd(bp + 4, m1);
                for (int r = 0; r < 6; r++) {
                    __m256d x = _mm256_broadcast_sd(rows[r] + p);
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
#endif

// Portable: one row of C at a time, the inner loop over C's columns (the compiler vectorises it).
#define CK_DIRECT_PORTABLE(T, name)                                                                 \
    static void name(long m, long n, long k, const T *a, long lda, const T *b, long ldb, T *c, long ldc) { \
        for (long i = 0; i < m; i++) {                                                              \
            T *ci = c + i * ldc;                                                                    \
            for (long j = 0; j < n; j++) ci[j] = 0;                                                 \
            for (long p = 0; p < k; p++) {                                                          \
                T x = a[i * lda + p];                                                               \
                const T *bp = b + p * ldb;                                                          \
                for (long j = 0; j < n; j++) ci[j] += x * bp[j];                                    \
            }                                                                                       \
        }                                                                                           \
    }
CK_DIRECT_PORTABLE(float, sgemm_direct_portable)
CK_DIRECT_PORTABLE(double, dgemm_direct_portable)

void ck_sgemm_direct(int isa, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc) {
#if CK_X86
    if (isa >= 1) { sgemm_direct_avx2(m, n, k, a, lda, b, ldb, c, ldc); return; }
#endif
    (void)isa;
    sgemm_direct_portable(m, n, k, a, lda, b, ldb, c, ldc);
}

void ck_dgemm_direct(int isa, long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                     double *c, long ldc) {
#if CK_X86
    if (isa >= 1) { dgemm_direct_avx2(m, n, k, a, lda, b, ldb, c, ldc); return; }
#endif
    (void)isa;
    dgemm_direct_portable(m, n, k, a, lda, b, ldb, c, ldc);
}

#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
#endif

// On arm64 (Apple silicon, Graviton, …) NEON is part of the base instruction set, so the
// "portable" tiles are NEON kernels there, chosen at compile time; elsewhere they are plain C.
#if defined(__aarch64__)
#define CK_NEON 1
#include <arm_neon.h>
#endif

enum { MR = 6 };

int ck_isa(void) {
#if CK_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) cached = 2;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) cached = 1;
        else cached = 0;
    }
    return cached;
#else
    return 0;
#endif
}

int ck_sgemm_mr(int isa) { (void)isa; return MR; }
#if CK_NEON
int ck_sgemm_nr(int isa) { (void)isa; return 16; }
int ck_dgemm_mr(int isa) { (void)isa; return MR; }
int ck_dgemm_nr(int isa) { (void)isa; return 8; }
#else
int ck_sgemm_nr(int isa) { return isa == 2 ? 32 : (isa == 1 ? 16 : 8); }
int ck_dgemm_mr(int isa) { (void)isa; return MR; }
int ck_dgemm_nr(int isa) { return isa == 2 ? 16 : (isa == 1 ? 8 : 4); }
#endif

// Adds a computed tile to C (or stores it, when not accumulating), only its valid mr×nr part.
#define CK_ADD_TILE(T, tile, NR, c, ldc, mr, nr, accumulate)                                    \
    for (int i = 0; i < (mr); i++)                                                              \
        for (int j = 0; j < (nr); j++)                                                          \
            (c)[i * (ldc) + j] = ((accumulate) ? (c)[i * (ldc) + j] : 0) + (tile)[i * (NR) + j];

#if CK_NEON
// ---- NEON: 6×16 floats (24 q-register accumulators, 4 for B, 2 for A's broadcasts: 30 of the
// 32 vector registers), 6×8 doubles (24 accumulators). Each step of k: 4 loads of B, one load of
// the 6 values of A (in two registers), 24 fused multiply-adds by lane. ----

static void sgemm_neon(long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 16 };
    float32x4_t acc[MR][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_f32(0);
    for (long p = 0; p < kc; p++) {
        const float *bp = b + p * NR, *ap = a + p * MR;
        float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8), b3 = vld1q_f32(bp + 12);
        float32x4_t a03 = vld1q_f32(ap);
        float32x2_t a45 = vld1_f32(ap + 4);
        acc[0][0] = vfmaq_laneq_f32(acc[0][0], b0, a03, 0); acc[0][1] = vfmaq_laneq_f32(acc[0][1], b1, a03, 0);
        acc[0][2] = vfmaq_laneq_f32(acc[0][2], b2, a03, 0); acc[0][3] = vfmaq_laneq_f32(acc[0][3], b3, a03, 0);
        acc[1][0] = vfmaq_laneq_f32(acc[1][0], b0, a03, 1); acc[1][1] = vfmaq_laneq_f32(acc[1][1], b1, a03, 1);
        acc[1][2] = vfmaq_laneq_f32(acc[1][2], b2, a03, 1); acc[1][3] = vfmaq_laneq_f32(acc[1][3], b3, a03, 1);
        acc[2][0] = vfmaq_laneq_f32(acc[2][0], b0, a03, 2); acc[2][1] = vfmaq_laneq_f32(acc[2][1], b1, a03, 2);
        acc[2][2] = vfmaq_laneq_f32(acc[2][2], b2, a03, 2); acc[2][3] = vfmaq_laneq_f32(acc[2][3], b3, a03, 2);
        acc[3][0] = vfmaq_laneq_f32(acc[3][0], b0, a03, 3); acc[3][1] = vfmaq_laneq_f32(acc[3][1], b1, a03, 3);
        acc[3][2] = vfmaq_laneq_f32(acc[3][2], b2, a03, 3); acc[3][3] = vfmaq_laneq_f32(acc[3][3], b3, a03, 3);
        acc[4][0] = vfmaq_lane_f32(acc[4][0], b0, a45, 0); acc[4][1] = vfmaq_lane_f32(acc[4][1], b1, a45, 0);
        acc[4][2] = vfmaq_lane_f32(acc[4][2], b2, a45, 0); acc[4][3] = vfmaq_lane_f32(acc[4][3], b3, a45, 0);
        acc[5][0] = vfmaq_lane_f32(acc[5][0], b0, a45, 1); acc[5][1] = vfmaq_lane_f32(acc[5][1], b1, a45, 1);
        acc[5][2] = vfmaq_lane_f32(acc[5][2], b2, a45, 1); acc[5][3] = vfmaq_lane_f32(acc[5][3], b3, a45, 1);
    }
    if (mr == MR && nr == NR) {
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            for (int j = 0; j < 4; j++) {
                float32x4_t v = accumulate ? vaddq_f32(vld1q_f32(ci + 4 * j), acc[i][j]) : acc[i][j];
                vst1q_f32(ci + 4 * j, v);
            }
        }
        return;
    }
    float tile[MR * NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) vst1q_f32(tile + i * NR + 4 * j, acc[i][j]);
    CK_ADD_TILE(float, tile, NR, c, ldc, mr, nr, accumulate)
}

static void dgemm_neon(long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 8 };
    float64x2_t acc[MR][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_f64(0);
    for (long p = 0; p < kc; p++) {
        const double *bp = b + p * NR, *ap = a + p * MR;
        float64x2_t b0 = vld1q_f64(bp), b1 = vld1q_f64(bp + 2), b2 = vld1q_f64(bp + 4), b3 = vld1q_f64(bp + 6);
        for (int i = 0; i < MR; i++) {
            float64x2_t ai = vdupq_n_f64(ap[i]);
            acc[i][0] = vfmaq_f64(acc[i][0], b0, ai); acc[i][1] = vfmaq_f64(acc[i][1], b1, ai);
            acc[i][2] = vfmaq_f64(acc[i][2], b2, ai); acc[i][3] = vfmaq_f64(acc[i][3], b3, ai);
        }
    }
    double tile[MR * NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) vst1q_f64(tile + i * NR + 2 * j, acc[i][j]);
    CK_ADD_TILE(double, tile, NR, c, ldc, mr, nr, accumulate)
}
#endif

#if !CK_NEON
// ---- portable C: the compiler vectorises what it can for the baseline target ----

static void sgemm_portable(long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 8 };
    float tile[MR * NR];
    memset(tile, 0, sizeof tile);
    for (long p = 0; p < kc; p++) {
        const float *ap = a + p * MR, *bp = b + p * NR;
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) tile[i * NR + j] += ap[i] * bp[j];
    }
    CK_ADD_TILE(float, tile, NR, c, ldc, mr, nr, accumulate)
}

static void dgemm_portable(long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 4 };
    double tile[MR * NR];
    memset(tile, 0, sizeof tile);
    for (long p = 0; p < kc; p++) {
        const double *ap = a + p * MR, *bp = b + p * NR;
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) tile[i * NR + j] += ap[i] * bp[j];
    }
    CK_ADD_TILE(double, tile, NR, c, ldc, mr, nr, accumulate)
}

#endif

#if CK_X86
// ---- AVX2 + FMA: 6×16 floats (12 ymm accumulators), 6×8 doubles ----

__attribute__((target("avx2,fma")))
static void sgemm_avx2(long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 16 };
    __m256 acc[MR][2];
    for (int i = 0; i < MR; i++) { acc[i][0] = _mm256_setzero_ps(); acc[i][1] = _mm256_setzero_ps(); }
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(b + p * NR), b1 = _mm256_loadu_ps(b + p * NR + 8);
        const float *ap = a + p * MR;
        for (int i = 0; i < MR; i++) {
            __m256 ai = _mm256_broadcast_ss(ap + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    if (mr == MR && nr == NR) {
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            if (accumulate) {
                acc[i][0] = _mm256_add_ps(_mm256_loadu_ps(ci), acc[i][0]);
                acc[i][1] = _mm256_add_ps(_mm256_loadu_ps(ci + 8), acc[i][1]);
            }
            _mm256_storeu_ps(ci, acc[i][0]);
            _mm256_storeu_ps(ci + 8, acc[i][1]);
        }
        return;
    }
    float tile[MR * NR];
    for (int i = 0; i < MR; i++) { _mm256_storeu_ps(tile + i * NR, acc[i][0]); _mm256_storeu_ps(tile + i * NR + 8, acc[i][1]); }
    CK_ADD_TILE(float, tile, NR, c, ldc, mr, nr, accumulate)
}

__attribute__((target("avx2,fma")))
static void dgemm_avx2(long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 8 };
    __m256d acc[MR][2];
    for (int i = 0; i < MR; i++) { acc[i][0] = _mm256_setzero_pd(); acc[i][1] = _mm256_setzero_pd(); }
    for (long p = 0; p < kc; p++) {
        __m256d b0 = _mm256_loadu_pd(b + p * NR), b1 = _mm256_loadu_pd(b + p * NR + 4);
        const double *ap = a + p * MR;
        for (int i = 0; i < MR; i++) {
            __m256d ai = _mm256_broadcast_sd(ap + i);
            acc[i][0] = _mm256_fmadd_pd(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_pd(ai, b1, acc[i][1]);
        }
    }
    double tile[MR * NR];
    for (int i = 0; i < MR; i++) { _mm256_storeu_pd(tile + i * NR, acc[i][0]); _mm256_storeu_pd(tile + i * NR + 4, acc[i][1]); }
    CK_ADD_TILE(double, tile, NR, c, ldc, mr, nr, accumulate)
}

// ---- AVX-512: 6×32 floats (12 zmm accumulators), 6×16 doubles ----

__attribute__((target("avx512f")))
static void sgemm_avx512(long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 32 };
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(b + p * NR), b1 = _mm512_loadu_ps(b + p * NR + 16);
        const float *ap = a + p * MR;
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(ap[i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    if (mr == MR && nr == NR) {
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            if (accumulate) {
                acc[i][0] = _mm512_add_ps(_mm512_loadu_ps(ci), acc[i][0]);
                acc[i][1] = _mm512_add_ps(_mm512_loadu_ps(ci + 16), acc[i][1]);
            }
            _mm512_storeu_ps(ci, acc[i][0]);
            _mm512_storeu_ps(ci + 16, acc[i][1]);
        }
        return;
    }
    float tile[MR * NR];
    for (int i = 0; i < MR; i++) { _mm512_storeu_ps(tile + i * NR, acc[i][0]); _mm512_storeu_ps(tile + i * NR + 16, acc[i][1]); }
    CK_ADD_TILE(float, tile, NR, c, ldc, mr, nr, accumulate)
}

__attribute__((target("avx512f")))
static void dgemm_avx512(long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate) {
    enum { NR = 16 };
    __m512d acc[MR][2];
    for (int i = 0; i < MR; i++) { acc[i][0] = _mm512_setzero_pd(); acc[i][1] = _mm512_setzero_pd(); }
    for (long p = 0; p < kc; p++) {
        __m512d b0 = _mm512_loadu_pd(b + p * NR), b1 = _mm512_loadu_pd(b + p * NR + 8);
        const double *ap = a + p * MR;
        for (int i = 0; i < MR; i++) {
            __m512d ai = _mm512_set1_pd(ap[i]);
            acc[i][0] = _mm512_fmadd_pd(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_pd(ai, b1, acc[i][1]);
        }
    }
    double tile[MR * NR];
    for (int i = 0; i < MR; i++) { _mm512_storeu_pd(tile + i * NR, acc[i][0]); _mm512_storeu_pd(tile + i * NR + 8, acc[i][1]); }
    CK_ADD_TILE(double, tile, NR, c, ldc, mr, nr, accumulate)
}
#endif

void ck_sgemm_tile(int isa, long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate) {
#if CK_X86
    if (isa == 2) { sgemm_avx512(kc, a, b, c, ldc, mr, nr, accumulate); return; }
    if (isa == 1) { sgemm_avx2(kc, a, b, c, ldc, mr, nr, accumulate); return; }
#endif
    (void)isa;
#if CK_NEON
    sgemm_neon(kc, a, b, c, ldc, mr, nr, accumulate);
#else
    sgemm_portable(kc, a, b, c, ldc, mr, nr, accumulate);
#endif
}

void ck_dgemm_tile(int isa, long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate) {
#if CK_X86
    if (isa == 2) { dgemm_avx512(kc, a, b, c, ldc, mr, nr, accumulate); return; }
    if (isa == 1) { dgemm_avx2(kc, a, b, c, ldc, mr, nr, accumulate); return; }
#endif
    (void)isa;
#if CK_NEON
    dgemm_neon(kc, a, b, c, ldc, mr, nr, accumulate);
#else
    dgemm_portable(kc, a, b, c, ldc, mr, nr, accumulate);
#endif
}

#include "CKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
#endif

// The LSTM cell's vector-Jacobian product for Float (Autograd's Loops.lstmCellBackward, which
// an LSTM's backward pass runs once per step). Swift compiled that loop to scalar code (five
// streams read and five written defeat its vectorizer): about 50 instructions per element, a
// twentieth of an LSTM training step. Every operation here is the Swift loop's, in its order
// and rounding (no contraction into fused multiply-adds), so the results are the same bits.
#pragma clang fp contract(off)

static inline void lstm_backward_scalar(long j0, long h, const float *u, const float *c, const float *a, float *d,
                                        float *dc) {
    for (long j = j0; j < h; j++) {
        float uh = u[j], uc = u[h + j];
        float i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j], t = a[4 * h + j];
        float dcNext = uh * o * (1 - t * t) + uc;
        d[j] = dcNext * g * (i * (1 - i));
        d[h + j] = dcNext * c[j] * (f * (1 - f));
        d[2 * h + j] = dcNext * i * (1 - g * g);
        d[3 * h + j] = uh * t * (o * (1 - o));
        dc[j] = dcNext * f;
    }
}

#if CK_X86
__attribute__((target("avx2")))
static void lstm_backward_avx2(long h, const float *u, const float *c, const float *a, float *d, float *dc) {
    const __m256 one = _mm256_set1_ps(1);
    long j = 0;
    for (; j + 8 <= h; j += 8) {
        __m256 uh = _mm256_loadu_ps(u + j), uc = _mm256_loadu_ps(u + h + j);
        __m256 i = _mm256_loadu_ps(a + j), f = _mm256_loadu_ps(a + h + j), g = _mm256_loadu_ps(a + 2 * h + j);
        __m256 o = _mm256_loadu_ps(a + 3 * h + j), t = _mm256_loadu_ps(a + 4 * h + j);
        __m256 cj = _mm256_loadu_ps(c + j);
        __m256 dcNext = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(uh, o), _mm256_sub_ps(one, _mm256_mul_ps(t, t))), uc);
        _mm256_storeu_ps(d + j, _mm256_mul_ps(_mm256_mul_ps(dcNext, g), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
        _mm256_storeu_ps(d + h + j, _mm256_mul_ps(_mm256_mul_ps(dcNext, cj), _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
        _mm256_storeu_ps(d + 2 * h + j, _mm256_mul_ps(_mm256_mul_ps(dcNext, i), _mm256_sub_ps(one, _mm256_mul_ps(g, g))));
        _mm256_storeu_ps(d + 3 * h + j, _mm256_mul_ps(_mm256_mul_ps(uh, t), _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
        _mm256_storeu_ps(dc + j, _mm256_mul_ps(dcNext, f));
    }
    lstm_backward_scalar(j, h, u, c, a, d, dc);
}
#endif

void ck_lstm_cell_backward_f32(int isa, long batch, long hidden, const float *upstream, const float *cell,
                               const float *saved, float *d_gates, float *d_cell) {
    long h = hidden;
    for (long b = 0; b < batch; b++) {
        const float *u = upstream + b * 2 * h, *c = cell + b * h, *a = saved + b * 5 * h;
        float *d = d_gates + b * 4 * h, *dc = d_cell + b * h;
#if CK_X86
        if (isa >= 1) { lstm_backward_avx2(h, u, c, a, d, dc); continue; }
#endif
        (void)isa;
        lstm_backward_scalar(0, h, u, c, a, d, dc);
    }
}

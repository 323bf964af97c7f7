#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
#endif

// Adam's update of one parameter without AMSGrad, for Float (see Optim/FusedAdam.swift, whose
// Swift loop ran at about 30 cycles per element: a third of a dense network's epoch). Every
// operation is the op form's, in its order and rounding: multiplications and additions are not
// contracted into fused multiply-adds, and division and square root are IEEE's in both the
// vector and the scalar path, so the result is bit for bit the op form's.
#pragma clang fp contract(off)

static inline void adam_scalar(long i0, long n, const float *g, float *m, float *v, float *p, float beta1,
                               float beta2, float c1, float c2, float lr, float eps, int has_moments) {
    float omb1 = 1 - beta1, omb2 = 1 - beta2;
    for (long i = i0; i < n; i++) {
        float gi = g[i];
        float mi = has_moments ? beta1 * m[i] + omb1 * gi : omb1 * gi;
        float vi = has_moments ? beta2 * v[i] + omb2 * gi * gi : omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - lr * (mi / c1) / (sqrtf(vi / c2) + eps);
    }
}

#if CK_X86
__attribute__((target("avx2")))
static void adam_avx2(long n, const float *g, float *m, float *v, float *p, float beta1, float beta2, float c1,
                      float c2, float lr, float eps, int has_moments) {
    __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2), o1 = _mm256_set1_ps(1 - beta1);
    __m256 o2 = _mm256_set1_ps(1 - beta2), k1 = _mm256_set1_ps(c1), k2 = _mm256_set1_ps(c2);
    __m256 rate = _mm256_set1_ps(lr), e = _mm256_set1_ps(eps);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_mul_ps(o1, gi);
        __m256 vi = _mm256_mul_ps(_mm256_mul_ps(o2, gi), gi);
        if (has_moments) {
            mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), mi);
            vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), vi);
        }
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(rate, _mm256_div_ps(mi, k1)),
                                    _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vi, k2)), e));
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), step));
    }
    adam_scalar(i, n, g, m, v, p, beta1, beta2, c1, c2, lr, eps, has_moments);
}
#endif

void ck_adam_f32(int isa, long n, const float *g, float *m, float *v, float *p, float beta1, float beta2, float c1,
                 float c2, float lr, float eps, int has_moments) {
#if CK_X86
    if (isa >= 1) { adam_avx2(n, g, m, v, p, beta1, beta2, c1, c2, lr, eps, has_moments); return; }
#endif
    (void)isa;
    adam_scalar(0, n, g, m, v, p, beta1, beta2, c1, c2, lr, eps, has_moments);
}

#include "CKernels.h"
#include <stddef.h>

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#endif

// Vectorised elementwise functions of Float arrays (see CKernels.h for the list and the accuracy
// contract, docs/HowTheEngineWorks.md for the measured errors). The algorithms are in
// vmath_body.h, compiled here once per instruction set.

// Polynomial coefficients, fitted by weighted least squares on Chebyshev points against mpmath
// (near-minimax; the fitting residual is given beside each).
// (eʳ − 1 − r)/r² on |r| ≤ ln2/2, degree 6: 5e-11 relative.
#define VM_EXPM1P_F_N 7
static const float VM_EXPM1P_F[7] = {0.5f, 0.166666672f, 0.0416666679f, 0.00833329838f, 0.00138889241f,
                                     0.000198995578f, 2.48209672e-05f};
// The same in double, degree 8: 1.5e-14.
#define VM_EXPM1P_D_N 9
static const double VM_EXPM1P_D[9] = {0.49999999999999939, 0.16666666666647978, 0.041666666666811618,
                                      0.008333333353997413, 0.0013888888839390741, 0.0001984120817454899,
                                      2.4801624549222918e-05, 2.7625434133289462e-06, 2.7577317419440757e-07};
// (tanh x − x)/x³ as a polynomial in x² on |x| ≤ 0.625, degree 6: 2e-10.
#define VM_TANHP_F_N 7
static const float VM_TANHP_F[7] = {-0.333333343f, 0.133333325f, -0.0539676398f, 0.0218598992f, -0.00879102014f,
                                    0.00330628222f, -0.000862246496f};
// erf(x)/x as a polynomial in x² on |x| ≤ 1, degree 8: 8e-13.
#define VM_ERFP_D_N 9
static const double VM_ERFP_D[9] = {1.1283791670945875, -0.3761263888850539, 0.1128379128540061,
                                    -0.02686613141120734, 0.005223776413715582, -0.00085424890860205432,
                                    0.00011954820207801486, -1.3898708961928118e-05, 1.0562998466728163e-06};
// erfc(a)·e^(a²) as a polynomial in t = 2/(2 + a) on 1 ≤ a ≤ 10.6, degree 12: 9e-12.
#define VM_ERFCG_D_N 13
static const double VM_ERFCG_D[13] = {6.253563448944601e-09, 0.28209486864123973, 0.28208759093154145,
                                      0.24696972516141, 0.17495336574546641, 0.092033850651148816,
                                      -0.037294215912812373, 0.027170099239124185, -0.17721303473322675,
                                      0.048430697337126988, 0.19688180520532905, -0.19034954890677899,
                                      0.054308163579468181};

// The helpers pass vectors wider than the target's registers (the double half of erf and GELU has
// twice the bytes of the float vector) by value; they are always inlined, so no call ever crosses
// the ABI the warning is about.
#pragma clang diagnostic ignored "-Wpsabi"

// (Φ(x) + xφ(x))/h with h = x − x₀ on |h| ≤ 0.03 around GELU's slope's zero x₀ = −0.75179…, degree 6:
// 3e-15 (there Φ and xφ cancel completely, and the slope is computed as h times this).
#define VM_GSLOPE_ROOT_D_N 7
static const double VM_GSLOPE_ROOT_D[7] = {0.43149399231404628, 0.38828498299037273, -0.018199676399011152,
                                           -0.11400823170125127, -0.014771520469162096, 0.019418141049704331,
                                           0.0045369603638525805};
#define VM_GSLOPE_ROOT_HI (-0.75179152469356447)
#define VM_GSLOPE_ROOT_LO 1.4956759177009883e-17

// (eʳ − 1 − r − r²/2)/r³ for the Double functions: the Taylor coefficients 1/(n + 3)!, n = 0…11
// (on |r| ≤ ln2/2 the first omitted term is below 1e-19 of the result).
#define VM_EXPM1P_DD_N 12
static const double VM_EXPM1P_DD[12] = {
    1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
    1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0, 1.0 / 87178291200.0};

#define VM_FOR_EACH_F64(X) \
    X(exp) X(expm1) X(tanh) X(sigmoid) X(silu) X(log) X(log1p) X(softplus)

#define VM_FOR_EACH_F32(X) \
    X(exp) X(expm1) X(tanh) X(sigmoid) X(silu) X(log) X(log1p) X(softplus) X(erf) X(erfc) X(gelu) X(gelu_slope)

#if CK_X86
#define VM_W 16
#define VM_ATTR static inline __attribute__((always_inline, target("avx512f")))
#define VM_LOOP_ATTR static __attribute__((target("avx512f")))
#define VM_SUF avx512
#define VM_FMA 1
#include "vmath_body.h"
#undef VM_W
#undef VM_ATTR
#undef VM_LOOP_ATTR
#undef VM_SUF
#undef VM_FMA

#define VM_W 8
#define VM_ATTR static inline __attribute__((always_inline, target("avx2,fma")))
#define VM_LOOP_ATTR static __attribute__((target("avx2,fma")))
#define VM_SUF avx2
#define VM_FMA 1
#include "vmath_body.h"
#undef VM_W
#undef VM_ATTR
#undef VM_LOOP_ATTR
#undef VM_SUF
#undef VM_FMA
#endif

// The baseline target (SSE2 on x86-64, NEON on arm64): four lanes; FMA only where the baseline
// has it (arm64), two roundings elsewhere.
#define VM_W 4
#define VM_ATTR static inline __attribute__((always_inline))
#define VM_LOOP_ATTR static
#define VM_SUF portable
#if defined(__FMA__) || defined(__aarch64__)
#define VM_FMA 1
#else
#define VM_FMA 0
#endif
#include "vmath_body.h"

#if CK_X86
#define VM_ENTRY(fn)                                                   \
    void ck_v##fn##_f32(int isa, long n, const float *x, float *y) {   \
        if (isa >= 2) fn##_loop_avx512(n, x, y);                       \
        else if (isa == 1) fn##_loop_avx2(n, x, y);                    \
        else fn##_loop_portable(n, x, y);                              \
    }
#else
#define VM_ENTRY(fn)                                                   \
    void ck_v##fn##_f32(int isa, long n, const float *x, float *y) {   \
        (void)isa;                                                     \
        fn##_loop_portable(n, x, y);                                   \
    }
#endif

VM_FOR_EACH_F32(VM_ENTRY)

#if CK_X86
#define VM_ENTRY_D(fn)                                                   \
    void ck_v##fn##_f64(int isa, long n, const double *x, double *y) {   \
        if (isa >= 2) fn##_d_loop_avx512(n, x, y);                       \
        else if (isa == 1) fn##_d_loop_avx2(n, x, y);                    \
        else fn##_d_loop_portable(n, x, y);                              \
    }
#else
#define VM_ENTRY_D(fn)                                                   \
    void ck_v##fn##_f64(int isa, long n, const double *x, double *y) {   \
        (void)isa;                                                       \
        fn##_d_loop_portable(n, x, y);                                   \
    }
#endif

VM_FOR_EACH_F64(VM_ENTRY_D)

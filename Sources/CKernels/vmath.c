#include "CKernels.h"
#include <math.h>
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

// erf(a)/a − 2/√π over a² for the Double erf on a ≤ 1, degree 13 in z = a² (Chebyshev interpolation
// in mpmath at 50 digits, converted to monomials): 1.2e-17 relative on erf(a)/a.
#define VM_ERFQ_D_N 14
static const double VM_ERFQ_D[14] = {
    -0.37612638903183754, 0.11283791670955126, -0.02686617064513125, 0.005223977625442098,
    -0.0008548327023438772, 0.00012055332980820326, -1.4925650307970883e-05, 1.64621125825314e-06,
    -1.6365800670626893e-07, 1.4806425307596068e-08, -1.2281123990301673e-09, 9.342544765021714e-11,
    -6.25814465939488e-12, 2.895998335856489e-13};
// 2/√π and 1/√2 as hi + lo.
#define VM_TWO_OVER_ROOT_PI_HI 1.1283791670955126
#define VM_TWO_OVER_ROOT_PI_LO 1.533545961316588e-17
#define VM_ROOT_HALF_HI 0.7071067811865476
#define VM_ROOT_HALF_LO (-4.833646656726457e-17)
// h(a) = a·e^(a²)·erfc(a) (between 0.29 and 1/√π) in four pieces, each a polynomial of degree 20
// (Chebyshev interpolation in mpmath at 50 digits, converted to monomials): in u = a − centre on
// [0.46, 1.2), [1.2, 2.5), [2.5, 5), and in u = 1/a² − centre on [5, 27.5]; below 2e-16 relative
// in double evaluation, the constant terms carried as hi + lo.
#define VM_ERFCH_D_N 21
static const double VM_ERFCH_D[4][21] = {
    {0.3974987243985844, 0.20220729959380163, -0.16554965963548843, 0.11060315459549803, -0.0644661305998606, 0.033898821938595294, -0.016407778170266205, 0.0074086199182024064, -0.0031506479870492664, 0.0012710354619219547, -0.0004891521104354769, 0.00018038959249696597, -6.398285389197527e-05, 2.189480760112628e-05, -7.247414959974801e-06, 2.3258412275769162e-06, -7.250378857661214e-07, 2.1959100234816964e-07, -6.492415024625557e-08, 1.9835114002093073e-08, -5.577860227794669e-09},
    {0.5039599572814543, 0.049561170534387744, -0.028771087043986614, 0.014076829846804258, -0.006159657087697141, 0.002480268678506054, -0.000934363816666629, 0.00033287820879222124, -0.00011300491891286692, 3.676197436511102e-05, -1.1510273653231335e-05, 3.4807578185190862e-06, -1.019543607457815e-06, 2.8994633482668734e-07, -8.022311607384147e-08, 2.163920090309087e-08, -5.695421233562703e-09, 1.452773459991352e-09, -3.6596829700846813e-10, 1.0334578019745226e-10, -2.487683593533865e-11},
    {0.5459614547813946, 0.008878755527325295, -0.0031609243052536646, 0.0009764447641912397, -0.00027644893731075087, 7.354897612802338e-05, -1.8643354762197155e-05, 4.541302425856299e-06, -1.0692017752403744e-06, 2.443240944553266e-07, -5.4357293817580856e-08, 1.1803096163502043e-08, -2.5062633738140296e-09, 5.211714096432135e-10, -1.0631675521115433e-10, 2.1369495217954633e-11, -4.206189521409204e-12, 7.774375583114767e-13, -1.4865631132616416e-13, 3.854658190453996e-14, -7.087115284957593e-15},
    {0.5585330992243677, -0.26584708463257134, 0.3657976789500193, -0.8098751370523112, 2.427573041756519, -9.061040077873072, 40.090140210064895, -203.56120443797786, 1159.4319763651476, -7283.759297596527, 49819.00623762656, -367211.00861111196, 2892830.5913987383, -24190398.21372608, 213515153.8811869, -1982634686.213328, 19236436780.53436, -188088579389.7727, 1966251423554.4814, -28980614179334.953, 331696683161466.8},
};
static const double VM_ERFCH_LO[4] = {-1.9382216384909826e-17, 5.360289818415827e-17, -5.143367754166625e-17,
                                      4.8992651455465854e-17};
static const double VM_ERFCH_CENTRE[4] = {0.83, 1.85, 3.75, 0.02066115702479339};

// GELU's slope for the Double kernel: R(h) = (Φ(x) + xφ(x))/h with h = x − x₀ on |h| ≤ 0.35, degree 16
// (Chebyshev interpolation in mpmath at 60 digits, converted to monomials): 1.8e-21 relative; the
// constant term also as hi + lo.
#define VM_GSLOPE_WIDE_D_N 17
static const double VM_GSLOPE_WIDE_D[17] = {
    0.4314939923140469, 0.388284982990552, -0.018199676398671087, -0.11400823329722172, -0.014771522148244329,
    0.019421679838189845, 0.0045392283791243215, -0.0022395380681135674, -0.0007448268386184955,
    0.00018633974732467607, 8.615947708104661e-05, -1.121439709981343e-05, -7.748437656848472e-06,
    4.329945044518287e-07, 5.700681037880867e-07, -2.3089502874031585e-09, -3.4483144807674104e-08};
#define VM_GSLOPE_WIDE_LO 2.7308688141129613e-17
// 1/√(2π) as hi + lo.
#define VM_INV_ROOT_2PI_HI 0.3989422804014327
#define VM_INV_ROOT_2PI_LO (-2.49232720227773e-17)

// GELU with tanh: 2u = c1·x + c3·x³ with c1 = 2√(2/π), c3 = 2√(2/π)·0.044715, and its slope's
// V = c1·x + 3c3·x³, each constant as hi + lo (mpmath at 80 digits).
#define VM_GTANH_C1_HI 1.5957691216057308
#define VM_GTANH_C1_LO (-9.96930880911092e-17)
#define VM_GTANH_C3_HI 0.07135481627260025
#define VM_GTANH_C3_LO (-6.175149918155315e-19)
#define VM_GTANH_3C3_HI 0.21406444881780073
#define VM_GTANH_3C3_LO 1.2025242832367862e-17
// The slope's zero x₀ = −0.75246142207101625848… as hi + lo + lo2, and the slope's Taylor coefficients
// at x₀ (mpmath at 80 digits): slope(x₀ + h) = h·Σ cₙhⁿ, n = 0…11; on |h| ≤ 0.03 the omitted terms
// are below 1e-23 relative. c₀ also as hi + lo.
#define VM_GTANH_ROOT_HI (-0.7524614220710163)
#define VM_GTANH_ROOT_LO 3.635560509207687e-17
#define VM_GTANH_ROOT_LO2 (-2.5415595389660457e-33)
#define VM_GTANH_ROOT_C0_LO 2.028254970529195e-17
#define VM_GTANH_ROOT_D_N 12
static const double VM_GTANH_ROOT_D[12] = {
    0.4304000910248585, 0.38751844613578895, -0.01578285352184803, -0.11394448308095899,
    -0.01661932834305256, 0.019682309459833118, 0.005261059254921912, -0.0024227318458750974,
    -0.0009274420230205449, 0.00026392764052681053, 0.00012425227802639782, -3.4956171694436116e-05};

// sin and cos: 2/π, and π/2 in four parts (fdlibm's: 33, 33 and 33 significant bits, then the rest
// rounded to double; checked in mpmath at 100 digits). The vector reduction covers |x| below
// VM_TRIG_BIG, where n = round(x·2/π) < 2²⁰ and each n·Pᵢ (i ≤ 3) is exact.
#define VM_TWO_OVER_PI 0.6366197723675814
#define VM_PIO2_1 1.5707963267341256
#define VM_PIO2_2 6.077100506303966e-11
#define VM_PIO2_3 2.0222662487111665e-21
#define VM_PIO2_4 8.4784276603689e-32
#define VM_TRIG_BIG 1.6e6

// Below this |x| the Double erf is the polynomial; above, 1 − erfc.
#define VM_ERF_SMALL 1.0

#define VM_FOR_EACH_F64(X) \
    X(exp) X(expm1) X(tanh) X(sigmoid) X(silu) X(log) X(log1p) X(softplus) X(erf) X(erfc) X(gelu) X(gelu_slope) \
    X(gelu_tanh) X(gelu_tanh_slope) X(mish) X(sin) X(cos)

#define VM_FOR_EACH_F32(X) \
    X(exp) X(expm1) X(tanh) X(sigmoid) X(silu) X(log) X(log1p) X(softplus) X(erf) X(erfc) X(gelu) X(gelu_slope) \
    X(gelu_tanh) X(gelu_tanh_slope) X(mish) X(sin) X(cos)

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

void ck_vgelu_pair_f32(int isa, long n, const float *x, float *y, float *dy) {
#if CK_X86
    if (isa >= 2) { gelu_pair_loop_avx512(n, x, y, dy); return; }
    if (isa == 1) { gelu_pair_loop_avx2(n, x, y, dy); return; }
#endif
    (void)isa;
    gelu_pair_loop_portable(n, x, y, dy);
}

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

void ck_velu_f32(int isa, long n, const float *x, float *y, double alpha) {
#if CK_X86
    if (isa >= 2) { elu_loop_avx512(n, x, y, alpha); return; }
    if (isa == 1) { elu_loop_avx2(n, x, y, alpha); return; }
#endif
    (void)isa;
    elu_loop_portable(n, x, y, alpha);
}

void ck_velu_f64(int isa, long n, const double *x, double *y, double alpha) {
#if CK_X86
    if (isa >= 2) { elu_d_loop_avx512(n, x, y, alpha); return; }
    if (isa == 1) { elu_d_loop_avx2(n, x, y, alpha); return; }
#endif
    (void)isa;
    elu_d_loop_portable(n, x, y, alpha);
}

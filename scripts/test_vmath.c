// Accuracy harness for the vectorised elementwise functions of Sources/CKernels/vmath.c.
// Sweeps every k-th Float bit pattern over the whole line (both signs, subnormals, infinities and
// NaNs included) plus special values and thresholds with their neighbours, on every instruction set
// this CPU has, against the long double libm functions (the exact result to ~64 bits), and prints per
// function and ISA the largest error in ulps of the exact result and where it occurs. The error of
// a result y against the exact r is |y − r| / ulp(r), ulp(r) the spacing of Floats at |r| (2⁻¹⁴⁹
// below FLT_MIN). Exits 1 when a bound is broken or a special value differs.
// The Double functions are measured the same way against the same long double references (11 more
// bits than a double) on four samples of the Double line: every k-th of N bit patterns spread over
// all 2⁶⁴, N uniform values in [−750, 750] (where the functions change), N values of random
// sign and mantissa with exponents in [−60, 10], and N values around GELU's slope's zero at every
// scale (where its reference is a Taylor series, see ref_gelu_slope_d) and around the tanh GELU's
// slope's zero x₀ = −0.75246… (every other value); plus special values and thresholds with their
// three neighbours on either side. N = 2³⁰/STRIDE (11,069,703 for 97).
// Built and run by scripts/test_vmath.sh; `test_vmath STRIDE [NAME…]` sets k (default 97) and
// measures only the functions named (all by default).
#include "CKernels.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long double LD;
typedef void (*kernel)(int, long, const float *, float *);

static LD ref_sigmoid(LD x) { return 1.0L / (1.0L + expl(-x)); }
static LD ref_silu(LD x) { return x / (1.0L + expl(-x)); }
static LD ref_softplus(LD x) { return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x)); }
static LD ref_gelu(LD x) { return x * 0.5L * erfcl(-x * 0.70710678118654752440084436210484903L); }
static LD ref_gelu_slope(LD x) {
    LD r = 0.5L * erfcl(-x * 0.70710678118654752440084436210484903L) +
           x * 0.39894228040143267793994605993438187L * expl(-0.5L * x * x);
    // Far in the negative tail both terms underflow even in long double; the slope is negative.
    return (r == 0 && x < 0) ? -0.0L : r;
}

// The Double slope cancels near its zero x₀ = −0.7517…: the long double formula above keeps only
// 64 − log2(cancellation) bits there, too few for a double near x₀. Within 0.36 of x₀ the reference
// is the slope's Taylor series at x₀ (30 terms, from the recurrence φ⁽ⁿ⁾-polynomials q₁ = 2 − x²,
// qₙ₊₁ = qₙ′ − x·qₙ in mpmath at 80 digits; truncation below 1e-25 relative), in h = x − x₀ with x₀ as
// a double plus a long double rest (x − x₀hi is exact there).
static const LD SLOPE_X0_REST = 1.495675917700988327320555e-17L;
static const LD SLOPE_TAYLOR[30] = {
    0.4314939923140469197865072L,
    0.3882849829905519978580804L,
    -0.01819967639867108710056929L,
    -0.114008233297221708552437L,
    -0.01477152214824433771783813L,
    0.01942167983818906588903428L,
    0.004539228379125415573634314L,
    -0.002239538068073497151278949L,
    -0.0007448268386746816242731353L,
    0.0001863397462323351328044368L,
    0.00008615947861116571627794471L,
    -0.00001121438018842664137520905L,
    -0.000007748461307003719125262295L,
    0.0000004328450625739227546754888L,
    0.0000005702764979242107237229701L,
    -1.604426549424642758570375e-9L,
    -3.545986646178386648417632e-8L,
    -1.396942086426202065978305e-9L,
    1.903198405013139772895494e-9L,
    1.450641893877942489820416e-10L,
    -8.950037692726255463155592e-11L,
    -9.950340824808053553778512e-12L,
    3.725967039270118628922531e-12L,
    5.482292964742324008376907e-13L,
    -1.382011824060105674541803e-13L,
    -2.587150847550750724541097e-14L,
    4.57816782427133432411136e-15L,
    1.078966251823015913391001e-15L,
    -1.350709468114931793805942e-16L,
    -4.051438528160148765707511e-17L};
static LD ref_gelu_slope_d(LD x) {
    LD h = (x - (LD)-0.7517915246935645) - SLOPE_X0_REST;
    if (!(fabsl(h) <= 0.36L)) return ref_gelu_slope(x);
    LD s = 0;
    for (int i = 29; i >= 0; i--) s = s * h + SLOPE_TAYLOR[i];
    return s * h;
}

// GELU with tanh, its slope and mish: the formulas in a wider type (__float128 on x86-64, where
// libquadmath gives 113 bits; long double elsewhere, which is the same IEEE quad on aarch64 Linux),
// since the Double value's relative error is |2u| times the absolute error of 2u (up to 745), and
// the slope cancels at its zero. The value is x·σ(2u), the same real number as ½x(1 + tanh u).
#if defined(__x86_64__)
typedef __float128 Q;
Q expq(Q);
Q tanhq(Q);
Q log1pq(Q);
Q sqrtq(Q);
Q acosq(Q);
Q expm1q(Q);
Q sinq(Q);
Q cosq(Q);
#define QSIN sinq
#define QCOS cosq
#define QEXP expq
#define QTANH tanhq
#define QLOG1P log1pq
#define QSQRT sqrtq
#define QACOS acosq
#define QEXPM1 expm1q
#else
typedef long double Q;
#define QEXP expl
#define QTANH tanhl
#define QLOG1P log1pl
#define QSQRT sqrtl
#define QACOS acosl
#define QEXPM1 expm1l
#define QSIN sinl
#define QCOS cosl
#endif
// sin and cos in 113 bits: the kernels give lanes of huge magnitude to libm's sinl and cosl, so
// their reference is libquadmath's own reduction on x86-64 (on aarch64 long double is quad, and
// the reference is the same glibc function for those lanes: the bound is checked there only for
// the vector path).
static LD ref_sin(LD x) { return (LD)QSIN((Q)x); }
static LD ref_cos(LD x) { return (LD)QCOS((Q)x); }
static Q q_beta(void) { return QSQRT((Q)2 / QACOS((Q)-1)); }
static Q q_two_u(Q x) {
    Q kappa = (Q)44715 / (Q)1000000;
    return 2 * q_beta() * (x + kappa * x * x * x);
}
static LD ref_gelu_tanh(LD xl) {
    Q x = (Q)xl;
    if (isinf(xl)) return xl > 0 ? xl : NAN;  // −∞·0 at −∞, as the formula
    return (LD)(x / (1 + QEXP(-q_two_u(x))));
}
// σ + V·σ(1 − σ) = σ + V·σ·e^(−2u)·σ, σ = σ(2u), V = 2√(2/π)(x + 3·0.044715x³).
static LD ref_gelu_tanh_slope(LD xl) {
    if (isinf(xl)) return NAN;
    Q x = (Q)xl, t = q_two_u(x);
    Q kappa = (Q)44715 / (Q)1000000;
    Q v = 2 * q_beta() * (x + 3 * kappa * x * x * x);
    Q r;
    if (t >= 0) {
        Q f = QEXP(-t), s = 1 / (1 + f);
        r = s + v * f * s * s;
    } else {
        Q f = QEXP(t), d = 1 + f;
        r = f * (1 + f + v) / (d * d);
    }
    return (r == 0 && x < 0) ? -0.0L : (LD)r;
}
static LD ref_mish(LD xl) {
    if (xl == -INFINITY) return NAN;
    Q x = (Q)xl;
    Q sp = x > 0 ? x + QLOG1P(QEXP(-x)) : QLOG1P(QEXP(x));
    return (LD)(x * QTANH(sp));
}
// ELU at SELU's alpha: as a Float for the Float sweep, in full for the Double one (a Float-rounded
// alpha splits exactly in Dekker's product and hid the portable path's subnormal errors).
static const double elu_alpha = (double)1.6732632423543772848f, elu_alpha_d = 1.6732632423543772848;
static LD ref_elu(LD xl) {
    if (xl > 0) return xl;
    return (LD)((Q)elu_alpha * QEXPM1((Q)xl));
}
static LD ref_elu_d(LD xl) {
    if (xl > 0) return xl;
    return (LD)((Q)elu_alpha_d * QEXPM1((Q)xl));
}
static void ck_velu_alpha_f32(int isa, long n, const float *x, float *y) { ck_velu_f32(isa, n, x, y, elu_alpha); }
static void ck_velu_alpha_f64(int isa, long n, const double *x, double *y) { ck_velu_f64(isa, n, x, y, elu_alpha_d); }

static const struct {
    const char *name;
    kernel f;
    LD (*ref)(LD);
    double bound;  // ulps
} fns[] = {
    {"exp", ck_vexp_f32, expl, 1},
    {"expm1", ck_vexpm1_f32, expm1l, 1},
    {"log", ck_vlog_f32, logl, 1},
    {"log1p", ck_vlog1p_f32, log1pl, 1},
    {"tanh", ck_vtanh_f32, tanhl, 2},
    {"sigmoid", ck_vsigmoid_f32, ref_sigmoid, 1.5},
    {"silu", ck_vsilu_f32, ref_silu, 1.5},
    {"softplus", ck_vsoftplus_f32, ref_softplus, 2},
    {"erf", ck_verf_f32, erfl, 1},
    {"erfc", ck_verfc_f32, erfcl, 1},
    {"gelu", ck_vgelu_f32, ref_gelu, 1},
    {"gelu_slope", ck_vgelu_slope_f32, ref_gelu_slope, 1},
    {"gelu_tanh", ck_vgelu_tanh_f32, ref_gelu_tanh, 1},
    {"gtanh_slope", ck_vgelu_tanh_slope_f32, ref_gelu_tanh_slope, 1},
    {"elu", ck_velu_alpha_f32, ref_elu, 1},
    {"mish", ck_vmish_f32, ref_mish, 1},
    {"sin", ck_vsin_f32, ref_sin, 1},
    {"cos", ck_vcos_f32, ref_cos, 1},
};
enum { NF = sizeof fns / sizeof fns[0] };

typedef void (*dkernel)(int, long, const double *, double *);
static const struct {
    const char *name;
    dkernel f;
    LD (*ref)(LD);
    double bound;  // ulps
} dfns[] = {
    {"exp", ck_vexp_f64, expl, 1},
    {"expm1", ck_vexpm1_f64, expm1l, 1},
    {"log", ck_vlog_f64, logl, 1},
    {"log1p", ck_vlog1p_f64, log1pl, 1},
    {"tanh", ck_vtanh_f64, tanhl, 2},
    {"sigmoid", ck_vsigmoid_f64, ref_sigmoid, 1},
    {"silu", ck_vsilu_f64, ref_silu, 1},
    {"softplus", ck_vsoftplus_f64, ref_softplus, 2},
    {"erf", ck_verf_f64, erfl, 2},
    {"erfc", ck_verfc_f64, erfcl, 2},
    {"gelu", ck_vgelu_f64, ref_gelu, 2},
    {"gelu_slope", ck_vgelu_slope_f64, ref_gelu_slope_d, 1.5},
    {"gelu_tanh", ck_vgelu_tanh_f64, ref_gelu_tanh, 1},
    {"gtanh_slope", ck_vgelu_tanh_slope_f64, ref_gelu_tanh_slope, 1},
    {"elu", ck_velu_alpha_f64, ref_elu_d, 1},
    {"mish", ck_vmish_f64, ref_mish, 1.5},
    {"sin", ck_vsin_f64, ref_sin, 1},
    {"cos", ck_vcos_f64, ref_cos, 1},
};
enum { NFD = sizeof dfns / sizeof dfns[0] };

static float from_bits(unsigned b) { float f; memcpy(&f, &b, 4); return f; }
static unsigned to_bits(float f) { unsigned b; memcpy(&b, &f, 4); return b; }

// Error of y against the exact r in ulps of r; INFINITY for a wrong special value (NaN, an infinity,
// or the sign of a zero).
static double ulp_error(float y, LD r) {
    if (isnan(r)) return isnan(y) ? 0 : INFINITY;
    if (isnan(y)) return INFINITY;
    LD ar = fabsl(r);
    // Values from FLT_MAX + ½ulp up round to infinity.
    if (ar >= 0x1.ffffffp127L) return (isinf(y) && signbit(y) == signbit(r)) ? 0 : INFINITY;
    if (isinf(y)) return INFINITY;
    // A zero, exact or underflowed, has the sign of the exact result.
    if (y == 0 && signbit(y) != signbit(r)) return INFINITY;
    if (r == 0) return y == 0 ? 0 : INFINITY;
    int e;
    frexpl(ar, &e);  // ar = m·2^e, m in [½, 1)
    LD ulp = ar < 0x1p-126L ? 0x1p-149L : ldexpl(1.0L, e - 24);
    return (double)(fabsl((LD)y - r) / ulp);
}

typedef struct {
    double max;
    float at;
    long count;
} stat;

static int nisa;
static int isas[3];
static stat stats[NF][3];

// The functions named on the command line after the stride (all when none is).
static int nnames;
static char **names;
static int selected(const char *name) {
    if (nnames == 0) return 1;
    for (int i = 0; i < nnames; i++)
        if (strcmp(names[i], name) == 0) return 1;
    return 0;
}

// Each reference is computed once per input and compared with every ISA's result.
static void check(int fi, const float *x, long n, float *y) {
    if (!selected(fns[fi].name)) return;
    LD *ref = malloc((size_t)n * sizeof(LD));
    for (long i = 0; i < n; i++) ref[i] = fns[fi].ref((LD)x[i]);
    for (int s = 0; s < nisa; s++) {
        fns[fi].f(isas[s], n, x, y);
        stat *st = &stats[fi][s];
        for (long i = 0; i < n; i++) {
            double e = ulp_error(y[i], ref[i]);
            if (e > st->max || (isinf(e) && !isinf(st->max))) { st->max = e; st->at = x[i]; }
            st->count++;
        }
    }
    free(ref);
}

static double from_bits_d(unsigned long b) { double f; memcpy(&f, &b, 8); return f; }
static unsigned long to_bits_d(double f) { unsigned long b; memcpy(&b, &f, 8); return b; }

// ulp_error for a double result: the spacing of doubles at |r| (2⁻¹⁰⁷⁴ below DBL_MIN).
static double ulp_error_d(double y, LD r) {
    if (isnan(r)) return isnan(y) ? 0 : INFINITY;
    if (isnan(y)) return INFINITY;
    LD ar = fabsl(r);
    if (ar >= 0x1.fffffffffffff8p1023L) return (isinf(y) && signbit(y) == signbit(r)) ? 0 : INFINITY;
    if (isinf(y)) return INFINITY;
    if (y == 0 && signbit(y) != signbit(r)) return INFINITY;
    if (r == 0) return y == 0 ? 0 : INFINITY;
    int e;
    frexpl(ar, &e);
    LD ulp = ar < 0x1p-1022L ? 0x1p-1074L : ldexpl(1.0L, e - 53);
    return (double)(fabsl((LD)y - r) / ulp);
}

typedef struct {
    double max;
    double at;
    long count;
} dstat;
static dstat dstats[NFD][3];

static void check_d(int fi, const double *x, long n, double *y) {
    if (!selected(dfns[fi].name)) return;
    LD *ref = malloc((size_t)n * sizeof(LD));
    for (long i = 0; i < n; i++) ref[i] = dfns[fi].ref((LD)x[i]);
    for (int s = 0; s < nisa; s++) {
        dfns[fi].f(isas[s], n, x, y);
        dstat *st = &dstats[fi][s];
        for (long i = 0; i < n; i++) {
            double e = ulp_error_d(y[i], ref[i]);
            if (e > st->max || (isinf(e) && !isinf(st->max))) { st->max = e; st->at = x[i]; }
            st->count++;
        }
    }
    free(ref);
}

static unsigned long splitmix(unsigned long *state) {
    unsigned long z = (*state += 0x9e3779b97f4a7c15UL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}

// GELU and its slope in one pass (ck_vgelu_pair_f32) must give the bits of the two kernels;
// counts the elements that do not.
static long pair_mismatches;
static void check_pair(const float *x, long n) {
    float *y = malloc((size_t)n * sizeof(float)), *dy = malloc((size_t)n * sizeof(float));
    float *a = malloc((size_t)n * sizeof(float)), *b = malloc((size_t)n * sizeof(float));
    for (int s = 0; s < nisa; s++) {
        ck_vgelu_pair_f32(isas[s], n, x, y, dy);
        ck_vgelu_f32(isas[s], n, x, a);
        ck_vgelu_slope_f32(isas[s], n, x, b);
        for (long i = 0; i < n; i++)
            pair_mismatches += memcmp(&y[i], &a[i], sizeof(float)) != 0 || memcmp(&dy[i], &b[i], sizeof(float)) != 0;
    }
    free(y); free(dy); free(a); free(b);
}

// The Double sweep (see the top of the file); returns 1 when a bound is broken.
static int double_sweep(long stride) {
    static const double specials[] = {
        0.0, 1.0, 2.0, 0.5, DBL_MIN, DBL_TRUE_MIN, DBL_MAX, INFINITY, NAN, 1e-300, 1e-17, 0x1p-54, 0x1p-53, 0x1p-28,
        709.782712893384, 709.78271289338397, 709.0, 710.0, 710.5, 745.13321910194122, 745.1332191019411, 744.44007192138121,
        708.39641853226408, 708.39641853226411, 746.0, 750.0, 40.0, 36.7, 37.42994775023705, 38.0, 56.0 * 0.6931471805599453,
        0.34657359027997264, 0.7071067811865476, 1.4142135623730951, 22.0, 1e300, 0x1p52, 0x1p53, 0x1p54, 0.999999999999999,
        3.0, 5.85, 17.0, 30.0, 0.625, 1e-8, 0.1, 19.0, 36.04365338911715, 0x1p-1022, 0x1p-1000,
        0.7517915246935645, 0.75179152469356, 0.7518, 1.1017915246935645, 0.4017915246935645, 0.6505382386916237,
        0.65053823869162, 38.6, 38.5, 39.0, 27.5 * 1.4142135623730951,
        0.7524614220710163, 0.7824614220710163, 0.7224614220710163, 21.5, 21.4, 21.6, 30.0, 745.0, 744.0, 1e-200,
        1.5707963267948966, 3.141592653589793, 0.7853981633974483, 1.6e6, 1.5999999999999998e6, 6381956970095103.0 * 0x1p797,
        6.283185307179586, 355.0, 103993.0, 1.0e6, 0x1p20,
    };
    enum { NS = sizeof specials / sizeof specials[0] };
    double sx[NS * 14], sy[NS * 14];
    long ns = 0;
    for (int i = 0; i < NS; i++)
        for (int sign = 0; sign < 2; sign++) {
            unsigned long b = to_bits_d(specials[i]) | (sign ? 0x8000000000000000UL : 0);
            for (int d = -3; d <= 3; d++) {
                unsigned long bd = b + (unsigned long)d;
                if ((b & 0x7fffffffffffffffUL) == 0 && d < 0) bd = (b ^ 0x8000000000000000UL) + (unsigned long)(-d);
                sx[ns++] = from_bits_d(bd);
            }
        }
    for (int f = 0; f < NFD; f++) check_d(f, sx, ns, sy);

    long n = (1L << 30) / stride;
    if (n < 4093) n = 4093;
    unsigned long step = (0xffffffffffffffffUL / (unsigned long)n) | 1, state = 0x5eed;
    enum { CHUNK = 4093 };
    double *x = malloc(CHUNK * sizeof(double)), *y = malloc(CHUNK * sizeof(double));
    for (int sample = 0; sample < 4; sample++) {
        for (long done = 0; done < n;) {
            long m = 0;
            for (; m < CHUNK && done < n; m++, done++) {
                unsigned long r = splitmix(&state);
                if (sample == 0) x[m] = from_bits_d((unsigned long)done * step);
                else if (sample == 1) x[m] = -750.0 + 1500.0 * (double)(r >> 11) * 0x1p-53;
                // Around GELU's slope's zero x₀ at every scale: x₀ + u·2⁻ᵏ, u in [−1, 1), k in 0…52.
                else if (sample == 3)
                    x[m] = ((r >> 8) & 1 ? -0.7524614220710163 : -0.7517915246935645)
                           + ldexp(2.0 * (double)(r >> 11) * 0x1p-53 - 1.0, -(int)(r % 53));
                else x[m] = from_bits_d((r & 0x800fffffffffffffUL) | ((unsigned long)(1023 - 60 + (long)((r >> 52 & 0x7ff) % 71)) << 52));
            }
            for (int f = 0; f < NFD; f++) check_d(f, x, m, y);
        }
    }
    free(x); free(y);

    static const char *isa_names[] = {"portable", "avx2", "avx512"};
    int bad = 0;
    printf("\nDouble (4 samples of %ld plus %ld special inputs)\n", n, ns);
    printf("%-11s %-8s %10s  %-24s %6s  %s\n", "function", "ISA", "max ulp", "at x", "bound", "inputs");
    for (int f = 0; f < NFD; f++)
        for (int s = 0; s < nisa && selected(dfns[f].name); s++) {
            dstat st = dstats[f][s];
            int ok = st.max <= dfns[f].bound;
            bad |= !ok;
            printf("%-11s %-8s %10.4f  %-24a %6.1f  %ld%s\n", dfns[f].name, isa_names[isas[s]], st.max, st.at,
                   dfns[f].bound, st.count, ok ? "" : "   BROKEN");
        }
    return bad;
}

int main(int argc, char **argv) {
    long stride = argc > 1 ? atol(argv[1]) : 97;
    if (stride < 1) stride = 97;
    if (argc > 2) { nnames = argc - 2; names = argv + 2; }
    int top = ck_isa();
    for (int isa = top; isa >= 0; isa--) isas[nisa++] = isa;

    // Special values and thresholds, each with its three neighbours on both sides.
    static const float specials[] = {
        0.0f, 1.0f, 2.0f, 0.5f, FLT_MIN, FLT_TRUE_MIN, FLT_MAX, INFINITY, NAN, 1e-30f, 1e-8f, 0x1p-25f, 0x1p-24f,
        88.72283935546875f, 88.7228317f, 87.33654785f, 103.972084f, 103.9720840f, 89.0f, 104.0f, 110.0f, 0.625f,
        9.01f, 10.0f, 10.0546f, 10.06f, 0.75179f, 0.7518f, 0.7071067f, 1.4142135f, 0.34657359f, 30.0f, 17.0f, 5.85f,
        3.0f, 0.999999940f, 1.0000001f, 16.0f, 15.9f, 1e30f, 0x1p23f, 0x1p24f,
        0.75246142f, 0.78246142f, 0.72246142f, 10.5f, 11.0f, 30.0f, 40.0f,
        1.5707964f, 3.1415927f, 0.78539819f, 1.6e6f, 1.5999999e6f, 1.0e6f, 12867.963f, 102940.0f, 6.2831855f,
    };
    enum { NS = sizeof specials / sizeof specials[0] };
    float sx[NS * 14];
    long ns = 0;
    for (int i = 0; i < NS; i++)
        for (int sign = 0; sign < 2; sign++) {
            unsigned b = to_bits(specials[i]) | (sign ? 0x80000000u : 0);
            for (int d = -3; d <= 3; d++) {
                unsigned bd = b + (unsigned)d;
                if ((b & 0x7fffffffu) == 0 && d < 0) bd = (b ^ 0x80000000u) + (unsigned)(-d);  // across zero
                sx[ns++] = from_bits(bd);
            }
        }
    float *sy = malloc(sizeof sx);
    for (int f = 0; f < NF; f++) check(f, sx, ns, sy);

    // A chunk length of 4093 leaves a tail of 13, 5 and 1 elements for the 16, 8 and 4 lanes.
    enum { CHUNK = 4093 };
    float *x = malloc(CHUNK * sizeof(float)), *y = malloc(CHUNK * sizeof(float));
    unsigned long b = 0;
    while (b <= 0xffffffffUL) {
        long n = 0;
        for (; n < CHUNK && b <= 0xffffffffUL; n++, b += (unsigned long)stride) x[n] = from_bits((unsigned)b);
        for (int f = 0; f < NF; f++) check(f, x, n, y);
        if (selected("gelu") || selected("gelu_slope")) check_pair(x, n);
    }

    static const char *isa_names[] = {"portable", "avx2", "avx512"};
    int bad = 0;
    printf("%-11s %-8s %10s  %-16s %6s  %s\n", "function", "ISA", "max ulp", "at x", "bound", "inputs");
    for (int f = 0; f < NF; f++)
        for (int s = 0; s < nisa && selected(fns[f].name); s++) {
            stat st = stats[f][s];
            int ok = st.max <= fns[f].bound;
            bad |= !ok;
            printf("%-11s %-8s %10.4f  %-16a %6.1f  %ld%s\n", fns[f].name, isa_names[isas[s]], st.max, (double)st.at,
                   fns[f].bound, st.count, ok ? "" : "   BROKEN");
        }
    printf("gelu pair   (gelu and gelu_slope in one pass): %ld elements differ from the two kernels\n", pair_mismatches);
    bad |= pair_mismatches != 0;
    bad |= double_sweep(stride);
    printf("stride %ld: %s\n", stride, bad ? "FAILED" : "all within bounds");
    free(x); free(y); free(sy);
    return bad;
}

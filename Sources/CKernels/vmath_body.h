// The vectorised elementwise functions, written once on clang's vector extensions and compiled by
// vmath.c once per instruction set (it includes this file three times). Before each inclusion:
//   VM_W     lanes of float per vector (16 AVX-512, 8 AVX2, 4 portable),
//   VM_ATTR  the attributes of every helper here (always_inline plus the target),
//   VM_SUF   the suffix of every name defined here,
//   VM_FMA   1 when fused multiply-add is an instruction of the target.
// Every ISA runs the same algorithm, the same constants and the same tail handling, so the
// paths differ only where an FMA rounds once instead of twice (the portable path); the accuracy
// harness (scripts/test_vmath.sh) measures each path separately.
//
// Not a header of the module: SwiftPM compiles only the .c files and sees only include/CKernels.h.

#define VM_PASTE2(a, b) a##_##b
#define VM_PASTE(a, b) VM_PASTE2(a, b)
#define VM_NAME(x) VM_PASTE(x, VM_SUF)

typedef float VM_NAME(vf) __attribute__((ext_vector_type(VM_W)));
typedef int VM_NAME(vi) __attribute__((ext_vector_type(VM_W)));
typedef double VM_NAME(vd) __attribute__((ext_vector_type(VM_W)));
typedef long VM_NAME(vl) __attribute__((ext_vector_type(VM_W)));
#define vf VM_NAME(vf)
#define vi VM_NAME(vi)
#define vd VM_NAME(vd)
#define vl VM_NAME(vl)

#if VM_FMA
#define FMAF(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define FMAD(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define FMAF(a, b, c) ((a) * (b) + (c))
#define FMAD(a, b, c) ((a) * (b) + (c))
#endif

// Lane-wise choice: comparisons give masks of all ones or all zeros, so bit operations select.
VM_ATTR vf VM_NAME(self)(vi m, vf a, vf b) { return (vf)((m & (vi)a) | (~m & (vi)b)); }
VM_ATTR vd VM_NAME(seld)(vl m, vd a, vd b) { return (vd)((m & (vl)a) | (~m & (vl)b)); }
#define SELF VM_NAME(self)
#define SELD VM_NAME(seld)

VM_ATTR vf VM_NAME(absf)(vf x) { return (vf)((vi)x & 0x7fffffff); }
VM_ATTR vd VM_NAME(absd)(vd x) { return (vd)((vl)x & 0x7fffffffffffffffL); }
// Magnitude of `mag`, sign of `sign`.
VM_ATTR vf VM_NAME(copysignf)(vf mag, vf sign) {
    return (vf)(((vi)mag & 0x7fffffff) | ((vi)sign & (int)0x80000000));
}
VM_ATTR vd VM_NAME(copysignd)(vd mag, vd sign) {
    return (vd)(((vl)mag & 0x7fffffffffffffffL) | ((vl)sign & (long)0x8000000000000000UL));
}
// Clamping by compare-and-select lets a NaN through (min/max would replace it); each function
// puts NaN back explicitly at the end anyway.
VM_ATTR vf VM_NAME(clampf)(vf x, float lo, float hi) {
    vf l = lo, h = hi;
    return SELF(x < l, l, SELF(x > h, h, x));
}
VM_ATTR vd VM_NAME(clampd)(vd x, double lo, double hi) {
    vd l = lo, h = hi;
    return SELD(x < l, l, SELD(x > h, h, x));
}

VM_ATTR vl VM_NAME(clampl)(vl x, long lo, long hi) {
    vl l = lo, h = hi;
    vl below = x < l, above = x > h;
    return (below & l) | (above & h) | (~(below | above) & x);
}

// a·b + c rounded once where the residuals of a product or a quotient need it: the FMA instruction,
// or on a target without it the product in double (exact for floats) and one more rounding.
VM_ATTR vf VM_NAME(fma_exact)(vf a, vf b, vf c) {
#if VM_FMA
    return __builtin_elementwise_fma(a, b, c);
#else
    vd p = __builtin_convertvector(a, vd) * __builtin_convertvector(b, vd) + __builtin_convertvector(c, vd);
    return __builtin_convertvector(p, vf);
#endif
}

VM_ATTR vf VM_NAME(polyf)(vf x, const float *c, int n) {
    vf r = c[n - 1];
    for (int i = n - 2; i >= 0; i--) r = FMAF(r, x, (vf)c[i]);
    return r;
}
VM_ATTR vd VM_NAME(polyd)(vd x, const double *c, int n) {
    vd r = c[n - 1];
    for (int i = n - 2; i >= 0; i--) r = FMAD(r, x, (vd)c[i]);
    return r;
}

// ---- Float exp core ----
// eˣ = (1 + em)·s1·s2 with em = eʳ − 1 for the reduced r = x − k·ln2, |r| ≤ ln2/2, and 2ᵏ split in
// two normal powers of two (k ∈ [−159, 128] for x clamped to [−110, 89]), so that a result in the
// subnormal range or above FLT_MAX is rounded once, by the last multiplication.
// `x` must be clamped by the caller.
typedef struct {
    vf em, s1, s2;
    vi k;
} VM_NAME(expparts);
#define EXPPARTS VM_NAME(expparts)

VM_ATTR EXPPARTS VM_NAME(exp_parts)(vf x) {
    EXPPARTS e;
    const vf magic = 0x1.8p23f;
    // Rounds x·log2e to an integer held in the low bits of kf (the 1.5·2²³ trick: no conversion).
    vf kf = FMAF(x, (vf)1.44269504088896341f, magic);
    e.k = (vi)kf - (vi)magic;
    kf = kf - magic;
    // ln2 in two parts: the high part has 16 significant bits, so kf·LN2HI is exact without FMA too.
    vf r = FMAF(kf, (vf)-0.693145751953125f, x);
    r = FMAF(kf, (vf)-1.42860682030941723212e-6f, r);
    vf q = VM_NAME(polyf)(r, VM_EXPM1P_F, VM_EXPM1P_F_N);
    e.em = FMAF(r * r, q, r);
    vi k1 = e.k >> 1, k2 = e.k - k1;
    e.s1 = (vf)((k1 + 127) << 23);
    e.s2 = (vf)((k2 + 127) << 23);
    return e;
}

VM_ATTR vf VM_NAME(nan_through)(vf x, vf y) { return SELF(x != x, x + x, y); }

VM_ATTR vf VM_NAME(exp_v)(vf x) {
    EXPPARTS e = VM_NAME(exp_parts)(VM_NAME(clampf)(x, -110.0f, 89.0f));
    return VM_NAME(nan_through)(x, ((1.0f + e.em) * e.s1) * e.s2);
}

VM_ATTR vf VM_NAME(tanh_v)(vf x) {
    vf a = VM_NAME(absf)(x);
    // Small |x|: the odd polynomial x + x³·P(x²) (no cancellation near 0).
    vf z = a * a;
    vf small = FMAF(a * z, VM_NAME(polyf)(z, VM_TANHP_F, VM_TANHP_F_N), a);
    // Elsewhere 1 − 2/(e²ᵃ + 1): the subtracted term is below 0.45, so its error shrinks in the sum.
    // Above 10 the result rounds to 1.
    EXPPARTS e = VM_NAME(exp_parts)(VM_NAME(clampf)(2.0f * a, 0.0f, 20.0f));
    vf ex = ((1.0f + e.em) * e.s1) * e.s2;
    vf large = 1.0f - 2.0f / (ex + 1.0f);
    vf y = SELF(a < 0.625f, small, large);
    return VM_NAME(nan_through)(x, VM_NAME(copysignf)(y, x));
}

// σ(x) and x·σ(x) from one exp of −|x|, e = 2ᵏ·(1 + em): num/(1 + e) for x ≥ 0 and num·e/(1 + e)
// for x < 0, with the powers of two applied last so that a subnormal result is rounded once.
// Numerator and denominator are carried as unevaluated sums hi + lo (the roundings of 1 + em and of
// 1 + e, recovered exactly by Fast2Sum) and the quotient corrected once by its residual: three
// roundings of about ½ ulp each would otherwise add up to 2 ulps.
// `num` is 1 for σ and x for x·σ (x ≥ −110 there: below, x·σ(x) underflows to −0 anyway).
VM_ATTR vf VM_NAME(logistic)(vf x, vf num) {
    vf a = VM_NAME(clampf)(VM_NAME(absf)(x), 0.0f, 110.0f);
    EXPPARTS e = VM_NAME(exp_parts)(-a);
    vf p = 1.0f + e.em;
    vf p_lo = e.em - (p - 1.0f);
    vi pos = x >= 0.0f;
    // The denominator 1 + e (unscaled e for x < 0 would be wrong: e is scaled here; it is ≤ 1).
    vf ex = (p * e.s1) * e.s2;
    vf ex_lo = (p_lo * e.s1) * e.s2;
    vf dh = 1.0f + ex;
    vf dl = (ex - (dh - 1.0f)) + ex_lo;
    // The numerator: num, or num·(p + p_lo) before scaling.
    vf nh = SELF(pos, num, num * p);
    vf nl = SELF(pos, (vf)0.0f, VM_NAME(fma_exact)(num, p, -nh) + num * p_lo);
    vf rcp = 1.0f / dh;
    vf t0 = nh * rcp;
    vf t = FMAF(VM_NAME(fma_exact)(-t0, dh, nh) + nl - t0 * dl, rcp, t0);
    return SELF(pos, t, (t * e.s1) * e.s2);
}

VM_ATTR vf VM_NAME(sigmoid_v)(vf x) { return VM_NAME(nan_through)(x, VM_NAME(logistic)(x, (vf)1.0f)); }

VM_ATTR vf VM_NAME(silu_v)(vf x) {
    vf y = VM_NAME(logistic)(x, SELF(x < -110.0f, (vf)-110.0f, x));
    // At −∞ the product −∞·σ(−∞) = −∞·0 is NaN, as in PyTorch and the scalar x/(1 + e⁻ˣ).
    y = SELF(x == -__builtin_inff(), (vf)__builtin_nanf(""), y);
    y = SELF(x == __builtin_inff(), x, y);
    // ±0 keep their sign (the corrected quotient's sums make −0 into +0).
    y = SELF(x == 0.0f, x, y);
    return VM_NAME(nan_through)(x, y);
}

// ---- Float log core (fdlibm/musl logf): log(1 + f) + k·ln2 + c, f in [√½ − 1, √2 − 1) ----
VM_ATTR vf VM_NAME(log_tail)(vf f, vf c, vf dk) {
    vf s = f / (2.0f + f);
    vf z = s * s, w = z * z;
    vf t1 = w * FMAF(w, (vf)0.24279078841f, (vf)0.40000972152f);
    vf t2 = z * FMAF(w, (vf)0.28498786688f, (vf)0.66666662693f);
    vf R = t2 + t1;
    vf hfsq = 0.5f * f * f;
    return FMAF(s, hfsq + R, FMAF(dk, (vf)9.0580006145e-06f, c)) - hfsq + f + dk * 6.9313812256e-01f;
}

// Splits u (positive normal) into 2ᵏ·m with m in [√½, √2): returns m − 1 and k.
VM_ATTR vf VM_NAME(log_split)(vf u, vi *k) {
    vi iu = (vi)u + (0x3f800000 - 0x3f3504f3);
    *k = (iu >> 23) - 0x7f;
    vi im = (iu & 0x007fffff) + 0x3f3504f3;
    return (vf)im - 1.0f;
}

VM_ATTR vf VM_NAME(log_v)(vf x) {
    // Subnormal inputs are scaled into the normal range first.
    vi sub = x < 0x1p-126f;
    vf u = SELF(sub, x * 0x1p23f, x);
    vi k;
    vf f = VM_NAME(log_split)(u, &k);
    k = k - (sub & 23);
    vf y = VM_NAME(log_tail)(f, (vf)0.0f, __builtin_convertvector(k, vf));
    y = SELF(x == 0.0f, (vf)-__builtin_inff(), y);
    y = SELF(x < 0.0f, (vf)__builtin_nanf(""), y);
    y = SELF(x == __builtin_inff(), x, y);
    return VM_NAME(nan_through)(x, y);
}

// log(1 + v) for v ≥ −1 (musl's log1pf): u = 1 + v rounded, and the rounding error of u as a
// correction c/u; where u is within [√½, √2) v itself is the reduced argument.
VM_ATTR vf VM_NAME(log1p_core)(vf v) {
    vf u = 1.0f + v;
    vi k;
    vf f = VM_NAME(log_split)(u, &k);
    vf c = SELF(k >= 2, 1.0f - (u - v), v - (u - 1.0f)) / u;
    vi k0 = k == 0;
    f = SELF(k0, v, f);
    c = SELF(k0, (vf)0.0f, c);
    vf y = VM_NAME(log_tail)(f, c, __builtin_convertvector(k, vf));
    // |v| < 2⁻²⁵: log(1 + v) rounds to v (keeps −0).
    return SELF(VM_NAME(absf)(v) < 0x1p-25f, v, y);
}

VM_ATTR vf VM_NAME(log1p_v)(vf x) {
    // Infinity and values at or below −1 would make the correction ∞ − ∞ or 0/0: 0 stands in for them.
    vf y = VM_NAME(log1p_core)(SELF((x > -1.0f) & (x < __builtin_inff()), x, (vf)0.0f));
    y = SELF(x == -1.0f, (vf)-__builtin_inff(), y);
    y = SELF(x < -1.0f, (vf)__builtin_nanf(""), y);
    y = SELF(x == __builtin_inff(), x, y);
    return VM_NAME(nan_through)(x, y);
}

VM_ATTR vf VM_NAME(softplus_v)(vf x) {
    // log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|); a subnormal e^−|x| is rounded once by exp and
    // passed through by log1p.
    vf a = VM_NAME(clampf)(VM_NAME(absf)(x), 0.0f, 110.0f);
    EXPPARTS e = VM_NAME(exp_parts)(-a);
    vf ex = ((1.0f + e.em) * e.s1) * e.s2;
    vf y = SELF(x > 0.0f, x, (vf)0.0f) + VM_NAME(log1p_core)(ex);
    y = SELF(x == __builtin_inff(), x, y);
    return VM_NAME(nan_through)(x, y);
}

// ---- erf, erfc and GELU: computed in double, rounded once to float ----
// In double the cancellations (1 − erfc, Φ + xφ near its zero at x ≈ −0.75) and the rounding
// of x² inside e^(−x²) cost nothing visible: x² of a float is exact in double, the polynomials are
// good to 1e-11 relative, and the only error of the float result is its final rounding (≤ 0.5 ulp
// plus a hundredth). Doubles are twice as wide, so this is about half the float speed.

// e^t in double as 2ᵏ·(1 + em), em = eʳ − 1 for |r| ≤ ln2/2, relative error ~1e-14; t in [−120, 89].
VM_ATTR vd VM_NAME(expm1_d_reduced)(vd t, vl *k) {
    const vd magic = 0x1.8p52;
    vd kd = FMAD(t, (vd)1.4426950408889634, magic);
    *k = (vl)kd - (vl)magic;
    kd = kd - magic;
    vd r = FMAD(kd, (vd)-6.93147180369123816490e-01, t);
    r = FMAD(kd, (vd)-1.90821492927058770002e-10, r);
    vd q = VM_NAME(polyd)(r, VM_EXPM1P_D, VM_EXPM1P_D_N);
    return FMAD(r * r, q, r);
}

// e^t for t ≤ 0 in double; 0 from t = −120 down (far below anything a float result can show beside
// the terms it multiplies).
VM_ATTR vd VM_NAME(exp_d_neg)(vd t) {
    vl k;
    vd em = VM_NAME(expm1_d_reduced)(VM_NAME(clampd)(t, -120.0, 0.0), &k);
    return SELD(t <= -120.0, (vd)0.0, (1.0 + em) * (vd)((k + 1023) << 52));
}

// eˣ − 1 in double (2ᵏ·em + (2ᵏ − 1), both exact or nearly so), rounded once to float: in float the
// roundings of em and of the sum cost up to 1.2 ulps for small k.
VM_ATTR vf VM_NAME(expm1_v)(vf x) {
    vd xd = VM_NAME(clampd)(__builtin_convertvector(x, vd), -40.0, 89.0);
    vl k;
    vd em = VM_NAME(expm1_d_reduced)(xd, &k);
    vd s = (vd)((k + 1023) << 52);
    vf y = __builtin_convertvector(FMAD(s, em, s - 1.0), vf);
    // Keeps −0 (em of −0 is +0).
    y = SELF(x == 0.0f, x, y);
    return VM_NAME(nan_through)(x, y);
}

typedef struct {
    vd erf, erfc, gauss;  // erf a, erfc a and e^t for a ≥ 0, t = −a² exactly
} VM_NAME(erfparts);
#define ERFPARTS VM_NAME(erfparts)

// a = |u| (may be rounded), t = −u² held exactly: below 1 erf by an odd polynomial and erfc = 1 − erf;
// above, erfc = e^(−a²)·g(a) with g a polynomial in 2/(2 + a) (g = erfc·e^(a²) varies slowly), and
// erf = 1 − erfc. `gauss` (e^t) is computed only when `need_gauss` or some lane is above 1.
// A vector with every lane below 1 (most of a GELU's pre-activations, which are about normal)
// skips erfc's polynomial and quotient: each lane's values are the same either way.
VM_ATTR ERFPARTS VM_NAME(erf_parts)(vd a, vd t, int need_gauss) {
    ERFPARTS p;
    vd small_erf = a * VM_NAME(polyd)(a * a, VM_ERFP_D, VM_ERFP_D_N);
    if (!__builtin_reduce_or(~(a < 1.0))) {
        p.gauss = need_gauss ? VM_NAME(exp_d_neg)(t) : (vd)0.0;
        p.erf = small_erf;
        p.erfc = 1.0 - small_erf;
        return p;
    }
    vd ac = VM_NAME(clampd)(a, 0.0, 11.0);
    vd g = VM_NAME(polyd)(2.0 / (2.0 + ac), VM_ERFCG_D, VM_ERFCG_D_N);
    p.gauss = VM_NAME(exp_d_neg)(t);
    vd large_erfc = p.gauss * g;
    vl small = a < 1.0;
    p.erf = SELD(small, small_erf, 1.0 - large_erfc);
    p.erfc = SELD(small, 1.0 - small_erf, large_erfc);
    return p;
}

VM_ATTR vf VM_NAME(erf_v)(vf x) {
    vd u = __builtin_convertvector(x, vd);
    ERFPARTS p = VM_NAME(erf_parts)(VM_NAME(absd)(u), -(u * u), 0);
    vf y = __builtin_convertvector(VM_NAME(copysignd)(p.erf, u), vf);
    return VM_NAME(nan_through)(x, y);
}

VM_ATTR vf VM_NAME(erfc_v)(vf x) {
    vd u = __builtin_convertvector(x, vd);
    ERFPARTS p = VM_NAME(erf_parts)(VM_NAME(absd)(u), -(u * u), 0);
    vd y = SELD(u >= 0.0, p.erfc, 1.0 + p.erf);
    return VM_NAME(nan_through)(x, __builtin_convertvector(y, vf));
}

// Φ(x) = ½·erfc(−x/√2): for x < 0 ½·erfc(|x|/√2), never 1 − something close to 1.
VM_ATTR vd VM_NAME(normal_cdf)(vd xd, ERFPARTS *p, int need_gauss) {
    *p = VM_NAME(erf_parts)(VM_NAME(absd)(xd) * 0.70710678118654752440, -0.5 * (xd * xd), need_gauss);
    return SELD(xd >= 0.0, 1.0 - 0.5 * p->erfc, 0.5 * p->erfc);
}

// GELU from x and Φ(x) in double. ±∞ give what the scalar formulas give, ∞·0 = NaN included
// (as PyTorch).
VM_ATTR vf VM_NAME(gelu_from_cdf)(vf x, vd xd, vd cdf) {
    vf y = __builtin_convertvector(xd * cdf, vf);
    y = SELF(x == -__builtin_inff(), (vf)__builtin_nanf(""), y);
    y = SELF(x == __builtin_inff(), x, y);
    return VM_NAME(nan_through)(x, y);
}

// GELU's slope Φ(x) + x·φ(x) from x, Φ(x) and the parts that gave it (e^(−x²/2) among them).
VM_ATTR vf VM_NAME(gelu_slope_from_cdf)(vf x, vd xd, vd cdf, ERFPARTS p) {
    vd y = FMAD(xd * 0.39894228040143267794, p.gauss, cdf);
    // Near the zero x₀ the two terms cancel to nothing and their 1e-13 relative error would show:
    // there the slope is h·R(h), h = x − x₀ (x − x₀hi is exact in double).
    vd h = (xd - VM_GSLOPE_ROOT_HI) - VM_GSLOPE_ROOT_LO;
    vd near = h * VM_NAME(polyd)(h, VM_GSLOPE_ROOT_D, VM_GSLOPE_ROOT_D_N);
    y = SELD(VM_NAME(absd)(h) < 0.03, near, y);
    // Below x ≈ −15.5 both terms are 0 in double; the slope is a negative number that rounds to −0.
    y = SELD((p.gauss == 0.0) & (xd < 0.0), (vd)-0.0, y);
    vf yf = __builtin_convertvector(y, vf);
    yf = SELF(VM_NAME(absf)(x) == __builtin_inff(), (vf)__builtin_nanf(""), yf);
    return VM_NAME(nan_through)(x, yf);
}

VM_ATTR vf VM_NAME(gelu_v)(vf x) {
    vd xd = __builtin_convertvector(x, vd);
    ERFPARTS p;
    vd cdf = VM_NAME(normal_cdf)(xd, &p, 0);
    return VM_NAME(gelu_from_cdf)(x, xd, cdf);
}

VM_ATTR vf VM_NAME(gelu_slope_v)(vf x) {
    vd xd = __builtin_convertvector(x, vd);
    ERFPARTS p;
    vd cdf = VM_NAME(normal_cdf)(xd, &p, 1);
    return VM_NAME(gelu_slope_from_cdf)(x, xd, cdf, p);
}

// GELU and its slope from one Φ (a training step's forward pass keeps the slope for the rule):
// the same expressions as gelu_v and gelu_slope_v, so the same bits.
VM_ATTR vf VM_NAME(gelu_pair_v)(vf x, vf *slope) {
    vd xd = __builtin_convertvector(x, vd);
    ERFPARTS p;
    vd cdf = VM_NAME(normal_cdf)(xd, &p, 1);
    *slope = VM_NAME(gelu_slope_from_cdf)(x, xd, cdf, p);
    return VM_NAME(gelu_from_cdf)(x, xd, cdf);
}

// ---- Double functions (arrays of double; VM_W lanes of double, two registers on AVX-512) ----
// The same algorithms carried one level further: the reduced argument of exp with its rounding
// error, a Taylor polynomial of degree 12 for eʳ − 1 − r (truncation below 1e-19 on |r| ≤ ln2/2),
// and the last additions as exact sums (Fast2Sum, TwoSum), so that a result is rounded about once.

// a·b − c's residual without FMA: c − a·b exactly (for c ≈ a·b, as a quotient's correction needs),
// by Dekker's product (Veltkamp's split); with FMA one instruction.
VM_ATTR vd VM_NAME(residual_d)(vd a, vd b, vd c) {
#if VM_FMA
    return __builtin_elementwise_fma(-a, b, c);
#else
    const vd split = 134217729.0;  // 2²⁷ + 1
    vd p = a * b;
    vd ta = split * a, tb = split * b;
    vd ah = ta - (ta - a), bh = tb - (tb - b);
    vd al = a - ah, bl = b - bh;
    vd e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;  // a·b = p + e exactly
    return (c - p) - e;
#endif
}

typedef struct {
    vd em;      // eʳ⁺ᶜ − 1 ≈ r + t, carried as s + sl (s = r + t rounded, sl its error)
    vd s, sl;
    vd s1, s2;  // 2ᵏ as two normal powers of two (k ∈ [−1076, 1024])
    vd two;     // 2ᵏ itself where k ≥ −1022 (expm1's range)
    vl k;
} VM_NAME(expdparts);
#define EXPDPARTS VM_NAME(expdparts)

// x = k·ln2 + r + c, |r| ≤ ln2/2, c the rounding error of r; eʳ⁺ᶜ − 1 = s + sl. `x` clamped to
// [−760, 710] by the caller.
VM_ATTR EXPDPARTS VM_NAME(exp_d_parts)(vd x) {
    EXPDPARTS e;
    const vd magic = 0x1.8p52;
    vd kd = FMAD(x, (vd)1.4426950408889634, magic);
    e.k = (vl)kd - (vl)magic;
    kd = kd - magic;
    // ln2 = LN2HI + LN2LO, LN2HI with 32 significant bits: k·LN2HI and x − k·LN2HI are exact.
    vd hi = x - kd * 6.93147180369123816490e-01;
    vd lo = kd * 1.90821492927058770002e-10;
    vd r = hi - lo;
    vd c = (hi - r) - lo;
    // eʳ⁺ᶜ − 1 = r + r²/2 + r³·Q(r) + c: r²/2 exactly as h + hl, the rest small enough that its
    // roundings do not show.
    vd q = VM_NAME(polyd)(r, VM_EXPM1P_DD, VM_EXPM1P_DD_N);
    vd hr = 0.5 * r;
    vd h = hr * r;
    vd hl = -VM_NAME(residual_d)(hr, r, h);
    vd s0 = r + h;
    vd tail = ((h - (s0 - r)) + hl) + FMAD(r * r * r, q, c);  // |r| ≥ |h|: Fast2Sum
    // Renormalised, so that sl is below half an ulp of s (the quotients of σ correct to first order).
    e.s = s0 + tail;
    e.sl = tail - (e.s - s0);
    e.em = e.s;
    vl k1 = e.k >> 1, k2 = e.k - k1;
    e.s1 = (vd)((k1 + 1023) << 52);
    e.s2 = (vd)((k2 + 1023) << 52);
    e.two = (vd)((VM_NAME(clampl)(e.k, -1022, 1023) + 1023) << 52);
    return e;
}

// 1 + s + sl rounded once (Fast2Sum of 1 and s: |s| < 0.42), unscaled.
VM_ATTR vd VM_NAME(one_plus_d)(EXPDPARTS e) {
    vd p = 1.0 + e.s;
    vd pl = ((1.0 - p) + e.s) + e.sl;
    return p + pl;
}

VM_ATTR vd VM_NAME(nan_through_d)(vd x, vd y) { return SELD(x != x, x + x, y); }

VM_ATTR vd VM_NAME(exp_d_v)(vd x) {
    EXPDPARTS e = VM_NAME(exp_d_parts)(VM_NAME(clampd)(x, -746.0, 710.0));
    return VM_NAME(nan_through_d)(x, (VM_NAME(one_plus_d)(e) * e.s1) * e.s2);
}

// eˣ − 1 = 2ᵏ·(1 + s + sl) − 1 for k ≤ 56: 2ᵏ − 1 by TwoSum (exact), plus 2ᵏ·s (exact) by
// TwoSum, the small parts added last; above, eˣ − 1 rounds to eˣ. Below −40 it rounds to −1.
VM_ATTR vd VM_NAME(expm1_d_v)(vd x) {
    EXPDPARTS e = VM_NAME(exp_d_parts)(VM_NAME(clampd)(x, -40.0, 710.0));
    vd two = e.two;
    // TwoSum(2ᵏ, −1) = uh + ul, exactly 2ᵏ − 1.
    vd uh = two - 1.0;
    vd bv = uh - two;
    vd ul = (two - (uh - bv)) + (-1.0 - bv);
    vd v = two * e.s;
    vd h = uh + v;
    vd bw = h - uh;
    vd hl = (uh - (h - bw)) + (v - bw);
    vd small = h + (hl + (ul + two * e.sl));
    vd big = (VM_NAME(one_plus_d)(e) * e.s1) * e.s2;
    vd y = SELD(e.k > 56, big, small);
    y = SELD(x < -40.0, (vd)-1.0, y);
    y = SELD(x == 0.0, x, y);  // keeps −0
    return VM_NAME(nan_through_d)(x, y);
}

// ---- Double log core (fdlibm's e_log.c): log(1 + f) + k·ln2 + c, f in [√½ − 1, √2 − 1) ----
VM_ATTR vd VM_NAME(log_tail_d)(vd f, vd c, vd dk) {
    vd s = f / (2.0 + f);
    vd z = s * s, w = z * z;
    vd t1 = w * FMAD(w, FMAD(w, (vd)1.531383769920937332e-01, (vd)2.222219843214978396e-01), (vd)3.999999999940941908e-01);
    vd t2 = z * FMAD(w, FMAD(w, FMAD(w, (vd)1.479819860511658591e-01, (vd)1.818357216161805012e-01),
                             (vd)2.857142874366239149e-01), (vd)6.666666666666735130e-01);
    vd R = t2 + t1;
    vd hfsq = 0.5 * f * f;
    return FMAD(s, hfsq + R, FMAD(dk, (vd)1.90821492927058770002e-10, c)) - hfsq + f + dk * 6.93147180369123816490e-01;
}

VM_ATTR vd VM_NAME(log_split_d)(vd u, vl *k) {
    vl iu = (vl)u + (0x3ff0000000000000L - 0x3fe6a09e667f3bcdL);
    *k = (iu >> 52) - 0x3ff;
    vl im = (iu & 0x000fffffffffffffL) + 0x3fe6a09e667f3bcdL;
    return (vd)im - 1.0;
}

VM_ATTR vd VM_NAME(log_d_v)(vd x) {
    vl sub = x < 0x1p-1022;
    vd u = SELD(sub, x * 0x1p54, x);
    vl k;
    vd f = VM_NAME(log_split_d)(u, &k);
    k = k - (sub & 54);
    vd y = VM_NAME(log_tail_d)(f, (vd)0.0, __builtin_convertvector(k, vd));
    y = SELD(x == 0.0, (vd)-__builtin_inf(), y);
    y = SELD(x < 0.0, (vd)__builtin_nan(""), y);
    y = SELD(x == __builtin_inf(), x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// log(1 + v) for −1 < v < ∞ (musl's log1p): u = 1 + v and its rounding error as c/u.
VM_ATTR vd VM_NAME(log1p_core_d)(vd v) {
    vd u = 1.0 + v;
    vl k;
    vd f = VM_NAME(log_split_d)(u, &k);
    vd c = SELD(k >= 2, 1.0 - (u - v), v - (u - 1.0)) / u;
    c = SELD(k >= 54, (vd)0.0, c);
    vl k0 = k == 0;
    f = SELD(k0, v, f);
    c = SELD(k0, (vd)0.0, c);
    vd y = VM_NAME(log_tail_d)(f, c, __builtin_convertvector(k, vd));
    return SELD(VM_NAME(absd)(v) < 0x1p-54, v, y);
}

VM_ATTR vd VM_NAME(log1p_d_v)(vd x) {
    vd y = VM_NAME(log1p_core_d)(SELD((x > -1.0) & (x < __builtin_inf()), x, (vd)0.0));
    y = SELD(x == -1.0, (vd)-__builtin_inf(), y);
    y = SELD(x < -1.0, (vd)__builtin_nan(""), y);
    y = SELD(x == __builtin_inf(), x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// tanh (fdlibm's s_tanh.c): for a = |x| ≥ 1, 1 − 2/(t + 2) with t = e²ᵃ − 1; below, −t/(t + 2)
// with t = e⁻²ᵃ − 1; x itself below 2⁻²⁸, 1 from 22 on.
VM_ATTR vd VM_NAME(tanh_d_v)(vd x) {
    vd a = VM_NAME(absd)(x);
    vl big = a >= 1.0;
    vd t = VM_NAME(expm1_d_v)(SELD(big, 2.0 * VM_NAME(clampd)(a, 0.0, 22.0), -2.0 * a));
    // Below 1 the quotient −t/(t + 2) is corrected once by its residual, with t + 2 as an exact
    // sum d + dl: only t's own error remains (scaled by at most 1.75).
    vd d = t + 2.0;
    vd dl = (2.0 - d) + t;
    vd rcp = 1.0 / d;
    vd q0 = -t * rcp;
    vd q = FMAD(VM_NAME(residual_d)(q0, d, -t) - q0 * dl, rcp, q0);
    vd y = SELD(big, 1.0 - 2.0 / (t + 2.0), q);
    y = SELD(a >= 22.0, (vd)1.0, y);
    y = VM_NAME(copysignd)(y, x);
    y = SELD(a < 0x1p-28, x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// σ(x) and x·σ(x) from one exp of −|x| as the Float `logistic`: numerator and denominator as
// hi + lo sums, the quotient corrected once by its residual, powers of two applied last.
VM_ATTR vd VM_NAME(logistic_d)(vd x, vd num) {
    vd a = VM_NAME(clampd)(VM_NAME(absd)(x), 0.0, 760.0);
    EXPDPARTS e = VM_NAME(exp_d_parts)(-a);
    vd p = 1.0 + e.s;
    vd p_lo = ((1.0 - p) + e.s) + e.sl;
    vl pos = x >= 0.0;
    vd ex = (p * e.s1) * e.s2;
    vd ex_lo = (p_lo * e.s1) * e.s2;
    vd dh = 1.0 + ex;
    vd dl = (ex - (dh - 1.0)) + ex_lo;
    vd nh = SELD(pos, num, num * p);
    vd nl = SELD(pos, (vd)0.0, -VM_NAME(residual_d)(num, p, nh) + num * p_lo);
    vd rcp = 1.0 / dh;
    vd t0 = nh * rcp;
    vd t = FMAD(VM_NAME(residual_d)(t0, dh, nh) + nl - t0 * dl, rcp, t0);
    return SELD(pos, t, (t * e.s1) * e.s2);
}

VM_ATTR vd VM_NAME(sigmoid_d_v)(vd x) { return VM_NAME(nan_through_d)(x, VM_NAME(logistic_d)(x, (vd)1.0)); }

VM_ATTR vd VM_NAME(silu_d_v)(vd x) {
    // x·e^x underflows to −0 from x ≈ −753 on; above 746 σ(x) rounds to 1 and x·σ(x) to x (the
    // residuals of so large a numerator would overflow Dekker's split).
    vd y = VM_NAME(logistic_d)(x, VM_NAME(clampd)(x, -760.0, 746.0));
    y = SELD(x > 746.0, x, y);
    y = SELD(x == -__builtin_inf(), (vd)__builtin_nan(""), y);
    y = SELD(x == 0.0, x, y);
    return VM_NAME(nan_through_d)(x, y);
}

VM_ATTR vd VM_NAME(softplus_d_v)(vd x) {
    vd a = VM_NAME(clampd)(VM_NAME(absd)(x), 0.0, 746.0);
    EXPDPARTS e = VM_NAME(exp_d_parts)(-a);
    vd ex = (VM_NAME(one_plus_d)(e) * e.s1) * e.s2;
    vd y = SELD(x > 0.0, x, (vd)0.0) + VM_NAME(log1p_core_d)(ex);
    y = SELD(x == __builtin_inf(), x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// ---- Double erf, erfc and GELU ----
// Below a = 1: erf(a) = a·(2/√π + a²·Q(a²)), the leading product kept as hi + lo. From a = 0.46:
// erfc(a) = e^(−a²)·h(a)/a with h = a·e^(a²)·erfc(a) (slowly varying, 0.29 … 0.564) in four
// polynomial pieces, each lane taking its piece's coefficients; a² is carried exactly (hi + lo)
// into the exponential, and the factor m (1/a for erfc, 1/√2 on GELU's negative side, where
// x/(2a) = −1/√2 exactly) as hi + lo, so that the product is rounded once, then scaled by 2ᵏ.
// h at a rounded a costs nothing: it is flat.

// erf(a) for 0 ≤ a ≤ 1 as hi + lo.
VM_ATTR vd VM_NAME(erf_small_d)(vd a, vd *lo) {
    vd z = a * a;
    vd hi = a * VM_TWO_OVER_ROOT_PI_HI;
    *lo = -VM_NAME(residual_d)(a, (vd)VM_TWO_OVER_ROOT_PI_HI, hi)
          + a * FMAD(z, VM_NAME(polyd)(z, VM_ERFQ_D, VM_ERFQ_D_N), (vd)VM_TWO_OVER_ROOT_PI_LO);
    return hi;
}

// h(a) as hi + lo, a clamped to [0.46, 27.5].
VM_ATTR vd VM_NAME(erfc_h_d)(vd a, vd *lo) {
    vd ac = VM_NAME(clampd)(a, 0.46, 27.5);
    vl p1 = ac < 1.2, p2 = ac < 2.5, p3 = ac < 5.0;
#define VM_PIECE(t) SELD(p1, (vd)(t)[0], SELD(p2, (vd)(t)[1], SELD(p3, (vd)(t)[2], (vd)(t)[3])))
    vd centre = SELD(p1, (vd)VM_ERFCH_CENTRE[0], SELD(p2, (vd)VM_ERFCH_CENTRE[1],
                     SELD(p3, (vd)VM_ERFCH_CENTRE[2], (vd)VM_ERFCH_CENTRE[3])));
    vd u = SELD(p3, ac, 1.0 / (ac * ac)) - centre;
    vd r = SELD(p1, (vd)VM_ERFCH_D[0][VM_ERFCH_D_N - 1], SELD(p2, (vd)VM_ERFCH_D[1][VM_ERFCH_D_N - 1],
                SELD(p3, (vd)VM_ERFCH_D[2][VM_ERFCH_D_N - 1], (vd)VM_ERFCH_D[3][VM_ERFCH_D_N - 1])));
    for (int j = VM_ERFCH_D_N - 2; j >= 1; j--) {
        vd c = SELD(p1, (vd)VM_ERFCH_D[0][j], SELD(p2, (vd)VM_ERFCH_D[1][j], SELD(p3, (vd)VM_ERFCH_D[2][j], (vd)VM_ERFCH_D[3][j])));
        r = FMAD(r, u, c);
    }
    vd c0 = SELD(p1, (vd)VM_ERFCH_D[0][0], SELD(p2, (vd)VM_ERFCH_D[1][0], SELD(p3, (vd)VM_ERFCH_D[2][0], (vd)VM_ERFCH_D[3][0])));
    vd tail = FMAD(r, u, VM_PIECE(VM_ERFCH_LO));
#undef VM_PIECE
    vd hi = c0 + tail;
    *lo = tail - (hi - c0);
    return hi;
}

// e^(−(p + pl))·(h + hl)·(mh + ml), rounded once before 2ᵏ: p + pl ≥ 0 exactly.
VM_ATTR vd VM_NAME(gauss_times_d)(vd p, vd pl, vd h, vd hl, vd mh, vd ml) {
    EXPDPARTS e = VM_NAME(exp_d_parts)(VM_NAME(clampd)(-p, -760.0, 0.0));
    vd ph = 1.0 + e.s;
    vd pq = ((1.0 - ph) + e.s) + e.sl;
    vd hm = h * mh;
    vd hml = -VM_NAME(residual_d)(h, mh, hm) + (h * ml + hl * mh);
    vd prod = ph * hm;
    vd y = prod + (-VM_NAME(residual_d)(ph, hm, prod) + FMAD(ph, hml, (pq - ph * pl) * hm));
    return (y * e.s1) * e.s2;
}

// erfc(a) for a ≥ 0.46.
VM_ATTR vd VM_NAME(erfc_big_d)(vd a) {
    vd p = a * a;
    vd pl = -VM_NAME(residual_d)(a, a, p);
    vd mh = 1.0 / a;
    vd ml = VM_NAME(residual_d)(mh, a, (vd)1.0) * mh;
    vd hl;
    vd h = VM_NAME(erfc_h_d)(a, &hl);
    return VM_NAME(gauss_times_d)(p, pl, h, hl, mh, ml);
}

VM_ATTR vd VM_NAME(erf_d_v)(vd x) {
    vd a = VM_NAME(absd)(x);
    vd lo;
    vd hi = VM_NAME(erf_small_d)(VM_NAME(clampd)(a, 0.0, 1.0), &lo);
    vd y = SELD(a < VM_ERF_SMALL, hi + lo, 1.0 - VM_NAME(erfc_big_d)(VM_NAME(clampd)(a, 0.46, 40.0)));
    return VM_NAME(nan_through_d)(x, VM_NAME(copysignd)(y, x));
}

VM_ATTR vd VM_NAME(erfc_d_v)(vd x) {
    vd a = VM_NAME(absd)(x);
    vd lo;
    vd hi = VM_NAME(erf_small_d)(VM_NAME(clampd)(a, 0.0, 1.0), &lo);
    vd big = VM_NAME(erfc_big_d)(VM_NAME(clampd)(a, 0.46, 40.0));
    // 1 ∓ (hi + lo) with the rounding of 1 ∓ hi recovered (Fast2Sum: hi < 1).
    vd sm = 1.0 - hi, sp = 1.0 + hi;
    vd pos = SELD(a < 0.46, sm + (((1.0 - sm) - hi) - lo), big);
    vd neg = SELD(a < VM_ERF_SMALL, sp + (((1.0 - sp) + hi) + lo), 2.0 - big);
    return VM_NAME(nan_through_d)(x, SELD(x >= 0.0, pos, neg));
}

// GELU(x) = x·Φ(x), Φ(x) = ½·erfc(−x/√2). With a = |x|/√2 (rounded) and x²/2 exact: below
// a = 0.46, x·(½ ± ½·erf a); above, for x < 0, −e^(−x²/2)·h(a)/√2, for x > 0, x·(1 − ½·erfc a).
VM_ATTR vd VM_NAME(gelu_d_v)(vd x) {
    vd a = VM_NAME(absd)(x) * VM_ROOT_HALF_HI;
    vd lo;
    vd hi = VM_NAME(erf_small_d)(VM_NAME(clampd)(a, 0.0, 1.0), &lo);
    vd sx = VM_NAME(copysignd)((vd)1.0, x);
    // x·(½ ± ½·(hi + lo)) with the rounding of ½ ± ½·hi recovered, the product rounded once.
    vd half = sx * (0.5 * hi);
    vd ph = 0.5 + half;
    vd small = FMAD(x, ph, x * (((0.5 - ph) + half) + sx * (0.5 * lo)));
    vd xc = VM_NAME(clampd)(x, -60.0, 60.0);
    vd sq = xc * xc;
    vd p = 0.5 * sq, pl = -0.5 * VM_NAME(residual_d)(xc, xc, sq);
    vd ab = VM_NAME(clampd)(a, 0.46, 40.0);
    vd hl;
    vd h = VM_NAME(erfc_h_d)(ab, &hl);
    vd negative = -VM_NAME(gauss_times_d)(p, pl, h, hl, (vd)VM_ROOT_HALF_HI, (vd)VM_ROOT_HALF_LO);
    vd mh = 1.0 / ab;
    vd ml = VM_NAME(residual_d)(mh, ab, (vd)1.0) * mh;
    vd q = 0.5 * VM_NAME(gauss_times_d)(p, pl, h, hl, mh, ml);
    vd one_minus = 1.0 - q;
    vd positive = FMAD(x, one_minus, x * ((1.0 - one_minus) - q));
    vd y = SELD(a < 0.46, small, SELD(x < 0.0, negative, positive));
    y = SELD(x == -__builtin_inf(), (vd)__builtin_nan(""), y);
    y = SELD(x == __builtin_inf(), x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// GELU's slope Φ(x) + x·φ(x) in double, for the Double rule. The two terms cancel around the
// zero x₀ = −0.7517…, so the line is cut in four:
//   |x − x₀| ≤ 0.35 (x in [−1.10, −0.40]): the slope is h·R(h), h = x − x₀ carried as hi + lo and
//     R a polynomial (its constant term hi + lo), so the cancellation never happens;
//   x < −1.10: e^(−x²/2)·(h(a)/(√2·|x|) − |x|/√(2π)) with a = |x|/√2 and h(a) = a·e^(a²)·erfc(a) as
//     in gelu: the Gaussian factored out of both terms, the bracket as hi + lo (its terms differ
//     by a factor above 1.7, so the difference loses at most a bit), the product rounded once;
//   −0.40 < x < 0 and small positive x: ½ ± ½·erf(a) (hi + lo, a's rounding corrected to first
//     order) plus x·e^(−x²/2)/√(2π): the second term is at most three quarters of the sum;
//   x ≥ 0.65: 1 − ½·erfc(a) plus x·φ(x), both positive.
// Far in the negative tail the product underflows to −0 (a negative number too small for a
// double, from x ≈ −38.6), NaN at ±∞ (∞·0, as the scalar formula and PyTorch) and for NaN.
VM_ATTR vd VM_NAME(gelu_slope_d_v)(vd x) {
    vd xc = VM_NAME(clampd)(x, -60.0, 60.0);
    vd ax = VM_NAME(absd)(xc);
    // x²/2 exactly as p + pl, and e^(−x²/2).
    vd sq = xc * xc;
    vd p = 0.5 * sq, pl = -0.5 * VM_NAME(residual_d)(xc, xc, sq);
    // x·φ(x) = x·e^(−x²/2)/√(2π) rounded once (it is up to three quarters of the sum), and
    // e^(−x²/2) to 1e-14 for a first-order correction.
    vd xphi = VM_NAME(gauss_times_d)(p, pl, xc, (vd)0.0, (vd)VM_INV_ROOT_2PI_HI, (vd)VM_INV_ROOT_2PI_LO);
    vd gauss = VM_NAME(exp_d_neg)(-VM_NAME(clampd)(p, 0.0, 120.0));
    // a = |x|/√2 as hi + lo.
    vd a = ax * VM_ROOT_HALF_HI;
    vd al = -VM_NAME(residual_d)(ax, (vd)VM_ROOT_HALF_HI, a) + ax * VM_ROOT_HALF_LO;

    // Small |x| (a < 0.46): Φ = ½ ± ½·erf(a + al), erf(a + al) ≈ erf(a) + al·(2/√π)·e^(−a²).
    vd elo;
    vd ehi = VM_NAME(erf_small_d)(VM_NAME(clampd)(a, 0.0, 1.0), &elo);
    elo = FMAD(al * VM_TWO_OVER_ROOT_PI_HI, gauss, elo);
    vd sx = VM_NAME(copysignd)((vd)1.0, xc);
    vd half = sx * (0.5 * ehi);
    vd ph = 0.5 + half;
    vd small = ph + ((((0.5 - ph) + half) + sx * (0.5 * elo)) + xphi);

    // Positive x from a = 0.46: 1 − ½·erfc(a) + x·φ(x).
    vd ab = VM_NAME(clampd)(a, 0.46, 40.0);
    vd hl;
    vd h = VM_NAME(erfc_h_d)(ab, &hl);
    vd mh = 1.0 / ab;
    vd ml = VM_NAME(residual_d)(mh, ab, (vd)1.0) * mh;
    vd q = 0.5 * VM_NAME(gauss_times_d)(p, pl, h, hl, mh, ml);
    vd cdf = 1.0 - q;
    vd positive = cdf + (((1.0 - cdf) - q) + xphi);

    // Negative x below −1.10: e^(−x²/2)·(T1 − T2), T1 = h(a)/(√2·|x|), T2 = |x|/√(2π).
    vd axs = VM_NAME(clampd)(ax, 1.0, 60.0);
    vd rh = VM_ROOT_HALF_HI / axs;
    vd rl = (VM_NAME(residual_d)(rh, axs, (vd)VM_ROOT_HALF_HI) + VM_ROOT_HALF_LO) / axs;
    vd t1 = h * rh;
    vd t1l = -VM_NAME(residual_d)(h, rh, t1) + (h * rl + hl * rh);
    vd t2 = axs * VM_INV_ROOT_2PI_HI;
    vd t2l = -VM_NAME(residual_d)(axs, (vd)VM_INV_ROOT_2PI_HI, t2) + axs * VM_INV_ROOT_2PI_LO;
    vd bh = t1 - t2;
    vd bb = bh - t1;
    vd bl = ((t1 - (bh - bb)) + (-t2 - bb)) + (t1l - t2l);
    vd negative = VM_NAME(gauss_times_d)(p, pl, bh, bl, (vd)1.0, (vd)0.0);

    // Around the zero: h·R(h), h = (x − x₀hi) − x₀lo as dh + dl (x − x₀hi is exact there).
    vd d = xc - VM_GSLOPE_ROOT_HI;
    vd dh = d - VM_GSLOPE_ROOT_LO;
    vd dl = (d - dh) - VM_GSLOPE_ROOT_LO;
    // h·R(h) = c₀h + c₁h² + h³·(c₂ + c₃h + …): the first two products exact (hi + lo) and added by
    // TwoSum, since at |h| = 0.35 they cancel to two thirds of the larger.
    const vd c0 = VM_GSLOPE_WIDE_D[0], c1 = VM_GSLOPE_WIDE_D[1];
    vd r = VM_NAME(polyd)(dh, VM_GSLOPE_WIDE_D + 2, VM_GSLOPE_WIDE_D_N - 2);
    vd hsq = dh * dh;
    vd hsql = -VM_NAME(residual_d)(dh, dh, hsq);
    vd lead = dh * c0;
    vd leadl = -VM_NAME(residual_d)(dh, c0, lead);
    vd second = hsq * c1;
    vd secondl = -VM_NAME(residual_d)(hsq, c1, second);
    vd sum = lead + second;
    vd sb = sum - lead;
    vd suml = (lead - (sum - sb)) + (second - sb);
    vd near = sum + (((suml + leadl) + secondl)
                     + FMAD(hsql, c1, FMAD(dh, (vd)VM_GSLOPE_WIDE_LO, FMAD(dl, c0, (hsq * dh) * r))));

    vd y = SELD(a < 0.46, small, SELD(xc > 0.0, positive, negative));
    y = SELD(VM_NAME(absd)(d) <= 0.35, near, y);
    y = SELD(VM_NAME(absd)(x) == __builtin_inf(), (vd)__builtin_nan(""), y);
    return VM_NAME(nan_through_d)(x, y);
}

// ---- tanh-approximate GELU, ELU and mish (Double kernels; the Float ones compute in double) ----

// num·σ(t) for t = th + tl (tl a small correction to th): `logistic_d` with e^(−|t|) taken as
// e^(−|th|)·(1 − sign(th)·tl) to first order (|tl| ≤ 2⁻⁵⁰·|th|, so the second order is far below
// an ulp), the correction carried into the low part of 1 + s + sl.
VM_ATTR vd VM_NAME(logistic2_d)(vd th, vd tl, vd num) {
    vd a = VM_NAME(clampd)(VM_NAME(absd)(th), 0.0, 760.0);
    vd al = SELD(th >= 0.0, tl, -tl);
    EXPDPARTS e = VM_NAME(exp_d_parts)(-a);
    vd p = 1.0 + e.s;
    vd p_lo = ((1.0 - p) + e.s) + e.sl;
    p_lo = p_lo - al * p;
    vl pos = th >= 0.0;
    vd ex = (p * e.s1) * e.s2;
    vd ex_lo = (p_lo * e.s1) * e.s2;
    vd dh = 1.0 + ex;
    vd dl = (ex - (dh - 1.0)) + ex_lo;
    vd nh = SELD(pos, num, num * p);
    vd nl = SELD(pos, (vd)0.0, -VM_NAME(residual_d)(num, p, nh) + num * p_lo);
    vd rcp = 1.0 / dh;
    vd t0 = nh * rcp;
    vd t = FMAD(VM_NAME(residual_d)(t0, dh, nh) + nl - t0 * dl, rcp, t0);
    return SELD(pos, t, (t * e.s1) * e.s2);
}

// c1·x + c3·x³ as hi + lo for |x| ≤ 30: x², x³ and both products exact or carried with their
// residuals, the sum by TwoSum (relative error about 2⁻¹⁰⁰, whatever cancels).
VM_ATTR vd VM_NAME(cubic_d)(vd x, double c1h, double c1l, double c3h, double c3l, vd *lo) {
    vd sq = x * x;
    vd sql = -VM_NAME(residual_d)(x, x, sq);
    vd cu = x * sq;
    vd cul = -VM_NAME(residual_d)(x, sq, cu) + x * sql;
    vd a = x * c1h;
    vd al = -VM_NAME(residual_d)(x, (vd)c1h, a) + x * c1l;
    vd b = cu * c3h;
    vd bl = -VM_NAME(residual_d)(cu, (vd)c3h, b) + (cul * c3h + cu * c3l);
    vd s = a + b;
    vd bb = s - a;
    vd sl = ((a - (s - bb)) + (b - bb)) + (al + bl);
    vd hi = s + sl;
    *lo = sl - (hi - s);
    return hi;
}

// GELU with tanh, ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), as x·σ(2u) (1 + tanh u = 2σ(2u)):
// no 1 + tanh u, which cancels in the negative tail, and 2u carried as hi + lo, since there the
// result's relative error is |2u| times the absolute error of 2u (up to 745 for a double).
// Above 30, σ(2u) rounds to 1; below −30 the result underflows to −0 (below −21.5 already).
VM_ATTR vd VM_NAME(gelu_tanh_d_v)(vd x) {
    vd xc = VM_NAME(clampd)(x, -30.0, 30.0);
    vd tl;
    vd th = VM_NAME(cubic_d)(xc, VM_GTANH_C1_HI, VM_GTANH_C1_LO, VM_GTANH_C3_HI, VM_GTANH_C3_LO, &tl);
    vd y = VM_NAME(logistic2_d)(th, tl, xc);
    y = SELD(x > 30.0, x, y);
    y = SELD(x < -30.0, (vd)-0.0, y);
    y = SELD(x == 0.0, x, y);  // keeps −0
    // ½·(−∞)·(1 + tanh(−∞)) = −∞·0: NaN, as the scalar formula and PyTorch.
    y = SELD(x == -__builtin_inf(), (vd)__builtin_nan(""), y);
    return VM_NAME(nan_through_d)(x, y);
}

// Its derivative σ + V·σ(1 − σ), σ = σ(2u), V = 2u′x = c1·x + 3c3·x³. With F = e^(−|2u|):
//   2u ≥ 0: σ = 1/(1 + F) (corrected quotient) plus V·F/(1 + F)², all terms positive;
//   2u < 0: F·(1 + F + V)/(1 + F)², where 1 + F + V cancels around the slope's zero
//     x₀ = −0.75246… and is therefore summed exactly (TwoSum of hi + lo parts, F's own error
//     about 1e-18 relative), the quotient corrected once by its residual, 2ᵏ applied last;
//   |x − x₀| ≤ 0.03: h·R(h), h = x − x₀ as hi + lo and R the Taylor polynomial at x₀, so that the
//     slope keeps its relative accuracy where it vanishes.
// NaN at ±∞ (∞·0, as the scalar rule and PyTorch); 1 above 30; −0 below −30, where it underflows.
VM_ATTR vd VM_NAME(gelu_tanh_slope_d_v)(vd x) {
    vd xc = VM_NAME(clampd)(x, -30.0, 30.0);
    vd tl, vl_;
    vd th = VM_NAME(cubic_d)(xc, VM_GTANH_C1_HI, VM_GTANH_C1_LO, VM_GTANH_C3_HI, VM_GTANH_C3_LO, &tl);
    vd vh = VM_NAME(cubic_d)(xc, VM_GTANH_C1_HI, VM_GTANH_C1_LO, VM_GTANH_3C3_HI, VM_GTANH_3C3_LO, &vl_);
    vd a = VM_NAME(clampd)(VM_NAME(absd)(th), 0.0, 760.0);
    vd al = SELD(th >= 0.0, tl, -tl);
    EXPDPARTS e = VM_NAME(exp_d_parts)(-a);
    // F/2ᵏ = p + pl (to first order in al).
    vd p = 1.0 + e.s;
    vd pl = ((1.0 - p) + e.s) + e.sl;
    pl = pl - al * p;
    vd fh = (p * e.s1) * e.s2, fl = (pl * e.s1) * e.s2;
    // D = 1 + F and D² as hi + lo (Fast2Sum: F ≤ 1).
    vd dh = 1.0 + fh;
    vd dl = ((1.0 - dh) + fh) + fl;
    vd d2 = dh * dh;
    vd d2l = -VM_NAME(residual_d)(dh, dh, d2) + 2.0 * dh * dl;

    // 2u ≥ 0: σ and V·F/D² as corrected quotients, added by TwoSum (the second term is up to a
    // quarter of the sum, which is just below 1 around x = 0.73: plain roundings reached 1.5 ulps).
    vd s0 = 1.0 / dh;
    vd scorr = (VM_NAME(residual_d)(s0, dh, (vd)1.0) - s0 * dl) / dh;
    vd pn = vh * fh;
    vd pnl = -VM_NAME(residual_d)(vh, fh, pn) + (vh * fl + vl_ * fh);
    vd p0 = pn / d2;
    vd pcorr = (VM_NAME(residual_d)(p0, d2, pn) + pnl - p0 * d2l) / d2;
    vd ps = s0 + p0;
    vd pb = ps - s0;
    vd pe = (s0 - (ps - pb)) + (p0 - pb);
    vd positive = ps + (pe + (scorr + pcorr));

    // 2u < 0: N = 1 + V + F by TwoSums.
    vd n1 = 1.0 + vh;
    vd b1 = n1 - 1.0;
    vd n1l = (1.0 - (n1 - b1)) + (vh - b1);
    vd n2 = n1 + fh;
    vd b2 = n2 - n1;
    vd n2l = (n1 - (n2 - b2)) + (fh - b2);
    vd nl = n2l + (n1l + (vl_ + fl));
    vd nn = n2 + nl;
    nl = nl - (nn - n2);
    // (p + pl)·N / D², then 2ᵏ.
    vd qh = p * nn;
    vd ql = -VM_NAME(residual_d)(p, nn, qh) + (p * nl + pl * nn);
    vd q0 = qh / d2;
    vd q = q0 + (VM_NAME(residual_d)(q0, d2, qh) + ql - q0 * d2l) / d2;
    vd negative = (q * e.s1) * e.s2;

    // Around the zero.
    vd d = xc - VM_GTANH_ROOT_HI;
    vd hh = d - VM_GTANH_ROOT_LO;
    // x₀'s third part: at x = x₀hi, h is −(lo + lo2) and lo alone would be half an ulp off.
    vd hl = ((d - hh) - VM_GTANH_ROOT_LO) - VM_GTANH_ROOT_LO2;
    const vd c0 = VM_GTANH_ROOT_D[0];
    vd r = VM_NAME(polyd)(hh, VM_GTANH_ROOT_D + 1, VM_GTANH_ROOT_D_N - 1);
    vd lead = hh * c0;
    vd leadl = -VM_NAME(residual_d)(hh, c0, lead);
    vd near = lead + (leadl + FMAD(hl, c0, hh * VM_GTANH_ROOT_C0_LO) + hh * (hh * r));

    vd y = SELD(th >= 0.0, positive, negative);
    y = SELD(VM_NAME(absd)(d) <= 0.03, near, y);
    y = SELD(x > 30.0, (vd)1.0, y);
    y = SELD(x < -30.0, (vd)-0.0, y);
    y = SELD(VM_NAME(absd)(x) == __builtin_inf(), (vd)__builtin_nan(""), y);
    return VM_NAME(nan_through_d)(x, y);
}

// eˣ − 1 for x ≤ 0 as hi + lo (`expm1_d_v`'s small branch before its last rounding), x ≥ −40.
VM_ATTR vd VM_NAME(expm1_neg_d)(vd x, vd *lo) {
    EXPDPARTS e = VM_NAME(exp_d_parts)(x);
    vd two = e.two;
    vd uh = two - 1.0;
    vd bv = uh - two;
    vd ul = (two - (uh - bv)) + (-1.0 - bv);
    vd v = two * e.s;
    vd h = uh + v;
    vd bw = h - uh;
    vd hl = (uh - (h - bw)) + (v - bw);
    vd l = hl + (ul + two * e.sl);
    vd y = h + l;
    *lo = l - (y - h);
    return y;
}

// ELU: x for x > 0, alpha·(eˣ − 1) otherwise, the product of alpha and eˣ − 1 (hi + lo) rounded once.
// Below −40 eˣ − 1 rounds to −1; at −∞ the value is −alpha; ±0 give alpha·x (−0 for alpha > 0).
// Without FMA the product's residual is Dekker's, exact only while its partial products neither
// overflow nor underflow: a product below 2⁻⁹⁰⁰ (subnormal results) is formed from hi·2²⁵⁶ and an
// alpha beyond 2⁹⁹⁶ as alpha·2⁻⁶⁴, both exact, and the result scaled back (subnormal results
// were 1.5 ulp off and alpha > 1.3e300 gave NaN; now 0.75 ulp at most, the scaled result's
// rounding and the final one). A zero product keeps its sign (alpha = 0 gives −0, as 0·(eˣ − 1) does).
VM_ATTR vd VM_NAME(elu_d_v)(vd x, double alpha) {
    vd lo;
    vd hi = VM_NAME(expm1_neg_d)(VM_NAME(clampd)(x, -40.0, 0.0), &lo);
#if VM_FMA
    // (FMA's residual is exact here; its subnormal results are within half an ulp.)
    vd ph = hi * alpha;
    vd y = ph + (-VM_NAME(residual_d)(hi, (vd)alpha, ph) + lo * alpha);
#else
    double down = __builtin_fabs(alpha) > 0x1p996 ? 0x1p-64 : 1.0;
    double a = alpha * down;
    vl tiny = VM_NAME(absd)(hi * a) < 0x1p-900;
    vd up = SELD(tiny, (vd)0x1p256, (vd)1.0);
    vd back = SELD(tiny, (vd)0x1p-256, (vd)1.0) * (1.0 / down);
    vd hs = hi * up, ls = lo * up;
    vd ph = hs * a;
    vd y = (ph + (-VM_NAME(residual_d)(hs, (vd)a, ph) + ls * a)) * back;
#endif
    y = SELD(ph == 0.0, ph, y);
    y = SELD(x < -40.0, (vd)-alpha, y);
    y = SELD(x == 0.0, x * alpha, y);
    y = SELD(x > 0.0, x, y);
    return VM_NAME(nan_through_d)(x, y);
}

// mish x·tanh(log(1 + eˣ)) with tanh(log(1 + E)) = E(E + 2)/(E(E + 2) + 2), E = eˣ (x ≤ 0), and
// = (1 + 2F)/(1 + 2F + 2F²), F = e⁻ˣ (x > 0): one exponential, no cancellation; E (or F) as
// hi + lo, each sum and product carried with its error, the quotient corrected once.
// Below −40 the quotient is E to 2e-17 relative: x·E with 2ᵏ applied last (underflows near −745).
// At −∞ the value is NaN (−∞·0, as the scalar formula and PyTorch).
VM_ATTR vd VM_NAME(mish_d_v)(vd x) {
    vd a = VM_NAME(clampd)(VM_NAME(absd)(x), 0.0, 760.0);
    EXPDPARTS e = VM_NAME(exp_d_parts)(-a);
    vd p = 1.0 + e.s;
    vd pl = ((1.0 - p) + e.s) + e.sl;
    vl mid = a <= 40.0;
    // E (or F) = (p + pl)·2ᵏ, normal for a ≤ 40 (only there is it used this way).
    vd two = (vd)((VM_NAME(clampl)(e.k, -1022, 1023) + 1023) << 52);
    vd eh = p * two, el = pl * two;
    vl neg = x <= 0.0;
    // x ≤ 0: n = E·(E + 2), d = n + 2.
    vd mh = 2.0 + eh;
    vd ml = ((2.0 - mh) + eh) + el;
    vd nh1 = eh * mh;
    vd nl1 = -VM_NAME(residual_d)(eh, mh, nh1) + (eh * ml + el * mh);
    // x > 0: n = 1 + 2F, d = n + 2F².
    vd nh2 = 1.0 + 2.0 * eh;
    vd nl2 = ((1.0 - nh2) + 2.0 * eh) + 2.0 * el;
    vd sq = eh * eh;
    vd sql = -VM_NAME(residual_d)(eh, eh, sq) + 2.0 * eh * el;
    vd nh = SELD(neg, nh1, nh2), nl = SELD(neg, nl1, nl2);
    vd add = SELD(neg, (vd)2.0, 2.0 * sq), addl = SELD(neg, (vd)0.0, 2.0 * sql);
    // d = n + add by TwoSum.
    vd dh = nh + add;
    vd bd = dh - nh;
    vd dl = ((nh - (dh - bd)) + (add - bd)) + (nl + addl);
    vd g0 = nh / dh;
    vd gl = (VM_NAME(residual_d)(g0, dh, nh) + nl - g0 * dl) / dh;
    vd y = FMAD(x, g0, x * gl);
    // Far negative: x·(p + pl)·2ᵏ.
    vd xc = VM_NAME(clampd)(x, -760.0, 0.0);
    vd tp = FMAD(xc, p, xc * pl);
    vd tail = (tp * e.s1) * e.s2;
    y = SELD(mid | ~neg, y, tail);
    y = SELD(x == 0.0, x, y);  // keeps −0
    y = SELD(x == __builtin_inf(), x, y);
    y = SELD(x == -__builtin_inf(), (vd)__builtin_nan(""), y);
    return VM_NAME(nan_through_d)(x, y);
}

// The Float forms: the Double algorithms on the float input (exact in double), rounded once.
VM_ATTR vf VM_NAME(gelu_tanh_v)(vf x) {
    vf y = __builtin_convertvector(VM_NAME(gelu_tanh_d_v)(__builtin_convertvector(x, vd)), vf);
    return VM_NAME(nan_through)(x, y);
}
VM_ATTR vf VM_NAME(gelu_tanh_slope_v)(vf x) {
    vf y = __builtin_convertvector(VM_NAME(gelu_tanh_slope_d_v)(__builtin_convertvector(x, vd)), vf);
    return VM_NAME(nan_through)(x, y);
}
VM_ATTR vf VM_NAME(elu_v)(vf x, double alpha) {
    vf y = __builtin_convertvector(VM_NAME(elu_d_v)(__builtin_convertvector(x, vd), alpha), vf);
    return VM_NAME(nan_through)(x, y);
}
VM_ATTR vf VM_NAME(mish_v)(vf x) {
    vf y = __builtin_convertvector(VM_NAME(mish_d_v)(__builtin_convertvector(x, vd)), vf);
    return VM_NAME(nan_through)(x, y);
}

// ---- sin and cos ----
// x = n·π/2 + r, |r| ≤ π/4 (a hair more where x·2/π rounds), by Cody–Waite with π/2 in four parts
// (33 + 33 + 33 + 53 bits, fdlibm's split): for |x| < VM_TRIG_BIG, n < 2²⁰, so n times each of the
// first three parts is exact and x − n·P1 is exact (Sterbenz); the other two subtractions are
// TwoSums and r is returned as hi + lo (about 150 bits of π/2: no argument below that bound comes
// close enough to a multiple of π/2 for the rest to show). Lanes at or above VM_TRIG_BIG (and ±∞)
// are given to libm's long double sinl and cosl one by one (their Payne–Hanek reduction), rounded
// once: glibc's double cos is off by 8 ulps at 0x1.6ac5b262ca1ffp+849, where the result is tiny;
// the long double result rounded to double is within about half an ulp. Slow, but rare.
VM_ATTR vd VM_NAME(rem_pio2_d)(vd x, vl *n, vd *lo) {
    const vd magic = 0x1.8p52;
    vd kd = FMAD(x, (vd)VM_TWO_OVER_PI, magic);
    *n = (vl)kd - (vl)magic;
    kd = kd - magic;
    vd a = x - kd * VM_PIO2_1;
    vd b = kd * VM_PIO2_2;
    vd s = a - b;
    vd bb = s - a;
    vd e = (a - (s - bb)) + (-b - bb);
    vd c = kd * VM_PIO2_3;
    vd s2 = s - c;
    vd bc = s2 - s;
    vd e2 = (s - (s2 - bc)) + (-c - bc);
    vd l = (e + e2) - kd * VM_PIO2_4;
    vd r = s2 + l;
    *lo = l - (r - s2);
    return r;
}

// fdlibm's (FreeBSD's) __kernel_sin and __kernel_cos on |x| ≤ π/4 with the tail y of the reduced
// argument: sin(x + y) ≈ x + x³·S(x²) + y·cos x, cos(x + y) ≈ 1 − x²/2 + x⁴·C(x²) − x·y, the first
// sums arranged so that their roundings are recovered (below 1 ulp).
VM_ATTR vd VM_NAME(ksin_d)(vd x, vd y) {
    vd z = x * x;
    vd v = z * x;
    vd r = FMAD(z, FMAD(z, FMAD(z, FMAD(z, (vd)1.58969099521155010221e-10, (vd)-2.50507602534068634195e-08),
                                   (vd)2.75573137070700676789e-06), (vd)-1.98412698298579493134e-04),
                (vd)8.33333333332248946124e-03);
    return x - ((z * (0.5 * y - v * r) - y) - v * -1.66666666666666324348e-01);
}
VM_ATTR vd VM_NAME(kcos_d)(vd x, vd y) {
    vd z = x * x;
    vd p = FMAD(z, FMAD(z, FMAD(z, FMAD(z, FMAD(z, (vd)-1.13596475577881948265e-11, (vd)2.08757232129817482790e-09),
                                           (vd)-2.75573143513906633035e-07), (vd)2.48015872894767294178e-05),
                        (vd)-1.38888888888741095749e-03), (vd)4.16666666666666019037e-02);
    vd r = z * p;
    vd hz = 0.5 * z;
    vd w = 1.0 - hz;
    return w + (((1.0 - w) - hz) + (z * r - x * y));
}

// sin (cosine = 0) or cos (cosine = 1) of every lane; NaN stays NaN, ±0 keep their sign in sin.
VM_ATTR vd VM_NAME(sincos_d)(vd x, int cosine) {
    vl big = ~(VM_NAME(absd)(x) < VM_TRIG_BIG);  // NaN is not big: it goes through the vector path
    big = big & (x == x);
    vd xr = SELD(big, (vd)0.0, x);
    vl n;
    vd lo;
    vd r = VM_NAME(rem_pio2_d)(xr, &n, &lo);
    vd s = VM_NAME(ksin_d)(r, lo), c = VM_NAME(kcos_d)(r, lo);
    vl q = (n + cosine) & 3;
    vd y = SELD((q & 1) != 0, c, s);
    y = SELD((q & 2) != 0, -y, y);
    if (!cosine) y = SELD(x == 0.0, x, y);
    y = VM_NAME(nan_through_d)(x, y);
    if (__builtin_reduce_or(big)) {
        double xs[VM_W], ys[VM_W];
        long bs[VM_W];
        __builtin_memcpy(xs, &x, sizeof xs);
        __builtin_memcpy(ys, &y, sizeof ys);
        __builtin_memcpy(bs, &big, sizeof bs);
        for (int i = 0; i < VM_W; i++)
            if (bs[i]) ys[i] = (double)(cosine ? cosl(xs[i]) : sinl(xs[i]));
        __builtin_memcpy(&y, ys, sizeof ys);
    }
    return y;
}

VM_ATTR vd VM_NAME(sin_d_v)(vd x) { return VM_NAME(sincos_d)(x, 0); }
VM_ATTR vd VM_NAME(cos_d_v)(vd x) { return VM_NAME(sincos_d)(x, 1); }
// Float: the Double kernels on the float input, rounded once (lanes from 1.6e6 up through libm's
// sinl and cosl, rounded to double and then to float: within half an ulp and a hair).
VM_ATTR vf VM_NAME(sin_v)(vf x) {
    return VM_NAME(nan_through)(x, __builtin_convertvector(VM_NAME(sin_d_v)(__builtin_convertvector(x, vd)), vf));
}
VM_ATTR vf VM_NAME(cos_v)(vf x) {
    return VM_NAME(nan_through)(x, __builtin_convertvector(VM_NAME(cos_d_v)(__builtin_convertvector(x, vd)), vf));
}

// ---- loops: whole vectors, then the tail through a zero-padded vector (same code, same results) ----
// One loop for every element function: `name` over T elements in vectors of type V, each vector
// through `fn`; EXTRA_PARAMS and EXTRA_ARGS, in parentheses, add arguments passed through to `fn`
// (ELU's alpha), `()` when there are none.
#define VM_UNPAREN(...) __VA_ARGS__
#define VM_LOOP(name, T, V, fn, EXTRA_PARAMS, EXTRA_ARGS)                                       \
    VM_LOOP_ATTR void VM_NAME(name)(long n, const T *x, T *y VM_UNPAREN EXTRA_PARAMS) {         \
        long i = 0;                                                                             \
        for (; i + VM_W <= n; i += VM_W) {                                                      \
            V v;                                                                                \
            __builtin_memcpy(&v, x + i, sizeof v);                                              \
            V r = VM_NAME(fn)(v VM_UNPAREN EXTRA_ARGS);                                         \
            __builtin_memcpy(y + i, &r, sizeof r);                                              \
        }                                                                                       \
        if (i < n) {                                                                            \
            T buf[VM_W] = {0};                                                                  \
            __builtin_memcpy(buf, x + i, (size_t)(n - i) * sizeof(T));                          \
            V v;                                                                                \
            __builtin_memcpy(&v, buf, sizeof v);                                                \
            V r = VM_NAME(fn)(v VM_UNPAREN EXTRA_ARGS);                                         \
            __builtin_memcpy(buf, &r, sizeof r);                                                \
            __builtin_memcpy(y + i, buf, (size_t)(n - i) * sizeof(T));                          \
        }                                                                                       \
    }
#define VM_LOOP_F32(fn) VM_LOOP(fn##_loop, float, vf, fn##_v, (), ())
#define VM_LOOP_F64(fn) VM_LOOP(fn##_d_loop, double, vd, fn##_d_v, (), ())

VM_FOR_EACH_F32(VM_LOOP_F32)

// ELU's loop: the same with alpha passed through.
VM_LOOP(elu_loop, float, vf, elu_v, (, double alpha), (, alpha))

// GELU and its slope in one pass: y[i] = gelu(x[i]), dy[i] = gelu'(x[i]); the tail as above.
VM_LOOP_ATTR void VM_NAME(gelu_pair_loop)(long n, const float *x, float *y, float *dy) {
    long i = 0;
    for (; i + VM_W <= n; i += VM_W) {
        vf v, s;
        __builtin_memcpy(&v, x + i, sizeof v);
        vf r = VM_NAME(gelu_pair_v)(v, &s);
        __builtin_memcpy(y + i, &r, sizeof r);
        __builtin_memcpy(dy + i, &s, sizeof s);
    }
    if (i < n) {
        float buf[VM_W] = {0};
        __builtin_memcpy(buf, x + i, (size_t)(n - i) * sizeof(float));
        vf v, s;
        __builtin_memcpy(&v, buf, sizeof v);
        vf r = VM_NAME(gelu_pair_v)(v, &s);
        __builtin_memcpy(buf, &r, sizeof r);
        __builtin_memcpy(y + i, buf, (size_t)(n - i) * sizeof(float));
        __builtin_memcpy(buf, &s, sizeof s);
        __builtin_memcpy(dy + i, buf, (size_t)(n - i) * sizeof(float));
    }
}

VM_FOR_EACH_F64(VM_LOOP_F64)

VM_LOOP(elu_d_loop, double, vd, elu_d_v, (, double alpha), (, alpha))

#undef VM_LOOP
#undef VM_UNPAREN
#undef VM_LOOP_F64

#undef VM_LOOP_F32
#undef EXPPARTS
#undef EXPDPARTS
#undef ERFPARTS
#undef SELF
#undef SELD
#undef FMAF
#undef FMAD
#undef vf
#undef vi
#undef vd
#undef vl
#undef VM_NAME
#undef VM_PASTE
#undef VM_PASTE2

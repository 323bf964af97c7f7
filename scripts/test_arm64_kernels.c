// The C kernels as an arm64 machine runs them (Apple silicon, Graviton): built for aarch64 and run
// under qemu-aarch64 by scripts/test_arm64_kernels.sh. Checks the NEON GEMM tiles (6×16 Float,
// 6×8 Double) and the in-place direct kernels against a plain triple loop in long double, on odd
// shapes, every edge tile (mr 1…6, nr 1…NR), several k (1 to 300), with and without
// accumulation, and that nothing beside C is written; Adam's fused update against its formula.
// Exit status 1 on any difference. (The elementwise functions are checked by test_vmath.c, built
// the same way.)
#include "CKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The reference formula as adam.c evaluates it: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

static int failures = 0, checks = 0;
static unsigned long long state = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (double)(state >> 11) / 9007199254740992.0 * 2 - 1;
}

static void expect(int ok, const char *what, long a, long b, long c, long d) {
    checks++;
    if (!ok) {
        failures++;
        if (failures <= 20) printf("  FAIL %s (%ld, %ld, %ld, %ld)\n", what, a, b, c, d);
    }
}

// The tiles: C[0..<mr, 0..<nr] (+)= packed A (kc groups of MR) ⊗ packed B (kc groups of NR).
static void check_tiles(void) {
    int isa = ck_isa();
    int mr_full = ck_sgemm_mr(isa), snr = ck_sgemm_nr(isa), dnr = ck_dgemm_nr(isa);
    printf("tiles: Float %d×%d, Double %d×%d (isa %d)\n", mr_full, snr, ck_dgemm_mr(isa), dnr, isa);
    long ks[] = {1, 2, 3, 7, 64, 300};
    for (unsigned ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        long kc = ks[ki];
        float *a = malloc(sizeof(float) * kc * mr_full), *b = malloc(sizeof(float) * kc * snr);
        double *ad = malloc(sizeof(double) * kc * mr_full), *bd = malloc(sizeof(double) * kc * dnr);
        for (long i = 0; i < kc * mr_full; i++) { a[i] = (float)uniform(); ad[i] = uniform(); }
        for (long i = 0; i < kc * snr; i++) b[i] = (float)uniform();
        for (long i = 0; i < kc * dnr; i++) bd[i] = uniform();
        for (int mr = 1; mr <= mr_full; mr++) {
            for (int nr = 1; nr <= snr; nr++) {
                for (int acc = 0; acc <= 1; acc++) {
                    long ldc = snr + 3;
                    float c[8 * 40];
                    for (int i = 0; i < 8 * 40; i++) c[i] = 0.5f;
                    ck_sgemm_tile(isa, kc, a, b, c, ldc, mr, nr, acc);
                    int ok = 1;
                    for (int i = 0; i < 8; i++) {
                        for (int j = 0; j < (int)ldc; j++) {
                            if (i >= mr || j >= nr) { ok &= c[i * ldc + j] == 0.5f; continue; }
                            long double want = acc ? 0.5L : 0;
                            for (long p = 0; p < kc; p++) want += (long double)a[p * mr_full + i] * b[p * snr + j];
                            ok &= fabsl(c[i * ldc + j] - want) <= 1e-5L * (1 + kc);
                        }
                    }
                    expect(ok, "sgemm tile (kc, mr, nr, accumulate)", kc, mr, nr, acc);
                }
            }
            for (int nr = 1; nr <= dnr; nr++) {
                for (int acc = 0; acc <= 1; acc++) {
                    long ldc = dnr + 5;
                    double c[8 * 24];
                    for (int i = 0; i < 8 * 24; i++) c[i] = 0.25;
                    ck_dgemm_tile(isa, kc, ad, bd, c, ldc, mr, nr, acc);
                    int ok = 1;
                    for (int i = 0; i < 8; i++) {
                        for (int j = 0; j < (int)ldc; j++) {
                            if (i >= mr || j >= nr) { ok &= c[i * ldc + j] == 0.25; continue; }
                            long double want = acc ? 0.25L : 0;
                            for (long p = 0; p < kc; p++) want += (long double)ad[p * mr_full + i] * bd[p * dnr + j];
                            ok &= fabsl(c[i * ldc + j] - want) <= 1e-13L * (1 + kc);
                        }
                    }
                    expect(ok, "dgemm tile (kc, mr, nr, accumulate)", kc, mr, nr, acc);
                }
            }
        }
        free(a); free(b); free(ad); free(bd);
    }
}

// The direct kernels: C = A·B (A row-major or read transposed), C = A·Bᵀ; inside wider rows.
static void check_direct(void) {
    int isa = ck_isa();
    long shapes[][3] = {{1, 1, 1}, {5, 7, 3}, {6, 16, 9}, {13, 33, 17}, {7, 50, 64}, {32, 128, 31}};
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        long m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        long lda = k + 2, ldb = n + 3, ldc = n + 1, ldbt = k + 4;
        float *a = malloc(sizeof(float) * m * lda), *at = malloc(sizeof(float) * k * (m + 2));
        float *b = malloc(sizeof(float) * k * ldb), *bt = malloc(sizeof(float) * n * ldbt);
        float *c = malloc(sizeof(float) * m * ldc);
        double *ad = malloc(sizeof(double) * m * lda), *bd = malloc(sizeof(double) * k * ldb), *cd = malloc(sizeof(double) * m * ldc);
        for (long i = 0; i < m * lda; i++) { a[i] = (float)uniform(); ad[i] = uniform(); }
        for (long i = 0; i < k * ldb; i++) { b[i] = (float)uniform(); bd[i] = uniform(); }
        for (long i = 0; i < m; i++) for (long p = 0; p < k; p++) at[p * (m + 2) + i] = a[i * lda + p];
        for (long j = 0; j < n; j++) for (long p = 0; p < k; p++) bt[j * ldbt + p] = b[p * ldb + j];
        for (int variant = 0; variant < 4; variant++) {
            for (long i = 0; i < m * ldc; i++) { c[i] = -7; cd[i] = -7; }
            if (variant == 0) ck_sgemm_direct(isa, m, n, k, a, lda, 1, b, ldb, c, ldc);
            if (variant == 1) ck_sgemm_direct(isa, m, n, k, at, 1, m + 2, b, ldb, c, ldc);
            if (variant == 2) ck_sgemm_direct_nt(isa, m, n, k, a, lda, bt, ldbt, c, ldc);
            if (variant == 3) ck_dgemm_direct(isa, m, n, k, ad, lda, 1, bd, ldb, cd, ldc);
            int ok = 1;
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < ldc; j++) {
                    double got = variant == 3 ? cd[i * ldc + j] : c[i * ldc + j];
                    if (j >= n) { ok &= got == -7; continue; }
                    long double want = 0;
                    for (long p = 0; p < k; p++)
                        want += variant == 3 ? (long double)ad[i * lda + p] * bd[p * ldb + j] : (long double)a[i * lda + p] * b[p * ldb + j];
                    ok &= fabsl(got - want) <= (variant == 3 ? 1e-13L : 1e-5L) * (1 + k);
                }
            }
            expect(ok, "direct (m, n, k, variant: 0 A·B, 1 read-transposed A, 2 A·Bᵀ, 3 Double)", m, n, k, variant);
        }
        free(a); free(at); free(b); free(bt); free(c); free(ad); free(bd); free(cd);
    }
}

// Adam's fused update: every length 0…40 (the vector body and every tail) against the formula.
static void check_adam(void) {
    for (long n = 0; n <= 40; n++) {
        float g[41], m[41], v[41], p[41], m2[41], v2[41], p2[41];
        for (long i = 0; i < n; i++) { g[i] = (float)uniform(); m[i] = m2[i] = (float)uniform() * 0.1f; v[i] = v2[i] = (float)fabs(uniform()) * 0.01f; p[i] = p2[i] = (float)uniform(); }
        float b1 = 0.9f, b2 = 0.999f, c1 = 0.1f, c2 = 0.001f, lr = 0.01f, eps = 1e-8f;
        ck_adam_f32(ck_isa(), n, g, m, v, p, b1, b2, c1, c2, lr, eps, 1);
        int ok = 1;
        for (long i = 0; i < n; i++) {
            float mm = b1 * m2[i] + (1 - b1) * g[i];
            float vv = b2 * v2[i] + (1 - b2) * g[i] * g[i];
            float pp = p2[i] - lr * (mm / c1) / (sqrtf(vv / c2) + eps);
            ok &= m[i] == mm && v[i] == vv && p[i] == pp;   // bit for bit, as on x86
        }
        expect(ok, "adam (n)", n, 0, 0, 0);
    }
}

int main(void) {
    check_tiles();
    check_direct();
    check_adam();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

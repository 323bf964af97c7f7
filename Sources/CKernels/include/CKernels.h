#ifndef CKERNELS_H
#define CKERNELS_H

// Register-blocked GEMM micro-kernels. Each computes one MR×NR tile of
//   C[0..<mr, 0..<nr] (+)= Σ_p A[p] ⊗ B[p]   for p in 0..<kc
// adding to C when `accumulate` is non-zero, else overwriting it (the first block of k: C needs
// no zeroing beforehand).
// from packed panels: `a` holds kc groups of MR values (a column of the tile's rows each),
// `b` holds kc groups of NR values. Tiles at the matrix edge (mr < MR or nr < NR) are
// computed in full on zero-padded panels and only their valid part is added to C.
// Blocking, packing and threading live in Swift (Sources/Autograd/Gemm.swift).

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction set the kernels will use on this CPU: 2 = AVX-512F, 1 = AVX2 with FMA,
/// 0 = portable C.
int ck_isa(void);

/// Tile sizes for the instruction set `isa` (MR rows, NR columns).
int ck_sgemm_mr(int isa);
int ck_sgemm_nr(int isa);
int ck_dgemm_mr(int isa);
int ck_dgemm_nr(int isa);

void ck_sgemm_tile(int isa, long kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int accumulate);
void ck_dgemm_tile(int isa, long kc, const double *a, const double *b, double *c, long ldc, int mr, int nr, int accumulate);

/// C[m×n] = A[m×k]·B[k×n] for row-major B (leading dimension ldb) and A with row stride lda and
/// column stride acs (1: row-major; a transposed A has lda 1) read in place, without packing:
/// for operands small enough to stay in cache. C (leading dimension ldc) is
/// overwritten. `isa` as for the tiles (AVX-512 machines use the AVX2 kernel).
void ck_sgemm_direct(int isa, long m, long n, long k, const float *a, long lda, long acs, const float *b, long ldb,
                     float *c, long ldc);
void ck_dgemm_direct(int isa, long m, long n, long k, const double *a, long lda, long acs, const double *b, long ldb,
                     double *c, long ldc);
/// C = A·Bᵀ for row-major A [m×k] and Bt [n×k] read in place (dot products of rows; Float only:
/// Double products take the packed path). C is overwritten.
void ck_sgemm_direct_nt(int isa, long m, long n, long k, const float *a, long lda, const float *bt, long ldb,
                        float *c, long ldc);

/// Max pooling of `count` windows (kh×kw cells, dy rows of `w` and dx columns apart) lying inside
/// one plane, the j-th with its top-left cell at x[corner + j*sx]: each window's largest value
/// (first in row-major order on ties, NaN winning) into out[j] and its flat index into winners[j].
/// The AVX-512 path serves undilated (dy = dx = 1) 2×2 windows of stride 2 only.
void ck_smaxpool_windows(const float *x, long corner, long w, long kh, long kw, long sx, long dy, long dx,
                         long count, float *out, long *winners);
void ck_dmaxpool_windows(const double *x, long corner, long w, long kh, long kw, long sx, long dy, long dx,
                         long count, double *out, long *winners);

/// Raises glibc's mmap and trim thresholds so that freed tensor buffers are reused rather than
/// unmapped, and keeps 128-byte blocks (tape nodes) out of its fast lists (Linux with glibc;
/// elsewhere does nothing). Returns 1 when it changed anything.
int ck_tune_allocator(void);
/// Hands the allocator's free pages back to the system (glibc: `malloc_trim(0)`; Apple: the default
/// zone's pressure relief). Returns 1 if the platform has a way to, 0 if it did nothing.
int ck_return_free_memory(void);

/// A job of `count` parts: `task(context, i)` for every i in 0..<count, over a pool of persistent
/// worker threads and the calling thread, which takes part; returns when all have finished. Which
/// thread runs a part is not fixed (each claims the next unclaimed one). A second caller while the
/// pool is busy (another thread, or a part calling again), a forked child, and a pool of one thread
/// run every part on the calling thread, in order.
typedef void (*ck_task)(void *context, long index);
void ck_parallel_for(ck_task task, void *context, long count);
/// `ck_parallel_for(task, context, 2)`.
void ck_parallel2(ck_task task, void *context);
/// The threads a job can use, the caller included: `AUTOGRAD_THREADS` (a whole number, 1 to 64)
/// if set, else the cores this process may run on (Linux: its affinity mask; Apple: the
/// performance cores, else the active ones), at most 64. Read once; starts the pool.
int ck_thread_count(void);

/// Adam's update without AMSGrad for Float, bit for bit the op form's (see adam.c): m and v are
/// the moments (read only when has_moments), p the parameter, c1 and c2 the bias corrections.
void ck_adam_f32(int isa, long n, const float *g, float *m, float *v, float *p, float beta1, float beta2, float c1,
                 float c2, float lr, float eps, int has_moments);

/// The LSTM cell's vector-Jacobian product for Float, bit for bit Loops.lstmCellBackward's (see
/// recurrent.c): upstream [batch, 2·hidden] (∂h′ | ∂c′), cell [batch, hidden], saved [batch,
/// 5·hidden] (i, f, g, o, tanh c′); writes d_gates [batch, 4·hidden] and d_cell [batch, hidden].
void ck_lstm_cell_backward_f32(int isa, long batch, long hidden, const float *upstream, const float *cell,
                               const float *saved, float *d_gates, float *d_cell);

/// The next number of a tape node: increasing across threads.
long ck_next_node_id(void);

/// How many `withoutGradients` scopes (and rules run without `createGraph`) enclose the calling
/// thread's code: it records while this is 0. A C thread-local, read in a few instructions on
/// every op (`pthread_getspecific`, behind Swift's thread state, cost about 40).
extern _Thread_local long ck_recording_off_depth;
static inline long ck_recording_disabled_depth(void) { return ck_recording_off_depth; }
static inline void ck_set_recording_disabled_depth(long depth) { ck_recording_off_depth = depth; }

/// The number of open `checkingNumerics` scopes on all threads: changed atomically, read relaxed.
void ck_numerics_scopes_add(long delta);
long ck_numerics_scopes(void);


// ---- Vectorised elementwise functions (vmath.c) ----
// y[i] = f(x[i]) for i in 0..<n, for Float arrays; x and y may be the same array. `isa` as for the
// GEMM tiles (2 AVX-512F, 1 AVX2+FMA, 0 portable C); every path runs the same algorithm, the tail
// of an array included. The bound is the largest error, in units in the last place of the exact
// result, over every Float input (measured by scripts/test_vmath.sh); special values are libm's
// (±0, ±∞, NaN, overflow and underflow thresholds, subnormal inputs and outputs).
//   exp, expm1, log, log1p          ≤ 1 ulp   (expm1 computed in double, rounded once)
//   sigmoid, silu                   ≤ 1.5 ulp
//   tanh, softplus                  ≤ 2 ulp
//   erf, erfc, gelu, gelu_slope     ≤ 1 ulp   (computed in double, rounded once)
// silu(x) = x·σ(x); gelu(x) = x·Φ(x) and gelu_slope(x) = Φ(x) + x·φ(x) (the exact GELU and its
// derivative), with Φ = ½·erfc(−x/√2) for x < 0, so the negative tail keeps its digits.
// silu(−∞), gelu(−∞) and gelu_slope(±∞) are NaN (∞·0, as the scalar formulas and PyTorch).
void ck_vexp_f32(int isa, long n, const float *x, float *y);
void ck_vexpm1_f32(int isa, long n, const float *x, float *y);
void ck_vlog_f32(int isa, long n, const float *x, float *y);
void ck_vlog1p_f32(int isa, long n, const float *x, float *y);
void ck_vtanh_f32(int isa, long n, const float *x, float *y);
void ck_vsigmoid_f32(int isa, long n, const float *x, float *y);
void ck_vsilu_f32(int isa, long n, const float *x, float *y);
void ck_vsoftplus_f32(int isa, long n, const float *x, float *y);
void ck_verf_f32(int isa, long n, const float *x, float *y);
void ck_verfc_f32(int isa, long n, const float *x, float *y);
void ck_vgelu_f32(int isa, long n, const float *x, float *y);
void ck_vgelu_slope_f32(int isa, long n, const float *x, float *y);
/// gelu and gelu_slope of x in one pass (y = gelu(x), dy = gelu_slope(x), the bits of the two
/// kernels above): a training step keeps the slope for GELU's rule.
void ck_vgelu_pair_f32(int isa, long n, const float *x, float *y, float *dy);

// The same for Double arrays (the bound in ulps of the exact result over the Double line,
// measured by scripts/test_vmath.sh on a sweep of bit patterns, a dense sample of [−750, 750] and
// the thresholds; special values are libm's as above):
//   exp, expm1, log, log1p, sigmoid, silu   ≤ 1 ulp
//   tanh, softplus, erf, erfc, gelu         ≤ 2 ulp
//   gelu_slope                              ≤ 1.5 ulp (relative to the exact slope everywhere, its
//                                           zero at x ≈ −0.7518 included)
// (gelu's negative tail keeps its digits as the Float one; gelu_slope is −0 where it underflows,
// as the Float one.)
void ck_vexp_f64(int isa, long n, const double *x, double *y);
void ck_vexpm1_f64(int isa, long n, const double *x, double *y);
void ck_vlog_f64(int isa, long n, const double *x, double *y);
void ck_vlog1p_f64(int isa, long n, const double *x, double *y);
void ck_vtanh_f64(int isa, long n, const double *x, double *y);
void ck_vsigmoid_f64(int isa, long n, const double *x, double *y);
void ck_vsilu_f64(int isa, long n, const double *x, double *y);
void ck_vsoftplus_f64(int isa, long n, const double *x, double *y);
void ck_verf_f64(int isa, long n, const double *x, double *y);
void ck_verfc_f64(int isa, long n, const double *x, double *y);
void ck_vgelu_f64(int isa, long n, const double *x, double *y);
void ck_vgelu_slope_f64(int isa, long n, const double *x, double *y);

// GELU with tanh, ELU and mish, Float and Double (computed in double for Float, rounded once;
// bounds in ulps of the exact result, measured as above, the Double ones on its samples):
//   gelu_tanh        ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), as x·σ(2u) with 2u carried
//                    as hi + lo: the negative tail keeps its digits (no 1 + tanh u)
//                    Float ≤ 1 ulp, Double ≤ 1 ulp; NaN at −∞ (∞·0, as the formula and PyTorch)
//   gelu_tanh_slope  its derivative σ + V·σ(1 − σ), σ = σ(2u), V = 2u′x (relative to the exact
//                    slope everywhere, its zero at x ≈ −0.7525 included)
//                    Float ≤ 1 ulp, Double ≤ 1 ulp; NaN at ±∞, −0 where it underflows
//   elu              x for x > 0, alpha·(eˣ − 1) otherwise (alpha given as a double)
//                    Float ≤ 1 ulp, Double ≤ 1 ulp
//   mish             x·tanh(softplus(x))  Float ≤ 1 ulp, Double ≤ 1.5 ulp; NaN at −∞
void ck_vgelu_tanh_f32(int isa, long n, const float *x, float *y);
void ck_vgelu_tanh_slope_f32(int isa, long n, const float *x, float *y);
void ck_vmish_f32(int isa, long n, const float *x, float *y);
void ck_velu_f32(int isa, long n, const float *x, float *y, double alpha);
void ck_vgelu_tanh_f64(int isa, long n, const double *x, double *y);
void ck_vgelu_tanh_slope_f64(int isa, long n, const double *x, double *y);
void ck_vmish_f64(int isa, long n, const double *x, double *y);
void ck_velu_f64(int isa, long n, const double *x, double *y, double alpha);

// sin and cos, Float and Double: Cody–Waite reduction by π/2 in four parts (about 150 bits) for
// |x| < 1.6e6, fdlibm's polynomials on the reduced argument as hi + lo; lanes with |x| ≥ 1.6e6 or
// infinite go to libm's long double sinl and cosl one by one (Payne–Hanek there; where long double
// is double, as on macOS, the platform's sin and cos). Float computed in double, rounded once.
// Float ≤ 1 ulp, Double ≤ 1 ulp (x86-64 Linux, measured; elsewhere large lanes are libm's).
void ck_vsin_f32(int isa, long n, const float *x, float *y);
void ck_vcos_f32(int isa, long n, const float *x, float *y);
void ck_vsin_f64(int isa, long n, const double *x, double *y);
void ck_vcos_f64(int isa, long n, const double *x, double *y);

/// C = op(A)·op(B) through the platform's CBLAS (row-major; op transposes when the flag is set),
/// C overwritten. Returns 0 and does nothing when the package was built without one (see blas.c).
int ck_blas_available(void);
int ck_sgemm_blas(int transpose_a, int transpose_b, long m, long n, long k, const float *a, long lda, const float *b,
                  long ldb, float *c, long ldc);
int ck_dgemm_blas(int transpose_a, int transpose_b, long m, long n, long k, const double *a, long lda, const double *b,
                  long ldb, double *c, long ldc);

#ifdef __cplusplus
}
#endif

#endif

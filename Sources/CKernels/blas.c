#include "CKernels.h"

// Products handed to the platform's BLAS: Accelerate on Apple platforms (its GEMM runs on the
// matrix units of Apple silicon), or OpenBLAS on Linux when the package is built with
// AUTOGRAD_BLAS=openblas — a stand-in that runs the same CBLAS calls here, so that their argument
// order, transposes and leading dimensions are tested as a Mac runs them. Without either, these
// functions do nothing and say so (return 0), and the package's own kernels multiply.
#if defined(CK_ACCELERATE)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
#define CK_HAVE_CBLAS 1
#elif defined(CK_OPENBLAS)
#include <cblas.h>
#define CK_HAVE_CBLAS 1
#else
#define CK_HAVE_CBLAS 0
#endif

int ck_blas_available(void) { return CK_HAVE_CBLAS; }

int ck_sgemm_blas(int transpose_a, int transpose_b, long m, long n, long k, const float *a, long lda, const float *b,
                  long ldb, float *c, long ldc) {
#if CK_HAVE_CBLAS
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
    return 1;
#else
    (void)transpose_a; (void)transpose_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb;
    (void)c; (void)ldc;
    return 0;
#endif
}

int ck_dgemm_blas(int transpose_a, int transpose_b, long m, long n, long k, const double *a, long lda, const double *b,
                  long ldb, double *c, long ldc) {
#if CK_HAVE_CBLAS
    cblas_dgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0, a, (int)lda, b, (int)ldb, 0.0, c, (int)ldc);
    return 1;
#else
    (void)transpose_a; (void)transpose_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb;
    (void)c; (void)ldc;
    return 0;
#endif
}

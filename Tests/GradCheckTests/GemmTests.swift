import XCTest
@testable import Autograd
import CKernels

/// The plain triple loop every GEMM result is compared with, accumulated in Double.
func referenceProduct<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> [Double] {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var total = 0.0
            for p in 0..<k { total += Double(a.scalars[i * k + p]) * Double(b.scalars[p * n + j]) }
            out[i * n + j] = total
        }
    }
    return out
}

/// The packed, blocked GEMM against a plain triple loop, on shapes that hit every edge:
/// partial micro-tiles, partial cache blocks, k beyond one block, batches, and the three ways
/// threads share a product: bands of C's columns (200×70×260), bands of its rows
/// (130×257×65, 301×40×90 with an odd split), and each packed block shared (10×12000×9, too
/// narrow to halve).
final class GemmTests: XCTestCase {
    let shapes: [(Int, Int, Int)] = [(1, 1, 1), (7, 13, 5), (16, 16, 16), (6, 32, 17), (97, 33, 300),
                                     (200, 70, 260), (13, 600, 41), (130, 257, 65), (301, 40, 90),
                                     (10, 12000, 9)]

    /// A batch of products each below the threshold for splitting but above it together is
    /// split across the threads by image (a run of the batch each): every product must equal the
    /// same product computed on its own — odd batch counts, a broadcast operand and a transposed
    /// one (read through strides, as the rule does) included.
    func testBatchSplitAcrossThreadsMatchesEachProductAlone() {
        for (count, m, k, n) in [(4, 64, 64, 64), (3, 40, 90, 130), (32, 8, 9, 784)] {
            let a = Tensor<Float>.randomNormal([count, m, k], seed: UInt64(count + m))
            let b = Tensor<Float>.randomNormal([count, k, n], seed: UInt64(count + n))
            XCTAssertLessThan(m * n * k, Gemm.parallelThreshold)
            XCTAssertGreaterThanOrEqual(count * m * n * k, Gemm.parallelThreshold)
            let batched = a.matmul(b), shared = a[0].matmul(b)
            for i in 0..<count {
                XCTAssertEqual(batched[i], a[i].matmul(b[i]), "batch \(count)×\(m)×\(k)×\(n), product \(i)")
                XCTAssertEqual(shared[i], a[0].matmul(b[i]), "broadcast left operand, product \(i)")
            }
            let bt = b.transposed()   // [count, n, k]: the rule's transposed reads
            let viaRule = a.matmul(bt, transposeA: false, transposeB: true)
            for i in 0..<count { XCTAssertEqual(viaRule[i], a[i].matmul(bt[i], transposeA: false, transposeB: true)) }
        }
    }

    func testDoubleMatchesReference() {
        for (m, k, n) in shapes {
            let a = Tensor<Double>.randomNormal([m, k], seed: UInt64(m * 31 + k))
            let b = Tensor<Double>.randomNormal([k, n], seed: UInt64(n * 17 + k))
            let got = a.matmul(b).scalars, want = referenceProduct(a, b)
            let worst = zip(got, want).map { Swift.abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-10 * Double(k), "m \(m), k \(k), n \(n)")
        }
    }

    func testFloatMatchesReference() {
        for (m, k, n) in shapes {
            let a = Tensor<Float>.randomNormal([m, k], seed: UInt64(m * 7 + k))
            let b = Tensor<Float>.randomNormal([k, n], seed: UInt64(n * 5 + k))
            let got = a.matmul(b).scalars, want = referenceProduct(a, b)
            let worst = zip(got, want).map { Swift.abs(Double($0) - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5 * Double(k), "m \(m), k \(k), n \(n)")
        }
    }

    func testBatchedBroadcastMatchesPerMatrixProducts() {
        let a = Tensor<Double>.randomNormal([3, 1, 20, 30], seed: 1)
        let b = Tensor<Double>.randomNormal([4, 30, 25], seed: 2)
        let c = a.matmul(b)
        XCTAssertEqual(c.shape, [3, 4, 20, 25])
        for i in 0..<3 {
            for j in 0..<4 {
                let want = referenceProduct(a[i][0], b[j])
                let got = c[i][j].scalars
                XCTAssertLessThan(zip(got, want).map { Swift.abs($0 - $1) }.max() ?? 0, 1e-10, "batch \(i), \(j)")
            }
        }
    }
}

/// `Gemm.multiply` called directly on `a` (m×k, or k×m read transposed through strides when
/// `transposedA`) and `b` (k×n), with the given instruction set.
func packedProduct<T: GemmScalar>(_ a: Tensor<T>, _ b: Tensor<T>, transposedA: Bool = false,
                                  isa: Int32 = Gemm.isa, direct: Bool = false) -> [T] {
    let (m, k) = transposedA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let n = b.shape[1]
    // NaN where nothing was written: the product must overwrite every element of C.
    var c = [T](repeating: .nan, count: m * n)
    a.scalars.withUnsafeBufferPointer { ap in
        b.scalars.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let ab = ap.baseAddress, let bb = bp.baseAddress, let cb = cp.baseAddress else { return }
                let aOperand = transposedA ? Gemm.Operand(base: ab, rowStride: 1, columnStride: m)
                                           : Gemm.Operand(base: ab, rowStride: k, columnStride: 1)
                Gemm.multiply(m: m, n: n, k: k, a: aOperand, b: .init(base: bb, rowStride: n, columnStride: 1),
                              c: cb, ldc: n, isa: isa, direct: direct)
            }
        }
    }
    return c
}

/// Every micro-kernel this CPU can run (portable C, AVX2+FMA, AVX-512), not only the one
/// the library picks, against the plain loop.
final class GemmKernelTests: XCTestCase {
    func testEveryInstructionSetMatchesReference() {
        for isa in Int32(0)...Gemm.isa {
            for (m, k, n) in [(7, 13, 5), (97, 33, 300), (130, 600, 65)] {
                let a = Tensor<Double>.randomNormal([m, k], seed: 3), b = Tensor<Double>.randomNormal([k, n], seed: 4)
                let c = packedProduct(a, b, isa: isa)
                let want = referenceProduct(a, b)
                XCTAssertLessThan(zip(c, want).map { Swift.abs($0 - $1) }.max() ?? 1, 1e-9, "isa \(isa), \(m)×\(k)×\(n)")
                // Float through the same kernels.
                let cf = packedProduct(a.converted(to: Float.self), b.converted(to: Float.self), isa: isa)
                XCTAssertLessThan(zip(cf, want).map { Swift.abs(Double($0) - $1) }.max() ?? 1, 1e-3, "Float isa \(isa)")
            }
        }
    }

    /// The direct kernels (B row-major, A row-major or transposed, read in place) of every instruction set: odd
    /// shapes that end in partial tiles of rows and columns, operands and C inside wider rows
    /// (leading dimensions larger than the width); every element of C written, nothing beside it.
    func testDirectKernelsMatchReference() {
        for isa in Int32(0)...Gemm.isa {
            for (m, k, n) in [(1, 1, 1), (5, 7, 3), (6, 16, 16), (13, 64, 27), (32, 64, 192), (7, 3, 33)] {
                for transposedA in [false, true] {
                    // A row-major in [m, k + 3], or transposed: stored as [k, m + 3].
                    let stored = transposedA ? [k, m + 3] : [m, k + 3]
                    let (rowStride, columnStride) = transposedA ? (1, m + 3) : (k + 3, 1)
                    let (ldb, ldc) = (n + 5, n + 2)
                    let a = Tensor<Double>.randomNormal(stored, seed: UInt64(m + k)), b = Tensor<Double>.randomNormal([k, ldb], seed: UInt64(n))
                    let aMatrix = transposedA ? a.slice(axis: 1, 0..<m).transposed() : a.slice(axis: 1, 0..<k)
                    let want = referenceProduct(aMatrix, b.slice(axis: 1, 0..<n))
                    func run<T: GemmScalar>(_: T.Type) -> [T] {
                        let af = a.scalars.map { T($0) }, bf = b.scalars.map { T($0) }
                        var c = [T](repeating: .nan, count: m * ldc)
                        af.withUnsafeBufferPointer { ap in
                            bf.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    T.direct(isa, m, n, k, ap.baseAddress!, rowStride, columnStride, bp.baseAddress!, ldb, cp.baseAddress!, ldc)
                                }
                            }
                        }
                        return c
                    }
                    for (name, got, tolerance) in [("Double", run(Double.self), 1e-12), ("Float", run(Float.self).map(Double.init), 1e-4)] {
                        let label = "\(name) isa \(isa) \(m)×\(k)×\(n)\(transposedA ? " Aᵀ" : "")"
                        for i in 0..<m {
                            for j in 0..<ldc {
                                let value = got[i * ldc + j]
                                if j < n {
                                    XCTAssertEqual(value, want[i * n + j], accuracy: tolerance * Double(k), "\(label) [\(i), \(j)]")
                                } else {
                                    XCTAssertTrue(value.isNaN, "\(label): wrote beside C at [\(i), \(j)]")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The Float direct kernels of the vector instruction sets (AVX2, AVX-512 where the CPU has
    /// it) give the same bits: each element is the same chain of fused multiply-adds along k, and
    /// so is the packed kernels' for k ≤ kc (`Gemm.multiply` with `direct: false`).
    func testFloatDirectKernelsGiveTheSameBitsOnEveryVectorInstructionSet() {
        guard Gemm.isa >= 1 else { return }
        for (m, k, n) in [(5, 7, 3), (6, 16, 16), (13, 64, 27), (32, 64, 192), (7, 3, 33), (8, 40, 47), (6, 9, 64)] {
            let a = Tensor<Float>.randomNormal([m, k], seed: UInt64(m * k)), b = Tensor<Float>.randomNormal([k, n], seed: UInt64(n))
            func run(_ isa: Int32) -> [UInt32] {
                var c = [Float](repeating: .nan, count: m * n)
                a.scalars.withUnsafeBufferPointer { ap in
                    b.scalars.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            Float.direct(isa, m, n, k, ap.baseAddress!, k, 1, bp.baseAddress!, n, cp.baseAddress!, n)
                        }
                    }
                }
                return c.map(\.bitPattern)
            }
            let avx2 = run(1)
            for isa in Int32(1)...Gemm.isa {
                XCTAssertEqual(run(isa), avx2, "isa \(isa) \(m)×\(k)×\(n)")
            }
            let packed = packedProduct(a, b, direct: false)
            XCTAssertEqual(packed.map(\.bitPattern), avx2, "packed \(m)×\(k)×\(n)")
        }
    }

    /// The Float kernel for A·Bᵀ with both read in place: odd shapes, every tail of k (k % 8),
    /// edge blocks of rows and columns, operands inside wider rows, nothing written beside C;
    /// and through `multiply`, the same product as the packed path gives.
    func testDirectTransposedKernelMatchesReference() {
        for isa in Int32(0)...Gemm.isa {
            for (m, k, n) in [(1, 1, 1), (5, 7, 3), (4, 8, 3), (9, 17, 7), (13, 64, 27), (32, 128, 61), (3, 33, 2)] {
                let (lda, ldb, ldc) = (k + 3, k + 5, n + 2)
                let a = Tensor<Double>.randomNormal([m, lda], seed: UInt64(m + k)), bt = Tensor<Double>.randomNormal([n, ldb], seed: UInt64(n))
                let want = referenceProduct(a.slice(axis: 1, 0..<k), bt.slice(axis: 1, 0..<k).transposed())
                let af = a.scalars.map { Float($0) }, bf = bt.scalars.map { Float($0) }
                var c = [Float](repeating: .nan, count: m * ldc)
                af.withUnsafeBufferPointer { ap in
                    bf.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            XCTAssertTrue(Float.directTransposedB(isa, m, n, k, ap.baseAddress!, lda, bp.baseAddress!, ldb,
                                                                  cp.baseAddress!, ldc))
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<ldc {
                        if j < n {
                            XCTAssertEqual(Double(c[i * ldc + j]), want[i * n + j], accuracy: 1e-4 * Double(k), "isa \(isa) \(m)×\(k)×\(n) [\(i), \(j)]")
                        } else {
                            XCTAssertTrue(c[i * ldc + j].isNaN, "isa \(isa): wrote beside C at [\(i), \(j)]")
                        }
                    }
                }
            }
        }
        // Through matmul (transposeB; 1.2 million multiply-adds: split between the threads),
        // against the Double product.
        let x = Tensor<Double>.randomNormal([64, 96], seed: 11), w = Tensor<Double>.randomNormal([200, 96], seed: 12)
        let got = Tensor<Float>(x.scalars.map(Float.init), shape: x.shape).matmul(Tensor<Float>(w.scalars.map(Float.init), shape: w.shape), transposeA: false, transposeB: true)
        let want = x.matmul(w, transposeA: false, transposeB: true)
        XCTAssertLessThan(zip(got.scalars, want.scalars).map { Swift.abs(Double($0) - $1) }.max() ?? 1, 1e-3)
    }

    func testTransposedOperandThroughStrides() {
        let (m, k, n) = (37, 50, 29)
        let at = Tensor<Double>.randomNormal([k, m], seed: 5), b = Tensor<Double>.randomNormal([k, n], seed: 6)
        let c = packedProduct(at, b, transposedA: true)
        let want = referenceProduct(at.transposed(), b)
        XCTAssertLessThan(zip(c, want).map { Swift.abs($0 - $1) }.max() ?? 1, 1e-10)
    }

    /// The platform's BLAS (Accelerate on Apple platforms; OpenBLAS when built with
    /// AUTOGRAD_BLAS=openblas, as .ci/run does for this test class) takes products in every
    /// layout the GEMM understands — row-major or transposed operands, batches, broadcast batches
    /// — and gives the reference's values; without one, the CBLAS entry points say so and touch
    /// nothing.
    func testPlatformBLASWhenBuiltWithIt() {
        #if canImport(Darwin)
        XCTAssertTrue(Gemm.hasBLAS, "Accelerate is linked on Apple platforms")
        #else
        XCTAssertEqual(Gemm.hasBLAS, ProcessInfo.processInfo.environment["AUTOGRAD_BLAS"] == "openblas")
        #endif
        guard Gemm.hasBLAS else {
            var c: [Float] = [7]
            let a: [Float] = [1], b: [Float] = [2]
            XCTAssertEqual(ck_sgemm_blas(0, 0, 1, 1, 1, a, 1, b, 1, &c, 1), 0)
            XCTAssertEqual(c, [7], "nothing written without a BLAS")
            return
        }
        let saved = Gemm.blasMinimumWork
        Gemm.blasMinimumWork = 0
        defer { Gemm.blasMinimumWork = saved }
        for (m, k, n) in [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 130, 65)] {
            let a = Tensor<Double>.randomNormal([m, k], seed: 1), b = Tensor<Double>.randomNormal([k, n], seed: 2)
            let expected = referenceProduct(a, b)
            let at = a.transposed(), bt = b.transposed()
            let products = [a.matmul(b), at.matmul(b, transposeA: true, transposeB: false),
                            a.matmul(bt, transposeA: false, transposeB: true), at.matmul(bt, transposeA: true, transposeB: true)]
            for (layout, product) in zip(["A·B", "Aᵀ·B", "A·Bᵀ", "Aᵀ·Bᵀ"], products) {
                for (x, y) in zip(product.scalars, expected) { XCTAssertEqual(x, y, accuracy: 1e-12 * Double(k), "\(layout) \(m)×\(k)×\(n)") }
            }
            let af = Tensor<Float>(a.scalars.map(Float.init), shape: a.shape), bf = Tensor<Float>(b.scalars.map(Float.init), shape: b.shape)
            for (x, y) in zip(af.matmul(bf.transposed(), transposeA: false, transposeB: true).scalars, expected) {
                XCTAssertEqual(Double(x), y, accuracy: 1e-4 * Double(k))
            }
        }
        // Batches, one operand broadcast over them.
        let batch = Tensor<Double>.randomNormal([3, 4, 6], seed: 3), shared = Tensor<Double>.randomNormal([6, 5], seed: 4)
        let product = batch.matmul(shared)
        for i in 0..<3 {
            let expected = referenceProduct(batch[i], shared)
            for (x, y) in zip(product[i].scalars, expected) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        }
    }
}

/// B packed once (`Gemm.PackedB`, for a recurrent weight multiplied at every step): each element
/// of C the same bits as `Gemm.multiply`'s packed path, for every instruction set, on shapes with
/// partial tiles, k beyond one block, m beyond one block, and products split between threads.
final class GemmPackedBTests: XCTestCase {
    func testPackedBGivesThePackedProductBitForBit() {
        for isa in Int32(0)...Gemm.isa {
            for (m, k, n) in [(7, 13, 5), (32, 128, 512), (32, 512, 128), (97, 300, 65), (130, 33, 300)] {
                func check<T: GemmScalar>(_: T.Type) {
                    let a = Tensor<Double>.randomNormal([m, k], seed: 5).converted(to: T.self)
                    let b = Tensor<Double>.randomNormal([k, n], seed: 6).converted(to: T.self)
                    let want = packedProduct(a, b, isa: isa)
                    var c = [T](repeating: .nan, count: m * n)
                    a.scalars.withUnsafeBufferPointer { ap in
                        b.scalars.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                guard let ab = ap.baseAddress, let bb = bp.baseAddress, let cb = cp.baseAddress else { return }
                                let packed = Gemm.PackedB(Gemm.Operand(base: bb, rowStride: n, columnStride: 1), k: k, n: n, isa: isa)
                                Gemm.multiply(m: m, a: Gemm.Operand(base: ab, rowStride: k, columnStride: 1), packed: packed, c: cb, ldc: n)
                            }
                        }
                    }
                    XCTAssertEqual(c, want, "\(T.self) isa \(isa), \(m)×\(k)×\(n)")
                }
                check(Float.self)
                check(Double.self)
            }
        }
    }
}

import XCTest
import Autograd

/// matmul: 2-D, batched with broadcasting, 1-D operands, transposed operands; values
/// against a naive triple loop; gradients and second derivatives.
final class LinearAlgebraGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// out[b…, i, j] = Σ_p a[b…, i, p] · b[b…, p, j] for 2-D or same-batch 3-D operands.
    func naiveMatmul(_ a: T, _ b: T) -> T {
        let batch = a.rank == 3 ? a.shape[0] : 1
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        var out = [Double](repeating: 0, count: batch * m * n)
        for t in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k { s += a.scalars[t * m * k + i * k + p] * b.scalars[t * k * n + p * n + j] }
                    out[t * m * n + i * n + j] = s
                }
            }
        }
        return T(out, shape: a.rank == 3 ? [batch, m, n] : [m, n])
    }

    func testValuesAgainstNaiveLoop() {
        let a = GradTest.normal([3, 5], seed: 1), b = GradTest.normal([5, 2], seed: 2)
        GradTest.assertClose(a.matmul(b), naiveMatmul(a, b))
        let c = GradTest.normal([2, 3, 4], seed: 3), d = GradTest.normal([2, 4, 5], seed: 4)
        GradTest.assertClose(c.matmul(d), naiveMatmul(c, d))
        XCTAssertEqual(T(rows: [[1, 2], [3, 4]]).matmul(T(rows: [[5, 6], [7, 8]])), T(rows: [[19, 22], [43, 50]]))
        // Broadcast batch: a [2, 3, 4] times one [4, 5] matrix is each batch times it.
        let w = GradTest.normal([4, 5], seed: 5)
        let batched = c.matmul(w)
        XCTAssertEqual(batched.shape, [2, 3, 5])
        GradTest.assertClose(batched[1], c[1].matmul(w))
        // Batch axes [2, 1] and [3] broadcast to [2, 3].
        let e = GradTest.normal([2, 1, 3, 4], seed: 6), f = GradTest.normal([3, 4, 2], seed: 7)
        let ef = e.matmul(f)
        XCTAssertEqual(ef.shape, [2, 3, 3, 2])
        GradTest.assertClose(ef[1][2], e[1][0].matmul(f[2]))
    }

    func testOneDimensionalOperands() {
        let v = T([1, 2, 3]), m = T(rows: [[1, 0], [0, 1], [1, 1]])
        XCTAssertEqual(v.matmul(m), T([4, 5]), "row vector × matrix")
        XCTAssertEqual(m.transposed().matmul(v), T([4, 5]), "matrix × column vector")
        XCTAssertEqual(v.matmul(T([4, 5, 6])), T(32), "vector · vector is a scalar")
        let batch = T.arange(0, 12).reshaped([2, 3, 2])
        XCTAssertEqual(v.matmul(batch), T(rows: [[16, 22], [52, 58]]), "vector × batch of matrices")
        XCTAssertEqual(batch.matmul(T([1, -1])), T(rows: [[-1, -1, -1], [-1, -1, -1]]))
    }

    func testMatmulGradients() {
        let a = GradTest.normal([3, 5], seed: 8), b = GradTest.normal([5, 2], seed: 9)
        GradTest.check([a, b], names: ["a", "b"]) { $0[0].matmul($0[1]) }
        // Batched, same batch.
        GradTest.check([GradTest.normal([2, 3, 4], seed: 10), GradTest.normal([2, 4, 5], seed: 11)], names: ["a", "b"]) {
            $0[0].matmul($0[1])
        }
        // Batched times a shared matrix, and a shared matrix times a batch.
        GradTest.check([GradTest.normal([2, 3, 4], seed: 12), GradTest.normal([4, 2], seed: 13)], names: ["a", "b"]) {
            $0[0].matmul($0[1])
        }
        GradTest.check([GradTest.normal([3, 4], seed: 14), GradTest.normal([2, 4, 2], seed: 15)], names: ["a", "b"]) {
            $0[0].matmul($0[1])
        }
        // Broadcast batch axes [2, 1] × [3].
        GradTest.check([GradTest.normal([2, 1, 2, 3], seed: 16), GradTest.normal([3, 3, 2], seed: 17)], names: ["a", "b"]) {
            $0[0].matmul($0[1])
        }
    }

    func testMatmulGradientsWithVectors() {
        let v = GradTest.normal([4], seed: 18), m = GradTest.normal([4, 3], seed: 19)
        GradTest.check([v, m], names: ["v", "m"]) { $0[0].matmul($0[1]) }
        GradTest.check([m, GradTest.normal([3], seed: 20)], names: ["m", "v"]) { $0[0].matmul($0[1]) }
        GradTest.check([v, GradTest.normal([4], seed: 21)], names: ["u", "v"]) { $0[0].matmul($0[1]) }
        GradTest.check([v, GradTest.normal([2, 4, 3], seed: 22)], names: ["v", "batch"]) { $0[0].matmul($0[1]) }
        GradTest.check([GradTest.normal([2, 3, 4], seed: 23), v], names: ["batch", "v"]) { $0[0].matmul($0[1]) }
    }

    func testMatmulWithTransposedOperands() {
        let a = GradTest.normal([5, 3], seed: 24), b = GradTest.normal([2, 5], seed: 25)
        GradTest.check([a, b], names: ["a", "b"]) { $0[0].transposed().matmul($0[1].transposed()) }
        GradTest.check([a, GradTest.normal([5, 2], seed: 26)], names: ["a", "b"]) { $0[0].transposed().matmul($0[1]) }
        GradTest.check([GradTest.normal([2, 4, 3], seed: 27), GradTest.normal([4, 2, 5], seed: 28)], names: ["a", "b"]) {
            $0[0].transposed().matmul($0[1].permuted([1, 0, 2]))
        }
        // The same matrix on both sides: xᵀx.
        GradTest.check([a], names: ["x"]) { $0[0].transposed().matmul($0[0]) }
    }

    func testMatmulSecondDerivatives() {
        let a = GradTest.normal([3, 4], seed: 29), b = GradTest.normal([4, 2], seed: 30)
        GradTest.checkSecond([a, b], names: ["a", "b"]) { $0[0].matmul($0[1]) }
        GradTest.checkSecond([a, b], names: ["a", "b"]) { $0[0].matmul($0[1]).tanh() }
        GradTest.checkSecond([a], names: ["x"]) { $0[0].matmul($0[0].transposed()) }
        GradTest.checkSecond([GradTest.normal([2, 2, 3], seed: 31), GradTest.normal([3, 2], seed: 32)], names: ["a", "b"]) {
            $0[0].matmul($0[1]).squared()
        }
        GradTest.checkSecond([GradTest.normal([4], seed: 33), a.transposed()], names: ["v", "m"]) {
            $0[0].matmul($0[1]).squared()
        }
    }
}

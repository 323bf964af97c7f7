import XCTest
import Autograd

/// headScores and headOutputs (attention's per-head products read through strides from
/// [batch, T, heads·d]) and matmul with transposed operands: the same values as the permuted
/// copies they replace, gradients and second derivatives, self- and cross-attention shapes, the
/// plain-loop and GEMM paths, and the shape check's messages.
final class HeadProductGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// [batch, T, heads·d] → [batch, heads, T, d], by a permuted copy.
    func split(_ x: T, heads: Int) -> T {
        x.reshaped([x.shape[0], x.shape[1], heads, x.shape[2] / heads]).permuted([0, 2, 1, 3])
    }

    /// [batch, heads, T, d] → [batch, T, heads·d].
    func merge(_ x: T) -> T {
        x.permuted([0, 2, 1, 3]).reshaped([x.shape[0], x.shape[2], x.shape[1] * x.shape[3]])
    }

    /// (batch, Tq, Tk, heads, d): self-attention, cross-attention, one head, odd sizes, and a size
    /// large enough for the packed GEMM (m·n·k ≥ 16³) with strided output.
    static let shapes = [(2, 4, 4, 3, 5), (2, 3, 5, 2, 3), (1, 5, 2, 1, 4), (3, 1, 1, 2, 1), (2, 16, 16, 4, 16), (1, 20, 17, 3, 24)]

    func testValuesEqualThePermutedProducts() {
        for (n, (batch, tq, tk, heads, d)) in Self.shapes.enumerated() {
            let seed = UInt64(10 * n)
            let q = GradTest.normal([batch, tq, heads * d], seed: seed), k = GradTest.normal([batch, tk, heads * d], seed: seed + 1)
            let v = GradTest.normal([batch, tk, heads * d], seed: seed + 2), p = GradTest.normal([batch, heads, tq, tk], seed: seed + 3)
            let label = "batch \(batch) Tq \(tq) Tk \(tk) heads \(heads) d \(d)"
            GradTest.assertClose(T.headScores(queries: q, keys: k, heads: heads),
                                 split(q, heads: heads).matmul(split(k, heads: heads).transposed()), accuracy: 1e-12, label)
            GradTest.assertClose(T.headOutputs(weights: p, values: v, heads: heads),
                                 merge(p.matmul(split(v, heads: heads))), accuracy: 1e-12, label)
            // Float: its own compiled kernels.
            let qf = q.converted(to: Float.self), kf = k.converted(to: Float.self)
            let sf = Tensor<Float>.headScores(queries: qf, keys: kf, heads: heads)
            for (a, b) in zip(sf.scalars, T.headScores(queries: q, keys: k, heads: heads).scalars) {
                XCTAssertEqual(Double(a), b, accuracy: 1e-4 * Swift.max(1, Swift.abs(b)), label)
            }
        }
    }

    func testGradientsAndSecondDerivatives() {
        for (n, (batch, tq, tk, heads, d)) in Self.shapes.prefix(4).enumerated() {
            let seed = UInt64(100 + 10 * n)
            let q = GradTest.normal([batch, tq, heads * d], seed: seed), k = GradTest.normal([batch, tk, heads * d], seed: seed + 1)
            let v = GradTest.normal([batch, tk, heads * d], seed: seed + 2), p = GradTest.normal([batch, heads, tq, tk], seed: seed + 3)
            GradTest.check([q, k], names: ["q", "k"]) { T.headScores(queries: $0[0], keys: $0[1], heads: heads) }
            GradTest.check([p, v], names: ["p", "v"]) { T.headOutputs(weights: $0[0], values: $0[1], heads: heads) }
            GradTest.checkSecond([q, k], names: ["q", "k"]) { T.headScores(queries: $0[0], keys: $0[1], heads: heads).squared() }
            GradTest.checkSecond([p, v], names: ["p", "v"]) { T.headOutputs(weights: $0[0], values: $0[1], heads: heads).squared() }
        }
    }

    /// Causal multi-head self-attention written both ways gives the same output and gradients.
    func testAttentionWithoutCopiesMatchesAttentionWithCopies() throws {
        let (batch, t, heads, d) = (2, 5, 3, 4)
        let future = T.triu(rows: t, diagonal: 1)
        let inputs = (0..<3).map { GradTest.normal([batch, t, heads * d], seed: 200 + UInt64($0)) }
        func withCopies(_ x: [T]) -> T {
            let (q, k, v) = (split(x[0], heads: heads), split(x[1], heads: heads), split(x[2], heads: heads))
            let weights = (q.matmul(k.transposed()) / Double(d).squareRoot()).masked(where: future, fill: -.infinity).softmax()
            return merge(weights.matmul(v))
        }
        func withoutCopies(_ x: [T]) -> T {
            let scores = T.headScores(queries: x[0], keys: x[1], heads: heads) / Double(d).squareRoot()
            return T.headOutputs(weights: scores.masked(where: future, fill: -.infinity).softmax(), values: x[2], heads: heads)
        }
        GradTest.assertClose(withoutCopies(inputs), withCopies(inputs), accuracy: 1e-14)
        let upstream = GradTest.normal([batch, t, heads * d], seed: 210)
        let a = inputs.map { $0.requiringGrad() }, b = inputs.map { $0.requiringGrad() }
        let ga = try gradients(of: withoutCopies(a), wrt: a, upstream: upstream)
        let gb = try gradients(of: withCopies(b), wrt: b, upstream: upstream)
        for (x, y) in zip(ga, gb) { GradTest.assertClose(x, y, accuracy: 1e-13) }
        GradTest.check(inputs, names: ["q", "k", "v"], withoutCopies)
        GradTest.checkSecond(inputs, names: ["q", "k", "v"], withoutCopies)
        // The tape holds no permute: the heads were never copied.
        let leaves = inputs.map { $0.requiringGrad() }
        XCTAssertFalse(withoutCopies(leaves).tape.description.contains("permute"))
        XCTAssertTrue(withCopies(leaves).tape.description.contains("permute"))
    }

    func testMatmulWithTransposedOperands() {
        let a = GradTest.normal([2, 3, 4, 5], seed: 300), b = GradTest.normal([2, 3, 6, 5], seed: 301)
        GradTest.assertClose(a.matmul(b, transposeA: false, transposeB: true), a.matmul(b.transposed()), accuracy: 1e-13)
        let c = GradTest.normal([3, 4, 6], seed: 302)        // broadcast over the leading batch axis
        GradTest.assertClose(a.matmul(c, transposeA: true, transposeB: false), a.transposed().matmul(c), accuracy: 1e-13)
        GradTest.check([a, b], names: ["a", "b"]) { $0[0].matmul($0[1], transposeA: false, transposeB: true) }
        GradTest.check([a, c], names: ["a", "c"]) { $0[0].matmul($0[1], transposeA: true, transposeB: false) }
    }

    func testShapeMessages() {
        XCTAssertNil(OpChecks.headProblem("headScores", [2, 4, 12], [2, 7, 12], heads: 3, weights: nil))
        XCTAssertNil(OpChecks.headProblem("headOutputs", [2, 7, 12], [2, 3, 4, 7], heads: 3, weights: false))
        XCTAssertEqual(OpChecks.headProblem("headScores", [2, 4, 10], [2, 4, 10], heads: 3, weights: nil),
                       "headScores: queries of shape [2, 4, 10] are not [batch, T, heads·d] with 3 heads")
        XCTAssertEqual(OpChecks.headProblem("headScores", [2, 4, 12], [2, 4, 6], heads: 3, weights: nil),
                       "headScores: keys of shape [2, 4, 6] are not [2, Tk, 12] for queries of shape [2, 4, 12]")
        XCTAssertEqual(OpChecks.headProblem("headOutputs", [2, 7, 12], [2, 3, 4, 5], heads: 3, weights: false),
                       "headOutputs: weights of shape [2, 3, 4, 5] are not [2, 3, Tq, 7] for values of shape [2, 7, 12] "
                       + "(batch, heads, queries, keys)")
        XCTAssertEqual(OpChecks.headProblem("headOutputs", [2, 7, 12], [2, 3, 4, 7], heads: 0, weights: false),
                       "headOutputs: heads (0) must be positive")
    }
}

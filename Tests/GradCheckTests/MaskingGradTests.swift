import XCTest
import Foundation
import Autograd

/// Triangular masks, `masked(where:fill:)`, and softmax/logSoftmax of rows holding −∞: values,
/// gradients and second derivatives by finite differences, the fully masked row (zeros and no
/// gradient), a causal attention through all of them, and the mask-shape check's message.
final class MaskingGradTests: XCTestCase {
    typealias T = Tensor<Double>

    // MARK: Triangular masks

    func testTriangularMasksMatchTheirDefinition() {
        for (rows, columns) in [(1, 1), (3, 3), (3, 5), (5, 2), (0, 4)] {
            for diagonal in [-2, -1, 0, 1, 3] {
                let lower = T.tril(rows: rows, columns: columns, diagonal: diagonal)
                let upper = T.triu(rows: rows, columns: columns, diagonal: diagonal)
                XCTAssertEqual(lower.shape, [rows, columns])
                for i in 0..<rows {
                    for j in 0..<columns {
                        XCTAssertEqual(lower[index: i, j], j <= i + diagonal ? 1 : 0, "tril \(rows)×\(columns) k=\(diagonal) (\(i), \(j))")
                        XCTAssertEqual(upper[index: i, j], j >= i + diagonal ? 1 : 0, "triu \(rows)×\(columns) k=\(diagonal) (\(i), \(j))")
                    }
                }
            }
        }
        XCTAssertEqual(T.tril(rows: 3), T(rows: [[1, 0, 0], [1, 1, 0], [1, 1, 1]]))
        XCTAssertEqual(T.triu(rows: 3, diagonal: 1), T(rows: [[0, 1, 1], [0, 0, 1], [0, 0, 0]]))
        // tril(k) and triu(k + 1) split the matrix.
        XCTAssertEqual(T.tril(rows: 4, columns: 6, diagonal: 1) + T.triu(rows: 4, columns: 6, diagonal: 2), T.ones([4, 6]))
        XCTAssertEqual(Tensor<Float>.tril(rows: 2).scalars, [1, 0, 1, 1])
    }

    func testTriangularPartsOfABatch() {
        let x = GradTest.normal([2, 3, 4, 5], seed: 1)
        for diagonal in [-1, 0, 2] {
            let lower = x.tril(diagonal: diagonal), upper = x.triu(diagonal: diagonal)
            for (flat, (l, u)) in zip(lower.scalars, upper.scalars).enumerated() {
                let (i, j) = ((flat / 5) % 4, flat % 5)
                XCTAssertEqual(l, j <= i + diagonal ? x.scalars[flat] : 0)
                XCTAssertEqual(u, j >= i + diagonal ? x.scalars[flat] : 0)
            }
            GradTest.check([x], names: ["x"]) { $0[0].tril(diagonal: diagonal) }
            GradTest.check([x], names: ["x"]) { $0[0].triu(diagonal: diagonal) }
            GradTest.checkSecond([x], names: ["x"]) { $0[0].tril(diagonal: diagonal).squared() }
        }
        // Like torch.tril, elements dropped are 0 even when infinite (a product with the mask would give NaN).
        XCTAssertEqual(T(rows: [[1, .infinity], [3, 4]]).tril(), T(rows: [[1, 0], [3, 4]]))
    }

    // MARK: masked(where:fill:)

    func testMaskedReplacesAndBlocksTheGradient() {
        let x = T(rows: [[1, 2, 3], [4, 5, 6]]).requiringGrad()
        let mask = T(rows: [[0, 1, 0], [1, 1, 0]])
        let y = x.masked(where: mask, fill: -7)
        XCTAssertEqual(y, T(rows: [[1, -7, 3], [-7, -7, 6]]))
        y.backward(upstream: T(rows: [[10, 20, 30], [40, 50, 60]]))
        XCTAssertEqual(x.grad, T(rows: [[10, 0, 30], [0, 0, 60]]))
        // Any non-zero mask value masks; the mask is not differentiated.
        let m = T([0, 2, -1, 0.5]).requiringGrad()
        XCTAssertEqual(T([1, 1, 1, 1]).masked(where: m, fill: 0), T([1, 0, 0, 0]))
    }

    func testMaskBroadcastsOverBatchAndHeads() {
        let scores = GradTest.normal([2, 3, 4, 4], seed: 2)
        let causal = T.triu(rows: 4, diagonal: 1)
        let padding = T([0, 0, 0, 1, 0, 0, 1, 1], shape: [2, 1, 1, 4])     // the last 1 and 2 keys are padding
        let y = scores.masked(where: causal, fill: -.infinity).masked(where: padding, fill: -.infinity)
        XCTAssertEqual(y.shape, [2, 3, 4, 4])
        for (flat, v) in y.scalars.enumerated() {
            let (b, i, j) = (flat / 48, (flat / 4) % 4, flat % 4)
            let masked = j > i || (b == 0 && j == 3) || (b == 1 && j >= 2)
            XCTAssertEqual(v, masked ? -.infinity : scores.scalars[flat], "element \(flat)")
        }
        GradTest.check([scores], names: ["scores"]) {
            $0[0].masked(where: causal, fill: 0.5).masked(where: padding, fill: -2)
        }
    }

    func testMaskOfTheWrongShapeIsNamed() {
        XCTAssertNil(OpChecks.maskProblem("masked(where:fill:)", mask: [4, 4], tensor: [2, 3, 4, 4]))
        XCTAssertNil(OpChecks.maskProblem("masked(where:fill:)", mask: [2, 1, 1, 4], tensor: [2, 3, 4, 4]))
        XCTAssertNil(OpChecks.maskProblem("masked(where:fill:)", mask: [], tensor: [2, 3]))
        XCTAssertEqual(OpChecks.maskProblem("masked(where:fill:)", mask: [3, 4], tensor: [2, 4, 5, 5]),
                       "masked(where:fill:): mask of shape [3, 4] does not broadcast to the tensor's shape [2, 4, 5, 5] "
                       + "(each mask size must equal the tensor's size on that trailing axis, or be 1)")
        // A mask that would enlarge the tensor is refused too (select alone would broadcast both).
        XCTAssertNotNil(OpChecks.maskProblem("masked(where:fill:)", mask: [2, 4, 4], tensor: [4, 4]))
        XCTAssertNotNil(OpChecks.maskProblem("masked(where:fill:)", mask: [4, 1], tensor: [1, 4]))
    }

    // MARK: Softmax of masked rows

    /// [2, 3, 4] logits; row (0, 1) fully masked, the others partly (row (1, 2) not at all).
    static let mask = T([0, 1, 0, 1,  1, 1, 1, 1,  0, 0, 1, 0,
                         1, 0, 0, 0,  0, 1, 1, 0,  0, 0, 0, 0], shape: [2, 3, 4])

    func testSoftmaxOfMaskedRows() {
        let x = GradTest.normal([2, 3, 4], seed: 3)
        let p = x.masked(where: Self.mask, fill: -.infinity).softmax()
        for row in 0..<6 {
            let cells = (0..<4).map { row * 4 + $0 }
            let kept = cells.filter { Self.mask.scalars[$0] == 0 }
            let total = kept.map { Foundation.exp(x.scalars[$0]) }.reduce(0, +)
            for c in cells {
                let want = Self.mask.scalars[c] == 0 ? Foundation.exp(x.scalars[c]) / total : 0
                XCTAssertEqual(p.scalars[c], want, accuracy: 1e-15, "row \(row) cell \(c)")
            }
        }
        // The fully masked row is zeros (PyTorch: NaN); no NaN anywhere.
        XCTAssertEqual(Array(p.scalars[4..<8]), [0, 0, 0, 0])
        XCTAssertFalse(p.scalars.contains(where: \.isNaN))
        // softmax straight on −∞ entries, in Float too.
        XCTAssertEqual(Tensor<Float>(rows: [[-.infinity, -.infinity], [0, -.infinity]]).softmax().scalars, [0, 0, 1, 0])
    }

    /// The fused kernel computes the composition's expressions in the same order (the same pairwise
    /// sums): the same bits, along every axis, in Double and Float, partly masked rows included; a
    /// NaN or +∞ makes its row NaN, as in PyTorch.
    func testFusedSoftmaxEqualsTheComposition() {
        func check<S: TensorScalar>(_ x: Tensor<S>) {
            for axis in 0..<x.rank {
                let e = (x - x.max(axes: [axis], keepDims: true)).exp()
                XCTAssertEqual(x.softmax(axis: axis), e / e.sum(axes: [axis], keepDims: true), "axis \(axis)")
                XCTAssertEqual(x.logSoftmax(axis: axis), x - x.logSumExp(axes: [axis], keepDims: true), "axis \(axis)")
            }
        }
        check(GradTest.normal([3, 4, 5], seed: 40) * 10)
        check(GradTest.normal([3, 4, 5], seed: 41).converted(to: Float.self) * 10)
        check(GradTest.normal([3, 700], seed: 42).converted(to: Float.self))     // rows past one block of the pairwise sum
        check(GradTest.normal([2, 300, 3], seed: 43))
        check(T([1000, -1000, 0, 999], shape: [1, 4]))
        check(T([0, -.infinity, -.infinity, 1, 2, 3], shape: [3, 2]))     // partly masked rows and columns; log Σ = 0 in one
        let odd = T(rows: [[1, .nan, 2], [1, .infinity, 2], [1, 2, 3]])
        for y in [odd.softmax(), odd.logSoftmax()] {
            XCTAssertTrue(y.scalars[0..<6].allSatisfy(\.isNaN), "\(y)")
            XCTAssertTrue(y.scalars[6...].allSatisfy(\.isFinite))
        }
    }

    func testSoftmaxGradientOfAFullyMaskedRowIsZero() throws {
        let x = GradTest.normal([2, 3, 4], seed: 4).requiringGrad()
        let upstream = GradTest.normal([2, 3, 4], seed: 5)
        let logits = x.masked(where: Self.mask, fill: -.infinity)
        let (dp, dlp) = try (gradients(of: logits.softmax(), wrt: [x, logits], upstream: upstream, retainGraph: true),
                             gradients(of: logits.logSoftmax(), wrt: [x, logits], upstream: upstream))
        for g in dp + dlp { XCTAssertTrue(g.scalars.allSatisfy(\.isFinite), "\(g)") }
        // At the logits: zero on the fully masked row, for both ops.
        XCTAssertEqual(Array(dp[1].scalars[4..<8]), [0, 0, 0, 0])
        XCTAssertEqual(Array(dlp[1].scalars[4..<8]), [0, 0, 0, 0])
        // At x: zero wherever the mask is set.
        for (flat, m) in Self.mask.scalars.enumerated() where m != 0 {
            XCTAssertEqual(dp[0].scalars[flat], 0)
            XCTAssertEqual(dlp[0].scalars[flat], 0)
        }
        // Second order through the fully masked row: still zeros, still finite.
        let leaf = logits.detached().requiringGrad()
        let first = try gradients(of: leaf.softmax(), wrt: [leaf], upstream: upstream, createGraph: true)[0]
        let second = try gradients(of: (first * upstream).sum(), wrt: [leaf])[0]
        XCTAssertTrue(second.scalars.allSatisfy(\.isFinite))
        XCTAssertEqual(Array(second.scalars[4..<8]), [0, 0, 0, 0])
    }

    func testLogSoftmaxOfMaskedRows() {
        let x = GradTest.normal([2, 3, 4], seed: 6)
        let logits = x.masked(where: Self.mask, fill: -.infinity)
        let lp = logits.logSoftmax(), p = logits.softmax()
        for (flat, m) in Self.mask.scalars.enumerated() {
            let fullRow = (4..<8).contains(flat)
            if fullRow { XCTAssertEqual(lp.scalars[flat], 0, "a fully masked row gives 0") } else if m != 0 {
                XCTAssertEqual(lp.scalars[flat], -.infinity)
            } else {
                XCTAssertEqual(lp.scalars[flat], Foundation.log(p.scalars[flat]), accuracy: 1e-14)
            }
        }
    }

    func testGradientsAroundMaskedAndFullyMaskedRows() {
        let x = GradTest.normal([2, 3, 4], seed: 7)
        let w = GradTest.normal([2, 3, 4], seed: 8)
        let mask = Self.mask
        GradTest.check([x, w], names: ["x", "w"]) { $0[0].masked(where: mask, fill: -.infinity).softmax() * $0[1] }
        GradTest.checkSecond([x, w], names: ["x", "w"]) { $0[0].masked(where: mask, fill: -.infinity).softmax() * $0[1] }
        // Along the middle axis (a row there is 3 cells; cells (0, ·, 1) are all masked).
        GradTest.check([x], names: ["x"]) { $0[0].masked(where: mask, fill: -.infinity).softmax(axis: 1) }
        GradTest.checkSecond([x], names: ["x"]) { $0[0].masked(where: mask, fill: -.infinity).softmax(axis: 1) }
        // logSoftmax's −∞ outputs are masked afterwards (finite differences of −∞ are NaN).
        let logProbabilities: ([T]) -> T = { $0[0].masked(where: mask, fill: -.infinity).logSoftmax().masked(where: mask, fill: 0) * $0[1] }
        GradTest.check([x, w], names: ["x", "w"], logProbabilities)
        GradTest.checkSecond([x, w], names: ["x", "w"], logProbabilities)
    }

    /// Causal self-attention, softmax(q·kᵀ/√d + mask)·v over [batch 2, heads 3, T 4, d 5]: every
    /// gradient and second derivative, and no NaN or infinity produced forward or backward.
    func testCausalAttention() throws {
        let (q, k, v) = (GradTest.normal([2, 3, 4, 5], seed: 9), GradTest.normal([2, 3, 4, 5], seed: 10),
                         GradTest.normal([2, 3, 4, 5], seed: 11))
        let future = T.triu(rows: 4, diagonal: 1)
        let attention: ([T]) -> T = { t in
            let scores = t[0].matmul(t[1].transposed()) / 5.0.squareRoot()
            return scores.masked(where: future, fill: -.infinity).softmax().matmul(t[2])
        }
        GradTest.check([q, k, v], names: ["q", "k", "v"], attention)
        GradTest.checkSecond([q, k, v], names: ["q", "k", "v"], attention)
        // The first position attends only to itself: its output is v's first row.
        let out = attention([q, k, v])
        for b in 0..<2 { for h in 0..<3 { for d in 0..<5 { XCTAssertEqual(out[index: b, h, 0, d], v[index: b, h, 0, d], accuracy: 1e-15) } } }
        // checkingNumerics finds no op that made a NaN or an infinity from finite inputs.
        let leaves = [q, k, v].map { $0.requiringGrad() }
        XCTAssertNoThrow(try checkingNumerics {
            attention(leaves).squared().sum().backward()
        })
        XCTAssertTrue(leaves.allSatisfy { $0.grad?.scalars.allSatisfy(\.isFinite) ?? false })
    }
}

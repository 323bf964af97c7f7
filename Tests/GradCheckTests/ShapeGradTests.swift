import XCTest
import Autograd

/// Ops that move elements: reshape, permute, expand and sum(toShape:), slice, pad,
/// subscripts, concatenate, stack, gather and scatterAdding. Each one is gradchecked and,
/// composed with a product (they are linear), gradgradchecked: that differentiates the
/// adjoint op each one uses as its rule.
final class ShapeGradTests: XCTestCase {
    typealias T = Tensor<Double>

    let x234 = GradTest.normal([2, 3, 4], seed: 1)

    func testReshapeFlattenSqueeze() {
        GradTest.check([x234]) { $0[0].reshaped([4, 6]) }
        GradTest.check([x234]) { $0[0].reshaped([3, -1]) }
        GradTest.check([x234]) { $0[0].flattened() }
        GradTest.check([x234]) { $0[0].flattened(from: 1) }
        GradTest.check([x234]) { $0[0].unsqueezed(at: 1).squeezed(at: 1) * $0[0].unsqueezed(at: -1).reshaped([2, 3, 4]) }
        GradTest.check([GradTest.normal([3, 1, 5], seed: 2)]) { $0[0].squeezed(at: 1) }
        GradTest.check([GradTest.normal([5, 3], seed: 3)]) { $0[0].transposed().reshaped([15]) }
        let m = T.arange(0, 6)
        XCTAssertEqual(m.reshaped([2, -1]), T(rows: [[0, 1, 2], [3, 4, 5]]))
        XCTAssertEqual(m.reshaped([2, 3]).flattened(), m)
        XCTAssertEqual(m.unsqueezed(at: 0).shape, [1, 6])
        XCTAssertEqual(m.unsqueezed(at: -1).shape, [6, 1])
        XCTAssertEqual(T.zeros([2, 3, 4]).flattened(from: 1).shape, [2, 12])
    }

    func testPermuteTranspose() {
        GradTest.check([x234]) { $0[0].permuted([2, 0, 1]) }
        GradTest.check([x234]) { $0[0].permuted([1, 2, 0]) * $0[0].permuted([1, 2, 0]) }
        GradTest.check([x234]) { $0[0].transposed() }
        GradTest.check([GradTest.normal([3, 5], seed: 4)]) { $0[0].transposed() }
        GradTest.check([GradTest.normal([3, 5], seed: 4)]) { $0[0].transposed().transposed() * $0[0] }
        let m = T(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.transposed(), T(rows: [[1, 4], [2, 5], [3, 6]]))
        let c = T.arange(0, 24).reshaped([2, 3, 4])
        let p = c.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p[index: 3, 1, 2], c[index: 1, 2, 3])
        XCTAssertEqual(c.transposed()[index: 1, 3, 2], c[index: 1, 2, 3])
    }

    func testExpandAndSumToShape() {
        GradTest.check([GradTest.normal([3, 1], seed: 5)]) { $0[0].expanded(to: [3, 4]) }
        GradTest.check([GradTest.normal([4], seed: 6)]) { $0[0].expanded(to: [2, 3, 4]) }
        GradTest.check([GradTest.normal([1, 3, 1], seed: 7)]) { $0[0].expanded(to: [2, 3, 4]) }
        GradTest.check([T(0.3)]) { $0[0].expanded(to: [2, 3]) }
        GradTest.check([x234]) { $0[0].sum(toShape: [3, 1]) }
        GradTest.check([x234]) { $0[0].sum(toShape: [1, 3, 4]) }
        GradTest.check([x234]) { $0[0].sum(toShape: [4]) }
        GradTest.check([x234]) { $0[0].sum(toShape: []) }
        XCTAssertEqual(T([1, 2]).reshaped([2, 1]).expanded(to: [2, 3]), T(rows: [[1, 1, 1], [2, 2, 2]]))
        XCTAssertEqual(T(rows: [[1, 2, 3], [4, 5, 6]]).sum(toShape: [1, 3]), T([5, 7, 9], shape: [1, 3]))
        XCTAssertEqual(T(rows: [[1, 2, 3], [4, 5, 6]]).sum(toShape: [2, 1]), T([6, 15], shape: [2, 1]))
        XCTAssertEqual(T(rows: [[1, 2, 3], [4, 5, 6]]).sum(toShape: [3]), T([5, 7, 9]))
    }

    func testSliceAndSubscripts() {
        GradTest.check([x234]) { $0[0].slice(axis: 1, 1..<3) }
        GradTest.check([x234]) { $0[0].slice(axis: -1, 0..<4, step: 2) }
        GradTest.check([x234]) { $0[0].slice(axis: 2, 1..<4, step: 2).slice(axis: 0, 1..<2) }
        GradTest.check([x234]) { $0[0][1] }
        GradTest.check([x234]) { $0[0][-1] * $0[0][0] }
        GradTest.check([x234]) { $0[0][0..<1] }
        GradTest.check([GradTest.normal([5, 3], seed: 8)]) { $0[0].transposed()[1..<3] }
        let m = T.arange(0, 12).reshaped([3, 4])
        XCTAssertEqual(m.slice(axis: 1, 1..<4, step: 2), T(rows: [[1, 3], [5, 7], [9, 11]]))
        XCTAssertEqual(m[1], T([4, 5, 6, 7]))
        XCTAssertEqual(m[-1], T([8, 9, 10, 11]))
        XCTAssertEqual(m[1..<3], T(rows: [[4, 5, 6, 7], [8, 9, 10, 11]]))
        XCTAssertEqual(m[1][2], T(6))
        // The gradient of a slice lands on the sliced cells only.
        let x = m.requiringGrad()
        x.slice(axis: 1, 0..<4, step: 3).sum().backward()
        XCTAssertEqual(x.grad, T(rows: [[1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1]]))
    }

    func testPad() {
        GradTest.check([GradTest.normal([3, 5], seed: 9)]) { $0[0].padded([(1, 2), (0, 1)]) }
        GradTest.check([x234]) { $0[0].padded([(0, 0), (2, 0), (1, 1)], value: 3.5) }
        GradTest.check([GradTest.normal([1, 2, 3, 2], seed: 10)]) { $0[0].padded([(0, 0), (0, 0), (1, 1), (1, 1)]) }
        let p = T(rows: [[1, 2], [3, 4]]).padded([(1, 0), (0, 1)], value: -1)
        XCTAssertEqual(p, T(rows: [[-1, -1, -1], [1, 2, -1], [3, 4, -1]]))
    }

    /// Past the inputs a node keeps inline (two) and past the 64 flags kept as bits: every part
    /// of a concatenation of 70 still gets its own gradient, and a constant part none.
    func testConcatenateOfManyParts() {
        let parts = (0..<70).map { GradTest.normal([1, 2], seed: UInt64(100 + $0)) }
        GradTest.check(parts) { T.concatenate($0, axis: 0) }
        let leaves = parts.map { $0.requiringGrad() }
        let weights = T.arange(0, 140).reshaped([70, 2])
        var withConstant = leaves
        withConstant[66] = parts[66]   // not a leaf: the rule must not be asked for its gradient
        let loss = (T.concatenate(withConstant, axis: 0) * weights).sum()
        let grads = try? gradients(of: loss, wrt: leaves)
        XCTAssertEqual(grads?[3], weights[3..<4])
        XCTAssertEqual(grads?[65], weights[65..<66])
        XCTAssertEqual(grads?[66], T.zeros([1, 2]))
        XCTAssertEqual(grads?[69], weights[69..<70])
    }

    func testConcatenateAndStack() {
        let a = GradTest.normal([2, 3], seed: 11), b = GradTest.normal([1, 3], seed: 12), c = GradTest.normal([3, 3], seed: 13)
        GradTest.check([a, b, c]) { T.concatenate($0, axis: 0) }
        let d = GradTest.normal([2, 1, 4], seed: 14), e = GradTest.normal([2, 2, 4], seed: 15)
        GradTest.check([d, e]) { T.concatenate($0, axis: 1) }
        GradTest.check([x234, GradTest.normal([2, 3, 1], seed: 16)]) { T.concatenate($0, axis: -1) }
        // Transposed operands, and the same tensor twice.
        GradTest.check([GradTest.normal([3, 2], seed: 17), a]) { T.concatenate([$0[0].transposed(), $0[1]], axis: 1) }
        GradTest.check([a]) { T.concatenate([$0[0], $0[0] * $0[0]], axis: 0) }
        // A constant among the parts gets no gradient; the leaf's part still does.
        GradTest.check([a]) { T.concatenate([b, $0[0], c], axis: 0) }
        GradTest.check([a, a * 2]) { T.stack($0, axis: 0) }
        GradTest.check([a, a * 2, a + 1]) { T.stack($0, axis: 1) }
        GradTest.check([a, a * 2]) { T.stack($0, axis: -1) }
        let m = T.concatenate([T(rows: [[1, 2]]), T(rows: [[3, 4], [5, 6]])], axis: 0)
        XCTAssertEqual(m, T(rows: [[1, 2], [3, 4], [5, 6]]))
        XCTAssertEqual(T.concatenate([T(rows: [[1], [2]]), T(rows: [[3, 4], [5, 6]])], axis: 1),
                       T(rows: [[1, 3, 4], [2, 5, 6]]))
        XCTAssertEqual(T.stack([T([1, 2]), T([3, 4])], axis: 0), T(rows: [[1, 2], [3, 4]]))
        XCTAssertEqual(T.stack([T([1, 2]), T([3, 4])], axis: 1), T(rows: [[1, 3], [2, 4]]))
        XCTAssertEqual(T.stack([T([1, 2]), T([3, 4])], axis: -1), T(rows: [[1, 3], [2, 4]]))
    }

    func testGather() {
        let x = GradTest.normal([3, 5], seed: 18)
        // Repeated indices: the gradient of a cell picked twice is the sum of both upstreams.
        let idx1 = T(rows: [[0, 4, 4], [2, 2, 1], [3, 0, 0]])
        GradTest.check([x]) { $0[0].gather(axis: 1, indices: idx1) }
        let idx0 = T(rows: [[2, 0, 1, 1, 0], [0, 0, 2, 1, 2]])
        GradTest.check([x]) { $0[0].gather(axis: 0, indices: idx0) }
        let idx3 = T([1, 0, 2, 2, 1, 0], shape: [2, 3, 1])
        GradTest.check([x234]) { $0[0].gather(axis: 2, indices: idx3 * 1) }
        GradTest.check([x234]) { $0[0].gather(axis: -2, indices: T([2, 0, 1, 1], shape: [1, 1, 4])) }
        XCTAssertEqual(T(rows: [[1, 2, 3], [4, 5, 6]]).gather(axis: 1, indices: T(rows: [[2], [0]])),
                       T(rows: [[3], [4]]))
        let leaf = T(rows: [[1, 2, 3], [4, 5, 6]]).requiringGrad()
        leaf.gather(axis: 1, indices: T(rows: [[2, 2], [0, 1]])).backward(upstream: T(rows: [[1, 10], [100, 1000]]))
        XCTAssertEqual(leaf.grad, T(rows: [[0, 0, 11], [100, 1000, 0]]))
    }

    func testScatterAdding() {
        let base = GradTest.normal([3, 5], seed: 19), values = GradTest.normal([3, 2], seed: 20)
        let idx = T(rows: [[4, 4], [0, 1], [2, 0]])
        GradTest.check([base, values], names: ["base", "values"]) { $0[0].scatterAdding(axis: 1, indices: idx, values: $0[1]) }
        let v0 = GradTest.normal([2, 5], seed: 21)
        let idx0 = T(rows: [[2, 0, 1, 1, 0], [2, 2, 2, 1, 0]])
        GradTest.check([base, v0], names: ["base", "values"]) { $0[0].scatterAdding(axis: 0, indices: idx0, values: $0[1]) }
        let out = T.zeros([2, 3]).scatterAdding(axis: 1, indices: T(rows: [[1, 1], [2, 0]]), values: T(rows: [[1, 2], [3, 4]]))
        XCTAssertEqual(out, T(rows: [[0, 3, 0], [4, 0, 3]]))
    }

    func testSecondDerivatives() {
        let x = GradTest.normal([2, 3, 4], seed: 22), y = GradTest.normal([2, 3, 4], seed: 23)
        GradTest.checkSecond([x]) { $0[0].reshaped([4, 6]).squared() }
        GradTest.checkSecond([x]) { $0[0].permuted([2, 0, 1]) * $0[0].permuted([2, 0, 1]).tanh() }
        GradTest.checkSecond([x]) { $0[0].transposed().squared() }
        GradTest.checkSecond([GradTest.normal([3, 1], seed: 24)]) { $0[0].expanded(to: [3, 4]).squared() }
        GradTest.checkSecond([x]) { $0[0].sum(toShape: [3, 1]).squared() }
        GradTest.checkSecond([x]) { $0[0].slice(axis: 2, 1..<4, step: 2).squared() }
        GradTest.checkSecond([x]) { $0[0][1].squared() }
        GradTest.checkSecond([x]) { $0[0].padded([(0, 0), (1, 0), (1, 2)], value: 0.5).squared() }
        GradTest.checkSecond([x, y]) { T.concatenate([$0[0], $0[1]], axis: 1) * T.concatenate([$0[1], $0[0]], axis: 1) }
        GradTest.checkSecond([x, y]) { T.stack([$0[0], $0[1]], axis: 1).squared() }
        let idx = T([1, 0, 2, 2, 1, 0, 0, 0], shape: [2, 1, 4])
        GradTest.checkSecond([x]) { $0[0].gather(axis: 1, indices: idx).squared() }
        let v = GradTest.normal([2, 1, 4], seed: 25)
        GradTest.checkSecond([x, v]) { $0[0].scatterAdding(axis: 1, indices: idx, values: $0[1]).squared() }
    }
}

import XCTest
import Autograd

/// Tensor basics: construction, creation functions, seeded random numbers, broadcasting,
/// printing.
final class TensorTests: XCTestCase {
    typealias T = Tensor<Double>

    func testInitializersAndAccessors() {
        let m = T([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m.rank, 2)
        XCTAssertEqual(m.count, 6)
        XCTAssertEqual(m[index: 1, 2], 6)
        XCTAssertEqual(m.rows, [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(T(rows: [[1, 2, 3], [4, 5, 6]]), m)
        XCTAssertEqual(T([1, 2, 3]).shape, [3])
        let s = T(2.5)
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.rank, 0)
        XCTAssertEqual(s.scalar, 2.5)
        XCTAssertEqual(T([7], shape: [1, 1]).scalar, 7)
        XCTAssertEqual(T([], shape: [0, 3]).count, 0)
        XCTAssertNotEqual(m, T([1, 2, 3, 4, 5, 6], shape: [3, 2]), "equal elements, different shapes")
        XCTAssertFalse(m.requiresGrad)
        XCTAssertNil(m.name)
        XCTAssertEqual(m.requiringGrad(named: "m").name, "m")
    }

    func testAssignKeepsLeafIdentity() {
        var w = T([1, 2]).requiringGrad(named: "w")
        (w * w).sum().backward()
        w.assign(T([5, 6]))
        XCTAssertEqual(w, T([5, 6]))
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.grad, T([2, 4]), "the gradient slot is kept")
        (w * 1).sum().backward()
        XCTAssertEqual(w.grad, T([3, 5]))
    }

    func testCreationFunctions() {
        XCTAssertEqual(T.zeros([2, 3]), T([0, 0, 0, 0, 0, 0], shape: [2, 3]))
        XCTAssertEqual(T.ones([3]), T([1, 1, 1]))
        XCTAssertEqual(T.full([2, 2], 7), T(rows: [[7, 7], [7, 7]]))
        XCTAssertEqual(T.zeros(like: T.ones([2, 5])).shape, [2, 5])
        XCTAssertEqual(T.ones(like: T.zeros([4])), T([1, 1, 1, 1]))
        XCTAssertEqual(T.arange(0, 5), T([0, 1, 2, 3, 4]))
        XCTAssertEqual(T.arange(1, 2, step: 0.25), T([1, 1.25, 1.5, 1.75]))
        XCTAssertEqual(T.arange(5, 0, step: -2), T([5, 3, 1]))
        XCTAssertEqual(T.arange(3, 3).shape, [0])
        XCTAssertEqual(T.identity(3), T(rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
        XCTAssertEqual(T.full([], 4), T(4))
        XCTAssertEqual(Tensor<Float>.arange(0, 3).converted(to: Double.self), T([0, 1, 2]))
    }

    func testSeededRandomNumbersAreReproducible() {
        XCTAssertEqual(T.randomNormal([3, 4], seed: 7), T.randomNormal([3, 4], seed: 7))
        XCTAssertNotEqual(T.randomNormal([3, 4], seed: 7), T.randomNormal([3, 4], seed: 8))
        XCTAssertEqual(T.randomUniform([5], seed: 7), T.randomUniform([5], seed: 7))
        // Fixed values (xoshiro256** seeded by SplitMix64, Box–Muller), computed independently:
        // drift on another platform or after a change of generator is caught here.
        let n = T.randomNormal([3], seed: 42).scalars
        XCTAssertEqual(n[0], -1.6132237513849161, accuracy: 1e-15)
        XCTAssertEqual(n[1], 0.7816920450573489, accuracy: 1e-15)
        XCTAssertEqual(n[2], 0.015871293375984964, accuracy: 1e-15)
        XCTAssertEqual(T.randomUniform([3], seed: 42).scalars, [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual(g.next(), 0x99EC_5F36_CB75_F2B4)
        XCTAssertEqual(g.next(), 0xBF6E_1F78_4956_452A)
        // Drawing from one generator continues the sequence; a saved state resumes it.
        var a = SeededGenerator(seed: 42)
        let first = T.randomUniform([2], using: &a)
        let saved = a.state
        let second = T.randomUniform([2], using: &a)
        var resumed = SeededGenerator(state: saved)
        XCTAssertEqual(first.scalars + second.scalars, T.randomUniform([4], seed: 42).scalars)
        XCTAssertEqual(T.randomUniform([2], using: &resumed), second)
    }

    func testRandomDistributions() {
        let n = T.randomNormal([20_000], mean: 3, standardDeviation: 2, seed: 1)
        let mean = n.mean().scalar
        XCTAssertEqual(mean, 3, accuracy: 0.05)
        XCTAssertEqual(n.variance().scalar.squareRoot(), 2, accuracy: 0.05)
        let u = T.randomUniform([20_000], lower: -1, upper: 3, seed: 2)
        XCTAssertTrue(u.scalars.allSatisfy { $0 >= -1 && $0 < 3 })
        XCTAssertEqual(u.mean().scalar, 1, accuracy: 0.05)
        XCTAssertEqual(Tensor<Float>.randomNormal([4], seed: 42).scalars, T.randomNormal([4], seed: 42).scalars.map(Float.init))
    }

    func testBroadcastingResults() {
        let column = T([1, 2, 3], shape: [3, 1]), row = T([10, 20, 30, 40], shape: [1, 4])
        XCTAssertEqual(column + row, T(rows: [[11, 21, 31, 41], [12, 22, 32, 42], [13, 23, 33, 43]]))
        let cube = T.arange(0, 24).reshaped([2, 3, 4])
        let scaled = cube * T([1, 10, 100, 1000])
        XCTAssertEqual(scaled.shape, [2, 3, 4])
        XCTAssertEqual(scaled[index: 1, 2, 3], 23_000)
        XCTAssertEqual(scaled[index: 0, 1, 2], 600)
        XCTAssertEqual(T(2) * T([1, 2, 3]), T([2, 4, 6]))
        XCTAssertEqual((T([1, 2, 3]) - T(1)).shape, [3])
        XCTAssertEqual((T.zeros([2, 1, 3]) + T.zeros([4, 1])).shape, [2, 4, 3])
        XCTAssertEqual((T.zeros([1]) + T.zeros([5, 1])).shape, [5, 1])
        XCTAssertEqual((T(1) + T(2)).shape, [])
    }

    func testDescriptionIsNumPyLike() {
        XCTAssertEqual(T([1, 2, 3, 4], shape: [2, 2]).description, "[[1, 2],\n [3, 4]]")
        XCTAssertEqual(T([1, 2, 3]).description, "[1, 2, 3]")
        XCTAssertEqual(T(3).description, "3")
        XCTAssertEqual(T([0.5, -1.25]).description, "[  0.5, -1.25]")
        XCTAssertEqual(T([1, 100, -7, 8], shape: [2, 2]).description, "[[  1, 100],\n [ -7,   8]]")
        XCTAssertEqual(T.arange(0, 8).reshaped([2, 2, 2]).description, "[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]")
        XCTAssertEqual(T([.nan, .infinity, -.infinity, 1e-7]).description, "[  nan,   inf,  -inf, 1e-07]")
        XCTAssertEqual(T([], shape: [0, 3]).description, "[] (shape [0, 3])")
        XCTAssertEqual(T([1, 2]).requiringGrad().debugDescription, "Tensor<Double>(shape: [2], requiresGrad)\n[1, 2]")
        XCTAssertEqual(Tensor<Float>([1.5]).debugDescription, "Tensor<Float>(shape: [1])\n[1.5]")
    }

    func testLargeTensorsAreElided() {
        let v = T.arange(0, 2000)
        XCTAssertEqual(v.description, "[   0,    1,    2, ..., 1997, 1998, 1999]")
        let m = T.arange(0, 1200).reshaped([40, 30])
        let text = m.description
        XCTAssertTrue(text.hasPrefix("[[   0,    1,    2, ...,   27,   28,   29],\n [  30,"), text)
        XCTAssertTrue(text.contains("\n ...,\n"), text)
        XCTAssertTrue(text.hasSuffix("1197, 1198, 1199]]"), text)
        XCTAssertEqual(text.split(separator: "\n").count, 7, "three rows, the ellipsis, three rows")
        // At 1000 elements and below, everything is printed.
        XCTAssertFalse(T.arange(0, 1000).description.contains("..."))
    }

    func testFloatTensorsBackpropagateLikeDouble() {
        func loss<S: TensorScalar>(_ w: Tensor<S>, _ x: Tensor<S>) -> Tensor<S> { x.matmul(w).tanh().squared().mean() }
        let wd = T.randomNormal([3, 2], seed: 1).requiringGrad(), xd = T.randomNormal([4, 3], seed: 2)
        let wf = wd.converted(to: Float.self).requiringGrad(), xf = xd.converted(to: Float.self)
        loss(wd, xd).backward()
        loss(wf, xf).backward()
        let gd = wd.grad?.scalars ?? [], gf = wf.grad?.scalars ?? []
        XCTAssertEqual(gd.count, 6)
        XCTAssertEqual(gf.count, 6)
        for (d, f) in zip(gd, gf) { XCTAssertEqual(Double(f), d, accuracy: 1e-5) }
    }

    func testArgmaxFirstWinnerOnTies() {
        XCTAssertEqual(T([3, 7, 7, 1]).argmax(axis: 0), T(1))
        XCTAssertEqual(T([3, 1, 1, 3]).argmin(axis: 0), T(1))
        XCTAssertEqual(T(rows: [[2, 2], [5, 5]]).argmax(axis: 1), T([0, 0]))
    }
}

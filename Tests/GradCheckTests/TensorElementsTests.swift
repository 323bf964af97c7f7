import XCTest
@testable import Autograd

/// One-element values are held inline in the tensor (`TensorElements`), every other number in an
/// array: both must read, write and differentiate alike, to the bit.
final class TensorElementsTests: XCTestCase {
    func testScalarTensorsHoldTheirValueInline() {
        let x = Tensor<Double>(2.5)
        XCTAssertTrue(x.elements.isInline)
        XCTAssertEqual(x.count, 1)
        XCTAssertEqual(x.scalars, [2.5])
        XCTAssertEqual(x.scalar, 2.5)
        let y = x * Tensor(4)
        XCTAssertTrue(y.elements.isInline, "a one-element op result is made inline")
        XCTAssertEqual(y.scalar, 10)
        // An array of one element stays an array, and reads the same.
        let z = Tensor<Double>([2.5], shape: [])
        XCTAssertFalse(z.elements.isInline)
        XCTAssertEqual(z, x)
    }

    func testInlineBitsRoundTripEverySpecialValue() {
        let doubles: [Double] = [-0.0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .infinity,
                                 Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), Double(bitPattern: 0xFFF4_0000_0000_0001)]
        for value in doubles {
            XCTAssertEqual(Tensor<Double>(value).scalar.bitPattern, value.bitPattern)
            XCTAssertEqual(Tensor<Double>(value).scalars.map(\.bitPattern), [value.bitPattern])
        }
        let floats: [Float] = [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity,
                               Float(bitPattern: 0x7FC0_BEEF), Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFA0_0001)]
        for value in floats {
            XCTAssertEqual(Tensor<Float>(value).scalar.bitPattern, value.bitPattern)
            Tensor<Float>(value).withUnsafeScalars { XCTAssertEqual($0.map(\.bitPattern), [value.bitPattern]) }
        }
    }

    func testWritingInPlaceKeepsEachForm() {
        var inline = Tensor<Float>(1)
        inline.withUnsafeMutableScalars { $0[0] = 7 }
        XCTAssertEqual(inline.scalar, 7)
        XCTAssertTrue(inline.elements.isInline)

        var empty = Tensor<Float>([], shape: [0, 3])
        empty.withUnsafeMutableScalars { XCTAssertEqual($0.count, 0) }
        XCTAssertEqual(empty.count, 0, "an empty tensor must not turn into a one-element one")
        XCTAssertFalse(empty.elements.isInline)

        // A shared array is copied before it is written: the other tensor keeps its values.
        let shared = Tensor<Double>([1, 2, 3])
        var copy = shared
        copy.withUnsafeMutableScalars { $0[1] = 20 }
        XCTAssertEqual(shared.scalars, [1, 2, 3])
        XCTAssertEqual(copy.scalars, [1, 20, 3])

        var x = Tensor<Double>(3)
        x.assign(Tensor([5], shape: []))
        XCTAssertEqual(x.scalar, 5)
    }

    func testGradientsAreTheSameBitsInlineAndInArrays() {
        // The same chain of ops on 0-d tensors, every value inline, and on tensors of two equal
        // elements, every value in an array and through the vector kernels: each lane's values and
        // gradients are the scalar chain's, to the bit.
        func chain(count: Int) -> (value: [Double], gradients: [[Double]]) {
            func make(_ v: Double) -> Tensor<Double> { count == 0 ? Tensor(v) : Tensor([Double](repeating: v, count: count)) }
            let x = make(0.7).requiringGrad(), b = make(1.000_1).requiringGrad(), a = make(-0.3).requiringGrad()
            var y = x
            for _ in 0..<50 { y = (y * b + a).tanh() / (y * y + make(1)) - y.exp() * make(0.01) }
            XCTAssertEqual(y.elements.isInline, count == 0)
            y.sum().backward()
            return (y.scalars, [x, b, a].map { $0.grad!.scalars })
        }
        let inline = chain(count: 0), arrays = chain(count: 2)
        XCTAssertEqual(arrays.value.map(\.bitPattern), [Double](repeating: inline.value[0], count: 2).map(\.bitPattern))
        for (scalar, lanes) in zip(inline.gradients, arrays.gradients) {
            XCTAssertEqual(lanes.map(\.bitPattern), [scalar[0], scalar[0]].map(\.bitPattern))
        }
        XCTAssertTrue(inline.gradients.allSatisfy { $0[0].isFinite && $0[0] != 0 })
    }

    func testAFreedGraphKeepsNoLeafValueAndNoArray() {
        var x = Tensor<Double>(3).requiringGrad(named: "x")
        let w = Tensor<Double>([1, 2]).requiringGrad(named: "w")
        let y = (x * x + (w * Tensor(2)).sum()) * Tensor(5)
        y.backward()
        // A leaf's value is not kept by a freed graph, inline or not: updated afterwards, the
        // printout must not show the old one.
        withoutGradients { x -= Tensor(0.5) * x.grad! }
        let listing = y.tape.description
        let leafLine = listing.split(separator: "\n").first { $0.hasPrefix("x = leaf") }.map(String.init) ?? ""
        XCTAssertTrue(leafLine.hasSuffix("(freed)"), listing)
        XCTAssertFalse(leafLine.contains("3"), listing)
        // The freed nodes' array inputs hold no elements (not one inline zero); scalar constants,
        // inline, take no memory of their own and are kept.
        let product = y.node!
        XCTAssertTrue(product.isReleased)
        XCTAssertEqual(product.input(1).count, 1, "the constant 5 is kept inline")
        let scaled = Backpropagation.topologicalOrder(from: product).first { $0.op == "multiply" && $0.shape == [2] }!
        XCTAssertEqual(scaled.input(0).count, 0, "w's array is dropped")
        XCTAssertFalse(scaled.input(0).elements.isInline)
    }

    func testSecondDerivativeThroughInlineValues() throws {
        // d²/dx² of x³ + eˣ/x at 1.5 through createGraph: the rules' own ops run on inline values.
        let x = Tensor<Double>(1.5).requiringGrad()
        let y = x * x * x + x.exp() / x
        let dy = try gradients(of: y, wrt: [x], createGraph: true)[0]
        let d2y = try gradients(of: dy, wrt: [x])[0]
        let e = Foundation.exp(1.5)
        XCTAssertEqual(dy.scalar, 3 * 1.5 * 1.5 + e / 1.5 - e / (1.5 * 1.5), accuracy: 1e-12)
        XCTAssertEqual(d2y.scalar, 6 * 1.5 + e / 1.5 - 2 * e / (1.5 * 1.5) + 2 * e / (1.5 * 1.5 * 1.5), accuracy: 1e-12)
    }

    func testAFreedGraphStillRefusesASecondBackward() {
        let x = Tensor<Double>(2).requiringGrad()
        let y = x * Tensor(3) + Tensor(1)
        XCTAssertNoThrow(try y.tryBackward())
        XCTAssertThrowsError(try y.tryBackward()) { error in
            guard case AutogradError.graphReleased = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(x.grad?.scalar, 3)
    }
}

import XCTest
import Layers

/// Conv2D: forward values against a plain-loop reference, and gradcheck with respect to the
/// input, the filters and the bias over strides 1 and 2, paddings 0, 1 and 2, 1 and 3 input
/// channels, batch 2, a non-square 5×6 image, square and rectangular kernels.
final class LayerConv2DTests: XCTestCase {
    func testGradcheckStridesPaddingsChannels() {
        for inChannels in [1, 3] {
            for stride in [1, 2] {
                for padding in [0, 1, 2] {
                    let seed = UInt64(inChannels * 100 + stride * 10 + padding)
                    let x = Tensor<Double>.randomNormal([2, inChannels, 5, 6], seed: seed)
                    let w = Tensor<Double>.randomNormal([2, inChannels, 3, 3], seed: seed + 1)
                    let b = Tensor<Double>.randomNormal([2], seed: seed + 2)
                    let config = "in \(inChannels), stride \(stride), padding \(padding)"
                    assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "Conv2D \(config)") { v in
                        Conv2D(weight: v[1], bias: v[2], stride: (stride, stride), padding: (padding, padding))(v[0])
                    }
                }
            }
        }
    }

    func testGradcheckRectangularKernelStrideAndPadding() {
        let x = Tensor<Double>.randomNormal([2, 3, 5, 6], seed: 21)
        let w = Tensor<Double>.randomNormal([2, 3, 2, 3], seed: 22)
        let b = Tensor<Double>.randomNormal([2], seed: 23)
        assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "Conv2D 2×3 kernel, stride (2, 1), padding (1, 0)") { v in
            Conv2D(weight: v[1], bias: v[2], stride: (2, 1), padding: (1, 0))(v[0])
        }
        assertGradcheck([x, w], names: ["x", "weight"], "Conv2D 2×3 kernel, no bias, padding (0, 2)") { v in
            Conv2D(weight: v[1], padding: (0, 2))(v[0])
        }
    }

    func testGradcheckGroups() {
        let x = Tensor<Double>.randomNormal([2, 4, 4, 5], seed: 31)
        let w = Tensor<Double>.randomNormal([2, 2, 3, 3], seed: 32)
        assertGradcheck([x, w], names: ["x", "weight"], "Conv2D with 2 groups") { v in
            Conv2D(weight: v[1], padding: (1, 1), groups: 2)(v[0])
        }
    }

    func testForwardMatchesReference() {
        let configs: [(inC: Int, k: Size2D, s: Size2D, p: Size2D, groups: Int)] = [
            (1, (3, 3), (1, 1), (0, 0), 1), (3, (3, 3), (2, 2), (1, 1), 1), (3, (2, 3), (1, 2), (2, 1), 1),
            (1, (1, 1), (1, 1), (0, 0), 1), (4, (3, 3), (1, 1), (1, 1), 2),
        ]
        for (i, c) in configs.enumerated() {
            let x = Tensor<Double>.randomNormal([2, c.inC, 5, 6], seed: UInt64(40 + i))
            let w = Tensor<Double>.randomNormal([4, c.inC / c.groups, c.k.height, c.k.width], seed: UInt64(50 + i))
            let b = Tensor<Double>.randomNormal([4], seed: UInt64(60 + i))
            let y = Conv2D(weight: w, bias: b, stride: c.s, padding: c.p, groups: c.groups)(x)
            let expected = referenceConv2D(x, w, bias: b, stride: c.s, padding: c.p, groups: c.groups)
            XCTAssertEqual(y.shape, expected.shape, "config \(i)")
            assertClose(y.scalars, expected.scalars, tolerance: 1e-12, "config \(i)")
        }
    }

    func testInitializersShapesAndNames() {
        let conv = Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: (3, 5), stride: (2, 1), padding: (1, 2), seed: 3)
        XCTAssertEqual(conv.weight.shape, [8, 3, 3, 5])
        XCTAssertEqual(conv.bias?.shape, [8])
        XCTAssertEqual(conv.inChannels, 3)
        XCTAssertEqual(conv.outChannels, 8)
        XCTAssertEqual(conv.kernel.height, 3)
        XCTAssertEqual(conv.kernel.width, 5)
        XCTAssertEqual(conv.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv(Tensor.zeros([2, 3, 7, 9])).shape, [2, 8, 4, 9])
        let square = Conv2D<Float>(inChannels: 1, outChannels: 2, kernel: 3, stride: 2, padding: 1, useBias: false, seed: 1)
        XCTAssertEqual(square.weight.shape, [2, 1, 3, 3])
        XCTAssertNil(square.bias)
        XCTAssertEqual(square.stride.height, 2)
        XCTAssertEqual(square.padding.width, 1)
        XCTAssertEqual(square(Tensor.zeros([1, 1, 5, 5])).shape, [1, 2, 3, 3])
        // Xavier uniform default: bound √(6 / (fanIn + fanOut)) with fanIn 3·15, fanOut 8·15.
        let bound = Float((6.0 / Double(45 + 120)).squareRoot())
        XCTAssertTrue(conv.weight.value.scalars.allSatisfy { Swift.abs($0) <= bound })
        XCTAssertGreaterThan(conv.weight.value.scalars.map { Swift.abs($0) }.max() ?? 0, bound * 0.8)
        let he = Conv2D<Double>(inChannels: 2, outChannels: 4, kernel: 3, weightInitializer: .heUniform(), seed: 8)
        XCTAssertTrue(he.weight.value.scalars.allSatisfy { Swift.abs($0) <= (6.0 / 18).squareRoot() })
    }

    func testHoldsAGivenFilterBank() {
        let bank = Tensor<Double>.randomNormal([3, 1, 3, 3], seed: 70)
        let conv = Conv2D(weight: bank, padding: (1, 1))
        XCTAssertEqual(conv.weight.value, bank)
        XCTAssertEqual(conv.outChannels, 3)
        XCTAssertEqual(conv(Tensor.ones([1, 1, 4, 4])).shape, [1, 3, 4, 4])
    }
}

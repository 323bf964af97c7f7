import XCTest
import Layers

/// MaxPool2D and AvgPool2D: forward values against a plain-loop reference, gradient routing,
/// and gradcheck with respect to the input (2×2/stride 2, overlapping 3×3/stride 2 with padding).
final class LayerPoolingTests: XCTestCase {
    let x = Tensor<Double>.randomNormal([2, 2, 5, 6], seed: 5)

    func testMaxPoolGradcheck() {
        assertGradcheck([x], names: ["x"], "MaxPool2D 2×2 stride 2") { MaxPool2D(kernel: 2)($0[0]) }
        assertGradcheck([x], names: ["x"], "MaxPool2D 3×3 stride 2 padding 1 (overlapping)") {
            MaxPool2D(kernel: 3, stride: 2, padding: 1)($0[0])
        }
        assertGradcheck([x], names: ["x"], "MaxPool2D 2×3 stride (1, 2) padding (1, 1)") {
            MaxPool2D(kernel: (2, 3), stride: (1, 2), padding: (1, 1))($0[0])
        }
    }

    func testAvgPoolGradcheck() {
        assertGradcheck([x], names: ["x"], "AvgPool2D 2×2 stride 2") { AvgPool2D(kernel: 2)($0[0]) }
        assertGradcheck([x], names: ["x"], "AvgPool2D 3×3 stride 2 padding 1 (overlapping)") {
            AvgPool2D(kernel: 3, stride: 2, padding: 1)($0[0])
        }
    }

    func testForwardMatchesReference() {
        let configs: [(k: Size2D, s: Size2D, p: Size2D)] = [
            ((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((2, 3), (1, 2), (1, 1)), ((3, 3), (1, 1), (0, 0)),
        ]
        for c in configs {
            let maxed = MaxPool2D(kernel: c.k, stride: c.s, padding: c.p)(x)
            let averaged = AvgPool2D(kernel: c.k, stride: c.s, padding: c.p)(x)
            let refMax = referencePool(x, kernel: c.k, stride: c.s, padding: c.p, max: true)
            let refAvg = referencePool(x, kernel: c.k, stride: c.s, padding: c.p, max: false)
            XCTAssertEqual(maxed.shape, refMax.shape)
            assertClose(maxed.scalars, refMax.scalars, tolerance: 0, "max \(c)")
            assertClose(averaged.scalars, refAvg.scalars, tolerance: 1e-12, "avg \(c)")
        }
    }

    func testMaxPoolGradientGoesToWinnersAndSumsOnOverlap() throws {
        // One 3×3 plane; 2×2 windows with stride 1 overlap; the centre (9) wins all four.
        let image = Tensor<Double>([1, 2, 3, 4, 9, 5, 6, 7, 8], shape: [1, 1, 3, 3]).requiringGrad()
        let pooled = MaxPool2D(kernel: 2, stride: 1)(image)
        XCTAssertEqual(pooled.scalars, [9, 9, 9, 9])
        let g = try gradients(of: pooled.sum(), wrt: [image])[0]
        XCTAssertEqual(g.scalars, [0, 0, 0, 0, 4, 0, 0, 0, 0])
        // Non-overlapping: one winner per window.
        let y = MaxPool2D(kernel: 2)(Tensor<Double>([1, 5, 2, 0, 3, 4, 7, 8, 0, 0, 1, 0, 0, 6, 0, 0], shape: [1, 1, 4, 4])
            .requiringGrad())
        XCTAssertEqual(y.scalars, [5, 8, 6, 1])
    }

    func testAvgPoolGradientSpreadsEvenly() throws {
        let image = Tensor<Double>.ones([1, 1, 4, 4]).requiringGrad()
        let g = try gradients(of: AvgPool2D(kernel: 2)(image).sum(), wrt: [image])[0]
        XCTAssertEqual(g.scalars, [Double](repeating: 0.25, count: 16))
        // Padding counts as zeros: a corner window of a 3×3 pool with padding 1 covers 4 real cells.
        let padded = AvgPool2D(kernel: 3, stride: 2, padding: 1)(Tensor<Double>.ones([1, 1, 4, 4]))
        XCTAssertEqual(padded.scalars[0], 4.0 / 9, accuracy: 1e-15)
    }

    func testFlattenKeepsBatchAxis() throws {
        let t = Tensor<Double>.randomNormal([2, 3, 2, 2], seed: 8)
        let f = Flatten<Double>()(t)
        XCTAssertEqual(f.shape, [2, 12])
        XCTAssertEqual(f.scalars, t.scalars)
        XCTAssertEqual(Flatten<Double>(startAxis: 2)(t).shape, [2, 3, 4])
        assertGradcheck([t], names: ["x"], "Flatten") { Flatten()($0[0]) * Tensor.arange(0, 12) }
    }
}

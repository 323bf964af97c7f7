import XCTest
import Autograd

/// maxPool2D and avgPool2D: values against direct loops, gradients over strides, paddings,
/// overlapping windows, batches and channels, the first-winner rule for ties, and padding
/// that never wins a max.
final class PoolingGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// The pooling geometries every test runs: (kernel, stride, padding).
    static let geometries: [(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))] = [
        ((2, 2), (2, 2), (0, 0)),   // the classic, non-overlapping
        ((2, 2), (1, 1), (0, 0)),   // overlapping, stride 1
        ((3, 3), (2, 2), (1, 1)),   // overlapping 3×3 stride 2 with padding
        ((3, 3), (1, 1), (1, 1)),   // "same" pooling
        ((2, 3), (1, 2), (1, 1)),   // non-square kernel, mixed strides
        ((2, 2), (3, 3), (0, 0)),   // stride larger than the kernel: cells no window reads
    ]

    /// Direct pooling: padding cells read −∞ for max and count as 0 in the average.
    func naivePool(_ x: T, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), max: Bool) -> T {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1, ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
        var out = [Double]()
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<oh {
                    for xx in 0..<ow {
                        var acc = max ? -Double.infinity : 0
                        for ky in 0..<kernel.0 {
                            for kx in 0..<kernel.1 {
                                let iy = y * stride.0 - padding.0 + ky, ix = xx * stride.1 - padding.1 + kx
                                guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                                let v = x[index: b, ch, iy, ix]
                                acc = max ? Swift.max(acc, v) : acc + v
                            }
                        }
                        out.append(max ? acc : acc / Double(kernel.0 * kernel.1))
                    }
                }
            }
        }
        return T(out, shape: [n, c, oh, ow])
    }

    func testValuesAgainstDirectLoops() {
        let x = GradTest.normal([2, 3, 5, 6], seed: 1)
        for g in Self.geometries {
            let label = "kernel \(g.kernel) stride \(g.stride) padding \(g.padding)"
            GradTest.assertClose(x.maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding),
                                 naivePool(x, kernel: g.kernel, stride: g.stride, padding: g.padding, max: true), label)
            GradTest.assertClose(x.avgPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding),
                                 naivePool(x, kernel: g.kernel, stride: g.stride, padding: g.padding, max: false),
                                 accuracy: 1e-14, label)
        }
        // The stride defaults to the kernel.
        XCTAssertEqual(x.maxPool2D(kernel: (2, 2)), x.maxPool2D(kernel: (2, 2), stride: (2, 2)))
        XCTAssertEqual(x.avgPool2D(kernel: (2, 3)).shape, [2, 3, 2, 2])
        let m = T([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 2, 1, 0, 3, 4, 5], shape: [1, 1, 4, 4])
        XCTAssertEqual(m.maxPool2D(kernel: (2, 2)), T([5, 9, 7, 5], shape: [1, 1, 2, 2]))
        XCTAssertEqual(m.avgPool2D(kernel: (2, 2)), T([3.25, 4.75, 4, 3], shape: [1, 1, 2, 2]))
    }

    func testMaxPoolGradients() {
        // Distinct values 0.1 apart: no ties, no window changes winner within ±eps.
        let x = GradTest.distinct([2, 3, 5, 6], seed: 2)
        for g in Self.geometries {
            GradTest.check([x], names: ["x"]) { $0[0].maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding) }
        }
        // A permuted (NHWC → NCHW) input.
        GradTest.check([GradTest.distinct([2, 5, 4, 3], seed: 3)], names: ["x"]) {
            $0[0].permuted([0, 3, 1, 2]).maxPool2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        }
    }

    func testAvgPoolGradients() {
        let x = GradTest.normal([2, 3, 5, 6], seed: 4)
        for g in Self.geometries {
            GradTest.check([x], names: ["x"]) { $0[0].avgPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding) }
        }
        GradTest.check([GradTest.normal([2, 5, 4, 3], seed: 5)], names: ["x"]) {
            $0[0].permuted([0, 3, 1, 2]).avgPool2D(kernel: (2, 2), stride: (1, 1))
        }
    }

    func testMaxPoolTieSendsGradientToFirstWinnerInWindow() {
        // Every 2×2 window has a tie; the first cell in row-major order within the window wins.
        let x = T([5, 5, 1, 2,
                   5, 0, 2, 2,
                   3, 1, 4, 0,
                   0, 3, 4, 4], shape: [1, 1, 4, 4]).requiringGrad(named: "x")
        let pooled = x.maxPool2D(kernel: (2, 2))
        XCTAssertEqual(pooled, T([5, 2, 3, 4], shape: [1, 1, 2, 2]))
        pooled.backward(upstream: T([1, 10, 100, 1000], shape: [1, 1, 2, 2]))
        XCTAssertEqual(x.grad, T([1, 0, 0, 10,
                                  0, 0, 0, 0,
                                  100, 0, 1000, 0,
                                  0, 0, 0, 0], shape: [1, 1, 4, 4]))
        // A constant image: exactly one cell per window gets the gradient.
        let flat = T.full([2, 2, 4, 6], 1).requiringGrad()
        flat.maxPool2D(kernel: (2, 3)).sum().backward()
        XCTAssertEqual(flat.grad?.scalars.reduce(0, +), 2 * 2 * 2 * 2)
        XCTAssertEqual(flat.grad?.scalars.filter { $0 != 0 }.count, 16)
        XCTAssertEqual(flat.grad?[0][0], T(rows: [[1, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0]]))
    }

    /// Float 2×2 stride-2 pooling runs a vector kernel where the CPU has AVX-512; Double runs the
    /// scalar loop. Both give the same maxima and send the gradient to the same cells — ties (small
    /// whole numbers) and NaN included — for rows of 1 to 20 windows (short of, at and past the
    /// kernel's 16 lanes), with and without padding.
    func testFloatMaxPoolMatchesTheScalarLoop() {
        for width in [2, 3, 5, 28, 31, 33, 34, 40] {
            for padding in [(0, 0), (1, 1)] {
                var rng = SeededGenerator(seed: UInt64(width))
                var values = (0..<(2 * 3 * 4 * width)).map { _ in Double(rng.next() % 5) }
                values[7] = .nan
                values[width + 2] = .nan
                let xd = T(values, shape: [2, 3, 4, width]).requiringGrad()
                let xf = Tensor<Float>(values.map { Float($0) }, shape: [2, 3, 4, width]).requiringGrad()
                let yd = xd.maxPool2D(kernel: (2, 2), padding: padding)
                let yf = xf.maxPool2D(kernel: (2, 2), padding: padding)
                let context = "width \(width), padding \(padding)"
                XCTAssertEqual(yd.scalars.map { $0.isNaN ? -1 : $0 }, yf.scalars.map { $0.isNaN ? -1 : Double($0) }, context)
                let upstream = T.arange(1, Double(yd.count + 1)).reshaped(yd.shape)
                yd.backward(upstream: upstream)
                yf.backward(upstream: upstream.converted(to: Float.self))
                XCTAssertEqual(xd.grad?.scalars, xf.grad?.scalars.map { Double($0) }, context)
            }
        }
    }

    func testMaxPoolPaddingNeverWins() {
        // All-negative input: zero padding would win if padding read 0 instead of −∞.
        let x = (GradTest.distinct([1, 2, 3, 4], seed: 6) - 10).requiringGrad()
        let pooled = x.maxPool2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        XCTAssertTrue(pooled.scalars.allSatisfy { $0 < -5 }, "\(pooled)")
        pooled.sum().backward()
        XCTAssertEqual(x.grad?.scalars.reduce(0, +), Double(pooled.count), "every window's gradient reaches a real cell")
    }

    func testAvgPoolCountsPaddingAsZero() {
        let x = T.ones([1, 1, 2, 2]).requiringGrad()
        let pooled = x.avgPool2D(kernel: (2, 2), stride: (1, 1), padding: (1, 1))
        XCTAssertEqual(pooled, T([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], shape: [1, 1, 3, 3]))
        pooled.sum().backward()
        XCTAssertEqual(x.grad, T.ones([1, 1, 2, 2]))
    }

    func testSecondDerivatives() {
        let x = GradTest.normal([1, 2, 4, 5], seed: 7)
        GradTest.checkSecond([x]) { $0[0].avgPool2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1)).squared() }
        GradTest.checkSecond([x]) { $0[0].avgPool2D(kernel: (2, 2)) }
        let d = GradTest.distinct([1, 2, 4, 5], seed: 8)
        // maxPool is locally linear away from ties: the second derivative of maxPool alone is 0.
        GradTest.checkSecond([d]) { $0[0].maxPool2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        GradTest.checkSecond([d]) { $0[0].maxPool2D(kernel: (2, 2), stride: (1, 1)).squared() }
    }
}

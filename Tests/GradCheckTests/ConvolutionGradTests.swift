import XCTest
import Autograd

/// conv2d, convTranspose2d and their primitives unfolded (im2col) / folded (col2im): values
/// against direct loops, gradients by finite differences over strides, paddings, channels,
/// batches, non-square images and groups, adjoint identities, and second derivatives.
final class ConvolutionGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// Direct cross-correlation: out[n, o, y, x] = bias[o] + Σ_{c ∈ group(o), ky, kx}
    /// in[n, c, y·sy − py + ky, x·sx − px + kx] · w[o, c − first channel of the group, ky, kx].
    func naiveConv(_ x: T, _ w: T, bias: T? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                   groups: Int = 1) -> T {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cpg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding.0 - kh) / stride.0 + 1, ow = (wd + 2 * padding.1 - kw) / stride.1 + 1
        let opg = o / groups
        XCTAssertEqual(cpg * groups, c)
        var out = [Double]()
        for b in 0..<n {
            for oc in 0..<o {
                let group = oc / opg
                for y in 0..<oh {
                    for xx in 0..<ow {
                        var s = bias?.scalars[oc] ?? 0
                        for ci in 0..<cpg {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = y * stride.0 - padding.0 + ky, ix = xx * stride.1 - padding.1 + kx
                                    guard iy >= 0 && iy < h && ix >= 0 && ix < wd else { continue }
                                    s += x[index: b, group * cpg + ci, iy, ix] * w[index: oc, ci, ky, kx]
                                }
                            }
                        }
                        out.append(s)
                    }
                }
            }
        }
        return T(out, shape: [n, o, oh, ow])
    }

    /// Σ a·b over all elements.
    func dot(_ a: T, _ b: T) -> Double { zip(a.scalars, b.scalars).map(*).reduce(0, +) }

    // MARK: conv2d

    func testConv2dValuesAgainstDirectLoops() {
        let x = GradTest.normal([2, 3, 5, 6], seed: 1), w = GradTest.normal([4, 3, 3, 3], seed: 2)
        let b = GradTest.normal([4], seed: 3)
        for (stride, padding) in [((1, 1), (0, 0)), ((1, 1), (1, 1)), ((2, 2), (0, 0)), ((2, 2), (1, 1)), ((2, 1), (0, 1))] {
            GradTest.assertClose(x.conv2d(w, bias: b, stride: stride, padding: padding),
                                 naiveConv(x, w, bias: b, stride: stride, padding: padding), accuracy: 1e-12,
                                 "stride \(stride) padding \(padding)")
        }
        let wg = GradTest.normal([4, 1, 2, 3], seed: 4)
        let xg = GradTest.normal([1, 2, 4, 5], seed: 5)
        GradTest.assertClose(xg.conv2d(wg, groups: 2), naiveConv(xg, wg, groups: 2))
        // A hand example: a 2×2 box filter over a 3×3 ramp.
        let ramp = T.arange(1, 10).reshaped([1, 1, 3, 3])
        XCTAssertEqual(ramp.conv2d(T.ones([1, 1, 2, 2])), T([12, 16, 24, 28], shape: [1, 1, 2, 2]))
    }

    func testConv2dStride1Padding1WithBias() {
        let x = GradTest.normal([2, 3, 5, 4], seed: 6), w = GradTest.normal([4, 3, 3, 3], seed: 7)
        GradTest.check([x, w, GradTest.normal([4], seed: 8)], names: ["x", "w", "b"]) {
            $0[0].conv2d($0[1], bias: $0[2], stride: (1, 1), padding: (1, 1))
        }
    }

    func testConv2dStride1Padding0() {
        GradTest.check([GradTest.normal([2, 2, 4, 5], seed: 9), GradTest.normal([3, 2, 3, 2], seed: 10)], names: ["x", "w"]) {
            $0[0].conv2d($0[1])
        }
    }

    func testConv2dStride2Padding0And1() {
        let x = GradTest.normal([2, 3, 5, 6], seed: 11), w = GradTest.normal([2, 3, 3, 3], seed: 12)
        GradTest.check([x, w], names: ["x", "w"]) { $0[0].conv2d($0[1], stride: (2, 2)) }
        GradTest.check([x, w, GradTest.normal([2], seed: 13)], names: ["x", "w", "b"]) {
            $0[0].conv2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        }
        // Different strides and paddings per axis.
        GradTest.check([x, GradTest.normal([2, 3, 2, 3], seed: 14)], names: ["x", "w"]) {
            $0[0].conv2d($0[1], stride: (2, 1), padding: (0, 1))
        }
    }

    func testConv2dGroups() {
        let x = GradTest.normal([2, 4, 4, 5], seed: 15), w = GradTest.normal([6, 2, 3, 3], seed: 16)
        GradTest.check([x, w, GradTest.normal([6], seed: 17)], names: ["x", "w", "b"]) {
            $0[0].conv2d($0[1], bias: $0[2], padding: (1, 1), groups: 2)
        }
        GradTest.check([x, GradTest.normal([2, 2, 2, 2], seed: 18)], names: ["x", "w"]) {
            $0[0].conv2d($0[1], stride: (2, 2), groups: 2)
        }
    }

    func testConv2dWithPermutedInput() {
        // An NHWC tensor permuted to NCHW (the non-contiguous case), and transposed filters.
        let nhwc = GradTest.normal([2, 4, 5, 3], seed: 19), w = GradTest.normal([2, 3, 3, 3], seed: 20)
        GradTest.check([nhwc, w], names: ["x", "w"]) {
            $0[0].permuted([0, 3, 1, 2]).conv2d($0[1].transposed(), padding: (1, 1))
        }
    }

    func testConv2dSecondDerivatives() {
        let x = GradTest.normal([1, 2, 4, 4], seed: 21), w = GradTest.normal([2, 2, 3, 3], seed: 22)
        GradTest.checkSecond([x, w, GradTest.normal([2], seed: 23)], names: ["x", "w", "b"]) {
            $0[0].conv2d($0[1], bias: $0[2], padding: (1, 1))
        }
        GradTest.checkSecond([x, w], names: ["x", "w"]) { $0[0].conv2d($0[1], stride: (2, 2), padding: (1, 1)).tanh() }
        GradTest.checkSecond([GradTest.normal([1, 2, 3, 4], seed: 24), GradTest.normal([2, 1, 2, 2], seed: 25)],
                             names: ["x", "w"]) { $0[0].conv2d($0[1], groups: 2).squared() }
    }

    // MARK: convTranspose2d

    func testConvTranspose2dIsTheInputGradientOfConv2d() throws {
        // convTranspose2d(y, W) = ∂⟨conv2d(x, W), y⟩/∂x, for several geometries and groups.
        let cases: [(x: [Int], w: [Int], stride: (Int, Int), padding: (Int, Int), groups: Int)] = [
            ([2, 3, 5, 5], [4, 3, 3, 3], (1, 1), (0, 0), 1),
            ([1, 2, 5, 6], [3, 2, 3, 3], (2, 2), (1, 1), 1),
            ([1, 4, 6, 5], [2, 2, 2, 3], (2, 1), (0, 1), 2),
        ]
        for (n, c) in cases.enumerated() {
            let x = GradTest.normal(c.x, seed: UInt64(30 + n)).requiringGrad(named: "x")
            let w = GradTest.normal(c.w, seed: UInt64(40 + n))
            let out = x.conv2d(w, stride: c.stride, padding: c.padding, groups: c.groups)
            let y = GradTest.normal(out.shape, seed: UInt64(50 + n))
            let dx = try gradients(of: out, wrt: [x], upstream: y)[0]
            // The output padding that brings the transposed output back to x's size.
            let opH = (c.x[2] + 2 * c.padding.0 - c.w[2]) % c.stride.0
            let opW = (c.x[3] + 2 * c.padding.1 - c.w[3]) % c.stride.1
            let t = y.convTranspose2d(w, stride: c.stride, padding: c.padding, outputPadding: (opH, opW), groups: c.groups)
            GradTest.assertClose(t, dx, accuracy: 1e-12, "case \(n)")
            // And the adjoint identity ⟨conv(x), y⟩ = ⟨x, convT(y)⟩.
            XCTAssertEqual(dot(out, y), dot(x, t), accuracy: 1e-9)
        }
    }

    func testConvTranspose2dGradients() {
        let y = GradTest.normal([2, 3, 3, 4], seed: 60), w = GradTest.normal([3, 2, 3, 3], seed: 61)
        GradTest.check([y, w, GradTest.normal([2], seed: 62)], names: ["y", "w", "b"]) {
            $0[0].convTranspose2d($0[1], bias: $0[2])
        }
        GradTest.check([y, w], names: ["y", "w"]) {
            $0[0].convTranspose2d($0[1], stride: (2, 2), padding: (1, 1), outputPadding: (1, 0))
        }
        // Groups: 4 input channels in 2 groups, 2 output channels per group.
        GradTest.check([GradTest.normal([1, 4, 3, 3], seed: 63), GradTest.normal([4, 2, 2, 2], seed: 64),
                        GradTest.normal([4], seed: 65)], names: ["y", "w", "b"]) {
            $0[0].convTranspose2d($0[1], bias: $0[2], stride: (2, 2), groups: 2)
        }
    }

    func testConvTranspose2dValuesAndShape() {
        // A single 1 in the middle of a 3×3 input paints the kernel at stride 2.
        let y = T([0, 0, 0, 0, 1, 0, 0, 0, 0], shape: [1, 1, 3, 3])
        let k = T([1, 2, 3, 4], shape: [1, 1, 2, 2])
        let out = y.convTranspose2d(k, stride: (2, 2))
        XCTAssertEqual(out.shape, [1, 1, 6, 6])
        var expected = [Double](repeating: 0, count: 36)
        expected[2 * 6 + 2] = 1
        expected[2 * 6 + 3] = 2
        expected[3 * 6 + 2] = 3
        expected[3 * 6 + 3] = 4
        XCTAssertEqual(out, T(expected, shape: [1, 1, 6, 6]))
        XCTAssertEqual(y.convTranspose2d(k, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)).shape, [1, 1, 5, 5])
    }

    func testConvTranspose2dSecondDerivatives() {
        GradTest.checkSecond([GradTest.normal([1, 2, 2, 3], seed: 66), GradTest.normal([2, 2, 2, 2], seed: 67)],
                             names: ["y", "w"]) { $0[0].convTranspose2d($0[1], stride: (2, 2)).squared() }
    }

    // MARK: unfolded / folded

    func testUnfoldValues() {
        let x = T.arange(1, 10).reshaped([1, 1, 3, 3])
        let cols = x.unfolded(kernel: (2, 2))
        XCTAssertEqual(cols.shape, [1, 4, 4])
        // Row r = kernel offset (ky, kx), column = window (y, x).
        XCTAssertEqual(cols[0], T(rows: [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]))
        let padded = x.unfolded(kernel: (3, 3), stride: (2, 2), padding: (1, 1), padValue: -7)
        XCTAssertEqual(padded.shape, [1, 9, 4])
        XCTAssertEqual(padded[0].transposed()[0], T([-7, -7, -7, -7, 1, 2, -7, 4, 5]), "first window, top-left corner")
        // Folding the unfolded windows counts how many windows cover each cell.
        let counts = T.ones([1, 1, 3, 3]).unfolded(kernel: (2, 2)).folded(imageSize: (3, 3), kernel: (2, 2))
        XCTAssertEqual(counts, T([1, 2, 1, 2, 4, 2, 1, 2, 1], shape: [1, 1, 3, 3]))
    }

    func testUnfoldFoldGradientsAndAdjointness() {
        let x = GradTest.normal([1, 2, 4, 5], seed: 70)
        GradTest.check([x]) { $0[0].unfolded(kernel: (3, 2), stride: (1, 2), padding: (1, 0)) }
        GradTest.check([x]) { $0[0].unfolded(kernel: (3, 3), stride: (2, 2), padding: (1, 1), padValue: 2) }
        let cols = x.unfolded(kernel: (3, 3), stride: (2, 1), padding: (1, 1))
        let c = GradTest.normal(cols.shape, seed: 71)
        GradTest.check([c]) { $0[0].folded(imageSize: (4, 5), kernel: (3, 3), stride: (2, 1), padding: (1, 1)) }
        // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩.
        XCTAssertEqual(dot(cols, c), dot(x, c.folded(imageSize: (4, 5), kernel: (3, 3), stride: (2, 1), padding: (1, 1))),
                       accuracy: 1e-10)
        GradTest.checkSecond([x]) { $0[0].unfolded(kernel: (2, 2), stride: (2, 2), padding: (1, 1)).squared() }
        GradTest.checkSecond([c]) { $0[0].folded(imageSize: (4, 5), kernel: (3, 3), stride: (2, 1), padding: (1, 1)).squared() }
    }
}

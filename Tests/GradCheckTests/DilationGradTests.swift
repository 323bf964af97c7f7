import XCTest
import Autograd
import Layers

/// Dilation in convolution and pooling (2-D and 1-D): values against direct loops, PyTorch's
/// output sizes, gradients and second derivatives by finite differences with dilation 2 and 3,
/// padding, stride, groups and batches; a WaveNet-style stack of dilated causal convolutions;
/// the argument checks' messages.
final class DilationGradTests: XCTestCase {
    typealias T = Tensor<Double>
    typealias Pair = (Int, Int)

    /// The geometries the 2-D tests run: (kernel, stride, padding, dilation).
    static let geometries: [(kernel: Pair, stride: Pair, padding: Pair, dilation: Pair)] = [
        ((3, 3), (1, 1), (2, 2), (2, 2)),   // "same" size with dilation 2
        ((3, 3), (2, 2), (1, 1), (2, 2)),   // dilation with stride and padding
        ((2, 3), (1, 2), (1, 1), (3, 3)),   // dilation 3, non-square kernel, mixed strides
        ((3, 2), (2, 1), (1, 0), (2, 3)),   // a different dilation per axis
        ((2, 2), (2, 2), (0, 0), (2, 2)),   // 2×2 stride 2 (the vector max-pool shape) dilated
    ]

    /// Pooling allows padding up to half the kernel (PyTorch's rule): the same list with the
    /// first geometry's padding 2 replaced by 1.
    static let poolGeometries = [((3, 3), (1, 1), (1, 1), (2, 2))] + geometries.dropFirst()

    /// Cross-correlation by its definition: out[n, o, y, x] = b[o] + Σ w[o, c, ky, kx]·in[n, g·cpg + c, y·s − p + ky·d, x·s − p + kx·d].
    func naiveConv(_ x: T, _ w: T, bias: T? = nil, stride: Pair, padding: Pair, dilation: Pair, groups: Int = 1) -> T {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cpg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        XCTAssertEqual(c, cpg * groups)
        var out = [Double]()
        for b in 0..<n {
            for f in 0..<o {
                let group = f / (o / groups)
                for y in 0..<oh {
                    for xx in 0..<ow {
                        var acc = bias?.scalars[f] ?? 0
                        for ci in 0..<cpg {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = y * stride.0 - padding.0 + ky * dilation.0
                                    let ix = xx * stride.1 - padding.1 + kx * dilation.1
                                    guard iy >= 0 && iy < h && ix >= 0 && ix < wd else { continue }
                                    acc += w[index: f, ci, ky, kx] * x[index: b, group * cpg + ci, iy, ix]
                                }
                            }
                        }
                        out.append(acc)
                    }
                }
            }
        }
        return T(out, shape: [n, o, oh, ow])
    }

    /// Pooling by its definition: padding reads −∞ for max and counts as 0 in the average.
    func naivePool(_ x: T, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, max: Bool) -> T {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        let ow = (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
        var out = [Double]()
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<oh {
                    for xx in 0..<ow {
                        var acc = max ? -Double.infinity : 0
                        for ky in 0..<kernel.0 {
                            for kx in 0..<kernel.1 {
                                let iy = y * stride.0 - padding.0 + ky * dilation.0, ix = xx * stride.1 - padding.1 + kx * dilation.1
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

    // MARK: conv2d

    func testConv2DValuesAndPyTorchOutputSizes() {
        let x = GradTest.normal([2, 4, 11, 9], seed: 1)
        for g in Self.geometries {
            let label = "kernel \(g.kernel) stride \(g.stride) padding \(g.padding) dilation \(g.dilation)"
            let w = GradTest.normal([6, 2, g.kernel.0, g.kernel.1], seed: 2), b = GradTest.normal([6], seed: 3)
            let y = x.conv2d(w, bias: b, stride: g.stride, padding: g.padding, dilation: g.dilation, groups: 2)
            GradTest.assertClose(y, naiveConv(x, w, bias: b, stride: g.stride, padding: g.padding, dilation: g.dilation, groups: 2),
                                 accuracy: 1e-13, label)
        }
        // PyTorch: floor((H + 2p − d(k − 1) − 1) / s) + 1.
        let w = T.ones([1, 4, 3, 3])
        XCTAssertEqual(x.conv2d(w, stride: (2, 2), padding: (1, 1), dilation: (2, 2)).shape, [2, 1, 5, 4])
        XCTAssertEqual(x.conv2d(w, padding: (2, 2), dilation: (2, 2)).shape, [2, 1, 11, 9])
        XCTAssertEqual(x.conv2d(w, dilation: (3, 4)).shape, [2, 1, 5, 1])
        // Dilation 1 is the plain convolution.
        XCTAssertEqual(x.conv2d(w, padding: (1, 1), dilation: (1, 1)), x.conv2d(w, padding: (1, 1)))
        // Float: the same values to Float's precision.
        let wf = GradTest.normal([3, 4, 3, 2], seed: 4)
        let yd = x.conv2d(wf, stride: (2, 1), padding: (2, 1), dilation: (3, 2))
        let yf = x.converted(to: Float.self).conv2d(wf.converted(to: Float.self), stride: (2, 1), padding: (2, 1), dilation: (3, 2))
        for (a, b) in zip(yf.scalars, yd.scalars) { XCTAssertEqual(Double(a), b, accuracy: 1e-4) }
    }

    func testConv2DGradients() {
        let x = GradTest.normal([2, 4, 6, 6], seed: 5), small = GradTest.normal([2, 2, 5, 5], seed: 25)
        for g in Self.geometries {
            let w = GradTest.normal([4, 2, g.kernel.0, g.kernel.1], seed: 6), b = GradTest.normal([4], seed: 7)
            GradTest.check([x, w, b], names: ["x", "w", "b"]) {
                $0[0].conv2d($0[1], bias: $0[2], stride: g.stride, padding: g.padding, dilation: g.dilation, groups: 2)
            }
            // Second order on a smaller input (one group) to keep the run short.
            GradTest.checkSecond([small, w.slice(axis: 0, 0..<2), b.slice(axis: 0, 0..<2)], names: ["x", "w", "b"]) {
                $0[0].conv2d($0[1], bias: $0[2], stride: g.stride, padding: g.padding, dilation: g.dilation)
            }
        }
    }

    func testUnfoldAndFoldWithDilationAreAdjoint() {
        let x = GradTest.normal([2, 3, 8, 7], seed: 8), small = GradTest.normal([1, 2, 6, 5], seed: 26)
        for g in Self.geometries {
            let columns = x.unfolded(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            let c = GradTest.normal(columns.shape, seed: 9)
            let back = c.folded(imageSize: (8, 7), kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩.
            XCTAssertEqual((columns * c).sum().scalar, (x * back).sum().scalar, accuracy: 1e-11)
            let smallColumns = small.unfolded(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            GradTest.check([small], names: ["x"]) {
                $0[0].unfolded(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            }
            GradTest.check([GradTest.normal(smallColumns.shape, seed: 27)], names: ["columns"]) {
                $0[0].folded(imageSize: (6, 5), kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            }
        }
    }

    func testConvTransposeWithDilationIsConvolutionsInputGradient() throws {
        let x = GradTest.normal([2, 3, 9, 8], seed: 10).requiringGrad()
        let w = GradTest.normal([4, 3, 3, 2], seed: 11)
        let (stride, padding, dilation) = ((2, 2), (1, 2), (2, 3))
        let y = x.conv2d(w, stride: stride, padding: padding, dilation: dilation)
        let g = GradTest.normal(y.shape, seed: 12)
        let dx = try gradients(of: y, wrt: [x], upstream: g)[0]
        // The output padding that gives back 9×8: (y − 1)·s − 2p + d(k − 1) + 1 + op.
        let outputPadding = (9 - ((y.shape[2] - 1) * 2 - 2 + 2 * 2 + 1), 8 - ((y.shape[3] - 1) * 2 - 4 + 3 * 1 + 1))
        let t = g.convTranspose2d(w, stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
        GradTest.assertClose(t, dx, accuracy: 1e-12)
        GradTest.check([g, w], names: ["g", "w"]) {
            $0[0].convTranspose2d($0[1], stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation)
        }
    }

    // MARK: Pooling

    func testPoolingValues() {
        let x = GradTest.normal([2, 3, 9, 10], seed: 13)
        for g in Self.poolGeometries {
            let label = "kernel \(g.kernel) stride \(g.stride) padding \(g.padding) dilation \(g.dilation)"
            GradTest.assertClose(x.maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation),
                                 naivePool(x, kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation, max: true),
                                 label)
            GradTest.assertClose(x.avgPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation),
                                 naivePool(x, kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation, max: false),
                                 accuracy: 1e-14, label)
            // Float max pooling (the C kernel; its AVX-512 path is for undilated 2×2 stride 2 only)
            // picks the same cells.
            let f = x.converted(to: Float.self).maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
            XCTAssertEqual(f.scalars, x.maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation)
                .scalars.map(Float.init), label)
        }
        // 2×2 stride 2 with dilation 2 on one 4×4 plane: each window reads cells two apart.
        let m = T((0..<16).map(Double.init), shape: [1, 1, 4, 4])
        XCTAssertEqual(m.maxPool2D(kernel: (2, 2), dilation: (2, 2)), T([10], shape: [1, 1, 1, 1]))
        XCTAssertEqual(m.maxPool2D(kernel: (2, 2), stride: (1, 1), dilation: (2, 2)), T([10, 11, 14, 15], shape: [1, 1, 2, 2]))
        XCTAssertEqual(m.avgPool2D(kernel: (2, 2), stride: (1, 1), dilation: (2, 2)), T([5, 6, 9, 10], shape: [1, 1, 2, 2]))
    }

    func testPoolingGradients() {
        let distinct = GradTest.distinct([2, 2, 7, 8], seed: 14), smallDistinct = GradTest.distinct([1, 2, 6, 6], seed: 24)
        let x = GradTest.normal([2, 2, 7, 8], seed: 15), small = GradTest.normal([1, 2, 6, 6], seed: 23)
        for g in Self.poolGeometries {
            let maxPool: ([T]) -> T = { $0[0].maxPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation) }
            let avgPool: ([T]) -> T = { $0[0].avgPool2D(kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation) }
            GradTest.check([distinct], names: ["x"], maxPool)
            GradTest.checkSecond([smallDistinct], names: ["x"]) { maxPool($0).squared() }
            GradTest.check([x], names: ["x"], avgPool)
            GradTest.checkSecond([small], names: ["x"]) { avgPool($0).squared() }
        }
    }

    func testMaxPoolTieGoesToTheFirstCellOfTheDilatedWindow() {
        // A 1×5 row, kernel 1×3 with dilation 2: the one window reads cells 0, 2 and 4, which tie.
        let x = T([7, 9, 7, 1, 7], shape: [1, 1, 1, 5]).requiringGrad()
        let y = x.maxPool2D(kernel: (1, 3), stride: (1, 1), dilation: (1, 2))
        XCTAssertEqual(y, T([7], shape: [1, 1, 1, 1]))       // 9 is not in the window
        y.sum().backward()
        XCTAssertEqual(x.grad, T([1, 0, 0, 0, 0], shape: [1, 1, 1, 5]))
    }

    // MARK: 1-D

    func testConv1DIsConv2DOverHeightOne() {
        let x = GradTest.normal([2, 4, 13], seed: 16)
        let w = GradTest.normal([6, 2, 3], seed: 17), b = GradTest.normal([6], seed: 18)
        for (stride, padding, dilation) in [(1, 0, 1), (2, 1, 1), (1, 2, 2), (2, 3, 3), (3, 1, 2)] {
            let y = x.conv1d(w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: 2)
            // PyTorch's size: floor((L + 2p − d(k − 1) − 1) / s) + 1.
            XCTAssertEqual(y.shape, [2, 6, (13 + 2 * padding - dilation * 2 - 1) / stride + 1])
            let reference = naiveConv(x.reshaped([2, 4, 1, 13]), w.reshaped([6, 2, 1, 3]), bias: b, stride: (1, stride),
                                      padding: (0, padding), dilation: (1, dilation), groups: 2)
            GradTest.assertClose(y, reference.reshaped([2, 6, -1]), accuracy: 1e-13, "stride \(stride) padding \(padding) dilation \(dilation)")
            let conv: ([T]) -> T = { $0[0].conv1d($0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: 2) }
            GradTest.check([x, w, b], names: ["x", "w", "b"], conv)
            GradTest.checkSecond([x, w, b], names: ["x", "w", "b"], conv)
        }
    }

    func testPooling1D() {
        let x = GradTest.distinct([2, 3, 12], seed: 19)
        for (kernel, stride, padding, dilation) in [(2, 2, 0, 1), (3, 1, 1, 2), (3, 2, 1, 3), (2, 3, 1, 2)] {
            let label = "kernel \(kernel) stride \(stride) padding \(padding) dilation \(dilation)"
            let max1 = x.maxPool1D(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            let max2 = naivePool(x.reshaped([2, 3, 1, 12]), kernel: (1, kernel), stride: (1, stride), padding: (0, padding),
                                 dilation: (1, dilation), max: true)
            GradTest.assertClose(max1, max2.reshaped([2, 3, -1]), label)
            let avg2 = naivePool(x.reshaped([2, 3, 1, 12]), kernel: (1, kernel), stride: (1, stride), padding: (0, padding),
                                 dilation: (1, dilation), max: false)
            GradTest.assertClose(x.avgPool1D(kernel: kernel, stride: stride, padding: padding, dilation: dilation),
                                 avg2.reshaped([2, 3, -1]), accuracy: 1e-14, label)
            GradTest.check([x], names: ["x"]) { $0[0].maxPool1D(kernel: kernel, stride: stride, padding: padding, dilation: dilation) }
            GradTest.check([x], names: ["x"]) { $0[0].avgPool1D(kernel: kernel, stride: stride, padding: padding, dilation: dilation) }
            GradTest.checkSecond([x], names: ["x"]) {
                $0[0].maxPool1D(kernel: kernel, stride: stride, padding: padding, dilation: dilation).squared()
            }
        }
        XCTAssertEqual(T([1, 5, 2, 8, 3, 0], shape: [1, 1, 6]).maxPool1D(kernel: 2), T([5, 8, 3], shape: [1, 1, 3]))
        XCTAssertEqual(T([1, 5, 2, 8, 3, 0], shape: [1, 1, 6]).avgPool1D(kernel: 3), T([8.0 / 3, 11.0 / 3], shape: [1, 1, 2]))
    }

    /// WaveNet's stack: causal convolutions (left padding dilation·(kernel − 1), nothing on the right)
    /// with dilations 1, 2, 4, gated by tanh·sigmoid, with residual connections. The length is kept,
    /// no output sees the future, and each sees exactly its receptive field of 1 + 2·(1 + 2 + 4) = 15 steps.
    func testWaveNetStackOfDilatedCausalConvolutions() throws {
        let (channels, length, kernel) = (3, 20, 3)
        let dilations = [1, 2, 4]
        let filters = dilations.indices.map { GradTest.normal([2 * channels, channels, kernel], seed: 30 + UInt64($0)) * 0.5 }
        func stack(_ x: T, _ weights: [T]) -> T {
            var h = x
            for (d, w) in zip(dilations, weights) {
                let z = h.padded([(0, 0), (0, 0), (d * (kernel - 1), 0)]).conv1d(w, dilation: d)   // causal: left padding only
                let gate = z.slice(axis: 1, 0..<channels).tanh() * z.slice(axis: 1, channels..<(2 * channels)).sigmoid()
                h = h + gate                                                                        // residual
            }
            return h
        }
        let x = GradTest.normal([2, channels, length], seed: 20)
        XCTAssertEqual(stack(x, filters).shape, [2, channels, length])
        // Causality and receptive field: ∂out[0, 0, t] / ∂x[0, ·, t′] is non-zero exactly for t − 14 ≤ t′ ≤ t.
        for t in [0, 7, 19] {
            let leaf = x.requiringGrad()
            let dx = try gradients(of: stack(leaf, filters).slice(axis: 2, t..<(t + 1)).slice(axis: 0, 0..<1).slice(axis: 1, 0..<1).sum(),
                                   wrt: [leaf])[0]
            for step in 0..<length {
                let touched = (0..<channels).contains { dx[index: 0, $0, step] != 0 }
                XCTAssertEqual(touched, step <= t && step >= t - 14, "output \(t), input step \(step)")
            }
            // The other sequence of the batch is independent.
            XCTAssertTrue(dx.slice(axis: 0, 1..<2).scalars.allSatisfy { $0 == 0 })
        }
        // Changing the future leaves the past alone.
        var future = x.scalars
        for c in 0..<channels { future[c * length + 15] += 1 }
        let moved = stack(T(future, shape: x.shape), filters)
        let base = stack(x, filters)
        for c in 0..<channels {
            for t in 0..<15 { XCTAssertEqual(moved[index: 0, c, t], base[index: 0, c, t]) }
            XCTAssertNotEqual(moved[index: 0, c, 15], base[index: 0, c, 15])
        }
        // Gradients of the whole stack: inputs and every filter bank, first and second order.
        GradTest.check([x.slice(axis: 2, 0..<12)] + filters, names: ["x", "w1", "w2", "w4"]) { stack($0[0], Array($0[1...])) }
        GradTest.checkSecond([x.slice(axis: 0, 0..<1).slice(axis: 2, 0..<7)] + filters, names: ["x", "w1", "w2", "w4"]) {
            stack($0[0], Array($0[1...]))
        }
    }

    // MARK: Layers

    func testLayersExposeDilation() {
        let conv = Conv2D<Double>(inChannels: 2, outChannels: 3, kernel: 3, padding: 2, dilation: 2, seed: 1)
        XCTAssertEqual(conv.dilation.height, 2)
        let x = GradTest.normal([2, 2, 7, 6], seed: 21)
        XCTAssertEqual(conv(x), x.conv2d(conv.weight.value, bias: conv.bias?.value, padding: (2, 2), dilation: (2, 2)))
        XCTAssertEqual(conv(x).shape, [2, 3, 7, 6])
        let pool = MaxPool2D<Double>(kernel: 2, stride: 1, dilation: 3)
        XCTAssertEqual(pool(x), x.maxPool2D(kernel: (2, 2), stride: (1, 1), dilation: (3, 3)))
        XCTAssertEqual(pool(x).shape, [2, 2, 4, 3])
        // Through the layer's parameters: gradcheck of the filters.
        let w = GradTest.normal([3, 2, 2, 3], seed: 22)
        GradTest.check([x, w], names: ["x", "w"]) { Conv2D(weight: $0[1], stride: (2, 1), padding: (1, 2), dilation: (3, 2))($0[0]) }
    }

    func testConv1DLayer() {
        let conv = Conv1D<Double>(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 2, dilation: 2, groups: 2, seed: 3)
        XCTAssertEqual(conv.weight.shape, [6, 2, 3])
        XCTAssertEqual(conv.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual([conv.inChannels, conv.outChannels, conv.kernel, conv.stride, conv.padding, conv.dilation], [4, 6, 3, 2, 2, 2])
        let x = GradTest.normal([2, 4, 11], seed: 28)
        XCTAssertEqual(conv(x), x.conv1d(conv.weight.value, bias: conv.bias?.value, stride: 2, padding: 2, dilation: 2, groups: 2))
        XCTAssertEqual(conv(x).shape, [2, 6, 6])
        XCTAssertNil(Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 2, useBias: false).bias)
        let (w, b) = (GradTest.normal([3, 4, 2], seed: 29), GradTest.normal([3], seed: 30))
        GradTest.check([x, w, b], names: ["x", "w", "b"]) { Conv1D(weight: $0[1], bias: $0[2], padding: 1, dilation: 3)($0[0]) }
        // The doc comment's difference filter: x[t + 1] − x[t].
        let steps = Conv1D(weight: T([-1, 1], shape: [1, 1, 2]))(T([1, 4, 9, 16], shape: [1, 1, 4]))
        XCTAssertEqual(steps, T([3, 5, 7], shape: [1, 1, 3]))
    }

    // MARK: Bad arguments

    func testArgumentMessages() {
        XCTAssertEqual(OpChecks.windowProblem("conv2d", input: [1, 1, 5, 5], kernel: [3, 3], stride: [1, 1], padding: [0, 0],
                                              dilation: [0, 2]),
                       "conv2d: dilation 0×2 must be positive (1 is no dilation)")
        XCTAssertEqual(OpChecks.windowProblem("conv1d", input: [2, 3, 6], kernel: [3], stride: [1], padding: [1], dilation: [4]),
                       "conv1d: kernel 3 with dilation 4 spans 9 cells and is larger than the padded input 8 (input [2, 3, 6], padding 1)")
        XCTAssertEqual(OpChecks.windowProblem("maxPool2D", input: [1, 1, 2, 9], kernel: [3, 3], stride: [1, 1], padding: [0, 0],
                                              dilation: [1, 1]),
                       "maxPool2D: kernel 3×3 is larger than the padded input 2×9 (input [1, 1, 2, 9], padding 0×0)")
        XCTAssertEqual(OpChecks.windowProblem("unfold", input: [1, 1, 5, 5], kernel: [3, 3], stride: [0, 1], padding: [0, 0],
                                              dilation: [1, 1]), "unfold: stride 0×1 must be positive")
        XCTAssertEqual(OpChecks.windowProblem("conv2d", input: [1, 1, 5, 5], kernel: [3, 3], stride: [1, 1], padding: [0, -1],
                                              dilation: [1, 1]), "conv2d: padding 0×-1 must not be negative")
        XCTAssertNil(OpChecks.windowProblem("conv2d", input: [1, 1, 5, 5], kernel: [3, 3], stride: [1, 1], padding: [0, 0],
                                            dilation: [2, 2]))   // spans exactly 5×5
        XCTAssertEqual(OpChecks.poolPaddingProblem("maxPool1D", kernel: [3], padding: [2]),
                       "maxPool1D: padding 2 must be at most half the kernel 3")
        XCTAssertNil(OpChecks.poolPaddingProblem("maxPool2D", kernel: [3, 2], padding: [1, 1]))
        XCTAssertEqual(OpChecks.channelProblem("conv1d", input: [2, 4, 10], weight: [6, 3, 3], groups: 2, bias: nil),
                       "conv1d: input [2, 4, 10] has 4 channels but filters [6, 3, 3] expect 6 (3 per group × 2 groups)")
        XCTAssertEqual(OpChecks.channelProblem("conv2d", input: [2, 4, 5, 5], weight: [6, 2, 3, 3], groups: 2, bias: [4]),
                       "conv2d: bias of shape [4] is not [6]")
        XCTAssertEqual(OpChecks.channelProblem("conv2d", input: [2, 3, 5, 5], weight: [6, 1, 3, 3], groups: 2, bias: nil),
                       "conv2d: 3 input and 6 output channels are not divisible by 2 groups")
    }
}

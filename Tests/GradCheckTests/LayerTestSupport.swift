import XCTest
import Layers

/// Gradchecks `function` at `inputs` and also asserts that the tape's gradient with respect to
/// every input is non-zero somewhere: a function that accidentally detached an input would
/// otherwise pass gradcheck trivially (zero analytic, zero numeric).
func assertGradcheck(_ inputs: [Tensor<Double>], names: [String], atol: Double = 1e-5, rtol: Double = 1e-3,
                     _ context: @autoclosure () -> String = "",
                     file: StaticString = #filePath, line: UInt = #line,
                     _ function: ([Tensor<Double>]) -> Tensor<Double>) {
    let report = gradcheck(inputs: inputs, names: names, atol: atol, rtol: rtol, function)
    XCTAssertTrue(report.passed, "\(context())\n\(report)", file: file, line: line)
    let leaves = inputs.map { $0.detached().requiringGrad() }
    let output = function(leaves)
    guard output.requiresGrad else {
        XCTFail("\(context()): the output does not depend on any input", file: file, line: line)
        return
    }
    let weights = Tensor<Double>.randomNormal(output.shape, seed: 99)
    guard let grads = try? gradients(of: output, wrt: leaves, upstream: weights) else {
        XCTFail("\(context()): backward failed", file: file, line: line)
        return
    }
    for (name, g) in zip(names, grads) where !g.scalars.contains(where: { $0 != 0 }) {
        XCTFail("\(context()): the gradient with respect to \(name) is zero everywhere", file: file, line: line)
    }
}

/// Asserts two arrays agree elementwise to `tolerance` (absolute), printing both on failure.
func assertClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-12,
                 _ context: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    let ok = actual.count == expected.count && zip(actual, expected).allSatisfy { Swift.abs($0 - $1) <= tolerance }
    XCTAssertTrue(ok, "\(context())\n  actual:   \(actual)\n  expected: \(expected)", file: file, line: line)
}

/// A plain-loop reference convolution (cross-correlation, zero padding), NCHW, for checking
/// the layer's forward values independently of the engine's im2col path.
func referenceConv2D(_ x: Tensor<Double>, _ w: Tensor<Double>, bias: Tensor<Double>?, stride: Size2D,
                     padding: Size2D, groups: Int = 1) -> Tensor<Double> {
    let (n, h, wd) = (x.shape[0], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding.height - kh) / stride.height + 1
    let ow = (wd + 2 * padding.width - kw) / stride.width + 1
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    let perGroupOut = o / groups
    for b in 0..<n { for f in 0..<o { for i in 0..<oh { for j in 0..<ow {
        var s = bias.map { $0.scalars[f] } ?? 0
        let g = f / perGroupOut
        for ci in 0..<cg { for u in 0..<kh { for v in 0..<kw {
            let r = i * stride.height - padding.height + u, q = j * stride.width - padding.width + v
            guard r >= 0, r < h, q >= 0, q < wd else { continue }
            s += x[index: b, g * cg + ci, r, q] * w[index: f, ci, u, v]
        } } }
        out[((b * o + f) * oh + i) * ow + j] = s
    } } } }
    return Tensor(out, shape: [n, o, oh, ow])
}

/// A plain-loop reference pooling (max or mean; padding never wins a max and counts as 0 in a mean).
func referencePool(_ x: Tensor<Double>, kernel: Size2D, stride: Size2D, padding: Size2D, max: Bool) -> Tensor<Double> {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h + 2 * padding.height - kernel.height) / stride.height + 1
    let ow = (w + 2 * padding.width - kernel.width) / stride.width + 1
    var out = [Double]()
    for b in 0..<n { for ch in 0..<c { for i in 0..<oh { for j in 0..<ow {
        var best = -Double.infinity, total = 0.0
        for u in 0..<kernel.height { for v in 0..<kernel.width {
            let r = i * stride.height - padding.height + u, q = j * stride.width - padding.width + v
            guard r >= 0, r < h, q >= 0, q < w else { continue }
            best = Swift.max(best, x[index: b, ch, r, q])
            total += x[index: b, ch, r, q]
        } }
        out.append(max ? best : total / Double(kernel.height * kernel.width))
    } } } }
    return Tensor(out, shape: [n, c, oh, ow])
}

import XCTest
import Layers

/// LayerNorm, GroupNorm and RMSNorm: forward values against plain loops, and gradcheck and
/// gradgradcheck with respect to the input, the weight and the bias on odd shapes.
final class LayerNormalizationTests: XCTestCase {
    /// Normalizes consecutive runs of `size` elements (mean, biased variance), as the layers do.
    func referenceNormalize(_ values: [Double], runs size: Int, eps: Double, center: Bool = true) -> [Double] {
        stride(from: 0, to: values.count, by: size).flatMap { start -> [Double] in
            let run = Array(values[start..<(start + size)])
            let mean = center ? run.reduce(0, +) / Double(size) : 0
            let spread = run.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(size)
            return run.map { ($0 - mean) / (spread + eps).squareRoot() }
        }
    }

    func testLayerNormForwardByReference() {
        let x = Tensor<Double>.randomNormal([2, 3, 5], seed: 1)
        let weight = Tensor<Double>.randomNormal([5], seed: 2), bias = Tensor<Double>.randomNormal([5], seed: 3)
        let y = LayerNorm(weight: weight, bias: bias)(x)
        let normalized = referenceNormalize(x.scalars, runs: 5, eps: 1e-5)
        let expected = normalized.enumerated().map { $1 * weight.scalars[$0 % 5] + bias.scalars[$0 % 5] }
        assertClose(y.scalars, expected, tolerance: 1e-13)
        // Over the last two axes.
        let two = LayerNorm<Double>(normalizedShape: [3, 5], elementwiseAffine: false)(x)
        assertClose(two.scalars, referenceNormalize(x.scalars, runs: 15, eps: 1e-5), tolerance: 1e-13)
        let norm = LayerNorm<Float>(normalizedShape: [8])
        XCTAssertEqual(norm.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(norm.weight?.value, Tensor.ones([8]))
        XCTAssertEqual(norm.bias?.value, Tensor.zeros([8]))
        XCTAssertEqual(norm.eps, 1e-5)
        XCTAssertTrue(LayerNorm<Float>(normalizedShape: [8], elementwiseAffine: false).namedParameters.isEmpty)
    }

    func testLayerNormGradients() {
        let x = Tensor<Double>.randomNormal([3, 2, 5], seed: 4)
        let w = Tensor<Double>.randomNormal([5], seed: 5), b = Tensor<Double>.randomNormal([5], seed: 6)
        assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "LayerNorm [5]") { v in
            LayerNorm(weight: v[1], bias: v[2])(v[0])
        }
        let report = gradgradcheck(inputs: [x, w, b], names: ["x", "weight", "bias"]) { v in
            LayerNorm(weight: v[1], bias: v[2])(v[0])
        }
        XCTAssertTrue(report.passed, "\(report)")
        let w2 = Tensor<Double>.randomNormal([2, 5], seed: 7), b2 = Tensor<Double>.randomNormal([2, 5], seed: 8)
        assertGradcheck([x, w2, b2], names: ["x", "weight", "bias"], "LayerNorm [2, 5]") { v in
            LayerNorm(weight: v[1], bias: v[2], eps: 1e-3)(v[0])
        }
        assertGradcheck([x], names: ["x"], "LayerNorm without affine") { v in
            LayerNorm<Double>(normalizedShape: [5], elementwiseAffine: false)(v[0]).sin()
        }
    }

    func testGroupNormForwardByReference() {
        let x = Tensor<Double>.randomNormal([2, 6, 3, 2], seed: 9)
        let weight = Tensor<Double>.randomNormal([6], seed: 10), bias = Tensor<Double>.randomNormal([6], seed: 11)
        let y = GroupNorm(groups: 3, weight: weight, bias: bias)(x)
        // Each group is 2 channels × 3 × 2 = 12 consecutive elements; each channel 6.
        let normalized = referenceNormalize(x.scalars, runs: 12, eps: 1e-5)
        let expected = normalized.enumerated().map { i, v in v * weight.scalars[(i / 6) % 6] + bias.scalars[(i / 6) % 6] }
        assertClose(y.scalars, expected, tolerance: 1e-13)
        let norm = GroupNorm<Float>(groups: 2, channels: 6)
        XCTAssertEqual(norm.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(norm.weight?.value, Tensor.ones([6]))
        // groups = channels: instance normalization; groups = 1: the whole sample.
        let instance = GroupNorm<Double>(groups: 6, channels: 6, affine: false)(x)
        assertClose(instance.scalars, referenceNormalize(x.scalars, runs: 6, eps: 1e-5), tolerance: 1e-13)
        let whole = GroupNorm<Double>(groups: 1, channels: 6, affine: false)(x)
        assertClose(whole.scalars, referenceNormalize(x.scalars, runs: 36, eps: 1e-5), tolerance: 1e-13)
    }

    func testGroupNormGradients() {
        let x = Tensor<Double>.randomNormal([2, 6, 3], seed: 12)
        let w = Tensor<Double>.randomNormal([6], seed: 13), b = Tensor<Double>.randomNormal([6], seed: 14)
        assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "GroupNorm 3 groups [2, 6, 3]") { v in
            GroupNorm(groups: 3, weight: v[1], bias: v[2])(v[0])
        }
        let report = gradgradcheck(inputs: [x, w, b], names: ["x", "weight", "bias"]) { v in
            GroupNorm(groups: 2, weight: v[1], bias: v[2])(v[0])
        }
        XCTAssertTrue(report.passed, "\(report)")
        let images = Tensor<Double>.randomNormal([3, 4, 2, 3], seed: 15)
        let w4 = Tensor<Double>.randomNormal([4], seed: 16), b4 = Tensor<Double>.randomNormal([4], seed: 17)
        assertGradcheck([images, w4, b4], names: ["x", "weight", "bias"], "GroupNorm on images") { v in
            GroupNorm(groups: 2, weight: v[1], bias: v[2])(v[0])
        }
    }

    func testRMSNormForwardByReference() {
        let x = Tensor<Double>.randomNormal([4, 7], seed: 18)
        let weight = Tensor<Double>.randomNormal([7], seed: 19)
        let y = RMSNorm(weight: weight, eps: 1e-6)(x)
        let expected = stride(from: 0, to: 28, by: 7).flatMap { start -> [Double] in
            let row = Array(x.scalars[start..<(start + 7)])
            let rms = (row.map { $0 * $0 }.reduce(0, +) / 7 + 1e-6).squareRoot()
            return row.enumerated().map { $1 / rms * weight.scalars[$0] }
        }
        assertClose(y.scalars, expected, tolerance: 1e-13)
        let byHand = RMSNorm<Double>(normalizedShape: [2])(Tensor(rows: [[3, 4]]))
        assertClose(byHand.scalars, [3 / (12.5).squareRoot(), 4 / (12.5).squareRoot()], tolerance: 1e-15)
        let norm = RMSNorm<Float>(normalizedShape: [8])
        XCTAssertEqual(norm.namedParameters.map(\.name), ["weight"])
        XCTAssertNil(norm.eps, "the default eps is the scalar type's machine epsilon, as PyTorch's")
        XCTAssertTrue(RMSNorm<Float>(normalizedShape: [8], elementwiseAffine: false).namedParameters.isEmpty)
    }

    func testRMSNormGradients() {
        let x = Tensor<Double>.randomNormal([3, 2, 5], seed: 20)
        let w = Tensor<Double>.randomNormal([5], seed: 21)
        assertGradcheck([x, w], names: ["x", "weight"], "RMSNorm") { v in RMSNorm(weight: v[1])(v[0]) }
        let report = gradgradcheck(inputs: [x, w], names: ["x", "weight"]) { v in RMSNorm(weight: v[1], eps: 1e-5)(v[0]) }
        XCTAssertTrue(report.passed, "\(report)")
        let w2 = Tensor<Double>.randomNormal([2, 5], seed: 22)
        assertGradcheck([x, w2], names: ["x", "weight"], "RMSNorm over two axes") { v in RMSNorm(weight: v[1])(v[0]) }
    }
}

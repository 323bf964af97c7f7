import XCTest
import Autograd
import Layers

/// Long sums stay exact to a few ulps (pairwise summation), in Float and Double, along the last
/// axis, across rows, over mixed axes, and through everything that sums: mean, variance,
/// logSumExp, a loss's mean and the gradient of a broadcast.
final class SummationTests: XCTestCase {
    /// |got − exact| / |exact|.
    func relativeError(_ got: Double, _ exact: Double) -> Double { Swift.abs(got - exact) / Swift.abs(exact) }

    func testTenMillionFloatTenthsSumWithinOneMillionth() {
        // Adding one after another gave 1,087,937 (9% off). The exact sum of the Float 0.1s:
        let exact = 10_000_000 * Double(Float(0.1))
        let total = Tensor<Float>.full([10_000_000], 0.1).sum().scalar
        XCTAssertLessThan(relativeError(Double(total), exact), 1e-6, "sum \(total), exact \(exact)")
    }

    func testTenMillionDoubleTenthsSumWithinAFewUlps() {
        // One after another: 1.6e-10 relative. PyTorch: 1.3e-15.
        let total = Tensor<Double>.full([10_000_000], 0.1).sum().scalar
        XCTAssertLessThan(relativeError(total, 1_000_000.0000000001), 1e-14, "sum \(total)")
    }

    func testLongSumsAcrossRowsAndOverMixedAxes() {
        // Axis 0 of [5e6, 2] (each column a sum across rows), and axes [0, 2] of [2000, 3, 2000].
        let exactColumn = 5_000_000 * Double(Float(0.1))
        let columns = Tensor<Float>.full([5_000_000, 2], 0.1).sum(axes: [0])
        for c in columns.scalars { XCTAssertLessThan(relativeError(Double(c), exactColumn), 1e-6, "\(columns)") }
        let exactMixed = 4_000_000 * Double(Float(0.1))
        let mixed = Tensor<Float>.full([2000, 3, 2000], 0.1).sum(axes: [0, 2])
        XCTAssertEqual(mixed.shape, [3])
        for c in mixed.scalars { XCTAssertLessThan(relativeError(Double(c), exactMixed), 1e-6, "\(mixed)") }
        let doubles = Tensor<Double>.full([2000, 3, 2000], 0.1).sum(axes: [0, 2])
        for c in doubles.scalars { XCTAssertLessThan(relativeError(c, 400_000), 1e-14, "\(doubles)") }
    }

    func testMeanVarianceAndLogSumExpOfLongTensors() {
        let n = 10_000_000
        let mean = Tensor<Float>.full([n], 0.1).mean().scalar
        XCTAssertLessThan(relativeError(Double(mean), Double(Float(0.1))), 1e-6, "mean \(mean)")
        // Half 0.1, half 0.3: variance 0.01.
        let halves = Tensor<Float>.concatenate([.full([n / 2], 0.1), .full([n / 2], 0.3)], axis: 0)
        let variance = halves.variance().scalar
        XCTAssertLessThan(relativeError(Double(variance), 0.01), 1e-4, "variance \(variance)")
        // log Σ exp(log 0.1) over 1e7 elements = log(1e6).
        let lse = Tensor<Float>.full([n], Float.log(0.1)).logSumExp().scalar
        XCTAssertLessThan(Swift.abs(Double(lse) - Foundation.log(1e6)), 1e-5, "logSumExp \(lse)")
    }

    func testLossMeanAndBroadcastGradientOfLongTensors() {
        let n = 4_000_000
        // Every squared difference is 0.1 · 0.1 in Float.
        let mse = meanSquaredError(predicted: Tensor<Float>.full([n], 0.1), targets: .zeros([n])).scalar
        XCTAssertLessThan(relativeError(Double(mse), Double(Float(0.1) * Float(0.1))), 1e-6, "mse \(mse)")
        // The bias of x + b receives the sum over 2e6 rows of an upstream gradient of 0.1.
        let b = Tensor<Float>.zeros([2]).requiringGrad()
        let rows = 2_000_000
        let y = Tensor<Float>.zeros([rows, 2]) + b
        y.backward(upstream: .full([rows, 2], 0.1))
        let exact = Double(rows) * Double(Float(0.1))
        for g in b.grad?.scalars ?? [] { XCTAssertLessThan(relativeError(Double(g), exact), 1e-6, "\(String(describing: b.grad))") }
        XCTAssertEqual(b.grad?.shape, [2])
    }

    func testEverySetOfAxesAgreesWithADoubleReference() {
        // Random shapes up to rank 4 (sizes 0…7, with 1s) and every subset of axes, against a
        // plain sum in Double.
        var rng = SeededGenerator(seed: 11)
        // Also a few fixed shapes whose reduced rows run past one group of rows (16) and past one
        // block of a contiguous sum (512 Floats), with odd remainders.
        let fixed: [[Int]] = [[100, 3], [37, 5, 3], [1031], [3, 1031], [2, 517, 2], [33, 2, 17]]
        for trial in 0..<(60 + fixed.count) {
            let rank = trial < fixed.count ? fixed[trial].count : Int.random(in: 0...4, using: &rng)
            let shape = trial < fixed.count ? fixed[trial]
                : (0..<rank).map { _ in [0, 1, 1, 2, 3, 5, 7, 40][Int.random(in: 0..<8, using: &rng)] }
            let x = Tensor<Float>.randomNormal(shape, using: &rng)
            for mask in 0..<(1 << rank) {
                let axes = (0..<rank).filter { mask & (1 << $0) != 0 }
                let got = x.sum(axes: axes, keepDims: true)
                let expected = referenceSum(x, axes: Set(axes))
                XCTAssertEqual(got.shape, expected.shape, "shape \(shape), axes \(axes)")
                for (g, e) in zip(got.scalars, expected.scalars) {
                    XCTAssertEqual(Double(g), e, accuracy: 1e-4, "shape \(shape), axes \(axes)")
                }
            }
        }
    }

    /// Σ over `axes` (kept with size 1), element by element in Double.
    func referenceSum(_ x: Tensor<Float>, axes: Set<Int>) -> Tensor<Double> {
        let shape = x.shape
        let outShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        var out = [Double](repeating: 0, count: outShape.reduce(1, *))
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<x.count {
            var o = 0
            for d in 0..<shape.count { o = o * outShape[d] + (axes.contains(d) ? 0 : index[d]) }
            out[o] += Double(x.scalars[flat])
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return Tensor(out, shape: outShape)
    }
}

import XCTest
import Autograd
import Layers

/// Every row of docs/Conventions.md, "this library" column: derivatives at kinks, ties, empty
/// inputs, 0-d tensors and `axes: []`. The PyTorch column is what scripts/conventions_pytorch.py
/// prints; where the two agree, the expected numbers here are PyTorch's.
final class ConventionsTests: XCTestCase {
    typealias T = Tensor<Double>

    func gradient(_ values: [Double], _ f: (T) -> T) -> [Double] {
        let x = T(values).requiringGrad(named: "x")
        f(x).sum().backward()
        return x.grad?.scalars ?? []
    }

    // MARK: Derivatives at kinks

    func testKinks() {
        XCTAssertEqual(gradient([0]) { $0.relu() }, [0])
        XCTAssertEqual(gradient([0]) { $0.leakyRelu(slope: 0.1) }, [0.1])
        XCTAssertEqual(gradient([0]) { $0.abs() }, [0])
        XCTAssertEqual(gradient([0]) { $0.sqrt() }, [.infinity])
        let x = T([-1, 0, 2]).requiringGrad()
        XCTAssertFalse(x.sign().requiresGrad, "sign is a constant")
    }

    func testClampGradientIsZeroAtItsBoundsAsInPyTorch() {
        // PyTorch 2.x: clamp(x, 0, 1)' at x = -1, 0, 0.5, 1, 2 is [0, 0, 1, 0, 0].
        XCTAssertEqual(gradient([-1, 0, 0.5, 1, 2]) { $0.clamped(lower: 0, upper: 1) }, [0, 0, 1, 0, 0])
        // clamped(lower: 0, upper: ∞) is relu, with the same derivative at 0.
        XCTAssertEqual(gradient([-1, 0, 3]) { $0.clamped(lower: 0, upper: .infinity) }, gradient([-1, 0, 3]) { $0.relu() })
    }

    func testBinaryCrossEntropyAtTheEdges() {
        // Logits: σ(0) − t exactly at z = 0. Probabilities: 0 outside (eps, 1 − eps).
        let z = T([0]).requiringGrad()
        binaryCrossEntropy(logits: z, targets: T([1])).backward()
        XCTAssertEqual(z.grad?.scalars, [-0.5])
        let p = T([1e-8, 0.5, 1 - 1e-9]).requiringGrad()
        binaryCrossEntropy(probabilities: p, targets: T([1, 1, 0]), reduction: .sum).backward()
        XCTAssertEqual(p.grad?.scalars[0], 0)
        XCTAssertEqual(p.grad?.scalars[1] ?? 0, -2, accuracy: 1e-12)
        XCTAssertEqual(p.grad?.scalars[2], 0)
    }

    // MARK: Ties

    func testMaximumAndMinimumSplitTiesLikePyTorch() {
        for op in [T.maximum, T.minimum] {
            let a = T([1, 2, 5]).requiringGrad(), b = T([1, 3, 4]).requiringGrad()
            op(a, b).sum().backward()
            let (ga, gb) = (a.grad?.scalars ?? [], b.grad?.scalars ?? [])
            XCTAssertEqual(ga[0], 0.5)
            XCTAssertEqual(gb[0], 0.5)
            XCTAssertEqual(zip(ga, gb).map { $0 + $1 }, [1, 1, 1], "the gradient is shared, never lost")
        }
        // Symmetric: maximum(a, b) and maximum(b, a) give the same gradients.
        let a = T([2, 2]).requiringGrad(), b = T([2, 1]).requiringGrad()
        T.maximum(b, a).sum().backward()
        XCTAssertEqual(a.grad?.scalars, [0.5, 1])
        XCTAssertEqual(b.grad?.scalars, [0.5, 0])
        // A broadcast scalar tied with one element gets half from that element.
        let s = T(2).requiringGrad()
        T.maximum(T([1, 2, 3]), s).sum().backward()
        XCTAssertEqual(s.grad?.scalar, 1.5)      // PyTorch: 1.5
    }

    func testMaximumWithANaNCreditsTheArgumentTheValueCameFrom() {
        let a = T([.nan, 1]).requiringGrad(), b = T([1, .nan]).requiringGrad()
        let m = T.maximum(a, b)
        XCTAssertTrue(m.scalars.allSatisfy(\.isNaN))
        m.sum().backward()
        XCTAssertEqual(a.grad?.scalars, [1, 0])
        XCTAssertEqual(b.grad?.scalars, [0, 1])
    }

    func testReductionTiesGoToTheFirstWinner() {
        XCTAssertEqual(gradient([1, 3, 3]) { $0.max() }, [0, 1, 0])
        XCTAssertEqual(gradient([3, 1, 1]) { $0.min() }, [0, 1, 0])
        XCTAssertEqual(T([1, 3, 3]).argmax(axis: 0).scalar, 1)
        let p = T([1, 3, 3, 2], shape: [1, 1, 2, 2]).requiringGrad()
        p.maxPool2D(kernel: (2, 2)).sum().backward()
        XCTAssertEqual(p.grad?.scalars, [0, 1, 0, 0])
    }

    func testMaxPoolPaddingNeverWinsOverMinusInfinity() {
        // A 3×3 input of −∞ with a 1 in the last cell, kernel 2, stride 1, padding 1: every window
        // touching the padding takes its first cell inside the image. PyTorch's gradient:
        var cells = [Double](repeating: -.infinity, count: 9)
        cells[8] = 1
        for type in ["Double", "Float"] {
            let grad: [Double]
            let values: [Double]
            if type == "Double" {
                let x = T(cells, shape: [1, 1, 3, 3]).requiringGrad()
                let y = x.maxPool2D(kernel: (2, 2), stride: (1, 1), padding: (1, 1))
                y.sum().backward()
                (grad, values) = (x.grad?.scalars ?? [], y.scalars)
            } else {
                let x = Tensor<Float>(cells.map(Float.init), shape: [1, 1, 3, 3]).requiringGrad()
                let y = x.maxPool2D(kernel: (2, 2), stride: (1, 1), padding: (1, 1))
                y.sum().backward()
                (grad, values) = ((x.grad?.scalars ?? []).map(Double.init), y.scalars.map(Double.init))
            }
            XCTAssertEqual(grad, [4, 2, 2, 2, 0, 0, 2, 0, 4], type)
            XCTAssertEqual(values.filter { $0 == 1 }.count, 4, type)
            XCTAssertEqual(values.filter { $0 == -.infinity }.count, 12, type)
        }
        // The same on a wider plane, where the interior windows go through the C kernel.
        var wide = [Double](repeating: -.infinity, count: 36)
        wide[35] = 1
        let x = T(wide, shape: [1, 1, 6, 6]).requiringGrad()
        x.maxPool2D(kernel: (3, 3), stride: (1, 1), padding: (1, 1)).sum().backward()
        // Every one of the 36 windows credits exactly one cell of the image.
        XCTAssertEqual(x.grad?.scalars.reduce(0, +), 36)
        XCTAssertEqual(x.grad?.scalars[35], 4)
    }

    func testNaNWinsInMaxAndMaxPool() {
        XCTAssertTrue(T([1, .nan, 3]).max().scalar.isNaN)
        XCTAssertTrue(T([1, .nan, 3, 2], shape: [1, 1, 2, 2]).maxPool2D(kernel: (2, 2)).scalar.isNaN)
        // relu and leakyRelu keep a NaN, as PyTorch does (its gradient there is 0, as PyTorch's).
        XCTAssertTrue(T([.nan]).relu().scalar.isNaN)
        XCTAssertTrue(T([.nan]).leakyRelu().scalar.isNaN)
        XCTAssertEqual(gradient([.nan]) { $0.relu() }, [0])
    }

    // MARK: Empty inputs

    func testEmptyAxes() {
        let empty = T([], shape: [2, 0])
        XCTAssertEqual(empty.sum(axes: [1]).scalars, [0, 0])
        XCTAssertTrue(empty.mean(axes: [1]).scalars.allSatisfy(\.isNaN))
        XCTAssertEqual(empty.softmax(axis: 1).shape, [2, 0])
        XCTAssertEqual(empty.logSoftmax(axis: 1).shape, [2, 0])
        XCTAssertTrue(T([1], shape: [1]).variance(unbiased: true).scalar.isNaN)
    }

    func testLogSumExpOverAnEmptyAxisIsMinusInfinity() {
        // PyTorch: logsumexp of a [2, 0] tensor over dim 1 is [-inf, -inf].
        let empty = T([], shape: [2, 0]).requiringGrad()
        let lse = empty.logSumExp(axes: [1])
        XCTAssertEqual(lse.shape, [2])
        XCTAssertEqual(lse.scalars, [-.infinity, -.infinity])
        XCTAssertEqual(T([], shape: [2, 0]).logSumExp(axes: [1], keepDims: true).shape, [2, 1])
        lse.sum().backward()
        XCTAssertEqual(empty.grad?.shape, [2, 0])
        XCTAssertEqual(Tensor<Float>([], shape: [0, 3]).logSumExp(axes: [0]).scalars, [-.infinity, -.infinity, -.infinity])
    }

    func testMeanOfZeroLossesIsZeroWithAZeroGradient() {
        // Kept on purpose (PyTorch: NaN): an empty batch must not make every weight NaN.
        let p = T([], shape: [0]).requiringGrad()
        let loss = meanSquaredError(predicted: p, targets: T([], shape: [0]))
        XCTAssertEqual(loss.scalar, 0)
        XCTAssertEqual(Reduction.batchMean.apply(T([], shape: [0, 3])).scalar, 0)
        let logits = T([], shape: [0, 3]).requiringGrad()
        let ce = crossEntropy(logits: logits, labels: T([], shape: [0]))
        XCTAssertEqual(ce.scalar, 0)
    }

    // MARK: Axes

    func testAxesNilMeansAllAndEmptyMeansNone() {
        let m = T(rows: [[1, 2], [3, 4]])
        XCTAssertEqual(m.sum().scalar, 10)
        XCTAssertEqual(m.sum(axes: []), m)
        XCTAssertEqual(m.mean(axes: []), m)
        XCTAssertEqual(m.max(axes: []), m)
        XCTAssertEqual(m.logSumExp(axes: []), m)
        XCTAssertEqual(m.variance(axes: []), T.zeros([2, 2]))
        // The gradient of a reduction over no axis is the upstream gradient itself.
        XCTAssertEqual(gradient([1, 2]) { $0.sum(axes: []) * 3 }, [3, 3])
    }

    func testAxisZeroAndMinusOneOfAZeroDimensionalTensor() {
        // PyTorch accepts dim 0 and −1 on a 0-d tensor; reducing over it changes nothing.
        let s = T(3)
        for axis in [0, -1] {
            XCTAssertEqual(s.sum(axis: axis), s)
            XCTAssertEqual(s.mean(axis: axis), s)
            XCTAssertEqual(s.max(axis: axis), s)
            XCTAssertEqual(s.min(axis: axis), s)
            XCTAssertEqual(s.logSumExp(axes: [axis]), s)
            XCTAssertEqual(s.variance(axes: [axis]), T(0))
            XCTAssertEqual(s.sum(axes: [axis], keepDims: true).shape, [])
            XCTAssertEqual(s.softmax(axis: axis), T(1))
            XCTAssertEqual(s.logSoftmax(axis: axis), T(0))
            XCTAssertEqual(s.argmax(axis: axis), T(0))
            XCTAssertEqual(s.argmin(axis: axis), T(0))
            XCTAssertEqual(s.squeezed(at: axis), s)
        }
        // And they are differentiable there: softmax of one element is constant.
        let x = T(3).requiringGrad()
        (x.softmax() * 2 + x.logSoftmax() + x.sum(axis: -1)).backward()
        XCTAssertEqual(x.grad?.scalar, 1)
        let report = gradcheck(inputs: [T(0.7)]) { ($0[0].softmax(axis: 0) + $0[0].logSumExp(axes: [-1])) * $0[0] }
        XCTAssertTrue(report.passed, "\(report)")
    }
}

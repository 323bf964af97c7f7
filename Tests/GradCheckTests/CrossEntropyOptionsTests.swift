import XCTest
import Foundation
import Layers

/// The class-index cross-entropy's options — `ignoreIndex`, `labelSmoothing`, `classAxis` — against
/// numbers from PyTorch 2.13 (CPU, float64), gradcheck of each, exact zero gradients for ignored
/// samples, and the messages of bad calls.
///
/// The logits are `sin(1.3·k)·2` for k = 0, 1, … in row-major order, in torch
/// `(torch.sin(torch.arange(n, dtype=torch.float64) * 1.3) * 2).reshape(shape)`; the reference
/// numbers below were printed by `torch.nn.functional.cross_entropy` on those tensors, with the
/// call written next to each.
final class CrossEntropyOptionsTests: XCTestCase {
    static func logits(_ shape: [Int]) -> Tensor<Double> {
        let count = shape.reduce(1, *)
        return Tensor((0..<count).map { sin(Double($0) * 1.3) * 2 }, shape: shape)
    }

    let z2 = logits([5, 3])
    let z3 = logits([2, 3, 4])
    let reductions: [Reduction] = [.none, .sum, .mean, .batchMean]

    // MARK: Values against PyTorch

    func testIgnoreIndexMatchesPyTorch() {
        let labels = Tensor<Double>([2, 0, -100, 1, -100])
        // F.cross_entropy(z, torch.tensor([2, 0, -100, 1, -100]), ignore_index=-100, reduction=…)
        XCTAssertEqual(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100).scalar,
                       1.60694848339706, accuracy: 1e-13)
        XCTAssertEqual(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100, reduction: .sum).scalar,
                       4.82084545019118, accuracy: 1e-13)
        assertClose(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100, reduction: .none).scalars,
                    [1.3367657931052241, 2.0490846491144663, 0.0, 1.434995007971489, 0.0], tolerance: 1e-13)
        // .batchMean: the sum over the batch of 5, ignored samples included.
        XCTAssertEqual(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100, reduction: .batchMean).scalar,
                       4.82084545019118 / 5, accuracy: 1e-13)
    }

    func testLabelSmoothingMatchesPyTorch() {
        let labels = Tensor<Double>([2, 0, 1, 1, 0])
        // F.cross_entropy(z, torch.tensor([2, 0, 1, 1, 0]), label_smoothing=0.1, reduction=…)
        XCTAssertEqual(crossEntropy(logits: z2, labels: labels, labelSmoothing: 0.1).scalar,
                       1.3774065331887353, accuracy: 1e-13)
        XCTAssertEqual(crossEntropy(logits: z2, labels: labels, labelSmoothing: 0.1, reduction: .sum).scalar,
                       6.887032665943677, accuracy: 1e-13)
        assertClose(crossEntropy(logits: z2, labels: labels, labelSmoothing: 0.1, reduction: .none).scalars,
                    [1.34126209698694, 2.001938139065426, 1.6391518156605362, 1.4760313875246691, 0.42864922670610556],
                    tolerance: 1e-13)
        // ε = 1: the target is uniform, the loss the mean over classes of −log p whatever the label.
        let uniform = crossEntropy(logits: z2, labels: labels, labelSmoothing: 1, reduction: .none)
        assertClose(uniform.scalars, (-z2.logSoftmax(axis: 1).mean(axes: [1])).scalars, tolerance: 1e-15)
        // The same as soft targets (1 − ε)·one-hot + ε/C.
        let oneHot = Tensor<Double>([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0], shape: [5, 3])
        let soft = crossEntropy(logits: z2, targets: 0.9 * oneHot + 0.1 / 3, reduction: .none)
        assertClose(crossEntropy(logits: z2, labels: labels, labelSmoothing: 0.1, reduction: .none).scalars,
                    soft.scalars, tolerance: 1e-14)
    }

    func testIgnoreIndexWithLabelSmoothingMatchesPyTorch() throws {
        // A class index can be the ignored label: here class 1.
        let labels = Tensor<Double>([2, 1, 0, 1, 2])
        func loss(_ z: Tensor<Double>, _ reduction: Reduction) -> Tensor<Double> {
            crossEntropy(logits: z, labels: labels, ignoreIndex: 1, labelSmoothing: 0.25, reduction: reduction)
        }
        // F.cross_entropy(z, torch.tensor([2, 1, 0, 1, 2]), ignore_index=1, label_smoothing=0.25, reduction=…)
        XCTAssertEqual(loss(z2, .mean).scalar, 1.2290714105039315, accuracy: 1e-13)
        XCTAssertEqual(loss(z2, .sum).scalar, 3.6872142315117946, accuracy: 1e-13)
        assertClose(loss(z2, .none).scalars, [1.3480065528095135, 0, 0.6667323259636322, 0, 1.6724753527386493],
                    tolerance: 1e-13)
        // x.grad after the same call (mean) and .backward()
        let z = z2.requiringGrad()
        let g = try gradients(of: loss(z, .mean), wrt: [z])[0]
        assertClose(g.scalars, [0.0034520748878895933, 0.1867610686932973, -0.19021314358118688, 0, 0, 0,
                                -0.017942868783936555, 0.03898572047693381, -0.02104285169299723, 0, 0, 0,
                                0.216211603808497, 0.002894810820062718, -0.21910641462855968], tolerance: 1e-13)
    }

    func testClassesLastMatchPyTorch() {
        // [batch 2, time 3, classes 4] with labels [2, 3]; PyTorch wants the classes on axis 1:
        // F.cross_entropy(z.permute(0, 2, 1), torch.tensor([[3, 0, 1], [2, 2, 0]]), reduction=…)
        let labels = Tensor<Double>([3, 0, 1, 2, 2, 0], shape: [2, 3])
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: -1).scalar, 3.238012868247744, accuracy: 1e-13)
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: 2).scalar, 3.238012868247744, accuracy: 1e-13)
        let perPosition = crossEntropy(logits: z3, labels: labels, classAxis: -1, reduction: .none)
        XCTAssertEqual(perPosition.shape, [2, 3])
        assertClose(perPosition.scalars, [3.766700753041841, 4.161992600322369, 3.8187305653588,
                                          2.8294184049603364, 4.025923760881936, 0.8253111249211811], tolerance: 1e-13)
        // … ignore_index=0, label_smoothing=0.1 (mean)
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: -1, ignoreIndex: 0, labelSmoothing: 0.1).scalar,
                       3.4680979499106197, accuracy: 1e-13)
        // The same as flattening to [batch·time, classes], the usual workaround.
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: -1).scalar,
                       crossEntropy(logits: z3.reshaped([6, 4]), labels: labels.reshaped([6])).scalar, accuracy: 1e-15)
    }

    func testClassAxisOneMatchesPyTorch() {
        // PyTorch's layout [batch 2, classes 3, positions 4] with labels [2, 4]:
        // F.cross_entropy(z, torch.tensor([[0, 2, 1, 1], [2, 0, 0, 1]]), reduction=…)
        let labels = Tensor<Double>([0, 2, 1, 1, 2, 0, 0, 1], shape: [2, 4])
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: 1).scalar, 1.76908566789276, accuracy: 1e-13)
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels).scalar, 1.76908566789276, accuracy: 1e-13,
                       "axis 1 is the default")
        assertClose(crossEntropy(logits: z3, labels: labels, classAxis: 1, reduction: .none).scalars,
                    [0.30882760247232877, 3.678648881645003, 0.5277277564029091, 1.5963132606188224,
                     0.9799557927057858, 3.681495618418145, 1.173599351038535, 2.206117079840552], tolerance: 1e-13)
        // … ignore_index=2, label_smoothing=0.3, reduction="sum"
        XCTAssertEqual(crossEntropy(logits: z3, labels: labels, classAxis: 1, ignoreIndex: 2, labelSmoothing: 0.3,
                                    reduction: .sum).scalar, 9.531355508764285, accuracy: 1e-13)
    }

    // MARK: Ignored samples

    func testEveryLabelIgnoredGivesNaNWithAZeroGradient() throws {
        let labels = Tensor<Double>([-100, -100, -100, -100, -100])
        for smoothing in [0, 0.1] {
            // F.cross_entropy(z, torch.full((5,), -100), ignore_index=-100, label_smoothing=…): nan, x.grad all 0
            let z = z2.requiringGrad()
            let loss = crossEntropy(logits: z, labels: labels, ignoreIndex: -100, labelSmoothing: smoothing)
            XCTAssertTrue(loss.scalar.isNaN)
            let g = try gradients(of: loss, wrt: [z])[0]
            XCTAssertEqual(g.scalars, [Double](repeating: 0, count: 15))
            // reduction="sum" → 0, reduction="none" → zeros
            XCTAssertEqual(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100, labelSmoothing: smoothing,
                                        reduction: .sum).scalar, 0)
            XCTAssertEqual(crossEntropy(logits: z2, labels: labels, ignoreIndex: -100, labelSmoothing: smoothing,
                                        reduction: .none).scalars, [0, 0, 0, 0, 0])
        }
        // An empty batch keeps the package's rule (``Reduction/mean``: 0, not NaN), ignoreIndex or not.
        let empty = crossEntropy(logits: Tensor<Double>.zeros([0, 3]), labels: Tensor([], shape: [0]), ignoreIndex: -100)
        XCTAssertEqual(empty.scalar, 0)
    }

    func testIgnoredSamplesGetExactlyZeroGradient() throws {
        let labels = Tensor<Double>([2, 7, 0, 7, 1])
        for smoothing in [0, 0.2] {
            for reduction in reductions {
                let z = z2.requiringGrad()
                let loss = crossEntropy(logits: z, labels: labels, ignoreIndex: 7, labelSmoothing: smoothing,
                                        reduction: reduction)
                let g = try gradients(of: reduction == .none ? loss.sum() : loss, wrt: [z])[0]
                for row in [1, 3] {
                    XCTAssertEqual((0..<3).map { g[index: row, $0] }, [0, 0, 0], "row \(row), \(reduction), ε \(smoothing)")
                }
                for row in [0, 2, 4] {
                    XCTAssertTrue((0..<3).contains { g[index: row, $0] != 0 }, "row \(row) counts")
                    // Each counted row's gradient sums to 0 (softmax − target, both summing to 1).
                    XCTAssertEqual((0..<3).map { g[index: row, $0] }.reduce(0, +), 0, accuracy: 1e-15)
                }
            }
        }
        // The negative log-likelihood has the same ignoreIndex.
        let z = z2.requiringGrad()
        let nll = negativeLogLikelihood(logProbabilities: z.logSoftmax(axis: 1), labels: labels, ignoreIndex: 7)
        XCTAssertEqual(nll.scalar, crossEntropy(logits: z2, labels: labels, ignoreIndex: 7).scalar, accuracy: 1e-15)
        let g = try gradients(of: nll, wrt: [z])[0]
        XCTAssertEqual([g[index: 1, 0], g[index: 1, 1], g[index: 1, 2], g[index: 3, 0]], [0, 0, 0, 0])
    }

    func testOptionsLeftAtTheirDefaultsChangeNothing() {
        let labels = Tensor<Double>([2, 0, 1, 1, 0])
        for reduction in reductions {
            let plain = crossEntropy(logits: z2, labels: labels, reduction: reduction)
            // An ignoreIndex no label equals, and ε = 0: the same graph, so the same bits.
            let options = crossEntropy(logits: z2, labels: labels, classAxis: -1, ignoreIndex: -100, labelSmoothing: 0,
                                       reduction: reduction)
            XCTAssertEqual(plain.scalars, options.scalars, "\(reduction)")
        }
    }

    // MARK: Gradcheck (Double)

    func testGradcheckIgnoreIndex() {
        let labels = Tensor<Double>([2, 0, -100, 1, -100])
        for reduction in reductions {
            assertGradcheck([z2], names: ["logits"], "CE ignoreIndex \(reduction)") {
                crossEntropy(logits: $0[0], labels: labels, ignoreIndex: -100, reduction: reduction)
            }
            assertGradcheck([z2.logSoftmax(axis: 1)], names: ["logProbabilities"], "NLL ignoreIndex \(reduction)") {
                negativeLogLikelihood(logProbabilities: $0[0], labels: labels, ignoreIndex: -100, reduction: reduction)
            }
        }
    }

    func testGradcheckLabelSmoothing() {
        let labels = Tensor<Double>([2, 0, 1, 1, 0])
        for reduction in reductions {
            for smoothing in [0.1, 1] {
                assertGradcheck([z2], names: ["logits"], "CE labelSmoothing \(smoothing) \(reduction)") {
                    crossEntropy(logits: $0[0], labels: labels, labelSmoothing: smoothing, reduction: reduction)
                }
            }
        }
    }

    func testGradcheckIgnoreIndexWithLabelSmoothing() {
        let labels = Tensor<Double>([2, 1, 0, 1, 2])
        for reduction in reductions {
            assertGradcheck([z2], names: ["logits"], "CE ignoreIndex + labelSmoothing \(reduction)") {
                crossEntropy(logits: $0[0], labels: labels, ignoreIndex: 1, labelSmoothing: 0.25, reduction: reduction)
            }
        }
    }

    func testGradcheckClassesLast() {
        let labels = Tensor<Double>([3, 0, 1, 2, 2, 0], shape: [2, 3])
        for reduction in reductions {
            assertGradcheck([z3], names: ["logits"], "CE [batch, time, classes] \(reduction)") {
                crossEntropy(logits: $0[0], labels: labels, classAxis: -1, reduction: reduction)
            }
        }
        assertGradcheck([z3], names: ["logits"], "CE [batch, time, classes] ignoreIndex + labelSmoothing") {
            crossEntropy(logits: $0[0], labels: labels, classAxis: -1, ignoreIndex: 0, labelSmoothing: 0.1)
        }
    }

    func testGradcheckClassAxisOne() {
        let labels = Tensor<Double>([0, 2, 1, 1, 2, 0, 0, 1], shape: [2, 4])
        for reduction in reductions {
            assertGradcheck([z3], names: ["logits"], "CE classAxis 1 on [2, 3, 4] \(reduction)") {
                crossEntropy(logits: $0[0], labels: labels, classAxis: 1, reduction: reduction)
            }
        }
        assertGradcheck([z3], names: ["logits"], "CE classAxis 1 ignoreIndex + labelSmoothing") {
            crossEntropy(logits: $0[0], labels: labels, classAxis: 1, ignoreIndex: 2, labelSmoothing: 0.3, reduction: .sum)
        }
    }

    // MARK: The user guide's example

    func testUserGuideSnippet() {
        // docs/UserGuide.md, "Losses": [batch 1, time 3, vocabulary 4], padding label 0 ignored.
        let tokenScores = Tensor<Float>([2, 0.5, -1, 0, 0, 3, 0.2, 1, 1, 1, 1, 1], shape: [1, 3, 4])
        let nextTokens = Tensor<Float>([1, 2, 0], shape: [1, 3])
        let lm = crossEntropy(logits: tokenScores, labels: nextTokens, classAxis: -1, ignoreIndex: 0,
                              labelSmoothing: 0.1)
        // F.cross_entropy(s.permute(0, 2, 1), torch.tensor([[1, 2, 0]]), ignore_index=0, label_smoothing=0.1)
        // with s the same scores in float64: 2.394866879546333
        XCTAssertEqual(Double(lm.scalar), 2.3949, accuracy: 1e-4)
    }

    // MARK: Bad calls

    static let roleKey = "AUTOGRAD_CROSS_ENTROPY_OPTIONS_CASE"

    /// Each case: the call that must trap, and fragments its message must hold.
    static let trapCases: [String: (run: @Sendable () -> Void, expected: [String])] = [
        "classes last without classAxis": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 5, 7]), labels: Tensor.zeros([2, 5]))
        }, ["crossEntropy: labels of shape [2, 5] do not match logits of shape [2, 5, 7] with the classes on axis 1 "
            + "(classAxis: 1): expected labels of shape [2, 7]", "pass classAxis: -1"]),
        "pytorch layout with classAxis -1": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 3, 4]), labels: Tensor.zeros([2, 4]), classAxis: -1)
        }, ["crossEntropy: labels of shape [2, 4] do not match logits of shape [2, 3, 4] with the classes on axis 2 "
            + "(classAxis: -1): expected labels of shape [2, 3]", "PyTorch's layout [batch, classes, …]: pass classAxis: 1"]),
        "labels fitting no axis": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([4, 3]), labels: Tensor.zeros([3]))
        }, ["crossEntropy: labels of shape [3] do not match logits of shape [4, 3] with the classes on axis 1 "
            + "(classAxis: 1): expected labels of shape [4]"]),
        "classAxis out of range": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 3]), labels: Tensor.zeros([2]), classAxis: 2)
        }, ["crossEntropy: classAxis 2 is out of range for logits of shape [2, 3] (rank 2: axes -2..<2)"]),
        "label smoothing above 1": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 3]), labels: Tensor.zeros([2]), labelSmoothing: 1.5)
        }, ["crossEntropy: labelSmoothing 1.5 is not in [0, 1]"]),
        "label smoothing NaN": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 3]), labels: Tensor.zeros([2]), labelSmoothing: .nan)
        }, ["crossEntropy: labelSmoothing nan is not in [0, 1]"]),
        "label out of range with an ignoreIndex": ({
            _ = crossEntropy(logits: Tensor<Float>.zeros([2, 3]), labels: Tensor([-100, 3]), ignoreIndex: -100)
        }, ["crossEntropy: label 3.0 at position 1 of labels [2] is not a class index in 0..<3",
            "classes on axis 1", "nor the ignoreIndex -100"]),
        "nll labels of the wrong shape": ({
            _ = negativeLogLikelihood(logProbabilities: Tensor<Float>.zeros([2, 5, 7]), labels: Tensor.zeros([2, 7]),
                                      classAxis: -1)
        }, ["negativeLogLikelihood: labels of shape [2, 7] do not match logProbabilities of shape [2, 5, 7] with the "
            + "classes on axis 2 (classAxis: -1): expected labels of shape [2, 5]", "pass classAxis: 1"]),
    ]

    func testBadCallsTrapWithAMessage() throws {
        try runTrapCases(Self.trapCases, roleKey: Self.roleKey, test: "GradCheckTests.CrossEntropyOptionsTests/testBadCallsTrapWithAMessage")
    }
}

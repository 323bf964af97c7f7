import XCTest
import Foundation
import Layers

/// Every loss: values by hand, gradcheck with respect to its inputs for every reduction and
/// both target forms, the known closed-form gradients, stability at extreme logits, and the
/// L2 penalty.
final class LossTests: XCTestCase {
    let predicted = Tensor<Double>.randomNormal([3, 4], seed: 1)
    let target = Tensor<Double>.randomNormal([3, 4], seed: 2)
    let reductions: [Reduction] = [.none, .sum, .mean, .batchMean]

    // MARK: Regression

    /// Every loss names what it compares against `targets:` (or, for class indices, `labels:`),
    /// as `Dataset(inputs:targets:)` and `fit`'s loss closure do.
    func testEveryLossTakesTargets() {
        let p = Tensor<Double>(rows: [[0.2, 0.8], [0.6, 0.4]]), t = Tensor<Double>(rows: [[0, 1], [1, 0]])
        let values = [meanSquaredError(predicted: p, targets: t), meanAbsoluteError(predicted: p, targets: t),
                      l2Loss(predicted: p, targets: t), l1Loss(predicted: p, targets: t),
                      huberLoss(predicted: p, targets: t, delta: 1), crossEntropy(logits: p, targets: t),
                      binaryCrossEntropy(probabilities: p, targets: t), binaryCrossEntropy(logits: p, targets: t),
                      crossEntropy(logits: p, labels: Tensor([1, 0]))].map(\.scalar)
        XCTAssertEqual(values[0], (0.04 + 0.04 + 0.16 + 0.16) / 4, accuracy: 1e-15)
        XCTAssertEqual(values[1], 0.3, accuracy: 1e-15)
        XCTAssertEqual(values[2], 0.2, accuracy: 1e-15)
        XCTAssertEqual(values[3], 1.2, accuracy: 1e-15)
        XCTAssertEqual(values[4], 0.05, accuracy: 1e-15)
        XCTAssertEqual(values[5], values[8], accuracy: 1e-15, "one-hot targets and labels agree")
        XCTAssertTrue(values.allSatisfy { $0.isFinite && $0 > 0 })
    }

    func testRegressionValuesByHand() {
        let p = Tensor<Double>(rows: [[1, 2], [3, 4]]), t = Tensor<Double>(rows: [[0, 2], [5, 1]])
        // d = [[1, 0], [-2, 3]]: d² = [1, 0, 4, 9] (sum 14), |d| = [1, 0, 2, 3] (sum 6)
        XCTAssertEqual(meanSquaredError(predicted: p, targets: t).scalar, 14.0 / 4)
        XCTAssertEqual(meanSquaredError(predicted: p, targets: t, reduction: .sum).scalar, 14)
        XCTAssertEqual(meanSquaredError(predicted: p, targets: t, reduction: .batchMean).scalar, 7)
        XCTAssertEqual(meanSquaredError(predicted: p, targets: t, reduction: .none), Tensor(rows: [[1, 0], [4, 9]]))
        XCTAssertEqual(l2Loss(predicted: p, targets: t).scalar, 7, "½‖d‖², summed by default")
        XCTAssertEqual(l2Loss(predicted: p, targets: t, reduction: .batchMean).scalar, 3.5)
        XCTAssertEqual(l2Loss(predicted: p, targets: t, reduction: .mean).scalar, 1.75)
        XCTAssertEqual(meanAbsoluteError(predicted: p, targets: t).scalar, 1.5)
        XCTAssertEqual(l1Loss(predicted: p, targets: t).scalar, 6)
        XCTAssertEqual(l1Loss(predicted: p, targets: t, reduction: .mean), meanAbsoluteError(predicted: p, targets: t))
        // Huber with delta 1: |d| = 1 → ½, 0 → 0, 2 → 1.5, 3 → 2.5
        XCTAssertEqual(huberLoss(predicted: p, targets: t, reduction: .none).scalars, [0.5, 0, 1.5, 2.5])
    }

    func testRegressionGradcheck() {
        for reduction in reductions {
            assertGradcheck([predicted, target], names: ["predicted", "target"], "MSE \(reduction)") {
                meanSquaredError(predicted: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([predicted, target], names: ["predicted", "target"], "L2 \(reduction)") {
                l2Loss(predicted: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([predicted, target], names: ["predicted", "target"], "MAE \(reduction)") {
                meanAbsoluteError(predicted: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([predicted, target], names: ["predicted", "target"], "L1 \(reduction)") {
                l1Loss(predicted: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([predicted * 2, target], names: ["predicted", "target"], "Huber \(reduction)") {
                huberLoss(predicted: $0[0], targets: $0[1], delta: 0.7, reduction: reduction)
            }
        }
    }

    func testClosedFormGradients() throws {
        let p = predicted.requiringGrad()
        // ½‖ŷ − y‖² has gradient ŷ − y (worked example 5).
        let g = try gradients(of: l2Loss(predicted: p, targets: target), wrt: [p])[0]
        assertClose(g.scalars, (predicted - target).scalars, tolerance: 1e-15)
        let m = try gradients(of: meanSquaredError(predicted: p, targets: target), wrt: [p])[0]
        assertClose(m.scalars, ((predicted - target) * (2.0 / 12)).scalars, tolerance: 1e-15)
        let a = try gradients(of: meanAbsoluteError(predicted: p, targets: target), wrt: [p])[0]
        assertClose(a.scalars, (predicted - target).sign().scalars.map { $0 / 12 }, tolerance: 1e-15)
    }

    // MARK: Binary cross-entropy

    let logits = Tensor<Double>.randomNormal([3, 2], seed: 3) * 2
    let binaryTargets = Tensor<Double>(rows: [[1, 0], [0, 0], [1, 1]])
    let softTargets = Tensor<Double>(rows: [[0.9, 0.1], [0.3, 0.5], [1, 0.2]])

    func testBinaryCrossEntropyValues() {
        let p = Tensor<Double>([0.9, 0.2]), t = Tensor<Double>([1, 0])
        let expected = -(log(0.9) + log(0.8)) / 2
        XCTAssertEqual(binaryCrossEntropy(probabilities: p, targets: t).scalar, expected, accuracy: 1e-15)
        // From logits: the same loss of sigmoid(z).
        let z = Tensor<Double>([2.1972245773362196, -1.3862943611198906])   // logit(0.9), logit(0.2)
        XCTAssertEqual(binaryCrossEntropy(logits: z, targets: t).scalar, expected, accuracy: 1e-12)
        let fromLogits = binaryCrossEntropy(logits: logits, targets: softTargets, reduction: .none)
        let fromProbabilities = binaryCrossEntropy(probabilities: logits.sigmoid(), targets: softTargets, reduction: .none)
        assertClose(fromLogits.scalars, fromProbabilities.scalars, tolerance: 1e-12)
        // Clamping: probabilities of exactly 0 and 1 give a finite loss of −log(eps).
        let clamped = binaryCrossEntropy(probabilities: Tensor<Double>([0, 1]), targets: Tensor([1, 0]), reduction: .none)
        assertClose(clamped.scalars, [-log(1e-7), -log(1e-7)], tolerance: 1e-6)
    }

    func testBinaryCrossEntropyGradcheck() {
        let probabilities = logits.sigmoid()
        for reduction in reductions {
            for (form, t) in [("0/1", binaryTargets), ("soft", softTargets)] {
                assertGradcheck([probabilities, t], names: ["probabilities", "targets"], "BCE(p) \(form) \(reduction)") {
                    binaryCrossEntropy(probabilities: $0[0], targets: $0[1], reduction: reduction)
                }
                assertGradcheck([logits, t], names: ["logits", "targets"], "BCE(logits) \(form) \(reduction)") {
                    binaryCrossEntropy(logits: $0[0], targets: $0[1], reduction: reduction)
                }
            }
        }
    }

    func testBinaryCrossEntropyFromLogitsIsStableAndExactAtZero() throws {
        let z = Tensor<Double>([-1000, -30, 0, 0, 30, 1000]).requiringGrad()
        let t = Tensor<Double>([1, 0, 1, 0, 1, 0])
        let losses = binaryCrossEntropy(logits: z, targets: t, reduction: .none)
        XCTAssertTrue(losses.scalars.allSatisfy(\.isFinite), "\(losses)")
        assertClose(losses.scalars, [1000, 9.357622968839299e-14, log(2), log(2), 9.357622968839299e-14, 1000],
                    tolerance: 1e-12)
        let g = try gradients(of: losses.sum(), wrt: [z])[0]
        // sigmoid(z) − t, exactly ½ − t at z = 0.
        let expected = zip(z.scalars, t.scalars).map { 1 / (1 + exp(-$0)) - $1 }
        assertClose(g.scalars, expected, tolerance: 1e-15)
        XCTAssertEqual(g.scalars[2], -0.5)
        XCTAssertEqual(g.scalars[3], 0.5)
        let f = Tensor<Float>([-100, 100])
        XCTAssertTrue(binaryCrossEntropy(logits: f, targets: Tensor([1, 0]), reduction: .none).scalars.allSatisfy(\.isFinite))
        assertGradcheck([Tensor<Double>([0, 0, 1e-3])], names: ["z"], "BCE(logits) at 0") {
            binaryCrossEntropy(logits: $0[0], targets: Tensor([1, 0, 0.5]), reduction: .sum)
        }
    }

    // MARK: Categorical cross-entropy and NLL

    let classLogits = Tensor<Double>.randomNormal([4, 3], seed: 4) * 2
    let labels = Tensor<Double>([2, 0, 1, 2])
    var oneHot: Tensor<Double> {
        Tensor(labels.scalars.flatMap { l in (0..<3).map { Double($0) == l ? 1 : 0 } }, shape: [4, 3])
    }

    func testCrossEntropyValuesAndForms() {
        // One sample, logits [0, ln 2, ln 3]: softmax = [1/6, 2/6, 3/6]; label 2 → −ln(½).
        let z = Tensor<Double>([[0, log(2), log(3)]].flatMap { $0 }, shape: [1, 3])
        XCTAssertEqual(crossEntropy(logits: z, labels: Tensor([2])).scalar, log(2), accuracy: 1e-15)
        XCTAssertEqual(crossEntropy(logits: z, labels: Tensor([0])).scalar, log(6), accuracy: 1e-14)
        let byLabel = crossEntropy(logits: classLogits, labels: labels, reduction: .none)
        let byOneHot = crossEntropy(logits: classLogits, targets: oneHot, reduction: .none)
        XCTAssertEqual(byLabel.shape, [4])
        assertClose(byLabel.scalars, byOneHot.scalars, tolerance: 1e-14)
        let nll = negativeLogLikelihood(logProbabilities: classLogits.logSoftmax(axis: 1), labels: labels, reduction: .none)
        assertClose(nll.scalars, byLabel.scalars, tolerance: 1e-15)
        XCTAssertEqual(crossEntropy(logits: classLogits, labels: labels).scalar, byLabel.mean().scalar, accuracy: 1e-15)
        XCTAssertEqual(crossEntropy(logits: classLogits, labels: labels, reduction: .sum).scalar, byLabel.sum().scalar,
                       accuracy: 1e-14)
        // Large logits stay finite.
        let big = crossEntropy(logits: Tensor<Double>(rows: [[1000, -1000, 0]]), labels: Tensor([1]))
        XCTAssertEqual(big.scalar, 2000, accuracy: 1e-9)
    }

    func testCrossEntropyGradientIsSoftmaxMinusOneHot() throws {
        let z = classLogits.requiringGrad()
        let g = try gradients(of: crossEntropy(logits: z, labels: labels), wrt: [z])[0]
        assertClose(g.scalars, ((classLogits.softmax(axis: 1) - oneHot) / 4).scalars, tolerance: 1e-15)
    }

    func testCrossEntropyGradcheck() {
        let soft = Tensor<Double>.randomUniform([4, 3], seed: 5).softmax(axis: 1)
        for reduction in reductions {
            assertGradcheck([classLogits], names: ["logits"], "CE labels \(reduction)") {
                crossEntropy(logits: $0[0], labels: self.labels, reduction: reduction)
            }
            assertGradcheck([classLogits, oneHot], names: ["logits", "targets"], "CE one-hot \(reduction)") {
                crossEntropy(logits: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([classLogits, soft], names: ["logits", "targets"], "CE soft targets \(reduction)") {
                crossEntropy(logits: $0[0], targets: $0[1], reduction: reduction)
            }
            assertGradcheck([classLogits.logSoftmax(axis: 1)], names: ["logProbabilities"], "NLL \(reduction)") {
                negativeLogLikelihood(logProbabilities: $0[0], labels: self.labels, reduction: reduction)
            }
        }
    }

    func testCrossEntropyPerPosition() {
        // Segmentation layout: logits [N, C, H, W], labels [N, H, W].
        let z = Tensor<Double>.randomNormal([2, 3, 2, 2], seed: 6)
        let l = Tensor<Double>([0, 1, 2, 1, 2, 2, 0, 1], shape: [2, 2, 2])
        let perPosition = crossEntropy(logits: z, labels: l, reduction: .none)
        XCTAssertEqual(perPosition.shape, [2, 2, 2])
        let first = -z.logSoftmax(axis: 1)[index: 0, 0, 0, 0]
        XCTAssertEqual(perPosition[index: 0, 0, 0], first, accuracy: 1e-15)
        assertGradcheck([z], names: ["logits"], "CE per position") { crossEntropy(logits: $0[0], labels: l) }
    }

    // MARK: Penalties

    func testL2PenaltyValueAndGradient() throws {
        let model = Sequential<Double> {
            Dense(weight: Tensor(rows: [[1, 2], [3, 4]]), bias: Tensor([5, 6]))
            Dense(weight: Tensor(rows: [[1, -1]]))
        }
        // (λ/2)·Σw² over weights only: (1 + 4 + 9 + 16 + 1 + 1)·0.1/2 = 1.6
        let penalty = l2Penalty(model, lambda: 0.1)
        XCTAssertEqual(penalty.scalar, 1.6, accuracy: 1e-14)
        XCTAssertEqual(l2Penalty(model, lambda: 0.1, includeBiases: true).scalar, 1.6 + (25 + 36) * 0.05, accuracy: 1e-14)
        penalty.backward()
        let w0 = model.parameter(named: "layers.0.weight")
        assertClose(w0?.grad?.scalars ?? [], [0.1, 0.2, 0.3, 0.4], tolerance: 1e-15)
        XCTAssertNil(model.parameter(named: "layers.0.bias")?.grad, "biases are not penalized by default")
        XCTAssertEqual(l2Penalty([Parameter<Double>](), lambda: 1).scalar, 0)
        XCTAssertEqual(l1Penalty(model, lambda: 0.5).scalar, 6, accuracy: 1e-14)
        let w = Tensor<Double>.randomNormal([2, 3], seed: 7)
        assertGradcheck([w], names: ["w"], "l2Penalty") { v in
            l2Penalty(Dense(weight: v[0], bias: Tensor([1, 1])), lambda: 0.3)
        }
    }
}

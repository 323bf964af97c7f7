import Foundation
import XCTest
@testable import Layers
import Optim

/// TrainingDiagnostics against statistics computed by hand on a tiny model whose layer outputs
/// are known: an identity `Dense` passes x through, then tanh, ReLU and a 3 → 1 `Dense`.
final class TrainingDiagnosticsTests: XCTestCase {
    /// x, [3 examples, 3 units]: column 2 is negative in every example (a dead ReLU unit after
    /// tanh); tanh(±3) and tanh(2.1) are beyond ±0.97, tanh(−2) = −0.964 is not.
    static let x = Tensor<Double>(rows: [[3, 0, -1], [-3, 0.5, -2], [0.1, 2.1, -0.5]])

    static func tinyModel() -> Sequential<Double> {
        Sequential<Double> {
            Dense(weight: Tensor.identity(3), bias: Tensor.zeros([3]))   // layer 0: x itself
            Tanh<Double>()                                                // layer 1
            ReLU<Double>()                                                // layer 2
            Dense(weight: Tensor(rows: [[1, 2, 3]]), bias: Tensor([0.5])) // layer 3: [3, 1]
        }
    }

    static func loss(_ model: Sequential<Double>) -> Tensor<Double> { model(x).squared().mean() }

    /// Mean and sample standard deviation, written out.
    static func meanAndStd(_ v: [Double]) -> (Double, Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        return (mean, (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
    }

    func testActivationStatisticsMatchHandComputedValues() throws {
        let model = Self.tinyModel()
        let diagnostics = TrainingDiagnostics(model, bins: 4)
        let sgd = SGD(model, learningRate: 0.1)
        let loss = Self.loss(model)
        model.zeroGrad()
        loss.backward()
        diagnostics.step(sgd)
        diagnostics.detach()

        let record = try XCTUnwrap(diagnostics.records.first)
        XCTAssertEqual(diagnostics.records.count, 1)
        XCTAssertEqual(record.step, 0)
        XCTAssertEqual(record.layers.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(record.layers.map(\.type), ["Dense", "Tanh", "ReLU", "Dense"])
        XCTAssertEqual(record.layers.map(\.kind), [.other, .tanh, .relu, .other])
        XCTAssertEqual(record.layers[1].name, "layer 1 (Tanh)")

        // Layer 0 outputs x: histogram over ±max |x| = ±3, bins of 1.5:
        // [−3, −1.5): −3, −2; [−1.5, 0): −1, −0.5; [0, 1.5): 0, 0.5, 0.1; [1.5, 3]: 3, 2.1.
        let xs: [Double] = [3, 0, -1, -3, 0.5, -2, 0.1, 2.1, -0.5]
        let dense = record.layers[0]
        let (xMean, xStd) = Self.meanAndStd(xs)
        XCTAssertEqual(dense.activations.count, 9)
        XCTAssertEqual(dense.activations.mean, xMean, accuracy: 1e-12)      // −0.8 / 9
        XCTAssertEqual(dense.activations.mean, -0.8 / 9, accuracy: 1e-12)
        XCTAssertEqual(dense.activations.standardDeviation, xStd, accuracy: 1e-12)
        XCTAssertEqual(dense.activations.histogram.lowerBound, -3)
        XCTAssertEqual(dense.activations.histogram.upperBound, 3)
        XCTAssertEqual(dense.activations.histogram.counts, [2, 2, 3, 2])
        XCTAssertNil(dense.saturation)
        XCTAssertNil(dense.deadFraction)

        // Layer 1: tanh; saturated: tanh 3, tanh −3, tanh 2.1 (3 of 9). Histogram over [−1, 1]:
        // [−1, −0.5): tanh −1, −3, −2; [−0.5, 0): tanh −0.5; [0, 0.5): tanh 0, 0.5, 0.1; [0.5, 1]: tanh 3, 2.1.
        let ts = xs.map(Foundation.tanh)
        let (tMean, tStd) = Self.meanAndStd(ts)
        let tanh = record.layers[1]
        XCTAssertEqual(tanh.activations.mean, tMean, accuracy: 1e-12)
        XCTAssertEqual(tanh.activations.standardDeviation, tStd, accuracy: 1e-12)
        XCTAssertEqual(tanh.saturation ?? -1, 3.0 / 9, accuracy: 1e-15)
        XCTAssertEqual(tanh.activations.histogram.counts, [3, 1, 3, 2])
        XCTAssertEqual(tanh.activations.histogram.centers, [-0.75, -0.25, 0.25, 0.75])
        XCTAssertEqual(tanh.activations.histogram.densities.reduce(0, +) * 0.5, 1, accuracy: 1e-12, "area 1")
        XCTAssertNil(tanh.deadFraction)

        // Layer 2: ReLU; unit 2 is 0 in every example, units 0 and 1 are positive somewhere.
        let relu = record.layers[2]
        XCTAssertEqual(relu.deadFraction ?? -1, 1.0 / 3, accuracy: 1e-15)
        XCTAssertNil(relu.saturation)
        let (rMean, rStd) = Self.meanAndStd(ts.map { Swift.max($0, 0) })
        XCTAssertEqual(relu.activations.mean, rMean, accuracy: 1e-12)
        XCTAssertEqual(relu.activations.standardDeviation, rStd, accuracy: 1e-12)
    }

    func testGradientStatisticsEqualTheRetainedGradients() throws {
        let model = Self.tinyModel()
        let diagnostics = TrainingDiagnostics(model, bins: 8)
        var outputs: [Tensor<Double>] = []
        let watcher = model.registerForwardHook { _, _, output in
            output.retainGrad()
            outputs.append(output)
            return nil
        }
        let loss = Self.loss(model)
        model.zeroGrad()
        loss.backward()
        diagnostics.step(SGD(model, learningRate: 0.1))
        watcher.remove()
        diagnostics.detach()

        let record = try XCTUnwrap(diagnostics.records.first)
        XCTAssertEqual(outputs.count, 4)
        for (layer, output) in zip(record.layers, outputs) {
            let retained = try XCTUnwrap(output.grad, "layer \(layer.index)")
            let gradients = try XCTUnwrap(layer.gradients, "layer \(layer.index)")
            let (mean, std) = Self.meanAndStd(retained.scalars)
            XCTAssertEqual(gradients.count, retained.count)
            XCTAssertEqual(gradients.mean, mean, accuracy: 1e-15)
            XCTAssertEqual(gradients.standardDeviation, std, accuracy: 1e-15)
            XCTAssertEqual(gradients.histogram, Histogram(retained.scalars, bins: 8,
                                                          range: -(retained.scalars.map(abs).max() ?? 1)...(retained.scalars.map(abs).max() ?? 1)))
        }
        // The tanh layer's gradient is the ReLU's times (1 − t²): zero in the dead column.
        let tanhGradient = try XCTUnwrap(outputs[1].grad)
        XCTAssertEqual([tanhGradient[index: 0, 2], tanhGradient[index: 1, 2], tanhGradient[index: 2, 2]], [0, 0, 0])
    }

    func testUpdateRatioIsTheFormulaForPlainSGD() throws {
        let model = Self.tinyModel()
        let diagnostics = TrainingDiagnostics(model)
        let learningRate = 0.1
        let sgd = SGD(model, learningRate: learningRate)
        let before = model.namedParameters.map { ($0.name, $0.parameter.value.scalars) }
        let loss = Self.loss(model)
        model.zeroGrad()
        loss.backward()
        let gradients = model.parameters.map { $0.grad?.scalars ?? [] }
        diagnostics.beforeUpdate()
        sgd.step()
        diagnostics.afterUpdate()
        diagnostics.detach()

        let updates = try XCTUnwrap(diagnostics.records.first?.updates)
        XCTAssertEqual(updates.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"])
        XCTAssertEqual(updates.map(\.shape), [[3, 3], [3], [1, 3], [1]])
        XCTAssertEqual(diagnostics.parameterNames, updates.map(\.name))
        // log₁₀(std(lr·g) / std(w)) for the weights, whose values are not all equal.
        for i in [0, 2] {
            let expected = log10(Self.meanAndStd(gradients[i].map { learningRate * $0 }).1 / Self.meanAndStd(before[i].1).1)
            XCTAssertEqual(updates[i].log10Ratio, expected, accuracy: 1e-9, updates[i].name)
        }
        XCTAssertEqual(updates[1].log10Ratio, .infinity, "a bias at zero: std 0 before the step")
        XCTAssertTrue(updates[3].log10Ratio.isNaN, "one element: no standard deviation")
        XCTAssertEqual(diagnostics.updateRatios(of: "layers.3.weight").map(\.step), [0])
        XCTAssertEqual(diagnostics.updateRatios(of: "layers.3.weight").first?.log10Ratio, updates[2].log10Ratio)
    }

    func testRecordsEveryKthStepWithBoundedMemory() {
        let model = Self.tinyModel()
        let diagnostics = TrainingDiagnostics(model, every: 2, capacity: 4)
        let sgd = SGD(model, learningRate: 0.01)
        var recorded: [Bool] = []
        for _ in 0..<20 {
            recorded.append(diagnostics.isRecordingStep)
            let loss = Self.loss(model)
            model.zeroGrad()
            loss.backward()
            diagnostics.step(sgd)
        }
        // Steps 0, 2, 4, 6; the fifth (8) doubles the interval to 4 (0, 4, 8), the next fifth
        // (16) to 8 (0, 8, 16).
        XCTAssertEqual(diagnostics.records.map(\.step), [0, 8, 16])
        XCTAssertEqual(diagnostics.interval, 8)
        XCTAssertEqual(diagnostics.stepCount, 20)
        XCTAssertEqual(recorded.enumerated().filter(\.element).map(\.offset), [0, 2, 4, 6, 8, 12, 16])
        XCTAssertTrue(diagnostics.records.allSatisfy { $0.layers.count == 4 && $0.updates.count == 4 })
    }

    func testEvaluationPassesAreNotRecorded() {
        let model = Self.tinyModel()
        let diagnostics = TrainingDiagnostics(model)
        _ = withInference { model(Self.x) }
        _ = withoutGradients { model(Self.x) }
        diagnostics.afterUpdate()
        XCTAssertTrue(diagnostics.records.isEmpty)
        XCTAssertEqual(diagnostics.stepCount, 1)
    }

    func testDetachRemovesTheHooks() {
        let model = Self.tinyModel()
        XCTAssertTrue(model.forwardHooks.isEmpty)
        let diagnostics = TrainingDiagnostics(model)
        XCTAssertFalse(model.forwardHooks.isEmpty)
        XCTAssertTrue(diagnostics.isAttached)
        let sgd = SGD(model, learningRate: 0.1)

        // Detached between the forward and the backward pass: the gradient hooks already hung on
        // this step's outputs do nothing, and nothing is stored.
        let loss = Self.loss(model)
        diagnostics.detach()
        XCTAssertTrue(model.forwardHooks.isEmpty, "the forward hook is removed")
        XCTAssertFalse(diagnostics.isAttached)
        model.zeroGrad()
        loss.backward()
        diagnostics.step(sgd)
        for _ in 0..<3 {
            let next = Self.loss(model)
            model.zeroGrad()
            next.backward()
            diagnostics.step(sgd)
        }
        XCTAssertTrue(diagnostics.records.isEmpty)
        diagnostics.detach()      // twice: nothing happens

        // Copies of the model share its hooks, and a diagnostics that goes away removes its own.
        do {
            let copy = model
            _ = TrainingDiagnostics(copy)
        }
        XCTAssertTrue(model.forwardHooks.isEmpty)
    }

    /// A deep tanh MLP started with five times Kaiming's gain saturates (makemore part 3): more
    /// of every tanh layer's outputs beyond ±0.97, and those outputs spread over ±1.
    func testASaturatedNetworkLooksDifferentFromAHealthyOne() throws {
        func network(gain: Double) -> Sequential<Float> {
            var rng = SeededGenerator(seed: 3)
            return Sequential<Float> {
                for (fanIn, fanOut) in [(16, 64), (64, 64), (64, 64), (64, 64)] {
                    Dense(weight: (Tensor<Float>.randomNormal([fanOut, fanIn], using: &rng) * Float(gain / Double(fanIn).squareRoot())),
                          bias: Tensor<Float>.zeros([fanOut]))
                    Tanh<Float>()
                }
                Dense(weight: Tensor<Float>.randomNormal([4, 64], using: &rng) * 0.01, bias: Tensor<Float>.zeros([4]))
            }
        }
        func firstRecord(gain: Double) throws -> DiagnosticsRecord {
            let model = network(gain: gain)
            let diagnostics = TrainingDiagnostics(model)
            let x = Tensor<Float>.randomNormal([128, 16], seed: 4)
            let y = Tensor<Float>((0..<128).map { Float($0 % 4) })
            let loss = crossEntropy(logits: model(x), labels: y)
            model.zeroGrad()
            loss.backward()
            diagnostics.step(SGD(model, learningRate: 0.1))
            diagnostics.detach()
            return try XCTUnwrap(diagnostics.records.first)
        }
        let healthy = try firstRecord(gain: 5.0 / 3), saturated = try firstRecord(gain: 5 * 5.0 / 3)
        let healthyTanh = healthy.layers.filter { $0.kind == .tanh }, saturatedTanh = saturated.layers.filter { $0.kind == .tanh }
        XCTAssertEqual(healthyTanh.count, 4)
        for (h, s) in zip(healthyTanh, saturatedTanh) {
            let (hs, ss) = (h.saturation ?? 1, s.saturation ?? 0)
            XCTAssertLessThan(hs, 0.2, h.name)
            XCTAssertGreaterThan(ss, 0.6, s.name)
            XCTAssertGreaterThan(s.activations.standardDeviation, h.activations.standardDeviation + 0.15, s.name)
            // Most of a saturated layer's outputs sit in the end bins of the histogram over [−1, 1].
            let counts = s.activations.histogram.counts
            XCTAssertGreaterThan(counts[0] + counts[counts.count - 1], counts.reduce(0, +) / 2, s.name)
        }
    }

    /// Sigmoid outputs within 0.03 of 0 or 1 are saturated: σ(−4) = 0.018 and σ(4) = 0.982 are,
    /// σ(0) = 0.5 and σ(3.4) = 0.968 are not.
    func testSigmoidSaturation() throws {
        let model = Sequential<Double> {
            Dense(weight: Tensor.identity(4), bias: Tensor.zeros([4]))
            Sigmoid<Double>()
        }
        let diagnostics = TrainingDiagnostics(model)
        let loss = model(Tensor<Double>([-4, 0, 4, 3.4], shape: [1, 4])).sum()
        loss.backward()
        diagnostics.afterUpdate()
        let sigmoid = try XCTUnwrap(diagnostics.records.first?.layer(1))
        XCTAssertEqual(sigmoid.kind, .sigmoid)
        XCTAssertEqual(sigmoid.saturation, 0.5)
        XCTAssertEqual(sigmoid.activations.histogram.lowerBound, 0, "sigmoid's histogram spans [0, 1]")
        XCTAssertEqual(diagnostics.records.first?.updates.count, 0, "no beforeUpdate(): no update ratios")
    }

    func testHistogramEdgesAndOutsideValues() {
        let h = Histogram([-1, -0.5, 0, 0.5, 1, 2, .nan], bins: 4, range: -1...1)
        XCTAssertEqual(h.counts, [1, 1, 1, 2], "the last bin includes its upper edge")
        XCTAssertEqual(h.outside, 2)
        XCTAssertEqual(h.binWidth, 0.5)
        let s = ValueStatistics(of: Tensor<Float>([0, 0, 0]), bins: 2)
        XCTAssertEqual(s.histogram.lowerBound, -1, "all zeros: the range falls back to ±1")
        XCTAssertEqual(s.standardDeviation, 0)
        XCTAssertEqual(ActivationKind(of: Dense<Float>(inputs: 2, outputs: 2, activation: .sigmoid, seed: 1)), .sigmoid)
        XCTAssertEqual(ActivationKind(of: BatchNorm1D<Float>(features: 2)), .other)
    }
}

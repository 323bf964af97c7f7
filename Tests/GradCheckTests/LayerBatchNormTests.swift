import XCTest
import Foundation
import Optim

/// BatchNorm1D and BatchNorm2D: forward values and running statistics against plain loops
/// (PyTorch's rules: biased variance to normalize, unbiased for the running variance, momentum
/// 0.1), training vs inference through the learning phase, gradcheck/gradgradcheck in both
/// modes, and the running statistics as buffers: saved, loaded, checkpointed, never trained.
final class LayerBatchNormTests: XCTestCase {
    /// Per-channel mean and biased variance of x [N, C, rest…] (flattened after the channel axis).
    func channelStatistics(_ x: Tensor<Double>) -> (mean: [Double], variance: [Double], count: Int) {
        let (n, c) = (x.shape[0], x.shape[1])
        let rest = x.count / (n * c)
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            var values: [Double] = []
            for b in 0..<n { for r in 0..<rest { values.append(x.scalars[(b * c + ch) * rest + r]) } }
            mean[ch] = values.reduce(0, +) / Double(values.count)
            variance[ch] = values.map { ($0 - mean[ch]) * ($0 - mean[ch]) }.reduce(0, +) / Double(values.count)
        }
        return (mean, variance, n * rest)
    }

    /// y = (x − mean[c]) / √(var[c] + eps) · w[c] + b[c] over x [N, C, rest…].
    func referenceApply(_ x: Tensor<Double>, mean: [Double], variance: [Double], weight: [Double], bias: [Double],
                        eps: Double = 1e-5) -> [Double] {
        let c = x.shape[1], rest = x.count / (x.shape[0] * c)
        return x.scalars.enumerated().map { i, v in
            let ch = (i / rest) % c
            return (v - mean[ch]) / (variance[ch] + eps).squareRoot() * weight[ch] + bias[ch]
        }
    }

    func testTrainingForwardAndRunningStatisticsByReference() {
        for shape in [[5, 3], [3, 3, 4]] {
            let x = Tensor<Double>.randomNormal(shape, seed: 1) * 2 + 0.5
            let w = Tensor<Double>.randomNormal([3], seed: 2), b = Tensor<Double>.randomNormal([3], seed: 3)
            let startMean = Tensor<Double>([0.2, -0.1, 0.4]), startVariance = Tensor<Double>([1.5, 0.5, 2])
            let norm = BatchNorm1D(weight: w, bias: b, runningMean: startMean, runningVariance: startVariance)
            let y = norm(x)
            let (mean, variance, count) = channelStatistics(x)
            assertClose(y.scalars, referenceApply(x, mean: mean, variance: variance, weight: w.scalars, bias: b.scalars),
                        tolerance: 1e-12, "BatchNorm1D \(shape): training output")
            let expectedMean = (0..<3).map { 0.9 * startMean.scalars[$0] + 0.1 * mean[$0] }
            let expectedVariance = (0..<3).map {
                0.9 * startVariance.scalars[$0] + 0.1 * variance[$0] * Double(count) / Double(count - 1)
            }
            assertClose(norm.runningMean?.value.scalars ?? [], expectedMean, tolerance: 1e-14, "running mean \(shape)")
            assertClose(norm.runningVariance?.value.scalars ?? [], expectedVariance, tolerance: 1e-14,
                        "running variance (unbiased) \(shape)")
            XCTAssertEqual(norm.batchesTracked?.value.scalar, 1)
            _ = norm(x)
            XCTAssertEqual(norm.batchesTracked?.value.scalar, 2)
        }
    }

    func testInferenceUsesRunningStatisticsAndLeavesThem() {
        let x = Tensor<Double>.randomNormal([2, 3, 4, 3], seed: 4)
        let w = Tensor<Double>.randomNormal([3], seed: 5), b = Tensor<Double>.randomNormal([3], seed: 6)
        let mean = Tensor<Double>([0.3, -0.2, 1]), variance = Tensor<Double>([0.5, 2, 1.25])
        let norm = BatchNorm2D(weight: w, bias: b, runningMean: mean, runningVariance: variance)
        let y = withLearningPhase(.inference) { norm(x) }
        assertClose(y.scalars, referenceApply(x, mean: mean.scalars, variance: variance.scalars, weight: w.scalars,
                                              bias: b.scalars), tolerance: 1e-13)
        XCTAssertEqual(norm.runningMean?.value, mean, "inference does not update the running mean")
        XCTAssertEqual(norm.runningVariance?.value, variance)
        XCTAssertEqual(norm.batchesTracked?.value.scalar, 0)
        // Training on the same input normalizes with the batch statistics instead.
        let trained = norm(x)
        let (batchMean, batchVariance, _) = channelStatistics(x)
        assertClose(trained.scalars, referenceApply(x, mean: batchMean, variance: batchVariance, weight: w.scalars,
                                                    bias: b.scalars), tolerance: 1e-12)
        // Without running statistics, inference uses the batch statistics too.
        let plain = BatchNorm2D<Double>(features: 3, affine: false, trackRunningStatistics: false)
        XCTAssertTrue(plain.namedBuffers.isEmpty && plain.namedParameters.isEmpty)
        let evaluated = withLearningPhase(.inference) { plain(x) }
        assertClose(evaluated.scalars, referenceApply(x, mean: batchMean, variance: batchVariance,
                                                      weight: [1, 1, 1], bias: [0, 0, 0]), tolerance: 1e-12)
    }

    func testCumulativeAverageWithoutMomentum() {
        let norm = BatchNorm1D<Double>(features: 2, momentum: nil)
        let batches = (0..<3).map { Tensor<Double>.randomNormal([4, 2], seed: 10 + UInt64($0)) }
        for x in batches { _ = norm(x) }
        // The cumulative average of the batch means (and of the unbiased variances), with the
        // initial statistics weighted out after the first batch (factor 1/1).
        let stats = batches.map { channelStatistics($0) }
        let mean = (0..<2).map { c in stats.map { $0.mean[c] }.reduce(0, +) / 3 }
        let variance = (0..<2).map { c in stats.map { $0.variance[c] * 4 / 3 }.reduce(0, +) / 3 }
        assertClose(norm.runningMean?.value.scalars ?? [], mean, tolerance: 1e-14)
        assertClose(norm.runningVariance?.value.scalars ?? [], variance, tolerance: 1e-14)
        XCTAssertEqual(norm.batchesTracked?.value.scalar, 3)
    }

    func testGradcheckInTraining() {
        // Batch statistics: the gradient flows through the mean and variance as well.
        let cases: [(String, [Int])] = [("[N, C]", [5, 3]), ("[N, C, L]", [3, 3, 4])]
        let w = Tensor<Double>.randomNormal([3], seed: 20), b = Tensor<Double>.randomNormal([3], seed: 21)
        for (label, shape) in cases {
            let x = Tensor<Double>.randomNormal(shape, seed: 22)
            assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "BatchNorm1D \(label) training") { v in
                BatchNorm1D(weight: v[1], bias: v[2], runningMean: .zeros([3]), runningVariance: .ones([3]))(v[0])
            }
            let report = gradgradcheck(inputs: [x, w, b], names: ["x", "weight", "bias"]) { v in
                BatchNorm1D(weight: v[1], bias: v[2])(v[0])
            }
            XCTAssertTrue(report.passed, "BatchNorm1D \(label) gradgradcheck\n\(report)")
        }
        let images = Tensor<Double>.randomNormal([2, 3, 3, 2], seed: 23)
        assertGradcheck([images, w, b], names: ["x", "weight", "bias"], "BatchNorm2D training") { v in
            BatchNorm2D(weight: v[1], bias: v[2], runningMean: .zeros([3]), runningVariance: .ones([3]))(v[0])
        }
        let report = gradgradcheck(inputs: [images, w, b], names: ["x", "weight", "bias"]) { v in
            BatchNorm2D(weight: v[1], bias: v[2])(v[0])
        }
        XCTAssertTrue(report.passed, "BatchNorm2D gradgradcheck\n\(report)")
        assertGradcheck([images], names: ["x"], "BatchNorm2D without affine") { v in
            BatchNorm2D<Double>(features: 3, affine: false)(v[0]).sin()
        }
    }

    func testGradcheckInInference() {
        let w = Tensor<Double>.randomNormal([3], seed: 30), b = Tensor<Double>.randomNormal([3], seed: 31)
        let mean = Tensor<Double>([0.3, -0.2, 1]), variance = Tensor<Double>([0.5, 2, 1.25])
        withLearningPhase(.inference) {
            let x = Tensor<Double>.randomNormal([2, 3, 5], seed: 32)
            assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "BatchNorm1D inference") { v in
                BatchNorm1D(weight: v[1], bias: v[2], runningMean: mean, runningVariance: variance)(v[0])
            }
            let images = Tensor<Double>.randomNormal([3, 3, 2, 2], seed: 33)
            assertGradcheck([images, w, b], names: ["x", "weight", "bias"], "BatchNorm2D inference") { v in
                BatchNorm2D(weight: v[1], bias: v[2], runningMean: mean, runningVariance: variance)(v[0])
            }
            let report = gradgradcheck(inputs: [images, w, b], names: ["x", "weight", "bias"]) { v in
                BatchNorm2D(weight: v[1], bias: v[2], runningMean: mean, runningVariance: variance)(v[0]).tanh()
            }
            XCTAssertTrue(report.passed, "\(report)")
        }
    }

    func testRunningStatisticsAreBuffersNotParameters() {
        let norm = BatchNorm1D<Float>(features: 4)
        XCTAssertEqual(norm.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(norm.namedBuffers.map(\.name), ["running_mean", "running_var", "num_batches_tracked"])
        XCTAssertEqual(norm.runningMean?.value, Tensor.zeros([4]))
        XCTAssertEqual(norm.runningVariance?.value, Tensor.ones([4]))
        XCTAssertEqual(norm.batchesTracked?.value.shape, [])
        XCTAssertEqual(norm.parameterCount, 8, "buffers are not counted as trainable")
        XCTAssertTrue(norm.buffer(named: "running_var") === norm.runningVariance)
        struct Net: Layer {
            let dense = Dense<Float>(inputs: 3, outputs: 4, seed: 1)
            let norm = BatchNorm1D<Float>(features: 4)
            func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { norm(dense(x)) }
        }
        XCTAssertEqual(Net().namedBuffers.map(\.name), ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"])
    }

    func testOptimizersLeaveRunningStatisticsToTheForwardPass() {
        let model = Sequential<Double> {
            Dense<Double>(inputs: 3, outputs: 4, seed: 1)
            BatchNorm1D<Double>(features: 4)
        }
        let x = Tensor<Double>.randomNormal([6, 3], seed: 2)
        let optimizers: [any Optimizer] = [SGD(model, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1),
                                           Adam(model, learningRate: 0.1), AdamW(model, learningRate: 0.1)]
        for optimizer in optimizers {
            let loss = model(x).squared().mean()
            let after = model.namedBuffers.map { $0.buffer.value }
            model.zeroGrad()
            loss.backward()
            _ = clipGradientNorm(model.parameters, maxNorm: 0.5)
            optimizer.step()
            XCTAssertEqual(model.namedBuffers.map { $0.buffer.value }, after, "\(type(of: optimizer)) changed a buffer")
        }
        XCTAssertEqual(model.buffer(named: "layers.1.num_batches_tracked")?.value.scalar, 3)
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).safetensors").path
    }

    func makeModel(seed: UInt64) -> Sequential<Double> {
        Sequential<Double> {
            Dense<Double>(inputs: 3, outputs: 4, seed: seed)
            BatchNorm1D<Double>(features: 4)
            Dense<Double>(inputs: 4, outputs: 2, seed: seed + 1)
        }
    }

    func testSaveAndLoadCarryTheRunningStatistics() throws {
        let model = makeModel(seed: 1)
        for s in 0..<3 { _ = model(Tensor<Double>.randomNormal([5, 3], seed: 10 + UInt64(s))) }
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let file = try SafeTensors.read(from: path, as: Double.self)
        XCTAssertEqual(Set(file.names), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                                         "layers.1.running_mean", "layers.1.running_var", "layers.1.num_batches_tracked",
                                         "layers.2.weight", "layers.2.bias"])
        let restored = makeModel(seed: 7)
        try restored.load(from: path)
        for ((name, a), (_, b)) in zip(restored.namedBuffers, model.namedBuffers) {
            XCTAssertEqual(a.value, b.value, name)
        }
        XCTAssertEqual(restored.buffer(named: "layers.1.num_batches_tracked")?.value.scalar, 3)
        let x = Tensor<Double>.randomNormal([2, 3], seed: 20)
        XCTAssertEqual(withLearningPhase(.inference) { restored(x) }, withLearningPhase(.inference) { model(x) })

        // A file without the running statistics is refused, naming them, and changes nothing.
        let parametersOnly = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: parametersOnly) }
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.detached()) }),
                              to: parametersOnly)
        let fresh = makeModel(seed: 9)
        XCTAssertThrowsError(try fresh.load(from: parametersOnly)) { error in
            let mismatch = error as? ParameterMismatchError
            XCTAssertEqual(mismatch?.missing, ["layers.1.running_mean", "layers.1.running_var", "layers.1.num_batches_tracked"])
        }
        XCTAssertEqual(fresh.buffer(named: "layers.1.running_var")?.value, Tensor.ones([4]))
        XCTAssertEqual(fresh.parameters.map(\.value), makeModel(seed: 9).parameters.map(\.value))
    }

    func testCheckpointCarriesTheRunningStatistics() throws {
        let model = makeModel(seed: 1)
        let adam = Adam(model, learningRate: 0.01)
        let x = Tensor<Double>.randomNormal([8, 3], seed: 3)
        for _ in 0..<2 {
            let loss = model(x).squared().mean()
            model.zeroGrad()
            loss.backward()
            adam.step()
        }
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(model, optimizer: adam, epoch: 1, to: path)
        let resumed = makeModel(seed: 5)
        let resumedAdam = Adam(resumed, learningRate: 0.01)
        try Checkpoint.load(into: resumed, optimizer: resumedAdam, from: path)
        for ((name, a), (_, b)) in zip(resumed.namedBuffers, model.namedBuffers) { XCTAssertEqual(a.value, b.value, name) }
        XCTAssertEqual(resumed.buffer(named: "layers.1.num_batches_tracked")?.value.scalar, 2)
        XCTAssertFalse(resumedAdam.state.keys.contains { $0.contains("running") }, "the optimizer holds no buffer state")

        // A model whose batch norm has another width is refused, naming the buffers too.
        let other = Sequential<Double> {
            Dense<Double>(inputs: 3, outputs: 5, seed: 1)
            BatchNorm1D<Double>(features: 5)
            Dense<Double>(inputs: 5, outputs: 2, seed: 2)
        }
        XCTAssertThrowsError(try Checkpoint.load(into: other, optimizer: Adam(other, learningRate: 0.01), from: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("buffer layers.1.running_mean: saved shape [4], model shape [5]"), text)
            XCTAssertTrue(text.contains("buffer layers.1.running_var: saved shape [4], model shape [5]"), text)
        }
        XCTAssertEqual(other.buffer(named: "layers.1.running_mean")?.value, Tensor.zeros([5]))
    }
}

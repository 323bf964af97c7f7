import XCTest
import Optim

/// The model a user writes: a plain struct with two convolutions, a pool and a dense head.
struct TwoConvNet<Scalar: TensorScalar>: Layer {
    var conv1: Conv2D<Scalar>
    var conv2: Conv2D<Scalar>
    var pool = MaxPool2D<Scalar>(kernel: 2)
    var head: Dense<Scalar>

    init(classes: Int, seed: UInt64) {
        conv1 = Conv2D(inChannels: 1, outChannels: 4, kernel: 3, padding: 1, seed: seed)
        conv2 = Conv2D(inChannels: 4, outChannels: 4, kernel: 3, stride: 2, padding: 1, seed: seed + 1)
        head = Dense(inputs: 4 * 2 * 2, outputs: classes, seed: seed + 2)
    }

    init(conv1: Conv2D<Scalar>, conv2: Conv2D<Scalar>, head: Dense<Scalar>) {
        (self.conv1, self.conv2, self.head) = (conv1, conv2, head)
    }

    func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let features = pool(conv2(conv1(x).relu()).relu())      // [N, 4, 2, 2] from 8×8 images
        return head(features.flattened(from: 1))
    }
}

/// The bar: such a model trains with any optimizer and schedule, and every gradient it
/// uses is proved by finite differences.
final class CustomModelTests: XCTestCase {
    /// 8×8 images: class 0 has a bright left half, class 1 a bright right half, plus noise.
    static func images<Scalar: TensorScalar>(_ n: Int, seed: UInt64) -> Dataset<Scalar> {
        var rng = SeededGenerator(seed: seed)
        var pixels: [Scalar] = [], labels: [Scalar] = []
        for i in 0..<n {
            let label = i % 2
            for _ in 0..<8 { for c in 0..<8 { pixels.append(Scalar((c < 4) == (label == 0) ? 1 : 0) + Scalar(rng.nextNormalDouble() * 0.3)) } }
            labels.append(Scalar(label))
        }
        return Dataset(inputs: Tensor(pixels, shape: [n, 1, 8, 8]), targets: Tensor(labels, shape: [n]))
    }

    func testTrainsWithEveryOptimizerAndSchedule() {
        let data: Dataset<Float> = Self.images(24, seed: 1)
        let makers: [(String, (TwoConvNet<Float>) -> any Optimizer<Float>)] = [
            ("SGD", { SGD($0, learningRate: StepDecay(initial: 0.1, stepSize: 10, factor: 0.5)) }),
            ("SGD+Nesterov", { SGD($0, learningRate: 0.05, momentum: 0.9, nesterov: true) }),
            ("RMSProp", { RMSProp($0, learningRate: ExponentialDecay(initial: 0.005, rate: 0.99)) }),
            ("Adagrad", { Adagrad($0, learningRate: TimeBasedDecay(initial: 0.05, decay: 0.01)) }),
            ("Adam", { Adam($0, learningRate: LinearWarmup(steps: 4, wrapping: CosineAnnealing(initial: 0.01, steps: 40))) }),
            ("AdamW", { AdamW($0, learningRate: 0.01, weightDecay: 0.01) }),
        ]
        for (name, make) in makers {
            let model = TwoConvNet<Float>(classes: 2, seed: 3)
            let optimizer = make(model)
            let before = evaluate(model, on: data, loss: { crossEntropy(logits: $0, labels: $1) }).loss
            trainEpochs(model, optimizer, data)
            let (after, accuracy) = evaluate(model, on: data, loss: { crossEntropy(logits: $0, labels: $1) }, metric: .accuracy)
            XCTAssertLessThan(after, before * 0.5, "\(name): loss \(before) → \(after)")
            XCTAssertGreaterThanOrEqual(accuracy, 0.95, "\(name)")
        }
    }

    func testFitTakesAnOptimizerChosenAtRunTime() {
        let data: Dataset<Float> = Self.images(16, seed: 4)
        let model = TwoConvNet<Float>(classes: 2, seed: 8)
        let optimizers: [any Optimizer<Float>] = [SGD(model, learningRate: 0.05, momentum: 0.9), Adam(model, learningRate: 0.01)]
        for optimizer in optimizers {
            let history = fit(model, optimizer: optimizer, loss: { crossEntropy(logits: $0, labels: $1) }, training: data,
                              epochs: 3, batchSize: 8, output: .silent)
            XCTAssertEqual(history.trainingLoss.count, 3)
            XCTAssertGreaterThan(optimizer.stepCount, 0)
        }
    }

    /// The five-line loop, written out, through the existential optimizer.
    func trainEpochs(_ model: TwoConvNet<Float>, _ optimizer: any Optimizer<Float>, _ data: Dataset<Float>) {
        for epoch in 0..<8 {
            for (x, y) in data.batches(size: 8, shuffleSeed: UInt64(epoch)) {
                let loss = crossEntropy(logits: model(x), labels: y)
                model.zeroGrad()
                loss.backward()
                optimizer.step()
            }
        }
    }

    func testEveryGradientOfTheModelPassesGradcheck() {
        let model = TwoConvNet<Double>(classes: 3, seed: 5)
        let data: Dataset<Double> = Self.images(2, seed: 2)
        let names = model.namedParameters.map(\.name)
        XCTAssertEqual(names, ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "head.weight", "head.bias"])
        let values = model.parameters.map(\.value)
        // The same struct, built around the tensors gradcheck varies, runs the same forward pass.
        let report = gradcheck(inputs: values + [data.inputs], names: names + ["images"]) { v in
            let m = TwoConvNet<Double>(conv1: Conv2D(weight: v[0], bias: v[1], padding: (1, 1)),
                                       conv2: Conv2D(weight: v[2], bias: v[3], stride: (2, 2), padding: (1, 1)),
                                       head: Dense(weight: v[4], bias: v[5]))
            return crossEntropy(logits: m(v[6]), labels: data.targets)
        }
        XCTAssertTrue(report.passed, "\(report)")
    }
}

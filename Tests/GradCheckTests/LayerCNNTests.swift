import XCTest
import Layers

/// A small CNN end to end — conv → relu → maxpool → flatten → dense → cross-entropy — checked
/// with gradcheck of the loss with respect to every parameter and the input, and trained for a
/// few steps to show the gradients that land on the parameters reduce the loss.
final class LayerCNNTests: XCTestCase {
    struct SmallCNN: Layer {
        var conv: Conv2D<Double>
        var dense: Dense<Double>
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            let features = MaxPool2D<Double>(kernel: 2)(ReLU<Double>()(conv(x)))
            return dense(Flatten<Double>()(features))
        }
    }

    // batch 2, 2 channels of 5×4 images, 3 filters 3×3 padding 1 → [2, 3, 5, 4] → pool → [2, 3, 2, 2] → 12 → 3 classes
    let images = Tensor<Double>.randomNormal([2, 2, 5, 4], seed: 1)
    let labels = Tensor<Double>([2, 0])
    let convWeight = Tensor<Double>.randomNormal([3, 2, 3, 3], seed: 2)
    let convBias = Tensor<Double>.randomNormal([3], seed: 3)
    let denseWeight = Tensor<Double>.randomNormal([3, 12], seed: 4)
    let denseBias = Tensor<Double>.randomNormal([3], seed: 5)

    func model(_ v: [Tensor<Double>]) -> SmallCNN {
        SmallCNN(conv: Conv2D(weight: v[0], bias: v[1], padding: (1, 1)), dense: Dense(weight: v[2], bias: v[3]))
    }

    func testGradcheckOfTheLossWithRespectToEveryParameter() {
        let names = ["conv.weight", "conv.bias", "dense.weight", "dense.bias"]
        XCTAssertEqual(model([convWeight, convBias, denseWeight, denseBias]).namedParameters.map(\.name), names)
        assertGradcheck([convWeight, convBias, denseWeight, denseBias, images], names: names + ["images"],
                        "small CNN, cross-entropy with labels") { v in
            crossEntropy(logits: self.model(v)(v[4]), labels: self.labels)
        }
        let oneHot = Tensor<Double>(rows: [[0, 0, 1], [1, 0, 0]])
        assertGradcheck([convWeight, convBias, denseWeight, denseBias], names: names,
                        "small CNN, cross-entropy with one-hot targets, summed") { v in
            crossEntropy(logits: self.model(v)(self.images), targets: oneHot, reduction: .sum)
        }
    }

    func testBackwardFillsParameterGradsLikeGradients() throws {
        let net = model([convWeight, convBias, denseWeight, denseBias])
        let loss = crossEntropy(logits: net(images), labels: labels)
        let expected = try gradients(of: loss, wrt: net.parameters.map(\.value), retainGraph: true)
        loss.backward()
        for ((name, p), e) in zip(net.namedParameters, expected) {
            XCTAssertEqual(p.grad, e, name)
        }
    }

    func testAFewGradientStepsReduceTheLoss() {
        let net = model([convWeight, convBias, denseWeight, denseBias])
        func loss() -> Tensor<Double> { crossEntropy(logits: net(images), labels: labels) }
        let before = withoutGradients { loss() }.scalar
        for _ in 0..<20 {
            net.zeroGrad()
            loss().backward()
            withoutGradients {
                for p in net.parameters { if let g = p.grad { p.assign(p.value - g * 0.05) } }
            }
        }
        let after = withoutGradients { loss() }.scalar
        XCTAssertLessThan(after, before * 0.5, "loss \(before) → \(after)")
    }
}

import XCTest
import Layers

/// The code examples of the Layers documentation comments, compiled and checked, so that the
/// docs cannot drift from the API.
final class LayerDocExamplesTests: XCTestCase {
    struct Classifier: Layer {
        let conv = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1))
        let head = Dense<Float>(inputs: 8 * 14 * 14, outputs: 10)
        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
            head(conv(x).relu().maxPool2D(kernel: (2, 2)).flattened(from: 1))
        }
    }

    func testModuleExample() {
        let model = Classifier()
        XCTAssertEqual(model.namedParameters.map(\.name), ["conv.weight", "conv.bias", "head.weight", "head.bias"])
        XCTAssertEqual(model(Tensor.zeros([2, 1, 28, 28])).shape, [2, 10])
    }

    func testSequentialExamplesInferTheScalar() {
        let inferred = Sequential { Dense<Float>(inputs: 4, outputs: 8, activation: .relu); ReLU(); Dense(inputs: 8, outputs: 2) }
        XCTAssertEqual(inferred(Tensor<Float>.zeros([3, 4])).shape, [3, 2])
        let mlp = Sequential<Float> {
            Dense(inputs: 784, outputs: 128, activation: .relu)
            Dropout(rate: 0.2)
            Dense(inputs: 128, outputs: 10)
        }
        XCTAssertEqual(mlp.namedParameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let cnn = Sequential<Float> {
            Conv2D(inChannels: 1, outChannels: 4, kernel: 3); ReLU(); Flatten(); Dense(inputs: 4 * 26 * 26, outputs: 10)
        }
        XCTAssertEqual(cnn(Tensor.zeros([1, 1, 28, 28])).shape, [1, 10])
    }

    func testLayerAndLossExamples() {
        let w = Tensor<Double>.ones([2, 2]).requiringGrad()
        let p = Parameter(sharing: w)
        (p.value * 3).sum().backward()
        XCTAssertEqual(w.grad, Tensor.full([2, 2], 3))
        XCTAssertEqual(Dense<Float>(inputs: 3, outputs: 2).parameterCount, 8)
        let y = Dropout<Double>(rate: 0.25)(Tensor([4, 4, 4, 4]), mask: Tensor([1, 0, 1, 1]))
        assertClose(y.scalars, [16.0 / 3, 0, 16.0 / 3, 16.0 / 3], tolerance: 1e-12)
        XCTAssertEqual(Reduction.mean.apply(Tensor<Double>([1, 2, 3])).scalar, 2)
        XCTAssertEqual(l2Loss(predicted: Tensor<Double>([1, 2]), targets: Tensor([0, 0])).scalar, 2.5)
        XCTAssertEqual(l1Loss(predicted: Tensor<Double>([1, -2]), targets: Tensor([0, 0])).scalar, 3)
        XCTAssertEqual(Tensor<Double>([0]).softplus().scalars[0], 0.6931471805599453, accuracy: 1e-15)
        XCTAssertEqual(Flatten<Float>()(Tensor.zeros([2, 3, 4, 5])).shape, [2, 60])
        XCTAssertEqual(Fans(shape: [16, 3, 5, 5]), Fans(fanIn: 75, fanOut: 400))
    }
}

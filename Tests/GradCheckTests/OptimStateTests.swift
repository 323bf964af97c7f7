import XCTest
import Optim

/// Checkpointing optimizer state as named tensors, and gradient clipping by global norm.
final class OptimStateTests: XCTestCase {
    func testAdamStateRoundTripsThroughNamedTensors() throws {
        let w = Parameter(Tensor<Double>([1, 2]))
        let b = Parameter(Tensor<Double>([0.5]))
        let model = ParameterList(named: [("layer.weight", w), ("layer.bias", b)])
        let adam = Adam(model, learningRate: 0.1)
        func stepOnce(_ optimizer: Adam<Double>, _ w: Parameter<Double>, _ b: Parameter<Double>) {
            w.zeroGrad(); b.zeroGrad()
            (Quadratic.loss(w.value) + (b.value * b.value).sum()).backward()
            optimizer.step()
        }
        stepOnce(adam, w, b)
        stepOnce(adam, w, b)
        let saved = adam.state
        XCTAssertEqual(Set(saved.keys), ["step", "layer.weight.expAvg", "layer.weight.expAvgSq", "layer.weight.step",
                                         "layer.bias.expAvg", "layer.bias.expAvgSq", "layer.bias.step"])
        XCTAssertEqual(saved["step"]?.scalar, 2)
        XCTAssertEqual(saved["layer.weight.expAvg"]?.shape, [2])

        // A second optimizer over copies of the parameters, resumed from the saved state,
        // takes exactly the same next step.
        let w2 = Parameter(w.value.detached()), b2 = Parameter(b.value.detached())
        let resumed = Adam(ParameterList(named: [("layer.weight", w2), ("layer.bias", b2)]), learningRate: 0.1)
        try resumed.loadState(saved)
        XCTAssertEqual(resumed.stepCount, 2)
        let before = (weight: w.value.detached(), bias: b.value.detached())
        stepOnce(adam, w, b)
        stepOnce(resumed, w2, b2)
        XCTAssertEqual(w2.value.scalars, w.value.scalars)
        XCTAssertEqual(b2.value.scalars, b.value.scalars)
        // A fresh optimizer (no state) from the same values would not.
        let w3 = Parameter(before.weight), b3 = Parameter(before.bias)
        let fresh = Adam(ParameterList(named: [("layer.weight", w3), ("layer.bias", b3)]), learningRate: 0.1)
        stepOnce(fresh, w3, b3)
        XCTAssertNotEqual(w3.value.scalars, w.value.scalars)
    }

    func testLoadStateRejectsWhatDoesNotFit() {
        let w = Parameter(Tensor<Double>([1, 2]))
        let sgd = SGD(ParameterList(named: [("w", w)]), learningRate: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try sgd.loadState(["w.momentumBuffer": Tensor([1, 2])])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingStepCount)
        }
        XCTAssertThrowsError(try sgd.loadState(["step": Tensor(1), "v.momentumBuffer": Tensor([1, 2])])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unknownKey("v.momentumBuffer"))
        }
        XCTAssertThrowsError(try sgd.loadState(["step": Tensor(1), "w.momentumBuffer": Tensor([1, 2, 3])])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .shapeMismatch(key: "w.momentumBuffer", expected: [2], found: [3]))
        }
        XCTAssertNoThrow(try sgd.loadState(["step": Tensor(4), "w.momentumBuffer": Tensor([1, 2])]))
        XCTAssertEqual(sgd.stepCount, 4)
        XCTAssertEqual(sgd.parameterState[0]["momentumBuffer"], Tensor([1, 2]))
    }

    func testClipGradientNormScalesToTheMaximum() {
        let a = Parameter(Tensor<Double>([1, 1]))
        let b = Parameter(Tensor<Double>([1]))
        let unused = Parameter(Tensor<Double>([1]))
        // Gradients [3, 4] and [12]: global norm √(9 + 16 + 144) = 13.
        (Tensor([3, 4]) * a.value).sum().backward()
        (Tensor([12]) * b.value).sum().backward()
        let norm = clipGradientNorm([a, b, unused], maxNorm: 6.5)
        XCTAssertEqual(norm, 13, accuracy: 1e-12)
        let factor = 6.5 / (13 + 1e-6)
        assertOptimClose(a.grad?.scalars ?? [], [3 * factor, 4 * factor])
        assertOptimClose(b.grad?.scalars ?? [], [12 * factor])
        XCTAssertNil(unused.grad)
        XCTAssertEqual(globalNorm([a.grad!, b.grad!]), 6.5, accuracy: 1e-6)
        // Gradients keep accumulating normally afterwards.
        (Tensor([1, 1]) * a.value).sum().backward()
        assertOptimClose(a.grad?.scalars ?? [], [3 * factor + 1, 4 * factor + 1])
    }

    func testClipGradientNormLeavesSmallGradientsAlone() {
        let a = Parameter(Tensor<Double>([1, 1]))
        (Tensor([3, 4]) * a.value).sum().backward()
        let norm = withoutGradients { clipGradientNorm([a], maxNorm: 10) }
        XCTAssertEqual(norm, 5, accuracy: 1e-12)
        XCTAssertEqual(a.grad?.scalars, [3, 4])
        // Inside withoutGradients, clipping still works.
        let clipped = withoutGradients { clipGradientNorm([a], maxNorm: 1) }
        XCTAssertEqual(clipped, 5, accuracy: 1e-12)
        assertOptimClose(a.grad?.scalars ?? [], [3 / (5 + 1e-6), 4 / (5 + 1e-6)])
    }
}

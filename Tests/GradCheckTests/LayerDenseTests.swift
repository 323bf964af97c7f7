import XCTest
import Layers

/// Dense: forward values by hand, shapes, initialization, and gradcheck with respect to the
/// input, the weight and the bias for every activation.
final class LayerDenseTests: XCTestCase {
    let x = Tensor<Double>.randomNormal([2, 3], seed: 1)
    let w = Tensor<Double>.randomNormal([4, 3], seed: 2)   // [outputs, inputs]
    let b = Tensor<Double>([1.5, -1.5, 0.5, -0.5])

    func testGradcheckEveryActivation() {
        // The pre-activations have both signs, so relu and leaky relu are checked on both branches.
        let z = (x.matmul(w.transposed()) + b).scalars
        XCTAssertTrue(z.contains { $0 > 0.1 } && z.contains { $0 < -0.1 }, "pre-activations \(z)")
        let activations = Activation.allDefaults + [.leakyRelu(slope: 0.2), .softmax(axis: 0), .logSoftmax(axis: 0)]
        for activation in activations {
            assertGradcheck([x, w, b], names: ["x", "weight", "bias"], "Dense with \(activation)") { v in
                Dense(weight: v[1], bias: v[2], activation: activation)(v[0])
            }
        }
    }

    func testGradcheckWithoutBiasAndForOneSample() {
        assertGradcheck([x, w], names: ["x", "weight"], "Dense without bias") { v in
            Dense(weight: v[1], activation: .tanh)(v[0])
        }
        assertGradcheck([x[0], w, b], names: ["x", "weight", "bias"], "Dense on a single sample [3]") { v in
            Dense(weight: v[1], bias: v[2], activation: .sigmoid)(v[0])
        }
    }

    func testForwardByHand() {
        // Rows are outputs: output 0 weighs the inputs by [1, 3], output 1 by [2, 4].
        let layer = Dense(weight: Tensor<Double>(rows: [[1, 3], [2, 4]]), bias: Tensor([0.5, -10]), activation: .relu)
        // [1, 1]·Wᵀ + b = [4.5, -4] → relu → [4.5, 0]; [2, -1]·Wᵀ + b = [-0.5, -10] → [0, 0]
        let y = layer(Tensor(rows: [[1, 1], [2, -1]]))
        XCTAssertEqual(y, Tensor(rows: [[4.5, 0], [0, 0]]))
        let leaky = Dense(weight: Tensor<Double>(rows: [[1, 1]]), activation: .leakyRelu())(Tensor(rows: [[-1, -1]]))
        XCTAssertEqual(leaky.scalars[0], -0.02, accuracy: 1e-15)
        let id = Dense(weight: Tensor<Double>(rows: [[2]]))(Tensor(rows: [[3]]))
        XCTAssertEqual(id.scalar, 6)
    }

    func testShapesAndParameters() {
        let layer = Dense<Float>(inputs: 5, outputs: 3, activation: .tanh, seed: 4)
        XCTAssertEqual(layer.inputCount, 5)
        XCTAssertEqual(layer.outputCount, 3)
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.parameterCount, 18)
        XCTAssertEqual(layer(Tensor.zeros([7, 5])).shape, [7, 3])
        XCTAssertEqual(layer(Tensor.zeros([5])).shape, [3])
        XCTAssertEqual(layer(Tensor.zeros([2, 4, 5])).shape, [2, 4, 3])
        let noBias = Dense<Float>(inputs: 5, outputs: 3, useBias: false, seed: 4)
        XCTAssertEqual(noBias.namedParameters.map(\.name), ["weight"])
        XCTAssertNil(noBias.bias)
    }

    func testSeedingIsReproducibleAndDistinct() {
        let a = Dense<Float>(inputs: 4, outputs: 3, seed: 11), b = Dense<Float>(inputs: 4, outputs: 3, seed: 11)
        XCTAssertEqual(a.weight.value, b.weight.value)
        let c = Dense<Float>(inputs: 4, outputs: 3, seed: 12)
        XCTAssertNotEqual(a.weight.value, c.weight.value)
        var rng1 = SeededGenerator(seed: 5), rng2 = SeededGenerator(seed: 5)
        let d1 = Dense<Float>(inputs: 4, outputs: 3, using: &rng1), e1 = Dense<Float>(inputs: 4, outputs: 3, using: &rng1)
        let d2 = Dense<Float>(inputs: 4, outputs: 3, using: &rng2)
        XCTAssertEqual(d1.weight.value, d2.weight.value)
        XCTAssertNotEqual(d1.weight.value, e1.weight.value, "a shared generator advances between layers")
        // Without a seed, layers draw distinct seeds from the default generator; reseeding repeats them.
        DefaultGenerator.seed(77)
        let f1 = Dense<Float>(inputs: 4, outputs: 3), g1 = Dense<Float>(inputs: 4, outputs: 3)
        DefaultGenerator.seed(77)
        let f2 = Dense<Float>(inputs: 4, outputs: 3)
        XCTAssertNotEqual(f1.weight.value, g1.weight.value)
        XCTAssertEqual(f1.weight.value, f2.weight.value)
    }

    func testGradientsLandOnParameters() throws {
        let layer = Dense<Double>(inputs: 3, outputs: 4, activation: .tanh, seed: 9)
        layer(x).squared().sum().backward()
        XCTAssertEqual(layer.weight.grad?.shape, [4, 3])
        // By hand: z = x·Wᵀ + b, L = Σ tanh(z)², dL/dz = 2 tanh(z)(1 − tanh²(z)),
        // dL/db = Σ_rows dL/dz, dL/dW = (dL/dz)ᵀ · x.
        let weight = layer.weight.value.detached(), bias = layer.bias?.value.detached() ?? Tensor(0)
        let t = (x.matmul(weight.transposed()) + bias).tanh()
        let dz = t * 2 * (1 - t * t)
        assertClose(layer.bias?.grad?.scalars ?? [], dz.sum(axes: [0]).scalars, tolerance: 1e-12, "dL/dbias")
        assertClose(layer.weight.grad?.scalars ?? [], dz.transposed().matmul(x).scalars, tolerance: 1e-12, "dL/dweight")
        layer.zeroGrad()
        XCTAssertNil(layer.weight.grad)
    }
}

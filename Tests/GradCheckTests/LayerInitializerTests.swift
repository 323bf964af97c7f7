import XCTest
import Layers

/// Initializers: constants, spreads (mean and standard deviation of large draws), bounds,
/// fans, and reproducibility from a seed.
final class LayerInitializerTests: XCTestCase {
    func stats(_ t: Tensor<Double>) -> (mean: Double, std: Double, maxAbs: Double) {
        let n = Double(t.count)
        let mean = t.scalars.reduce(0, +) / n
        let variance = t.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        return (mean, variance.squareRoot(), t.scalars.map { Swift.abs($0) }.max() ?? 0)
    }

    func testConstants() {
        XCTAssertEqual(Initializer<Double>.zeros([2, 3], seed: 0), Tensor.zeros([2, 3]))
        XCTAssertEqual(Initializer<Double>.ones([4], seed: 0), Tensor.ones([4]))
        XCTAssertEqual(Initializer<Float>.constant(0.1)([3], seed: 0), Tensor.full([3], 0.1))
        let d = Dense<Double>(inputs: 3, outputs: 2, weightInitializer: .zeros, biasInitializer: .constant(0.5), seed: 1)
        XCTAssertEqual(d.weight.value, Tensor.zeros([2, 3]))
        XCTAssertEqual(d.bias?.value, Tensor([0.5, 0.5]))
    }

    func testFixedSpreads() {
        let n = stats(Initializer<Double>.normal(mean: 1, scale: 0.1)([200, 200], seed: 1))
        XCTAssertEqual(n.mean, 1, accuracy: 0.005)
        XCTAssertEqual(n.std, 0.1, accuracy: 0.002)
        let u = stats(Initializer<Double>.uniform(scale: 0.3)([200, 200], seed: 2))
        XCTAssertLessThanOrEqual(u.maxAbs, 0.3)
        XCTAssertEqual(u.std, 0.3 / 3.0.squareRoot(), accuracy: 0.003)
        let r = Initializer<Double>.uniform(lower: 2, upper: 3)([1000], seed: 3)
        XCTAssertTrue(r.scalars.allSatisfy { $0 >= 2 && $0 < 3 })
    }

    func testXavierAndHeScales() {
        // Dense layout [inputs, outputs]: fanIn 300, fanOut 100.
        let shape = [300, 100]
        let xn = stats(Initializer<Double>.xavierNormal()(shape, seed: 4))
        XCTAssertEqual(xn.std, (2.0 / 400).squareRoot(), accuracy: 0.002)
        let xu = stats(Initializer<Double>.glorotUniform()(shape, seed: 5))
        XCTAssertLessThanOrEqual(xu.maxAbs, (6.0 / 400).squareRoot())
        XCTAssertEqual(xu.std, (2.0 / 400).squareRoot(), accuracy: 0.002)
        let hn = stats(Initializer<Double>.heNormal()(shape, seed: 6))
        XCTAssertEqual(hn.std, (2.0 / 300).squareRoot(), accuracy: 0.002)
        let hu = stats(Initializer<Double>.kaimingUniform()(shape, seed: 7))
        XCTAssertLessThanOrEqual(hu.maxAbs, (6.0 / 300).squareRoot())
        XCTAssertEqual(hu.std, (2.0 / 300).squareRoot(), accuracy: 0.002)
        let leaky = stats(Initializer<Double>.heNormal(negativeSlope: 1)(shape, seed: 8))
        XCTAssertEqual(leaky.std, (1.0 / 300).squareRoot(), accuracy: 0.002)
        let gained = stats(Initializer<Double>.xavierNormal(gain: 2)(shape, seed: 9))
        XCTAssertEqual(gained.std, 2 * (2.0 / 400).squareRoot(), accuracy: 0.004)
    }

    func testFans() {
        XCTAssertEqual(Fans(shape: [784, 128]), Fans(fanIn: 784, fanOut: 128))
        XCTAssertEqual(Fans(shape: [16, 3, 5, 5]), Fans(fanIn: 75, fanOut: 400))
        XCTAssertEqual(Fans(shape: [10]), Fans(fanIn: 10, fanOut: 10))
        // Explicit fans override the shape's.
        let w = stats(Initializer<Double>.heNormal()([100, 100], fans: Fans(fanIn: 8, fanOut: 1), seed: 1))
        XCTAssertEqual(w.std, 0.5, accuracy: 0.01)
    }

    func testSeedsAndGenerators() {
        let a = Initializer<Float>.xavierUniform()([5, 5], seed: 42)
        XCTAssertEqual(a, Initializer<Float>.xavierUniform()([5, 5], seed: 42))
        XCTAssertNotEqual(a, Initializer<Float>.xavierUniform()([5, 5], seed: 43))
        var g1 = SeededGenerator(seed: 1), g2 = SeededGenerator(seed: 1)
        let first = Initializer<Float>.normal()([4], using: &g1)
        XCTAssertEqual(first, Initializer<Float>.normal()([4], using: &g2))
        XCTAssertNotEqual(first, Initializer<Float>.normal()([4], using: &g1))
        let custom = Initializer<Double>(name: "eye") { shape, _, _ in .identity(shape[0]) }
        XCTAssertEqual(custom([3, 3], seed: 0), Tensor.identity(3))
        XCTAssertEqual("\(custom)", "eye")
    }

    func testEveryLayerTakesAnInitializer() {
        let conv = Conv2D<Double>(inChannels: 1, outChannels: 2, kernel: 2, weightInitializer: .constant(3),
                                  biasInitializer: .constant(-1))
        XCTAssertEqual(conv.weight.value, Tensor.full([2, 1, 2, 2], 3))
        XCTAssertEqual(conv.bias?.value, Tensor.full([2], -1))
        let dense = Dense<Double>(inputs: 2, outputs: 2, weightInitializer: .ones)
        XCTAssertEqual(dense.weight.value, Tensor.ones([2, 2]))
    }
}

import XCTest
import Optim

/// SGD against PyTorch's documented update, computed by hand on `Quadratic`
/// (∇L at the start [1, 2] is [−2, 12]).
final class OptimSGDTests: XCTestCase {
    func testPlainStepIsLearningRateTimesGradient() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.1)
        Quadratic.step(sgd, w)
        // θ − γg = [1 + 0.1·2, 2 − 0.1·12]
        assertOptimClose(w.value.scalars, [1.2, 0.8])
        XCTAssertEqual(sgd.stepCount, 1)
        XCTAssertTrue(sgd.parameterState[0].isEmpty, "plain SGD keeps no state")
        XCTAssertTrue(w.value.isLeaf, "the parameter stays a leaf after the update")
    }

    func testMomentumThreeSteps() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.1, momentum: 0.9)
        var trajectory: [[Double]] = []
        for _ in 0..<3 {
            Quadratic.step(sgd, w)
            trajectory.append(w.value.scalars)
        }
        // By hand: b₁ = g₁ = [−2, 12]; θ₁ = [1.2, 0.8]. g₂ = [−1.8, 7.2]; b₂ = 0.9b₁ + g₂ = [−3.6, 18];
        // θ₂ = [1.56, −1]. g₃ = [−1.44, 0]; b₃ = [−4.68, 16.2]; θ₃ = [2.028, −2.62].
        assertOptimClose(trajectory[0], [1.2, 0.8])
        assertOptimClose(trajectory[1], [1.56, -1.0])
        assertOptimClose(trajectory[2], [2.028, -2.62])
        // The same from the formula in plain Doubles.
        var theta = Quadratic.start, buffer: [Double]? = nil
        for _ in 0..<3 {
            let g = Quadratic.gradient(theta)
            let b = buffer.map { b in (0..<2).map { 0.9 * b[$0] + g[$0] } } ?? g
            buffer = b
            theta = (0..<2).map { theta[$0] - 0.1 * b[$0] }
        }
        assertOptimClose(w.value.scalars, theta)
        assertOptimClose(sgd.parameterState[0]["momentumBuffer"]?.scalars ?? [], [-4.68, 16.2])
    }

    func testNesterovTwoSteps() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.1, momentum: 0.9, nesterov: true)
        Quadratic.step(sgd, w)
        // b₁ = g₁; step direction g₁ + 0.9b₁ = [−3.8, 22.8]; θ₁ = [1.38, −0.28]
        assertOptimClose(w.value.scalars, [1.38, -0.28])
        Quadratic.step(sgd, w)
        // g₂ = [−1.62, 2.88]; b₂ = [−3.42, 13.68]; direction [−4.698, 15.192]; θ₂ = [1.8498, −1.7992]
        assertOptimClose(w.value.scalars, [1.8498, -1.7992])
    }

    func testDampeningAppliesFromTheSecondStep() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        Quadratic.step(sgd, w)
        Quadratic.step(sgd, w)
        // b₁ = g₁ = [−2, 12] (no dampening on the first step); θ₁ = [1.2, 0.8];
        // g₂ = [−1.8, 7.2]; b₂ = 0.9b₁ + 0.5g₂ = [−2.7, 14.4]; θ₂ = [1.47, −0.64]
        assertOptimClose(w.value.scalars, [1.47, -0.64])
    }

    func testWeightDecayAddsLambdaTheta() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.1, weightDecay: 0.5)
        Quadratic.step(sgd, w)
        // g + λθ = [−2 + 0.5, 12 + 1] = [−1.5, 13]; θ = [1.15, 0.7]
        assertOptimClose(w.value.scalars, [1.15, 0.7])
    }

    func testWeightDecayWithMomentumTwoSteps() {
        let w = Quadratic.parameter()
        let sgd = SGD(ParameterList([w]), learningRate: 0.05, momentum: 0.8, weightDecay: 0.1)
        Quadratic.step(sgd, w)
        Quadratic.step(sgd, w)
        var theta = Quadratic.start, buffer: [Double]? = nil
        for _ in 0..<2 {
            let g = zip(Quadratic.gradient(theta), theta).map { $0 + 0.1 * $1 }
            let b = buffer.map { b in (0..<2).map { 0.8 * b[$0] + g[$0] } } ?? g
            buffer = b
            theta = (0..<2).map { theta[$0] - 0.05 * b[$0] }
        }
        assertOptimClose(w.value.scalars, theta)
    }

    func testParameterWithoutGradientIsLeftAlone() {
        let used = Quadratic.parameter()
        let unused = Parameter(Tensor<Double>([5, 6, 7]))
        let sgd = SGD(ParameterList([used, unused]), learningRate: 0.1, momentum: 0.9)
        Quadratic.step(sgd, used)
        XCTAssertEqual(unused.value.scalars, [5, 6, 7])
        XCTAssertNil(sgd.parameterState[1]["momentumBuffer"])
        XCTAssertNotNil(sgd.parameterState[0]["momentumBuffer"])
    }

    func testUpdateIsAGraphFunctionOfTheLearningRate() throws {
        // The rule is written with tensor ops: with a learning rate that requires gradients,
        // the new value is recorded and d(new θ)/d(lr) = −g.
        let sgd = SGD(ParameterList<Double>([]), learningRate: 0.1, momentum: 0.9)
        let lr = Tensor<Double>(0.1).requiringGrad(named: "lr")
        var state: [String: Tensor<Double>] = [:]
        let next = sgd.update(Tensor([1, 2]), gradient: Tensor([-2, 12]), state: &state, learningRate: lr)
        XCTAssertTrue(next.requiresGrad)
        let d = try gradients(of: next.sum(), wrt: [lr])
        XCTAssertEqual(d[0].scalar, -10, accuracy: 1e-12)   // −(−2 + 12)
        // step() itself records nothing.
        let w = Quadratic.parameter()
        let plain = SGD(ParameterList([w]), learningRate: 0.1)
        Quadratic.step(plain, w)
        XCTAssertTrue(w.value.isLeaf)
    }

    func testFiveLineLoopWithAModule() {
        // A tiny module written from Parameters, trained with the hand-written loop.
        struct Line: Layer {
            let w = Parameter(Tensor<Double>([0], shape: [1, 1]))
            let b = Parameter(Tensor<Double>([0]))
            func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x.matmul(w.value) + b.value }
        }
        let model = Line()
        let x = Tensor<Double>((0..<16).map { Double($0) / 8 }, shape: [16, 1])
        let y = 3 * x - 1
        let optimizer = SGD(model, learningRate: 0.2, momentum: 0.5)
        XCTAssertEqual(optimizer.namedParameters.map(\.name), ["w", "b"])
        let lossFunction = { (p: Tensor<Double>, t: Tensor<Double>) in (p - t).squared().mean() }
        let before = lossFunction(model(x), y).scalar
        for epoch in 0..<60 {
            for (x, y) in Batches(inputs: x, targets: y, batchSize: 4, shuffleSeed: UInt64(epoch)) {
                let loss = lossFunction(model(x), y)
                model.zeroGrad()
                loss.backward()
                optimizer.step()
            }
        }
        let after = withoutGradients { lossFunction(model(x), y).scalar }
        XCTAssertLessThan(after, before * 1e-4)
        XCTAssertEqual(model.w.value.scalar, 3, accuracy: 1e-2)
        XCTAssertEqual(model.b.value.scalar, -1, accuracy: 1e-2)
        XCTAssertEqual(optimizer.stepCount, 60 * 4)
    }
}

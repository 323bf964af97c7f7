import XCTest
import Optim

/// Steps recorded on the tape: the derivative of a loss after one or more optimizer steps
/// with respect to the learning rate (a hypergradient) and to the initial weights, checked
/// against central finite differences in Double.
final class OptimHypergradientTests: XCTestCase {
    // A small nonlinear regression: tanh(X·w) against y, on training and validation data.
    static let xTrain = Tensor<Double>(rows: [[1, 0.5], [-0.3, 2], [0.8, -1.2], [1.5, 0.1]])
    static let yTrain = Tensor<Double>([0.4, -0.6, 0.9, 0.2])
    static let xValidation = Tensor<Double>(rows: [[0.2, 1], [-1, 0.4], [0.6, 0.6]])
    static let yValidation = Tensor<Double>([0.1, -0.5, 0.7])
    static let w0 = Tensor<Double>([0.3, -0.5])

    static func trainLoss(_ w: [Tensor<Double>]) -> Tensor<Double> {
        (xTrain.matmul(w[0]).tanh() - yTrain).squared().mean()
    }

    static func validationLoss(_ w: Tensor<Double>) -> Tensor<Double> {
        (xValidation.matmul(w).tanh() - yValidation).squared().mean()
    }

    /// The validation loss after `steps` steps of `optimizer`'s rule with a plain learning rate.
    static func lossAfter<O: Optimizer>(_ optimizer: O, lr: Double, from w: Tensor<Double> = w0, steps: Int) throws
        -> Double where O.Scalar == Double {
        let final = try optimizer.unrolled(from: [w], learningRate: Tensor(lr), steps: steps, loss: trainLoss)
        return validationLoss(final[0].detached()).scalar
    }

    static func centralDifference(_ f: (Double) throws -> Double, at x: Double, h: Double = 1e-5) rethrows -> Double {
        (try f(x + h) - f(x - h)) / (2 * h)
    }

    func testOneSGDStepHypergradientMatchesFiniteDifferences() throws {
        let sgd = SGD(ParameterList<Double>([]), learningRate: 0.0)   // only its rule is used
        let lr = Tensor<Double>(0.7).requiringGrad(named: "lr")
        let w1 = try sgd.unrolled(from: [Self.w0], learningRate: lr, steps: 1, loss: Self.trainLoss)
        XCTAssertTrue(w1[0].requiresGrad, "the step is recorded")
        Self.validationLoss(w1[0]).backward()
        let analytic = try XCTUnwrap(lr.grad).scalar
        let numeric = try Self.centralDifference({ try Self.lossAfter(sgd, lr: $0, steps: 1) }, at: 0.7)
        XCTAssertEqual(analytic, numeric, accuracy: 1e-8 + 1e-6 * abs(numeric))
        XCTAssertGreaterThan(abs(analytic), 1e-3, "a derivative that is not trivially zero")

        // The closed form for one step: d/dγ L_v(w₀ − γ∇L_t(w₀)) = −∇L_v(w₁)·∇L_t(w₀).
        let leaf = Self.w0.requiringGrad()
        let g0 = try gradients(of: Self.trainLoss([leaf]), wrt: [leaf])[0]
        let w1Value = Self.w0 - 0.7 * g0
        let leaf1 = w1Value.requiringGrad()
        let gv = try gradients(of: Self.validationLoss(leaf1), wrt: [leaf1])[0]
        XCTAssertEqual(analytic, -(gv * g0).sum().scalar, accuracy: 1e-12)
    }

    func testSGDStepFunctionGivesTheSameHypergradient() throws {
        let lr = Tensor<Double>(0.7).requiringGrad(named: "lr")
        let w = Self.w0.requiringGrad(named: "w0")
        let g = try gradients(of: Self.trainLoss([w]), wrt: [w], createGraph: true)
        let w1 = sgdStep(parameters: [w], gradients: g, learningRate: lr)
        Self.validationLoss(w1[0]).backward()
        let sgd = SGD(ParameterList<Double>([]), learningRate: 0.0)
        let numeric = try Self.centralDifference({ try Self.lossAfter(sgd, lr: $0, steps: 1) }, at: 0.7)
        XCTAssertEqual(try XCTUnwrap(lr.grad).scalar, numeric, accuracy: 1e-8 + 1e-6 * abs(numeric))
        // And the derivative with respect to the initial weights, through the gradient (second order).
        let wGrad = try XCTUnwrap(w.grad)
        for i in 0..<2 {
            var e = [0.0, 0.0]
            e[i] = 1
            let numericW = try Self.centralDifference({ t in
                try Self.lossAfter(sgd, lr: 0.7, from: Self.w0 + t * Tensor(e), steps: 1)
            }, at: 0)
            XCTAssertEqual(wGrad.scalars[i], numericW, accuracy: 1e-8 + 1e-6 * abs(numericW), "∂/∂w0[\(i)]")
        }
    }

    func testThreeMomentumStepsHypergradientMatchesFiniteDifferences() throws {
        let sgd = SGD(ParameterList<Double>([]), learningRate: 0.0, momentum: 0.9, nesterov: true)
        let lr = Tensor<Double>(0.3).requiringGrad(named: "lr")
        let w = Self.w0.requiringGrad(named: "w0")
        let w3 = try sgd.unrolled(from: [w], learningRate: lr, steps: 3, loss: Self.trainLoss)
        Self.validationLoss(w3[0]).backward()
        let numeric = try Self.centralDifference({ try Self.lossAfter(sgd, lr: $0, steps: 3) }, at: 0.3)
        let analytic = try XCTUnwrap(lr.grad).scalar
        XCTAssertEqual(analytic, numeric, accuracy: 1e-8 + 1e-6 * abs(numeric))
        let numericW0 = try Self.centralDifference({ t in
            try Self.lossAfter(sgd, lr: 0.3, from: Self.w0 + t * Tensor([1, 0]), steps: 3)
        }, at: 0)
        XCTAssertEqual(try XCTUnwrap(w.grad).scalars[0], numericW0, accuracy: 1e-8 + 1e-6 * abs(numericW0))

        // Without recording the gradients the multi-step hypergradient is only an approximation.
        let lrFirstOrder = Tensor<Double>(0.3).requiringGrad()
        let approx = try sgd.unrolled(from: [Self.w0], learningRate: lrFirstOrder, steps: 3, createGraph: false,
                                      loss: Self.trainLoss)
        Self.validationLoss(approx[0]).backward()
        XCTAssertGreaterThan(abs(try XCTUnwrap(lrFirstOrder.grad).scalar - numeric), 1e-6)
    }

    func testTwoAdamStepsHypergradientMatchesFiniteDifferences() throws {
        let adam = Adam(ParameterList<Double>([]), learningRate: 0.0)
        let lr = Tensor<Double>(0.05).requiringGrad(named: "lr")
        let w2 = try adam.unrolled(from: [Self.w0], learningRate: lr, steps: 2, loss: Self.trainLoss)
        Self.validationLoss(w2[0]).backward()
        let numeric = try Self.centralDifference({ try Self.lossAfter(adam, lr: $0, steps: 2) }, at: 0.05, h: 1e-6)
        XCTAssertEqual(try XCTUnwrap(lr.grad).scalar, numeric, accuracy: 1e-7 + 1e-5 * abs(numeric))
        XCTAssertEqual(adam.stepCount, 0, "unrolling leaves the optimizer itself untouched")
    }
}

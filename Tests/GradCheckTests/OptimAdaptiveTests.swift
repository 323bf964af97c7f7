import Foundation
import XCTest
import Optim

/// RMSProp, Adagrad, Adam and AdamW against PyTorch's documented updates, computed by hand
/// with plain Double arithmetic on `Quadratic` (∇L at the start [1, 2] is [−2, 12]).
final class OptimAdaptiveTests: XCTestCase {
    // MARK: RMSProp

    func testRMSPropOneStep() {
        let w = Quadratic.parameter()
        let rmsprop = RMSProp(ParameterList([w]), learningRate: 0.01)   // α = 0.99, ε = 1e-8
        Quadratic.step(rmsprop, w)
        // v = (1 − α)g² = [0.04, 1.44], √v = [0.2, 1.2]; θ − γ g / (√v + ε)
        assertOptimClose(w.value.scalars, [1 + 0.01 * 2 / (0.2 + 1e-8), 2 - 0.01 * 12 / (1.2 + 1e-8)])
        assertOptimClose(rmsprop.parameterState[0]["squareAvg"]?.scalars ?? [], [0.04, 1.44])
    }

    func testRMSPropCenteredWithMomentumAndWeightDecayThreeSteps() {
        let w = Quadratic.parameter()
        let (lr, alpha, eps, mu, lambda) = (0.01, 0.9, 1e-8, 0.5, 0.1)
        let rmsprop = RMSProp(ParameterList([w]), learningRate: lr, alpha: alpha, epsilon: eps, weightDecay: lambda,
                              momentum: mu, centered: true)
        for _ in 0..<3 { Quadratic.step(rmsprop, w) }
        var theta = Quadratic.start
        var v = [0.0, 0.0], gAvg = [0.0, 0.0], b = [0.0, 0.0]
        for _ in 0..<3 {
            let g = zip(Quadratic.gradient(theta), theta).map { $0 + lambda * $1 }
            for i in 0..<2 {
                v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i]
                gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g[i]
                let vTilde = v[i] - gAvg[i] * gAvg[i]
                b[i] = mu * b[i] + g[i] / (vTilde.squareRoot() + eps)
                theta[i] -= lr * b[i]
            }
        }
        assertOptimClose(w.value.scalars, theta, accuracy: 1e-10)
        XCTAssertEqual(Set(rmsprop.parameterState[0].keys), ["squareAvg", "gradAvg", "momentumBuffer"])
    }

    // MARK: Adagrad

    func testAdagradOneStep() {
        let w = Quadratic.parameter()
        let adagrad = Adagrad(ParameterList([w]), learningRate: 0.1)   // ε = 1e-10
        Quadratic.step(adagrad, w)
        // s = g² = [4, 144]; θ − γ g / (√s + ε)
        assertOptimClose(w.value.scalars, [1 + 0.1 * 2 / (2 + 1e-10), 2 - 0.1 * 12 / (12 + 1e-10)])
        XCTAssertEqual(adagrad.parameterState[0]["step"]?.scalar, 1)
    }

    func testAdagradDecayAndInitialAccumulatorThreeSteps() {
        let w = Quadratic.parameter()
        let (lr, eta, s0, lambda) = (0.5, 0.25, 0.1, 0.2)
        let adagrad = Adagrad(ParameterList([w]), learningRate: lr, learningRateDecay: eta, weightDecay: lambda,
                              initialAccumulatorValue: s0)
        for _ in 0..<3 { Quadratic.step(adagrad, w) }
        var theta = Quadratic.start, sum = [s0, s0]
        for t in 1...3 {
            let g = zip(Quadratic.gradient(theta), theta).map { $0 + lambda * $1 }
            let clr = lr / (1 + Double(t - 1) * eta)
            for i in 0..<2 {
                sum[i] += g[i] * g[i]
                theta[i] -= clr * g[i] / (sum[i].squareRoot() + 1e-10)
            }
        }
        assertOptimClose(w.value.scalars, theta)
        assertOptimClose(adagrad.parameterState[0]["sum"]?.scalars ?? [], sum)
    }

    // MARK: Adam

    /// Adam's first three steps by the formula, in plain Doubles.
    static func adamByHand(steps: Int, lr: Double, beta1: Double, beta2: Double, eps: Double, l2: Double = 0,
                           decoupled: Double = 0) -> [[Double]] {
        var theta = Quadratic.start, m = [0.0, 0.0], v = [0.0, 0.0]
        var out: [[Double]] = []
        for t in 1...steps {
            // The gradient is taken at θ before the decoupled decay shrinks it.
            let g = zip(Quadratic.gradient(theta), theta).map { $0 + l2 * $1 }
            theta = theta.map { $0 - lr * decoupled * $0 }
            for i in 0..<2 {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                let mHat = m[i] / (1 - pow(beta1, Double(t)))
                let vHat = v[i] / (1 - pow(beta2, Double(t)))
                theta[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
            out.append(theta)
        }
        return out
    }

    func testAdamFirstThreeStepsWithBiasCorrection() {
        let w = Quadratic.parameter()
        let adam = Adam(ParameterList([w]), learningRate: 0.1)   // β = (0.9, 0.999), ε = 1e-8
        var trajectory: [[Double]] = []
        for _ in 0..<3 {
            Quadratic.step(adam, w)
            trajectory.append(w.value.scalars)
        }
        // Step 1: m̂ = g and v̂ = g², so the step is γ·g/(|g| + ε).
        assertOptimClose(trajectory[0], [1 + 0.1 * 2 / (2 + 1e-8), 2 - 0.1 * 12 / (12 + 1e-8)])
        let expected = Self.adamByHand(steps: 3, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        for t in 0..<3 { assertOptimClose(trajectory[t], expected[t], "step \(t + 1)") }
        XCTAssertEqual(adam.parameterState[0]["step"]?.scalar, 3)
        // Without bias correction the second step would land elsewhere.
        let g2 = Quadratic.gradient(trajectory[0])[0]
        let m2 = 0.9 * 0.1 * -2 + 0.1 * g2, v2 = 0.999 * 0.001 * 4 + 0.001 * g2 * g2
        XCTAssertGreaterThan(abs(trajectory[0][0] - 0.1 * m2 / (v2.squareRoot() + 1e-8) - trajectory[1][0]), 1e-3)
    }

    func testAdamWithL2WeightDecayTwoSteps() {
        let w = Quadratic.parameter()
        let adam = Adam(ParameterList([w]), learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.3)
        Quadratic.step(adam, w)
        Quadratic.step(adam, w)
        let expected = Self.adamByHand(steps: 2, lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, l2: 0.3)
        assertOptimClose(w.value.scalars, expected[1])
    }

    func testAdamWDecoupledDecayThreeSteps() {
        let w = Quadratic.parameter()
        let adamw = AdamW(ParameterList([w]), learningRate: 0.1, weightDecay: 0.2)
        for _ in 0..<3 { Quadratic.step(adamw, w) }
        let expected = Self.adamByHand(steps: 3, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: 0.2)
        assertOptimClose(w.value.scalars, expected[2])
        // Adam with the same λ as an L2 term ends elsewhere.
        let coupled = Self.adamByHand(steps: 3, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0.2)
        XCTAssertGreaterThan(abs(expected[2][0] - coupled[2][0]), 1e-3)
    }

    func testAdamWDecayIsIndependentOfTheGradient() {
        // A zero gradient: Adam with an L2 term moves θ by γ·sign, AdamW shrinks θ by exactly (1 − γλ).
        let w = Parameter(Tensor<Double>([2, -4]))
        let adamw = AdamW(ParameterList([w]), learningRate: 0.1, weightDecay: 0.5)
        w.zeroGrad()
        (w.value * 0).sum().backward()
        adamw.step()
        assertOptimClose(w.value.scalars, [2 * (1 - 0.1 * 0.5), -4 * (1 - 0.1 * 0.5)])
        let v = Parameter(Tensor<Double>([2, -4]))
        let adam = Adam(ParameterList([v]), learningRate: 0.1, weightDecay: 0.5)
        (v.value * 0).sum().backward()
        adam.step()
        // g = λθ = [1, −2]: m̂ = g, v̂ = g², step γ·g/(|g| + ε)
        assertOptimClose(v.value.scalars, [2 - 0.1 * 1 / (1 + 1e-8), -4 + 0.1 * 2 / (2 + 1e-8)])
    }

    func testAMSGradUsesTheRunningMaximum() {
        // Gradients set directly with a linear loss c·θ: large, then tiny, then medium.
        let gradients: [[Double]] = [[10, -10], [0.01, 0.01], [1, -1]]
        let w = Parameter(Tensor<Double>([0, 0]))
        let adam = Adam(ParameterList([w]), learningRate: 0.1, amsgrad: true)
        for g in gradients {
            w.zeroGrad()
            (Tensor(g) * w.value).sum().backward()
            adam.step()
        }
        var theta = [0.0, 0.0], m = [0.0, 0.0], v = [0.0, 0.0], vMax = [0.0, 0.0]
        var maximumInUse = false
        for (t, g) in zip(1..., gradients) {
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                vMax[i] = max(vMax[i], v[i])
                if vMax[i] > v[i] { maximumInUse = true }
                let mHat = m[i] / (1 - pow(0.9, Double(t)))
                theta[i] -= 0.1 * mHat / ((vMax[i] / (1 - pow(0.999, Double(t)))).squareRoot() + 1e-8)
            }
        }
        assertOptimClose(w.value.scalars, theta)
        assertOptimClose(adam.parameterState[0]["maxExpAvgSq"]?.scalars ?? [], vMax)
        XCTAssertTrue(maximumInUse, "the gradients must make the second moment fall below its maximum")
        // Plain Adam on the same gradients ends elsewhere.
        let p = Parameter(Tensor<Double>([0, 0]))
        let plain = Adam(ParameterList([p]), learningRate: 0.1)
        for g in gradients {
            p.zeroGrad()
            (Tensor(g) * p.value).sum().backward()
            plain.step()
        }
        XCTAssertGreaterThan(abs(p.value.scalars[0] - w.value.scalars[0]), 1e-5)
    }
}

import Autograd
import Foundation
import Layers

/// Worked example 2: a 4×4 input, one 2×2 kernel with stride 2 (a `Conv2D`), an activation g
/// on the four pre-activations, a `Dense` output with four weights, L = ½(out − t)². The eight
/// gradients three ways: the tape, the hand-derived formulas of the exercise typed in, and
/// central finite differences.
enum CNNGradients {
    /// x[row][column]; the doc counts from 1 (x11 is x[0][0]).
    static let x: [[Double]] = [[1.0, -0.5, 0.2, 0.7],
                                [0.3, 0.8, -2.1, -0.4],
                                [-0.6, 0.2, 0.9, -0.3],
                                [1.5, 0.9, 0.1, 1.4]]
    /// [w11, w12, w21, w22]
    static let kernel: [Double] = [0.6, -0.4, 0.3, 0.9]
    /// [w1, w2, w3, w4]
    static let denseWeights: [Double] = [0.7, -0.5, 0.8, 0.4]
    static let target = 0.5
    static let names = ["w1", "w2", "w3", "w4", "w11", "w12", "w21", "w22"]

    struct Network: Layer {
        let conv: Conv2D<Double>
        let g: Activation
        let output: Dense<Double>
        func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
            output(Flatten()(g(conv(input))))       // [1,1,4,4] → [1,1,2,2] → [1,4] → [1,1]
        }
    }

    static var input: Tensor<Double> { Tensor(x.flatMap { $0 }, shape: [1, 1, 4, 4]) }

    static func network(_ kernel: [Double], _ dense: [Double], _ g: Activation) -> Network {
        Network(conv: Conv2D(weight: Tensor(kernel, shape: [1, 1, 2, 2]), stride: (2, 2)), g: g,
                output: Dense(weight: Tensor(dense, shape: [1, 4])))
    }

    static func loss(_ net: Network) -> Tensor<Double> {
        l2Loss(predicted: net(input), targets: Tensor([target], shape: [1, 1]))
    }

    /// The four pre-activations c11, c12, c21, c22.
    static func preActivations() -> [Double] {
        withoutGradients { network(kernel, denseWeights, .identity).conv(input).scalars }
    }

    /// The exercise's formulas, typed in: [dL/dw1 … dL/dw4, dL/dw11, dL/dw12, dL/dw21, dL/dw22].
    static func hand(_ g: Activation) -> [Double] {
        func X(_ r: Int, _ c: Int) -> Double { x[r - 1][c - 1] }
        let (w11, w12, w21, w22) = (kernel[0], kernel[1], kernel[2], kernel[3])
        let (w1, w2, w3, w4) = (denseWeights[0], denseWeights[1], denseWeights[2], denseWeights[3])
        let c11 = X(1, 1) * w11 + X(1, 2) * w12 + X(2, 1) * w21 + X(2, 2) * w22
        let c12 = X(1, 3) * w11 + X(1, 4) * w12 + X(2, 3) * w21 + X(2, 4) * w22
        let c21 = X(3, 1) * w11 + X(3, 2) * w12 + X(4, 1) * w21 + X(4, 2) * w22
        let c22 = X(3, 3) * w11 + X(3, 4) * w12 + X(4, 3) * w21 + X(4, 4) * w22
        let gf: (Double) -> Double, dg: (Double) -> Double
        switch g {
        case .sigmoid:
            gf = { 1 / (1 + exp(-$0)) }
            dg = { let s = 1 / (1 + exp(-$0)); return s * (1 - s) }
        case .tanh:
            gf = { tanh($0) }
            dg = { 1 - tanh($0) * tanh($0) }
        case .relu:
            gf = { max($0, 0) }
            dg = { $0 > 0 ? 1 : 0 }
        default:
            trap("cnn-gradients: no hand formula for \(g)")
        }
        let (y1, y2, y3, y4) = (gf(c11), gf(c12), gf(c21), gf(c22))
        let out = w1 * y1 + w2 * y2 + w3 * y3 + w4 * y4
        let e = out - target
        let (d1, d2, d3, d4) = (w1 * dg(c11), w2 * dg(c12), w3 * dg(c21), w4 * dg(c22))
        return [e * y1, e * y2, e * y3, e * y4,
                e * (d1 * X(1, 1) + d2 * X(1, 3) + d3 * X(3, 1) + d4 * X(3, 3)),
                e * (d1 * X(1, 2) + d2 * X(1, 4) + d3 * X(3, 2) + d4 * X(3, 4)),
                e * (d1 * X(2, 1) + d2 * X(2, 3) + d3 * X(4, 1) + d4 * X(4, 3)),
                e * (d1 * X(2, 2) + d2 * X(2, 4) + d3 * X(4, 2) + d4 * X(4, 4))]
    }

    /// The tape: build the network from the layers, backward, read the parameters' gradients.
    static func tape(_ g: Activation) -> [Double] {
        let net = network(kernel, denseWeights, g)
        loss(net).backward()
        return (net.output.weight.grad?.scalars ?? []) + (net.conv.weight.grad?.scalars ?? [])
    }

    /// Central differences (L(θ + h) − L(θ − h)) / 2h, one weight at a time.
    static func finiteDifferences(_ g: Activation, h: Double = 1e-5) -> [Double] {
        func value(_ k: [Double], _ d: [Double]) -> Double { withoutGradients { loss(network(k, d, g)).scalar } }
        var result: [Double] = []
        for i in 0..<4 {
            var plus = denseWeights, minus = denseWeights
            plus[i] += h
            minus[i] -= h
            result.append((value(kernel, plus) - value(kernel, minus)) / (2 * h))
        }
        for i in 0..<4 {
            var plus = kernel, minus = kernel
            plus[i] += h
            minus[i] -= h
            result.append((value(plus, denseWeights) - value(minus, denseWeights)) / (2 * h))
        }
        return result
    }

    static func relativeDifference(_ a: Double, _ b: Double) -> Double {
        let scale = max(abs(a), abs(b))
        return scale < 1e-300 ? 0 : abs(a - b) / scale
    }

    struct Comparison {
        let activation: Activation
        let tape: [Double]
        let hand: [Double]
        let numeric: [Double]
        var maxTapeVsHand: Double { zip(tape, hand).map(relativeDifference).max() ?? .nan }
        var maxTapeVsNumeric: Double { zip(tape, numeric).map(relativeDifference).max() ?? .nan }
        var agrees: Bool { tape.count == 8 && maxTapeVsHand <= 1e-6 && maxTapeVsNumeric <= 1e-6 }
    }

    static func compare(_ g: Activation) -> Comparison {
        Comparison(activation: g, tape: tape(g), hand: hand(g), numeric: finiteDifferences(g))
    }

    static let activations: [Activation] = [.sigmoid, .tanh, .relu]

    static func run(_ options: inout Options) throws {
        print(Text.heading("Worked example 2: 2×2 stride-2 CNN, L = ½(out − t)², eight gradients three ways"))
        print("Input x (4×4):\n" + Text.grid(Tensor(x.flatMap { $0 }, shape: [4, 4])))
        print("Kernel W = [[w11, w12], [w21, w22]] = \(Tensor(kernel, shape: [2, 2]).rows), "
              + "dense weights [w1, w2, w3, w4] = [\(denseWeights.map { Text.number($0) }.joined(separator: ", "))], t = \(Text.number(target))")
        let c = preActivations()
        print("Pre-activations c11, c12, c21, c22 = \(c.map { Text.number($0) }.joined(separator: ", ")) "
              + "(ReLU: all at least \(Text.number(c.map(abs).min() ?? 0)) away from its kink at 0)")
        var worst = 0.0
        for g in activations {
            let r = compare(g)
            print("\ng = \(g):")
            let rows = (0..<8).map { i in
                [names[i], String(format: "%+.12f", r.tape[i]), String(format: "%+.12f", r.hand[i]),
                 String(format: "%+.12f", r.numeric[i]), String(format: "%.1e", relativeDifference(r.tape[i], r.numeric[i]))]
            }
            print(Text.table(["dL/d", "tape", "hand formula", "central difference", "rel. diff tape/FD"], rows))
            print(String(format: "  max relative difference: tape vs formula %.2e, tape vs finite differences %.2e  ",
                         r.maxTapeVsHand, r.maxTapeVsNumeric) + (r.agrees ? "✓ agree to 1e-6" : "✗ DISAGREE"))
            worst = max(worst, r.maxTapeVsHand, r.maxTapeVsNumeric)
        }
        print(String(format: "\nLargest relative difference over all 24 comparisons: %.2e", worst))
    }
}

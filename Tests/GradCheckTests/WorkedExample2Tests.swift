import XCTest
import Foundation
import Layers

/// Worked example 2 (docs: worked-examples.md): a 4×4 input, one 2×2 kernel with stride 2 and
/// no padding (a `Conv2D`), an activation g, a `Dense` output with four weights, and
/// L = ½(out − t)². The eight gradients from the tape must equal the hand-derived formulas and
/// central finite differences to 1e-6 relative, for g = sigmoid, tanh and ReLU.
final class WorkedExample2Tests: XCTestCase {
    /// x[row][column], counted from 0 here (x11 of the doc is x[0][0]).
    let x: [[Double]] = [[0.5, -1.2, 0.3, 0.8],
                         [1.1, 0.4, -0.7, 0.2],
                         [-0.3, 0.9, 0.6, -1.5],
                         [1.7, -0.2, 1.3, 0.1]]
    /// [w11, w12, w21, w22]
    let kernel: [Double] = [0.4, -0.6, 0.9, 0.2]
    /// [w1, w2, w3, w4]
    let denseWeights: [Double] = [0.3, -0.8, 0.5, 1.2]
    let t = 0.7

    /// The network, written as a model of its own from the library's layers.
    struct Network: Layer {
        let conv: Conv2D<Double>
        let g: Activation
        let output: Dense<Double>
        func callAsFunction(_ input: Tensor<Double>) -> Tensor<Double> {
            output(Flatten()(g(conv(input))))          // [1, 1, 4, 4] → [1, 1, 2, 2] → [1, 4] → [1, 1]
        }
    }

    func network(_ kernel: [Double], _ dense: [Double], _ g: Activation) -> Network {
        Network(conv: Conv2D(weight: Tensor(kernel, shape: [1, 1, 2, 2]), stride: (2, 2)),
                g: g, output: Dense(weight: Tensor(dense, shape: [1, 4])))
    }

    var input: Tensor<Double> { Tensor(x.flatMap { $0 }, shape: [1, 1, 4, 4]) }

    func loss(_ kernel: [Double], _ dense: [Double], _ g: Activation) -> Tensor<Double> {
        l2Loss(predicted: network(kernel, dense, g)(input), targets: Tensor([[t]].flatMap { $0 }, shape: [1, 1]))
    }

    /// The doc's formulas, typed in by hand: [dL/dw1…dw4, dL/dw11, dL/dw12, dL/dw21, dL/dw22].
    func handGradients(_ g: Activation) -> [Double] {
        let (w11, w12, w21, w22) = (kernel[0], kernel[1], kernel[2], kernel[3])
        let (w1, w2, w3, w4) = (denseWeights[0], denseWeights[1], denseWeights[2], denseWeights[3])
        func X(_ r: Int, _ c: Int) -> Double { x[r - 1][c - 1] }     // 1-based, as in the doc
        let c11 = X(1, 1) * w11 + X(1, 2) * w12 + X(2, 1) * w21 + X(2, 2) * w22
        let c12 = X(1, 3) * w11 + X(1, 4) * w12 + X(2, 3) * w21 + X(2, 4) * w22
        let c21 = X(3, 1) * w11 + X(3, 2) * w12 + X(4, 1) * w21 + X(4, 2) * w22
        let c22 = X(3, 3) * w11 + X(3, 4) * w12 + X(4, 3) * w21 + X(4, 4) * w22
        let act: (Double) -> Double, act1: (Double) -> Double
        switch g {
        case .sigmoid:
            act = { 1 / (1 + Foundation.exp(-$0)) }
            act1 = { let s = 1 / (1 + Foundation.exp(-$0)); return s * (1 - s) }
        case .tanh:
            act = { Foundation.tanh($0) }
            act1 = { 1 - Foundation.tanh($0) * Foundation.tanh($0) }
        case .relu:
            act = { Swift.max($0, 0) }
            act1 = { $0 > 0 ? 1 : 0 }
        default:
            preconditionFailure("no hand formula for \(g)")
        }
        let (y1, y2, y3, y4) = (act(c11), act(c12), act(c21), act(c22))
        let out = w1 * y1 + w2 * y2 + w3 * y3 + w4 * y4
        let e = out - t
        return [
            e * y1, e * y2, e * y3, e * y4,
            e * (w1 * act1(c11) * X(1, 1) + w2 * act1(c12) * X(1, 3) + w3 * act1(c21) * X(3, 1) + w4 * act1(c22) * X(3, 3)),
            e * (w1 * act1(c11) * X(1, 2) + w2 * act1(c12) * X(1, 4) + w3 * act1(c21) * X(3, 2) + w4 * act1(c22) * X(3, 4)),
            e * (w1 * act1(c11) * X(2, 1) + w2 * act1(c12) * X(2, 3) + w3 * act1(c21) * X(4, 1) + w4 * act1(c22) * X(4, 3)),
            e * (w1 * act1(c11) * X(2, 2) + w2 * act1(c12) * X(2, 4) + w3 * act1(c21) * X(4, 2) + w4 * act1(c22) * X(4, 4)),
        ]
    }

    /// Gradients from the tape: build the network, run backward, read the parameters' grads.
    func tapeGradients(_ g: Activation) -> [Double] {
        let net = network(kernel, denseWeights, g)
        let l = l2Loss(predicted: net(input), targets: Tensor([t], shape: [1, 1]))
        l.backward()
        let dense = net.parameter(named: "output.weight")?.grad?.scalars ?? []
        let conv = net.parameter(named: "conv.weight")?.grad?.scalars ?? []
        return dense + conv
    }

    /// Central differences (L(θ + h) − L(θ − h)) / 2h on each of the eight weights.
    func finiteDifferences(_ g: Activation, h: Double = 1e-5) -> [Double] {
        func evaluate(_ k: [Double], _ d: [Double]) -> Double { withoutGradients { loss(k, d, g).scalar } }
        var result: [Double] = []
        for i in 0..<4 {
            var plus = denseWeights, minus = denseWeights
            plus[i] += h
            minus[i] -= h
            result.append((evaluate(kernel, plus) - evaluate(kernel, minus)) / (2 * h))
        }
        for i in 0..<4 {
            var plus = kernel, minus = kernel
            plus[i] += h
            minus[i] -= h
            result.append((evaluate(plus, denseWeights) - evaluate(minus, denseWeights)) / (2 * h))
        }
        return result
    }

    func check(_ g: Activation) {
        let tape = tapeGradients(g), hand = handGradients(g), numeric = finiteDifferences(g)
        let names = ["w1", "w2", "w3", "w4", "w11", "w12", "w21", "w22"]
        XCTAssertEqual(tape.count, 8, "tape gave \(tape.count) gradients")
        var table = "g = \(g)\n" + "name".padding(toLength: 6, withPad: " ", startingAt: 0)
            + "tape".padding(toLength: 24, withPad: " ", startingAt: 0)
            + "formula".padding(toLength: 24, withPad: " ", startingAt: 0) + "central difference\n"
        for i in 0..<Swift.min(8, tape.count) {
            table += names[i].padding(toLength: 6, withPad: " ", startingAt: 0)
                + "\(tape[i])".padding(toLength: 24, withPad: " ", startingAt: 0)
                + "\(hand[i])".padding(toLength: 24, withPad: " ", startingAt: 0) + "\(numeric[i])\n"
        }
        func agree(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) <= 1e-6 * Swift.max(Swift.abs(a), Swift.abs(b)) + 1e-12 }
        for i in 0..<Swift.min(8, tape.count) {
            XCTAssertTrue(agree(tape[i], hand[i]), "\(names[i]): tape vs formula\n\(table)")
            XCTAssertTrue(agree(tape[i], numeric[i]), "\(names[i]): tape vs central difference\n\(table)")
        }
        // Not all zero: the check is not vacuous.
        XCTAssertTrue(tape.filter { $0 != 0 }.count >= 6, table)
    }

    func testSigmoid() { check(.sigmoid) }
    func testTanh() { check(.tanh) }

    func testReLUAwayFromItsKink() {
        // The inputs put every pre-activation well away from 0, one of them negative (a dead unit).
        let c = network(kernel, denseWeights, .identity).conv(input).scalars
        XCTAssertTrue(c.allSatisfy { Swift.abs($0) > 0.5 }, "pre-activations \(c) too close to the kink")
        XCTAssertTrue(c.contains { $0 < 0 } && c.contains { $0 > 0 }, "pre-activations \(c) should have both signs")
        check(.relu)
    }

    func testGradcheckOfTheWholeNetwork() {
        for g in [Activation.sigmoid, .tanh, .relu] {
            assertGradcheck([input, Tensor(kernel, shape: [1, 1, 2, 2]), Tensor(denseWeights, shape: [1, 4])],
                            names: ["x", "kernel", "dense"], "worked example 2 with \(g)") { v in
                let net = Network(conv: Conv2D(weight: v[1], stride: (2, 2)), g: g, output: Dense(weight: v[2]))
                return l2Loss(predicted: net(v[0]), targets: Tensor([self.t], shape: [1, 1]))
            }
        }
    }
}

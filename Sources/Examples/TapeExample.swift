import Autograd
import Foundation

/// The tape of a tiny expression, the backward pass as chain-rule steps, and its graph in DOT.
enum TapeExample {
    static func run(_ options: inout Options) throws {
        let path = options.string("dot") ?? "tape.dot"
        print(Text.heading("The tape of L = (a·b + c)² with a = 2, b = −3, c = 10"))
        let a = Tensor<Double>(2).requiringGrad(named: "a")
        let b = Tensor<Double>(-3).requiringGrad(named: "b")
        let c = Tensor<Double>(10).requiringGrad(named: "c")
        let e = a * b
        let d = e + c
        let loss = d * d
        print("Forward, in the order the ops ran:\n\(loss.tape)")
        let dot = loss.graphviz()
        print("\nBackward, one chain-rule step per op (∂L/∂t is the gradient flowing into t):")
        loss.backward(retainGraph: true) { step in print(step) }
        print("\nSo ∂L/∂a = \(a.grad?.description ?? "-") (by hand 2·d·b = 2·4·(−3) = −24), "
              + "∂L/∂b = \(b.grad?.description ?? "-") (2·d·a = 16), ∂L/∂c = \(c.grad?.description ?? "-") (2·d = 8)")
        try Files.writeAtomically(dot, to: path)
        print("\nThe graph in Graphviz DOT was written to \(path) (render it with: dot -Tsvg \(path) -o tape.svg)")
    }
}

import Autograd
import Foundation

/// The tape of a tiny expression, the backward pass as chain-rule steps, its graph in DOT and,
/// with `--html PATH`, the page that steps through forward and backward in a browser.
enum TapeExample {
    static let title = "The tape of L = (a·b + c)² with a = 2, b = −3, c = 10"

    /// Where the DOT file goes without `--dot`: beside the page (`--html dir/page.html` writes
    /// `dir/tape.dot`), or `tape.dot` in the working directory when there is no page.
    static func defaultDotPath(html: String?) -> String {
        guard let html else { return "tape.dot" }
        let folder = (html as NSString).deletingLastPathComponent
        return folder.isEmpty ? "tape.dot" : (folder as NSString).appendingPathComponent("tape.dot")
    }

    /// The expression: L = (a·b + c)² with a = 2, b = −3, c = 10; returns the leaves and the loss.
    static func expression() -> (a: Tensor<Double>, b: Tensor<Double>, c: Tensor<Double>, loss: Tensor<Double>) {
        let a = Tensor<Double>(2).requiringGrad(named: "a")
        let b = Tensor<Double>(-3).requiringGrad(named: "b")
        let c = Tensor<Double>(10).requiringGrad(named: "c")
        let e = a * b
        let d = e + c
        return (a, b, c, d * d)
    }

    static func run(_ options: inout Options) throws {
        let htmlPath = options.string("html")
        let path = options.string("dot") ?? defaultDotPath(html: htmlPath)
        print(Text.heading(title))
        let (a, b, c, loss) = expression()
        print("Forward, in the order the ops ran:\n\(loss.tape)")
        print("\nBackward, one chain-rule step per op (∂L/∂t is the gradient flowing into t):")
        loss.backward(retainGraph: true) { step in print(step) }
        print("\nSo ∂L/∂a = \(a.grad?.description ?? "-") (by hand 2·d·b = 2·4·(−3) = −24), "
              + "∂L/∂b = \(b.grad?.description ?? "-") (2·d·a = 16), ∂L/∂c = \(c.grad?.description ?? "-") (2·d = 8)")
        // After backward (the graph kept): the DOT shows every value and every gradient.
        try Files.writeAtomically(loss.graphviz(), to: path)
        print("\nThe graph in Graphviz DOT was written to \(path) (render it with: dot -Tsvg \(path) -o tape.svg)")
        if let htmlPath {
            try loss.writeHTML(to: htmlPath, title: title)
            print("The tape as a page you can step through was written to \(htmlPath) (open it in a browser; → steps)")
        }
    }
}

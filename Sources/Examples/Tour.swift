import Autograd
import Foundation

/// The default demo, in under a minute in release: the worked CNN, the Hessian, a tape, XOR,
/// and a short training run on the digits whose plots go to a folder named at the end.
enum Tour {
    static func run(_ options: inout Options) throws {
        let start = ContinuousClock.now
        let folder = options.string("out") ?? "examples-output"
        var dotOptions = try Options(["--dot", options.string("dot") ?? folder + "/tape.dot", "--html", folder + "/tape.html"])
        print("""
        Autograd tour: a reverse-mode automatic differentiation engine with a tape, in Swift.
        It runs, in order:
          1. worked example 1: a 3×3 convolution and 2×2 max pooling (Conv2D, MaxPool2D), with gradients
          2. worked example 3: gradient and Hessian of x²y + xy² − 6xy, its critical points
          3. a tape: the ops of (a·b + c)², the chain rule step by step, a Graphviz file and a page to step through
          4. worked example 6: XOR learned by a 2-3-2 network, and not by a network without a hidden layer
          5. a short training run on the bundled 8×8 digits, with plots written to \(folder)/
        """)
        var none = try Options([])
        try WorkedCNN.run(&none)
        try HessianExample.run(&none)
        try TapeExample.run(&dotOptions)
        var xorOptions = try Options(["--epochs", "400"])
        try XORExample.run(&xorOptions)
        var digits = DigitsExample.Config.quick
        digits.epochs = 10
        let outcome = try DigitsExample.run(digits, folder: folder)
        let seconds = Run.seconds(since: start)
        print("""

        Tour finished in \(String(format: "%.1f", seconds)) s (digits: \(Run.percent(outcome.testAccuracy)) test accuracy \
        after \(digits.epochs) epochs).
        Plots and the tape's graph are in \(URL(fileURLWithPath: folder).standardizedFileURL.path)/ — open the .svg files in a browser,
        and tape.html to watch backpropagation step by step (→ and ← keys).
        Run 'swift run -c release Examples --help' for every example.
        """)
    }
}

import Autograd
import Foundation

/// The default demo: the worked examples that show the engine end to end, in under a minute.
enum Tour {
    static func run(_ options: inout Options) throws {
        let start = Date()
        print("Autograd tour: a reverse-mode automatic differentiation engine with a tape, in Swift.")
        try WorkedCNN.run(&options)
        try HessianExample.run(&options)
        try TapeExample.run(&options)
        print("\nTour finished in \(String(format: "%.1f", Date().timeIntervalSince(start))) s. "
              + "Run 'swift run -c release Examples --help' for every example.")
    }
}

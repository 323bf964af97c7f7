import Autograd
import Foundation

/// Worked example 4: f(b, w) = ReLU(b + x·w). Away from the kink the tape's gradient is
/// (1, x) or (0, 0); at b + x·w = 0 the engine uses relu'(0) = 0, and gradcheck reports a
/// kink with both one-sided slopes instead of a false failure.
enum ReluKink {
    static func run(_ options: inout Options) throws {
        print(Text.heading("Worked example 4: f(b, w) = ReLU(b + x·w), x = 2"))
        let x = 2.0
        var rows: [[String]] = []
        for (b, w) in [(1.0, 0.5), (-1.0, -0.5), (-1.0, 0.5)] {
            let (value, grads) = valueWithGradient(at: [Tensor<Double>(b), Tensor<Double>(w)]) { v in
                (v[0] + v[1] * x).relu()
            }
            let z = b + x * w
            let expected = z > 0 ? "(1, \(Text.number(x)))" : (z < 0 ? "(0, 0)" : "(0, 0) by the convention relu'(0) = 0")
            rows.append([Text.number(b), Text.number(w), Text.number(z), Text.number(value.scalar),
                         "(\(Text.number(grads[0].scalar)), \(Text.number(grads[1].scalar)))", expected])
        }
        print(Text.table(["b", "w", "b + xw", "f", "tape (df/db, df/dw)", "by hand"], rows))

        print("\ngradcheck at the kink (b = -1, w = 0.5, so b + xw = 0):")
        let report = gradcheck(inputs: [Tensor<Double>(-1), Tensor<Double>(0.5)], names: ["b", "w"]) { v in
            (v[0] + v[1] * x).relu()
        }
        print(report)
    }
}

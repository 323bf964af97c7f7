import Autograd
import Foundation

/// Worked example 3: f(x, y) = x²y + xy² − 6xy. The tape gives the gradient and, by
/// differentiating its own gradient, the Hessian; Newton's method from a grid of starting
/// points finds the critical points, which the Hessian classifies.
enum HessianExample {
    /// f(v) with v = [x, y], written with tensor ops so that the tape records it.
    static func f(_ v: Tensor<Double>) -> Tensor<Double> {
        let x = v[0], y = v[1]
        return x * x * y + x * y * y - 6 * x * y
    }

    struct CriticalPoint {
        let point: [Double]
        let value: Double
        let hessian: Tensor<Double>
        var determinant: Double { hessian.scalars[0] * hessian.scalars[3] - hessian.scalars[1] * hessian.scalars[2] }
        var kind: String {
            let d = determinant, a = hessian.scalars[0]
            if d < 0 { return "saddle point" }
            if d > 0 { return a > 0 ? "local minimum" : "local maximum" }
            return "undecided (det H = 0)"
        }
    }

    /// Newton's method from each start on a grid; the distinct points it converges to.
    static func criticalPoints(starts: [Double] = [-3, -1, 1, 3, 5, 7, 9]) -> [CriticalPoint] {
        var found: [CriticalPoint] = []
        for sx in starts {
            for sy in starts {
                var v = Tensor<Double>([sx, sy])
                for _ in 0..<50 {
                    let g = gradient(of: f, at: v)
                    if g.scalars.map(Swift.abs).max() ?? 0 < 1e-12 { break }
                    let h = hessian(of: f, at: v).scalars
                    let det = h[0] * h[3] - h[1] * h[2]
                    guard Swift.abs(det) > 1e-12 else { break }
                    // v ← v − H⁻¹ g, with the 2×2 inverse written out.
                    let dx = (h[3] * g.scalars[0] - h[1] * g.scalars[1]) / det
                    let dy = (-h[2] * g.scalars[0] + h[0] * g.scalars[1]) / det
                    v = Tensor([v.scalars[0] - dx, v.scalars[1] - dy])
                }
                guard gradient(of: f, at: v).scalars.allSatisfy({ Swift.abs($0) < 1e-9 }) else { continue }
                let p = v.scalars.map { ($0 * 1e6).rounded() / 1e6 + 0 }
                if !found.contains(where: { $0.point == p }) {
                    found.append(CriticalPoint(point: p, value: f(Tensor(p)).scalar, hessian: hessian(of: f, at: Tensor(p))))
                }
            }
        }
        return found.sorted { ($0.point[0], $0.point[1]) < ($1.point[0], $1.point[1]) }
    }

    static func run(_ options: inout Options) throws {
        print(Text.heading("Worked example 3: f(x, y) = x²y + xy² − 6xy"))
        print("Gradient by hand:  (2xy + y² − 6y, x² + 2xy − 6x)")
        print("Hessian by hand:   [[2y, 2x + 2y − 6], [2x + 2y − 6, 2x]]")
        let (x, y) = (1.0, 3.0)
        let at = Tensor<Double>([x, y])
        let handGradient = [2 * x * y + y * y - 6 * y, x * x + 2 * x * y - 6 * x]
        let handHessian = [2 * y, 2 * x + 2 * y - 6, 2 * x + 2 * y - 6, 2 * x]
        print("At (1, 3): the tape's ∇f = \(gradient(of: f, at: at)), by hand \(Tensor(handGradient));"
              + " the tape's H = \(hessian(of: f, at: at).reshaped([4])), by hand \(Tensor(handHessian))")
        print("\nNewton's method (v ← v − H⁻¹∇f, both from the tape) from a 7×7 grid of starts finds:")
        let rows = criticalPoints().map { c in
            ["(\(Text.number(c.point[0])), \(Text.number(c.point[1])))", Text.number(c.value),
             "[[\(c.hessian.scalars[0...1].map { Text.number($0) }.joined(separator: ", "))], "
                + "[\(c.hessian.scalars[2...3].map { Text.number($0) }.joined(separator: ", "))]]",
             Text.number(c.determinant), c.kind]
        }
        print(Text.table(["point", "f", "Hessian", "det H", "classification"], rows))
    }
}

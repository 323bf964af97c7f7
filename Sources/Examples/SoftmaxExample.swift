import Autograd
import Foundation

/// Worked example 5: softmax with a negative log-likelihood loss, the softmax Jacobian with
/// its off-diagonal terms, and what a diagonal-only hand derivation gets wrong.
enum SoftmaxExample {
    static func run(_ options: inout Options) throws {
        print(Text.heading("Worked example 5: softmax, cross-entropy and the softmax Jacobian"))
        let logits = Tensor<Double>([2.0, 1.0, 0.1])
        let target = Tensor<Double>([0, 1, 0])                 // one-hot: class 1
        let (loss, grad) = valueWithGradient(at: logits) { a in -(a.logSoftmax() * target).sum() }
        let p = logits.softmax()
        print("logits a = \(logits),  one-hot y = \(target)")
        print("p = softmax(a) = \(p)")
        print("L = −Σ y log p = \(Text.number(loss.scalar))")
        print("tape ∂L/∂a  = \(grad)")
        print("by hand p − y = \(p - target)")

        let jac = jacobian(of: { $0.softmax() }, at: logits)
        let n = logits.count
        let full = Tensor<Double>((0..<n * n).map { i in
            let (k, l) = (i / n, i % n)
            return p.scalars[k] * ((k == l ? 1 : 0) - p.scalars[l])
        }, shape: [n, n])
        let diagonalOnly = Tensor<Double>((0..<n * n).map { i in
            let (k, l) = (i / n, i % n)
            return k == l ? p.scalars[k] * (1 - p.scalars[k]) : 0
        }, shape: [n, n])
        print("\nSoftmax Jacobian dp_k/da_l from the tape:\n" + Text.grid(jac))
        print("By hand, p_k(δ_kl − p_l):\n" + Text.grid(full))
        print("A wrong derivation that keeps only the diagonal p_k(1 − p_k):\n" + Text.grid(diagonalOnly))
        let difference = (jac - diagonalOnly).abs()
        let worst = difference.scalars.indices.max { difference.scalars[$0] < difference.scalars[$1] } ?? 0
        print("The diagonal-only derivation is off by up to \(Text.number(difference.scalars[worst]))"
              + " at dp_\(worst / n)/da_\(worst % n) — every off-diagonal entry is wrong.")

        let report = diagonalOnlyDerivation()
        print("\nThe diagonal-only derivation checked step by step with checkDerivation:\n\(report)")
        if let path = options.string("html") {
            try report.writeHTML(to: path, title: "A diagonal-only softmax derivation, checked on the tape")
            print("Its page, with the wrong step outlined on the graph, was written to \(path)")
        }

        let yHat = Tensor<Double>([0.3, -1.2, 2.0]), y = Tensor<Double>([0.5, -1.0, 1.0])
        let l2 = gradient(of: { ŷ in 0.5 * ((ŷ - y) * (ŷ - y)).sum() }, at: yHat)
        print("\nL2 loss ½‖ŷ − y‖²: tape gradient \(l2), by hand ŷ − y = \(yHat - y)")
    }

    /// Cross-entropy of softmax(logits) with a one-hot target, derived by hand keeping only the
    /// diagonal p_k(1 − p_k) of the softmax Jacobian: ∂L/∂p is right, ∂L/∂logits is wrong.
    static func diagonalOnlyDerivation() -> DerivationReport {
        let logits = Tensor<Double>([2.0, 1.0, 0.1])
        let target = Tensor<Double>([0, 1, 0])
        return checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            let p = step("p", v[0].softmax())
            return -(target * p.log()).sum()
        }, hand: { _, forward in
            guard let p = forward["p"] else { return [:] }
            let dP = -target / p
            return ["p": dP, "logits": dP * p * (1 - p)]      // wrong: keeps only the diagonal of ∂p/∂a
        })
    }
}

import Foundation

/// The derivative rules of the primitive ops in words, for the inspection page: a sentence per
/// op, and the right-hand side of the chain-rule line each input receives
/// (`∂L/∂a += ∂L/∂t1 · b`). These mirror the rules in `Ops/` (each op's rule is the source of
/// truth; this text only explains it).
enum DerivativeRuleText {
    /// The chain-rule formula for the gradient an op passes to its input `slot`.
    struct Formula: Equatable {
        /// The right-hand side, in the page's names ("∂L/∂t1 · b").
        let text: String
        /// The formula is the upstream gradient times a local derivative, elementwise, so for
        /// one-element tensors the local factor is contribution / upstream.
        let isProduct: Bool
    }

    /// One sentence on what the op's rule does.
    static func description(op: String, attributes: String) -> String {
        switch op {
        case "leaf": return "A leaf: backward adds the gradient that reaches it to its .grad."
        case "add": return "z = x + y: each input receives ∂L/∂z, summed over the axes it was broadcast along."
        case "subtract": return "z = x − y: x receives ∂L/∂z, y receives −∂L/∂z (each summed over broadcast axes)."
        case "multiply": return "z = x · y: x receives ∂L/∂z · y and y receives ∂L/∂z · x (summed over broadcast axes)."
        case "divide": return "z = x / y: x receives ∂L/∂z / y and y receives −∂L/∂z · x / y² (summed over broadcast axes)."
        case "negate": return "z = −x: x receives −∂L/∂z."
        case "pow":
            if attributes.hasPrefix("exponent") {
                return "z = xᵖ for a fixed p: x receives ∂L/∂z · p · xᵖ⁻¹ (0 when p = 0)."
            }
            return "z = xʸ: x receives ∂L/∂z · y · xʸ⁻¹, y receives ∂L/∂z · z · log x (log x taken as 0 where x ≤ 0)."
        case "exp": return "z = eˣ: x receives ∂L/∂z · z (the output is its own derivative)."
        case "log": return "z = log x: x receives ∂L/∂z / x."
        case "sqrt": return "z = √x: x receives ∂L/∂z / (2z)."
        case "abs": return "z = |x|: x receives ∂L/∂z · sign(x) (0 at x = 0)."
        case "sin": return "z = sin x: x receives ∂L/∂z · cos x."
        case "cos": return "z = cos x: x receives −∂L/∂z · sin x."
        case "tanh": return "z = tanh x: x receives ∂L/∂z · (1 − z²)."
        case "sigmoid": return "z = σ(x): x receives ∂L/∂z · z · (1 − z)."
        case "relu": return "z = max(x, 0): x receives ∂L/∂z where x > 0 and 0 elsewhere (0 at x = 0)."
        case "leakyRelu": return "z = x for x > 0, slope · x otherwise: x receives ∂L/∂z or slope · ∂L/∂z."
        case "clamp": return "z = x clamped to its bounds: x receives ∂L/∂z inside the bounds and at them, 0 beyond."
        case "maximum": return "z = max(x, y) elementwise: the larger input receives ∂L/∂z, x on ties."
        case "minimum": return "z = min(x, y) elementwise: the smaller input receives ∂L/∂z, x on ties."
        case "where": return "z = condition ? x : y: x receives ∂L/∂z where the condition holds, y elsewhere."
        case "matmul": return "z = x · y (matrix product): x receives ∂L/∂z · yᵀ, y receives xᵀ · ∂L/∂z."
        case "sum": return "z = Σ x over axes: every element of x receives the ∂L/∂z of its sum (broadcast back)."
        case "max", "min": return "z = \(op) of x over axes: the first winner of each reduction receives ∂L/∂z, the others 0."
        case "softmax": return "z = softmax(x): x receives z ⊙ (∂L/∂z − Σ(∂L/∂z ⊙ z)), the full Jacobian p_k(δ_kl − p_l) applied."
        case "logSoftmax": return "z = log softmax(x): x receives ∂L/∂z − softmax(x) · Σ ∂L/∂z."
        case "reshape": return "A new shape, same elements: x receives ∂L/∂z reshaped back."
        case "permute": return "Axes permuted: x receives ∂L/∂z with the inverse permutation."
        case "expand": return "Broadcast to a larger shape: x receives ∂L/∂z summed over the expanded axes."
        case "slice": return "A strided slice: x receives ∂L/∂z in the sliced positions and 0 elsewhere."
        case "embed": return "x placed into a larger zero tensor: x receives the matching slice of ∂L/∂z."
        case "concatenate": return "Inputs joined along an axis: each receives its own slice of ∂L/∂z."
        case "gather": return "Elements picked by index: x receives ∂L/∂z scattered back to where they came from (added on repeats)."
        case "scatterAdd": return "Values added into x at indices: x receives ∂L/∂z, the values the gathered ∂L/∂z."
        case "unfold": return "im2col: x receives ∂L/∂z folded back (col2im), each window's gradient added to its cells."
        case "fold": return "col2im: x receives ∂L/∂z unfolded (im2col)."
        case "maxPool2D": return "Max over each window: the window's first winner receives ∂L/∂z, the others 0."
        case "scatterByIndex": return "Elements moved to fixed positions: x receives ∂L/∂z gathered back."
        case "gatherByIndex": return "Elements read from fixed positions: x receives ∂L/∂z scattered back (added on repeats)."
        case "scaledSoftmax":
            return "z = softmax(x / scale) over the last axis (hidden entries −∞ when causal): x receives "
                + "z ⊙ (∂L/∂z − Σ(∂L/∂z ⊙ z)) / scale."
        case "layerNorm":
            return "The fused layer normalization z = x̂·w + b, x̂ = (x − mean)/σ over each row: x receives "
                + "(∂L/∂z·w − mean(∂L/∂z·w) − x̂·mean(∂L/∂z·w·x̂))/σ, w receives Σ ∂L/∂z·x̂ and b Σ ∂L/∂z over the rows."
        case "lstmCell":
            return "The fused LSTM cell (h′ and c′ side by side from the gates i, f, g, o and c): the gates and c receive "
                + "∂L/∂gates and ∂L/∂c from one fused backward pass (lstmCellBackward)."
        case "gruCell":
            return "The fused GRU cell (h′ from the input and hidden parts r, z, n and h): each receives its gradient "
                + "from one fused backward pass (gruCellBackward)."
        case "lstmSequence", "gruSequence":
            return "A whole LSTM or GRU direction over the projected inputs: one backward pass through time (the fused "
                + "cells' backward kernels and ∂L/∂h = ∂L/∂gates·W_hh per step) gives the projected inputs their gate "
                + "gradients G, W_hh the product Gᵀ·h_prev over all steps, b_hh ΣG, and the initial states theirs."
        case "lstmCellBackward", "gruCellBackward":
            return "A fused cell's backward pass (linear in the upstream gradient u): for the weight v on its result, u "
                + "receives the cell's Jacobian-vector product J·v, the gates and the state the derivative of ⟨u, J·v⟩, written with ops."
        default: return "A custom op: its rule is the closure given to Tensor.customOp."
        }
    }

    /// The local derivative ∂output/∂input of an elementwise op at one-element values: the
    /// factor of a product ``Formula`` (`∂L/∂t1 · b` has the factor b), or nil when it is not one
    /// of those ops or a value is missing.
    static func localFactor(op: String, attributes: String, slot: Int, inputs: [Double?], output: Double?) -> Double? {
        func input(_ i: Int) -> Double? { i < inputs.count ? inputs[i] : nil }
        switch (op, slot) {
        case ("add", _), ("subtract", 0): return 1
        case ("subtract", 1), ("negate", 0): return -1
        case ("multiply", 0): return input(1)
        case ("multiply", 1): return input(0)
        case ("divide", 0): return input(1).map { 1 / $0 }
        case ("divide", 1):
            guard let x = input(0), let y = input(1) else { return nil }
            return -x / (y * y)
        case ("pow", 0) where attributes.hasPrefix("exponent: "):
            guard let p = Double(attributes.dropFirst("exponent: ".count)), let x = input(0) else { return nil }
            return p == 0 ? 0 : p * Foundation.pow(x, p - 1)
        case ("exp", 0): return output
        case ("log", 0): return input(0).map { 1 / $0 }
        case ("sqrt", 0): return output.map { 1 / (2 * $0) }
        case ("sin", 0): return input(0).map { Foundation.cos($0) }
        case ("cos", 0): return input(0).map { -Foundation.sin($0) }
        case ("tanh", 0): return output.map { 1 - $0 * $0 }
        case ("sigmoid", 0): return output.map { $0 * (1 - $0) }
        case ("relu", 0): return input(0).map { $0 > 0 ? 1 : 0 }
        default: return nil
        }
    }

    /// The formula for the gradient `op` passes to input `slot`, with the inputs' and the
    /// output's names, or nil when the op has no short one (the page then shows the rule's sentence).
    static func formula(op: String, attributes: String, slot: Int, inputs: [String], output: String) -> Formula? {
        let g = "∂L/∂\(output)"
        func name(_ i: Int) -> String { i < inputs.count ? inputs[i] : "?" }
        let x = name(0), y = name(1)
        func product(_ factor: String) -> Formula { Formula(text: "\(g) · \(factor)", isProduct: true) }
        switch (op, slot) {
        case ("add", _): return product("1")
        case ("subtract", 0): return product("1")
        case ("subtract", 1): return product("(−1)")
        case ("multiply", 0): return product(y)
        case ("multiply", 1): return product(x)
        case ("divide", 0): return product("1/\(y)")
        case ("divide", 1): return product("(−\(x)/\(y)²)")
        case ("negate", 0): return product("(−1)")
        case ("pow", 0) where attributes.hasPrefix("exponent: "):
            let p = String(attributes.dropFirst("exponent: ".count))
            return product("\(p)·\(x)^(\(p)−1)")
        case ("pow", 0): return product("\(y)·\(x)^(\(y)−1)")
        case ("pow", 1): return product("\(output)·log \(x)")
        case ("exp", 0): return product(output)
        case ("log", 0): return product("1/\(x)")
        case ("sqrt", 0): return product("1/(2·\(output))")
        case ("abs", 0): return product("sign(\(x))")
        case ("sin", 0): return product("cos \(x)")
        case ("cos", 0): return product("(−sin \(x))")
        case ("tanh", 0): return product("(1 − \(output)²)")
        case ("sigmoid", 0): return product("\(output)·(1 − \(output))")
        case ("relu", 0): return product("[\(x) > 0]")
        case ("leakyRelu", 0): return product("(\(x) > 0 ? 1 : slope)")
        case ("clamp", 0): return product("[\(x) within the bounds]")
        case ("maximum", 0): return product("[\(x) ≥ \(y)]")
        case ("maximum", 1): return product("[\(y) > \(x)]")
        case ("minimum", 0): return product("[\(x) ≤ \(y)]")
        case ("minimum", 1): return product("[\(y) < \(x)]")
        case ("where", 0): return product("[condition]")
        case ("where", 1): return product("[not condition]")
        case ("matmul", 0):
            return Formula(text: attributes.contains("transposeA") ? "\(y) · \(g)ᵀ" : "\(g) · \(y)ᵀ", isProduct: false)
        case ("matmul", 1):
            return Formula(text: attributes.contains("transposeB") ? "\(g)ᵀ · \(x)" : "\(x)ᵀ · \(g)", isProduct: false)
        case ("sum", 0): return Formula(text: "\(g) broadcast back to the shape of \(x)", isProduct: false)
        case ("softmax", 0): return Formula(text: "\(output) ⊙ (\(g) − Σ \(g) ⊙ \(output))", isProduct: false)
        case ("logSoftmax", 0): return Formula(text: "\(g) − softmax(\(x)) · Σ \(g)", isProduct: false)
        case ("reshape", 0): return Formula(text: "\(g) reshaped to the shape of \(x)", isProduct: false)
        case ("expand", 0): return Formula(text: "\(g) summed over the expanded axes", isProduct: false)
        default: return nil
        }
    }
}

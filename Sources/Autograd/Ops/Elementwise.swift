// Elementwise ops. Each op computes its forward value with a kernel and records one
// derivative rule, written with tensor ops, next to it. Binary ops broadcast like NumPy;
// their rules sum the gradient back to each input's shape.
//
// Non-differentiable points (documented choices, tested in ElementwiseGradTests; the table of
// every convention beside PyTorch's is docs/Conventions.md):
//   relu'(0) = 0, leakyRelu'(0) = slope, |x|'(0) = 0, sign' = 0, step' = 0,
//   maximum(a, b) and minimum(a, b) at a == b give half the gradient to each argument,
//   clamp passes the gradient strictly inside its bounds (0 at x == lower or x == upper),
//   all three as PyTorch 2.x does.

extension Tensor {
    // MARK: Forward helpers

    @inlinable
    func unaryForward(_ op: UnaryKernel<Scalar>) -> TensorElements<Scalar> {
        TensorElements.make(count: count) { out in
            withUnsafeScalars { Scalar.kernels.unary(op, $0, out) }
        }
    }

    /// The result of a binary op on two plain one-element tensors of one shape, when no
    /// `checkingNumerics` scope watches the ops: computed here, before any of the tape's
    /// bookkeeping. Every product and sum a rule takes of scalars without `createGraph` leaves here.
    @inlinable @inline(__always)
    static func plainScalarResult(_ op: BinaryKernel, _ a: borrowing Tensor, _ b: borrowing Tensor) -> Tensor? {
        guard a.node == nil && b.node == nil && !numericsCheckingAnywhere(), let value = inlineResult(op, a, b) else {
            return nil
        }
        return Tensor(shape: a._shape, elements: value, node: nil)
    }

    @inlinable @inline(__always)
    static func binaryForward(_ op: BinaryKernel, _ a: Tensor, _ b: Tensor, name: String)
        -> (shape: [Int], elements: TensorElements<Scalar>) {
        if let value = inlineResult(op, a, b) { return (a.shape, value) }
        return binaryForwardOfArrays(op, a, b, name: name)
    }

    /// The value of a binary op on one inline element each, of one shape (the graphs of scalars):
    /// computed here, in the op's own code; `nil` for any other operands.
    @inlinable @inline(__always)
    static func inlineResult(_ op: BinaryKernel, _ a: borrowing Tensor, _ b: borrowing Tensor) -> TensorElements<Scalar>? {
        guard a.elements.isInline && b.elements.isInline && a._shape == b._shape else { return nil }
        var value = Scalar.zero
        Loops.withFunction(of: op) { f in value = f(a.elements.inlineValue, b.elements.inlineValue) }
        return .one(value)
    }

    @inlinable
    static func binaryForwardOfArrays(_ op: BinaryKernel, _ a: Tensor, _ b: Tensor, name: String)
        -> (shape: [Int], elements: TensorElements<Scalar>) {
        if a.shape == b.shape {
            if a.count == 1 {
                var value = Scalar.zero
                Loops.withFunction(of: op) { f in value = f(a.elements.first, b.elements.first) }
                return (a.shape, .one(value))
            }
            let values = makeScalars(count: a.count) { out in
                a.withUnsafeScalars { ap in
                    b.withUnsafeScalars { bp in Scalar.kernels.binarySameShape(op, ap, bp, out) }
                }
            }
            return (a.shape, .many(values))
        }
        let shape = Shape.broadcast(a.shape, b.shape, op: name)
        let n = shape.reduce(1, *)
        let av = Shape.broadcastView(a.shape, to: shape), bv = Shape.broadcastView(b.shape, to: shape)
        let values = TensorElements.make(count: n) { out in
            a.withUnsafeScalars { ap in
                b.withUnsafeScalars { bp in
                    Scalar.kernels.binary(op, ap, av, bp, bv, shape, out)
                }
            }
        }
        return (shape, values)
    }

    /// A plain (unrecorded) tensor from a unary kernel: for masks and derivatives of kinks.
    @inlinable
    func constant(_ op: UnaryKernel<Scalar>) -> Tensor {
        Tensor(shape: shape, elements: unaryForward(op), node: nil)
    }

    @inlinable
    func recordUnary(_ name: OpName, _ op: UnaryKernel<Scalar>, _ attributes: String? = nil,
                     rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        guard let attributes else { return Tensor.record(name, input: self, shape: shape, elements: unaryForward(op), rule: rule) }
        return Tensor.record(name, attributes, input: self, shape: shape, elements: unaryForward(op), rule: rule)
    }

    // MARK: Arithmetic

    /// Elementwise sum, broadcasting.
    @inlinable
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        if let plain = plainScalarResult(.add, a, b) { return plain }
        let (shape, values) = binaryForward(.add, a, b, name: "add")
        return record("add", inputs: a, b, shape: shape, elements: values) { c in
            .gradients(c.needsGradient[0] ? c.sum(c.upstream, toInput: 0) : nil,
                       c.needsGradient[1] ? c.sum(c.upstream, toInput: 1) : nil)
        }
    }

    /// Elementwise difference, broadcasting.
    @inlinable
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        if let plain = plainScalarResult(.subtract, a, b) { return plain }
        let (shape, values) = binaryForward(.subtract, a, b, name: "subtract")
        return record("subtract", inputs: a, b, shape: shape, elements: values) { c in
            .gradients(c.needsGradient[0] ? c.sum(c.upstream, toInput: 0) : nil,
                       c.needsGradient[1] ? c.sum(-c.upstream, toInput: 1) : nil)
        }
    }

    /// Elementwise product, broadcasting.
    @inlinable
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        if let plain = plainScalarResult(.multiply, a, b) { return plain }
        let (shape, values) = binaryForward(.multiply, a, b, name: "multiply")
        return record("multiply", inputs: a, b, shape: shape, elements: values) { c in
            // Each input read only where its partner's gradient needs it (a read copies a tensor).
            .gradients(c.needsGradient[0] ? c.sum(c.upstream * c.inputs[1], toInput: 0) : nil,
                       c.needsGradient[1] ? c.sum(c.upstream * c.inputs[0], toInput: 1) : nil)
        }
    }

    /// Elementwise quotient, broadcasting.
    @inlinable
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        if let plain = plainScalarResult(.divide, a, b) { return plain }
        let (shape, values) = binaryForward(.divide, a, b, name: "divide")
        return record("divide", inputs: a, b, shape: shape, elements: values) { c in
            let (b, g) = (c.inputs[1], c.upstream)
            return .gradients(c.needsGradient[0] ? c.sum(g / b, toInput: 0) : nil,
                              c.needsGradient[1] ? (-(g * c.inputs[0]) / (b * b)).sum(toShape: b.shape) : nil)
        }
    }

    /// Elementwise negation.
    @inlinable
    public static prefix func - (x: Tensor) -> Tensor {
        x.recordUnary("negate", .negate) { c in .gradients(-c.upstream) }
    }

    /// `a` raised to `b`, elementwise, broadcasting. The derivative with respect to the exponent
    /// uses log(a), taken as 0 where a ≤ 0 (where aᵇ is not differentiable in b). Where b = 0 the
    /// derivative with respect to a is 0, also at a = 0 (where b·aᵇ⁻¹ would be 0·∞ = NaN).
    @inlinable
    public static func pow(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.pow, a, b, name: "pow")
        return record("pow", inputs: a, b, shape: shape, elements: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let safeLog = select(a .> 0, a, Tensor(Scalar(1))).log()
            let zeroToTheZero = (a.detached() .== 0) * (b.detached() .== 0)
            return .gradients(c.needsGradient[0] ? (g * select(zeroToTheZero, Tensor(Scalar(0)), b * Tensor.pow(a, b - 1)))
                                  .sum(toShape: a.shape) : nil,
                              c.needsGradient[1] ? (g * c.output * safeLog).sum(toShape: b.shape) : nil)
        }
    }

    /// Each element raised to a fixed power. `x.pow(0)` is constant: its derivative is 0, also at x = 0.
    ///
    /// ```swift
    /// let squares = x.pow(2)
    /// ```
    @inlinable
    public func pow(_ exponent: Scalar) -> Tensor {
        recordUnary("pow", .powScalar(exponent), "exponent: \(Tensor.format(exponent))") { c in
            if exponent == 0 { return .gradients(Tensor.zeros(like: c.upstream)) }
            return .gradients(c.upstream * c.inputs[0].pow(exponent - 1) * Tensor(exponent))
        }
    }

    // MARK: Elementary functions

    /// e raised to each element.
    @inlinable
    public func exp() -> Tensor {
        recordUnary("exp", .exp) { c in .gradients(c.upstream * c.output) }
    }

    /// The natural logarithm of each element.
    @inlinable
    public func log() -> Tensor {
        recordUnary("log", .log) { c in .gradients(c.upstream / c.inputs[0]) }
    }

    /// The square root of each element.
    @inlinable
    public func sqrt() -> Tensor {
        recordUnary("sqrt", .sqrt) { c in .gradients(c.upstream / (c.output * 2)) }
    }

    /// The absolute value of each element; its derivative at 0 is taken as 0.
    @inlinable
    public func abs() -> Tensor {
        recordUnary("abs", .abs) { c in .gradients(c.upstream * c.inputs[0].sign()) }
    }

    /// -1, 0 or 1 by the sign of each element. Not differentiable: no gradient flows through it.
    @inlinable public func sign() -> Tensor { detached().constant(.sign) }

    /// The hyperbolic tangent of each element.
    @inlinable
    public func tanh() -> Tensor {
        recordUnary("tanh", .tanh) { c in .gradients(c.upstream * (1 - c.output * c.output)) }
    }

    /// The logistic sigmoid 1 / (1 + e^-x) of each element, computed without overflow.
    @inlinable
    public func sigmoid() -> Tensor {
        recordUnary("sigmoid", .sigmoid) { c in .gradients(c.upstream * c.output * (1 - c.output)) }
    }

    /// max(x, 0) of each element; its derivative at 0 is taken as 0.
    @inlinable
    public func relu() -> Tensor {
        recordUnary("relu", .relu) { c in .gradients(c.upstream * c.inputs[0].detached().constant(.step(otherwise: 0))) }
    }

    /// x for x > 0, else slope·x; its derivative at 0 is taken as `slope`.
    @inlinable
    public func leakyRelu(slope: Scalar = 0.01) -> Tensor {
        recordUnary("leakyRelu", .leakyRelu(slope: slope), "slope: \(Tensor.format(slope))") { c in
            .gradients(c.upstream * c.inputs[0].detached().constant(.step(otherwise: slope)))
        }
    }

    /// Each element limited to [lower, upper]. The gradient passes where lower < x < upper and is
    /// 0 elsewhere, at the bounds too (as in PyTorch 2.x, and as relu'(0) = 0).
    ///
    /// ```swift
    /// let p = probabilities.clamped(lower: 1e-7, upper: 1 - 1e-7)
    /// ```
    @inlinable
    public func clamped(lower: Scalar, upper: Scalar) -> Tensor {
        require(lower <= upper, "clamped: lower bound \(lower) is above upper bound \(upper)")
        return recordUnary("clamp", .clamp(lower: lower, upper: upper),
                           "lower: \(Tensor.format(lower)), upper: \(Tensor.format(upper))") { c in
            .gradients(c.upstream * c.inputs[0].detached().constant(.insideMask(lower: lower, upper: upper)))
        }
    }

    // MARK: Elementwise extremes

    /// The larger of `a` and `b` at each position, broadcasting; a NaN in either wins. Where they
    /// are equal each gets half the gradient (as in PyTorch), so `maximum(a, b)` and `maximum(b, a)`
    /// have the same gradients.
    ///
    /// ```swift
    /// let r = Tensor.maximum(x, Tensor(0))      // relu's values; at x == 0 the gradient is ½
    /// ```
    @inlinable
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.maximum, a, b, name: "maximum")
        return record("maximum", inputs: a, b, shape: shape, elements: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let weightA = tieWeight(a.detached() .> b.detached(), a.detached(), b.detached())
            return .gradients(c.needsGradient[0] ? (g * weightA).sum(toShape: a.shape) : nil,
                              c.needsGradient[1] ? (g * (1 - weightA)).sum(toShape: b.shape) : nil)
        }
    }

    /// The smaller of `a` and `b` at each position, broadcasting; a NaN in either wins. Where they
    /// are equal each gets half the gradient (as in PyTorch).
    ///
    /// ```swift
    /// let capped = Tensor.minimum(x, Tensor(6))
    /// ```
    @inlinable
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.minimum, a, b, name: "minimum")
        return record("minimum", inputs: a, b, shape: shape, elements: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let weightA = tieWeight(a.detached() .< b.detached(), a.detached(), b.detached())
            return .gradients(c.needsGradient[0] ? (g * weightA).sum(toShape: a.shape) : nil,
                              c.needsGradient[1] ? (g * (1 - weightA)).sum(toShape: b.shape) : nil)
        }
    }

    /// The share of the gradient that goes to `a` in maximum/minimum: 1 where `a` strictly wins or
    /// is NaN (the forward pass picked it), ½ on a tie, else 0. A constant (masks only).
    @inlinable
    static func tieWeight(_ aWins: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        aWins + 0.5 * (a .== b) + (1 - (a .== a))
    }

    // MARK: Comparisons (masks of 0 and 1; not differentiable)

    /// 1 where a > b, else 0 (broadcasting). No gradient flows through a mask.
    @inlinable public static func .> (a: Tensor, b: Tensor) -> Tensor { mask(.greater, a, b) }
    /// 1 where a ≥ b, else 0.
    @inlinable public static func .>= (a: Tensor, b: Tensor) -> Tensor { mask(.greaterEqual, a, b) }
    /// 1 where a < b, else 0.
    @inlinable public static func .< (a: Tensor, b: Tensor) -> Tensor { mask(.less, a, b) }
    /// 1 where a ≤ b, else 0.
    @inlinable public static func .<= (a: Tensor, b: Tensor) -> Tensor { mask(.lessEqual, a, b) }
    /// 1 where a == b, else 0.
    @inlinable public static func .== (a: Tensor, b: Tensor) -> Tensor { mask(.equal, a, b) }

    /// 1 where a > b, else 0, with a scalar on the right: `x .> 0`.
    @inlinable public static func .> (a: Tensor, b: Scalar) -> Tensor { mask(.greater, a, Tensor(b)) }
    /// 1 where a ≥ b, else 0, with a scalar on the right.
    @inlinable
    public static func .>= (a: Tensor, b: Scalar) -> Tensor { mask(.greaterEqual, a, Tensor(b)) }
    /// 1 where a < b, else 0, with a scalar on the right.
    @inlinable public static func .< (a: Tensor, b: Scalar) -> Tensor { mask(.less, a, Tensor(b)) }
    /// 1 where a ≤ b, else 0, with a scalar on the right.
    @inlinable
    public static func .<= (a: Tensor, b: Scalar) -> Tensor { mask(.lessEqual, a, Tensor(b)) }
    /// 1 where a == b, else 0, with a scalar on the right.
    @inlinable public static func .== (a: Tensor, b: Scalar) -> Tensor { mask(.equal, a, Tensor(b)) }

    @inlinable
    static func mask(_ op: BinaryKernel, _ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(op, a, b, name: "compare")
        return Tensor(shape: shape, elements: values, node: nil)
    }
}

/// Picks from `a` where `condition` is non-zero and from `b` elsewhere, broadcasting all three.
/// The gradient flows to whichever side was picked; none flows to the condition.
///
/// ```swift
/// let safe = select(x .> 0, x, Tensor(0))
/// ```
@inlinable
public func select<Scalar>(_ condition: Tensor<Scalar>, _ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
    let n = shape.reduce(1, *)
    let cv = Shape.broadcastView(condition.shape, to: shape)
    let av = Shape.broadcastView(a.shape, to: shape), bv = Shape.broadcastView(b.shape, to: shape)
    let values = TensorElements<Scalar>.make(count: n) { out in
        condition.withUnsafeScalars { cp in
            a.withUnsafeScalars { ap in
                b.withUnsafeScalars { bp in
                    Scalar.kernels.select(cp, cv, ap, av, bp, bv, shape, out)
                }
            }
        }
    }
    let mask = condition.detached()
    return Tensor<Scalar>.record("where", inputs: a, b, shape: shape, elements: values) { c in
        let zero = Tensor<Scalar>(0)
        return .gradients(c.needsGradient[0] ? c.sum(select(mask, c.upstream, zero), toInput: 0) : nil,
                          c.needsGradient[1] ? c.sum(select(mask, zero, c.upstream), toInput: 1) : nil)
    }
}

// Scalars on either side of an operator are broadcast tensors.
extension Tensor {
    /// `a + b` with a number on the right, broadcast to every element: `x + 1`.
    @inlinable public static func + (a: Tensor, b: Scalar) -> Tensor { a + Tensor(b) }
    /// `a + b` with a number on the left, broadcast to every element: `1 + x`.
    @inlinable
    public static func + (a: Scalar, b: Tensor) -> Tensor { Tensor(a) + b }
    /// `a − b` with a number on the right: `x - 1`.
    @inlinable public static func - (a: Tensor, b: Scalar) -> Tensor { a - Tensor(b) }
    /// `a − b` with a number on the left: `1 - p`.
    @inlinable
    public static func - (a: Scalar, b: Tensor) -> Tensor { Tensor(a) - b }
    /// `a · b` with a number on the right: `x * 2`.
    @inlinable public static func * (a: Tensor, b: Scalar) -> Tensor { a * Tensor(b) }
    /// `a · b` with a number on the left: `0.5 * x`.
    @inlinable
    public static func * (a: Scalar, b: Tensor) -> Tensor { Tensor(a) * b }
    /// `a / b` with a number on the right: `x / 255`.
    @inlinable public static func / (a: Tensor, b: Scalar) -> Tensor { a / Tensor(b) }
    /// `a / b` with a number on the left: `1 / x`.
    @inlinable
    public static func / (a: Scalar, b: Tensor) -> Tensor { Tensor(a) / b }

    // Compound assignment records the op and replaces the tensor with the result, as `a = a - b`,
    // except inside `withoutGradients`, where a leaf that requires gradients (a parameter) is
    // updated in place and stays a leaf — PyTorch's `with torch.no_grad(): w -= lr * w.grad`:
    //     withoutGradients { if let g = w.grad { w -= 0.1 * g } }
    // (`w.data -= 0.1 * g`, micrograd's `p.data`, does the same anywhere.)

    /// Adds `b` to `a` (in place for a leaf inside `withoutGradients`: see the note above).
    @inlinable public static func += (a: inout Tensor, b: Tensor) { a.update(with: { $0 + b }, "+=") }
    /// Subtracts `b` from `a` (in place for a leaf).
    @inlinable public static func -= (a: inout Tensor, b: Tensor) { a.update(with: { $0 - b }, "-=") }
    /// Multiplies `a` by `b` (in place for a leaf).
    @inlinable public static func *= (a: inout Tensor, b: Tensor) { a.update(with: { $0 * b }, "*=") }
    /// Divides `a` by `b` (in place for a leaf).
    @inlinable public static func /= (a: inout Tensor, b: Tensor) { a.update(with: { $0 / b }, "/=") }

    /// The square of each element.
    @inlinable public func squared() -> Tensor { self * self }
}

// Elementwise ops. Each op computes its forward value with a kernel and records one
// derivative rule, written with tensor ops, next to it. Binary ops broadcast like NumPy;
// their rules sum the gradient back to each input's shape.
//
// Non-differentiable points (documented choices, tested in ElementwiseGradTests):
//   relu'(0) = 0, leakyRelu'(0) = slope, |x|'(0) = 0, sign' = 0, step' = 0,
//   maximum(a, b) at a == b sends the gradient to a (the first argument); minimum likewise,
//   clamp passes the gradient at the bounds (lower ≤ x ≤ upper), like PyTorch.

extension Tensor {
    // MARK: Forward helpers

    func unaryForward(_ op: UnaryKernel<Scalar>) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
            scalars.withUnsafeBufferPointer { Scalar._kernels.unary(op, $0, out) }
            initialized = count
        }
    }

    static func binaryForward(_ op: BinaryKernel, _ a: Tensor, _ b: Tensor, name: String) -> (shape: [Int], scalars: [Scalar]) {
        let shape = Shape.broadcast(a.shape, b.shape, op: name)
        let n = shape.reduce(1, *)
        let av = Shape.broadcastView(a.shape, to: shape), bv = Shape.broadcastView(b.shape, to: shape)
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            a.scalars.withUnsafeBufferPointer { ap in
                b.scalars.withUnsafeBufferPointer { bp in
                    Scalar._kernels.binary(op, ap, av, bp, bv, shape, out)
                }
            }
            initialized = n
        }
        return (shape, values)
    }

    /// A plain (unrecorded) tensor from a unary kernel: for masks and derivatives of kinks.
    func constant(_ op: UnaryKernel<Scalar>) -> Tensor {
        Tensor(shape: shape, scalars: unaryForward(op), node: nil)
    }

    func recordUnary(_ name: String, _ op: UnaryKernel<Scalar>, _ attributes: String = "",
                     rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        Tensor.record(name, attributes, inputs: NodeInputs(self), shape: shape, scalars: unaryForward(op), rule: rule)
    }

    // MARK: Arithmetic

    /// Elementwise sum, broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor { Scalar._add(a, b) }
    static func _add(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.add, a, b, name: "add")
        return record("add", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            [c.upstream.sum(toShape: c.inputs[0].shape), c.upstream.sum(toShape: c.inputs[1].shape)]
        }
    }

    /// Elementwise difference, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { Scalar._subtract(a, b) }
    static func _subtract(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.subtract, a, b, name: "subtract")
        return record("subtract", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            [c.upstream.sum(toShape: c.inputs[0].shape), (-c.upstream).sum(toShape: c.inputs[1].shape)]
        }
    }

    /// Elementwise product, broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { Scalar._multiply(a, b) }
    static func _multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.multiply, a, b, name: "multiply")
        return record("multiply", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            return [c.needsGradient[0] ? (g * b).sum(toShape: a.shape) : nil,
                    c.needsGradient[1] ? (g * a).sum(toShape: b.shape) : nil]
        }
    }

    /// Elementwise quotient, broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { Scalar._divide(a, b) }
    static func _divide(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.divide, a, b, name: "divide")
        return record("divide", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            return [c.needsGradient[0] ? (g / b).sum(toShape: a.shape) : nil,
                    c.needsGradient[1] ? (-(g * a) / (b * b)).sum(toShape: b.shape) : nil]
        }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { Scalar._negate(x) }
    func _negate() -> Tensor {
        recordUnary("negate", .negate) { c in [-c.upstream] }
    }

    /// `a` raised to `b`, elementwise, broadcasting. The derivative with respect to the exponent
    /// uses log(a), taken as 0 where a ≤ 0 (where aᵇ is not differentiable in b). Where b = 0 the
    /// derivative with respect to a is 0, also at a = 0 (where b·aᵇ⁻¹ would be 0·∞ = NaN).
    public static func pow(_ a: Tensor, _ b: Tensor) -> Tensor { Scalar._pow(a, b) }
    static func _pow(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.pow, a, b, name: "pow")
        return record("pow", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let safeLog = select(a .> 0, a, Tensor(Scalar(1))).log()
            let zeroToTheZero = (a.detached() .== 0) * (b.detached() .== 0)
            return [c.needsGradient[0] ? (g * select(zeroToTheZero, Tensor(Scalar(0)), b * Tensor.pow(a, b - 1)))
                        .sum(toShape: a.shape) : nil,
                    c.needsGradient[1] ? (g * c.output * safeLog).sum(toShape: b.shape) : nil]
        }
    }

    /// Each element raised to a fixed power. `x.pow(0)` is constant: its derivative is 0, also at x = 0.
    ///
    /// ```swift
    /// let squares = x.pow(2)
    /// ```
    public func pow(_ exponent: Scalar) -> Tensor { Scalar._pow(self, exponent) }
    func _pow(_ exponent: Scalar) -> Tensor {
        recordUnary("pow", .powScalar(exponent), "exponent: \(Tensor.format(exponent))") { c in
            if exponent == 0 { return [Tensor.zeros(like: c.upstream)] }
            return [c.upstream * c.inputs[0].pow(exponent - 1) * Tensor(exponent)]
        }
    }

    // MARK: Elementary functions

    /// e raised to each element.
    public func exp() -> Tensor { Scalar._exp(self) }
    func _exp() -> Tensor {
        recordUnary("exp", .exp) { c in [c.upstream * c.output] }
    }

    /// The natural logarithm of each element.
    public func log() -> Tensor { Scalar._log(self) }
    func _log() -> Tensor {
        recordUnary("log", .log) { c in [c.upstream / c.inputs[0]] }
    }

    /// The square root of each element.
    public func sqrt() -> Tensor { Scalar._sqrt(self) }
    func _sqrt() -> Tensor {
        recordUnary("sqrt", .sqrt) { c in [c.upstream / (c.output * 2)] }
    }

    /// The absolute value of each element; its derivative at 0 is taken as 0.
    public func abs() -> Tensor { Scalar._abs(self) }
    func _abs() -> Tensor {
        recordUnary("abs", .abs) { c in [c.upstream * c.inputs[0].sign()] }
    }

    /// -1, 0 or 1 by the sign of each element. Not differentiable: no gradient flows through it.
    public func sign() -> Tensor { detached().constant(.sign) }

    /// The hyperbolic tangent of each element.
    public func tanh() -> Tensor { Scalar._tanh(self) }
    func _tanh() -> Tensor {
        recordUnary("tanh", .tanh) { c in [c.upstream * (1 - c.output * c.output)] }
    }

    /// The logistic sigmoid 1 / (1 + e^-x) of each element, computed without overflow.
    public func sigmoid() -> Tensor { Scalar._sigmoid(self) }
    func _sigmoid() -> Tensor {
        recordUnary("sigmoid", .sigmoid) { c in [c.upstream * c.output * (1 - c.output)] }
    }

    /// max(x, 0) of each element; its derivative at 0 is taken as 0.
    public func relu() -> Tensor { Scalar._relu(self) }
    func _relu() -> Tensor {
        recordUnary("relu", .relu) { c in [c.upstream * c.inputs[0].detached().constant(.step(otherwise: 0))] }
    }

    /// x for x > 0, else slope·x; its derivative at 0 is taken as `slope`.
    public func leakyRelu(slope: Scalar = 0.01) -> Tensor { Scalar._leakyRelu(self, slope: slope) }
    func _leakyRelu(slope: Scalar) -> Tensor {
        recordUnary("leakyRelu", .leakyRelu(slope: slope), "slope: \(Tensor.format(slope))") { c in
            [c.upstream * c.inputs[0].detached().constant(.step(otherwise: slope))]
        }
    }

    /// Each element limited to [lower, upper]; the gradient passes where lower ≤ x ≤ upper.
    public func clamped(lower: Scalar, upper: Scalar) -> Tensor { Scalar._clamped(self, lower: lower, upper: upper) }
    func _clamped(lower: Scalar, upper: Scalar) -> Tensor {
        precondition(lower <= upper, "clamped: lower bound \(lower) is above upper bound \(upper)")
        return recordUnary("clamp", .clamp(lower: lower, upper: upper),
                           "lower: \(Tensor.format(lower)), upper: \(Tensor.format(upper))") { c in
            [c.upstream * c.inputs[0].detached().constant(.insideMask(lower: lower, upper: upper))]
        }
    }

    // MARK: Elementwise extremes

    /// The larger of `a` and `b` at each position, broadcasting. Where they are equal the
    /// gradient goes to `a`.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Scalar._maximum(a, b) }
    static func _maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.maximum, a, b, name: "maximum")
        return record("maximum", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let takeA = a.detached() .>= b.detached()
            return [(g * takeA).sum(toShape: a.shape), (g * (1 - takeA)).sum(toShape: b.shape)]
        }
    }

    /// The smaller of `a` and `b` at each position, broadcasting. Where they are equal the
    /// gradient goes to `a`.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Scalar._minimum(a, b) }
    static func _minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(.minimum, a, b, name: "minimum")
        return record("minimum", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let (a, b, g) = (c.inputs[0], c.inputs[1], c.upstream)
            let takeA = a.detached() .<= b.detached()
            return [(g * takeA).sum(toShape: a.shape), (g * (1 - takeA)).sum(toShape: b.shape)]
        }
    }

    // MARK: Comparisons (masks of 0 and 1; not differentiable)

    /// 1 where a > b, else 0 (broadcasting). No gradient flows through a mask.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { mask(.greater, a, b) }
    /// 1 where a ≥ b, else 0.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { mask(.greaterEqual, a, b) }
    /// 1 where a < b, else 0.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { mask(.less, a, b) }
    /// 1 where a ≤ b, else 0.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { mask(.lessEqual, a, b) }
    /// 1 where a == b, else 0.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { mask(.equal, a, b) }

    /// Comparisons with a scalar on the right.
    public static func .> (a: Tensor, b: Scalar) -> Tensor { mask(.greater, a, Tensor(b)) }
    public static func .>= (a: Tensor, b: Scalar) -> Tensor { mask(.greaterEqual, a, Tensor(b)) }
    public static func .< (a: Tensor, b: Scalar) -> Tensor { mask(.less, a, Tensor(b)) }
    public static func .<= (a: Tensor, b: Scalar) -> Tensor { mask(.lessEqual, a, Tensor(b)) }
    public static func .== (a: Tensor, b: Scalar) -> Tensor { mask(.equal, a, Tensor(b)) }

    static func mask(_ op: BinaryKernel, _ a: Tensor, _ b: Tensor) -> Tensor {
        let (shape, values) = binaryForward(op, a, b, name: "compare")
        return Tensor(shape: shape, scalars: values, node: nil)
    }
}

/// Picks from `a` where `condition` is non-zero and from `b` elsewhere, broadcasting all three.
/// The gradient flows to whichever side was picked; none flows to the condition.
///
/// ```swift
/// let safe = select(x .> 0, x, Tensor(0))
/// ```
public func select<Scalar>(_ condition: Tensor<Scalar>, _ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    Scalar._select(condition, a, b)
}

extension Tensor {
    static func _select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let n = shape.reduce(1, *)
        let cv = Shape.broadcastView(condition.shape, to: shape)
        let av = Shape.broadcastView(a.shape, to: shape), bv = Shape.broadcastView(b.shape, to: shape)
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            condition.scalars.withUnsafeBufferPointer { cp in
                a.scalars.withUnsafeBufferPointer { ap in
                    b.scalars.withUnsafeBufferPointer { bp in
                        Scalar._kernels.select(cp, cv, ap, av, bp, bv, shape, out)
                    }
                }
            }
            initialized = n
        }
        let mask = condition.detached()
        return Tensor.record("where", inputs: NodeInputs(a, b), shape: shape, scalars: values) { c in
            let zero = Tensor<Scalar>(0)
            return [c.needsGradient[0] ? select(mask, c.upstream, zero).sum(toShape: c.inputs[0].shape) : nil,
                    c.needsGradient[1] ? select(mask, zero, c.upstream).sum(toShape: c.inputs[1].shape) : nil]
        }
    }
}

// Scalars on either side of an operator are broadcast tensors.
extension Tensor {
    public static func + (a: Tensor, b: Scalar) -> Tensor { a + Tensor(b) }
    public static func + (a: Scalar, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Scalar) -> Tensor { a - Tensor(b) }
    public static func - (a: Scalar, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Scalar) -> Tensor { a * Tensor(b) }
    public static func * (a: Scalar, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Tensor, b: Scalar) -> Tensor { a / Tensor(b) }
    public static func / (a: Scalar, b: Tensor) -> Tensor { Tensor(a) / b }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }

    /// The square of each element.
    public func squared() -> Tensor { self * self }
}

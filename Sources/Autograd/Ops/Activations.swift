// Activation functions of modern models: softplus, ELU, SELU, SiLU, GELU (exact and tanh),
// mish, hardtanh. Each op: its forward function of one element (an `ElementFunction`) and its
// rule, written with differentiable ops, side by side; SELU is ELU scaled. softplus, SiLU, ELU,
// mish and GELU (exact and tanh, and their slopes) run the unary kernel instead: vectorised C
// (`VectorMath`) for Float and Double. A recorded GELU computes its slope in the same pass and
// keeps it for its rule.
//
// Non-differentiable points (documented choices, as PyTorch 2.x computes them; tested in
// ActivationGradTests):
//   elu'(0) = alpha (the x ≤ 0 branch; continuous when alpha = 1, where only elu'' jumps),
//   selu'(0) = scale·alpha,
//   hardtanh'(min) = hardtanh'(max) = 0 (the gradient passes only strictly inside the bounds,
//   as for `clamped`).

/// The tanh approximation of GELU, or none, as PyTorch's `approximate` argument.
public enum GELUApproximation: Sendable, Hashable {
    /// The exact GELU, x·Φ(x) with the standard normal distribution's CDF Φ.
    case none
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as in GPT-2 and BERT's original code.
    case tanh
}

extension Tensor {
    /// log(1 + e^(βx)) / β of each element (β = `beta`), computed stably for any x (no overflow
    /// for x = 1000, no loss of digits for x = −40). Its derivative is sigmoid(βx).
    ///
    /// By default (`threshold: nil`) the value is log(1 + e^(βx)) everywhere, which is more
    /// accurate than PyTorch's `softplus`: PyTorch switches to x where βx > `threshold` (its
    /// default 20), and there its value is off by up to 2·10⁻⁹ and its gradient is exactly 1
    /// instead of σ(βx). Pass `threshold: 20` to compute as PyTorch does, value and gradient.
    ///
    /// ```swift
    /// Tensor<Double>([0, 1000]).softplus()                    // [0.6931…, 1000]
    /// Tensor<Double>([21]).softplus(threshold: 20)            // [21]: PyTorch's F.softplus(x)
    /// ```
    @inlinable
    public func softplus(beta: Scalar = 1, threshold: Scalar? = nil) -> Tensor {
        require(beta > 0, "softplus: beta \(beta) must be positive")
        if let threshold {
            // PyTorch's linear branch: the identity where βx > threshold (gradient 1 there).
            return select((self * beta).detached() .> threshold, self, softplus(beta: beta))
        }
        if beta != 1 { return (self * beta).softplus() / beta }
        return recordUnary("softplus", .softplus) { c in
            .gradients(c.upstream * c.inputs[0].sigmoid())                           // d log(1 + eˣ) = σ(x)
        }
    }

    /// The exponential linear unit: x for x > 0, alpha·(eˣ − 1) otherwise.
    ///
    /// At 0 its derivative is taken from the x ≤ 0 side, alpha, as PyTorch does (for alpha = 1
    /// both sides agree).
    ///
    /// ```swift
    /// Tensor<Double>([-1, 2]).elu()    // [−0.632…, 2]
    /// ```
    @inlinable
    public func elu(alpha: Scalar = 1) -> Tensor {
        recordUnary("elu", .elu(alpha: alpha), "alpha: \(Tensor.format(alpha))") { c in
            // d/dx = 1 for x > 0; alpha·eˣ = y + alpha for x ≤ 0 (y the output, so that the second
            // derivative follows through it).
            .gradients(c.upstream * select(c.inputs[0] .> 0, Tensor(Scalar(1)), c.output + alpha))
        }
    }

    /// The scaled exponential linear unit, scale·elu(x, alpha) with PyTorch's (and the paper's)
    /// constants alpha = 1.6732632423543772…, scale = 1.0507009873554804…. Its derivative at 0 is
    /// scale·alpha (the x ≤ 0 side, as PyTorch).
    ///
    /// ```swift
    /// Tensor<Double>([-1, 2]).selu()    // [−1.111…, 2.101…]
    /// ```
    @inlinable
    public func selu() -> Tensor {
        elu(alpha: Scalar(1.6732632423543772848170429916717)) * Scalar(1.0507009873554804934193349852946)
    }

    /// The sigmoid-weighted linear unit x·σ(x), also called swish (with β = 1).
    ///
    /// ```swift
    /// Tensor<Double>([-1, 2]).silu()    // [−0.2689…, 1.7615…]
    /// ```
    @inlinable
    public func silu() -> Tensor {
        recordUnary("silu", .silu) { c in
            let (x, s) = (c.inputs[0], c.inputs[0].sigmoid())
            return .gradients(c.upstream * s * (1 + x * (1 - s)))                    // σ + xσ(1 − σ)
        }
    }

    /// The Gaussian error linear unit x·Φ(x), Φ the standard normal CDF; with
    /// `approximate: .tanh`, ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's `approximate='tanh'`).
    ///
    /// The exact form computes Φ(x) for negative x as ½·erfc(−x/√2), which keeps its digits there
    /// (PyTorch's ½(1 + erf(x/√2)) loses them: at x = −5 it is off by 4·10⁻¹¹ relative).
    ///
    /// ```swift
    /// Tensor<Double>([1]).gelu()                       // [0.8413…]
    /// Tensor<Double>([1]).gelu(approximate: .tanh)     // [0.8411…]
    /// ```
    @inlinable
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        switch approximate {
        case .none:
            // Recorded: the slope Φ(x) + x·φ(x) is computed with the values, in the same pass
            // (they share Φ), and kept for the rule: a training step's backward pass then costs a
            // product instead of a second evaluation of Φ. When the backward pass is itself
            // recorded (createGraph) the rule is the differentiable op `geluSlope` instead,
            // whose values are the same bits.
            guard requiresGrad && isRecordingGradients else {
                return recordUnary("gelu", .gelu) { c in
                    .gradients(c.upstream * c.inputs[0].geluSlope())  // d xΦ(x) = Φ(x) + x·φ(x)
                }
            }
            var slope: [Scalar] = []
            let values = Tensor.makeScalars(count: count) { out in
                slope = Tensor.makeScalars(count: count) { s in
                    scalars.withUnsafeBufferPointer { Scalar.kernels.geluPair(false, $0, out, s) }
                }
            }
            return Tensor.record("gelu", input: self, shape: shape, scalars: values) { c in
                if isRecordingGradients { return .gradients(c.upstream * c.inputs[0].geluSlope()) }
                return .gradients(c.upstream * Tensor(shape: c.upstream.shape, scalars: slope, node: nil))
            }
        case .tanh:
            // As the exact form: the slope computed with the values and kept for the rule; under
            // createGraph the rule is the differentiable op `geluTanhSlope`, the same bits.
            guard requiresGrad && isRecordingGradients else {
                return recordUnary("gelu", .geluTanh, "approximate: tanh") { c in
                    .gradients(c.upstream * c.inputs[0].geluTanhSlope())
                }
            }
            var slope: [Scalar] = []
            let values = Tensor.makeScalars(count: count) { out in
                slope = Tensor.makeScalars(count: count) { s in
                    scalars.withUnsafeBufferPointer { Scalar.kernels.geluPair(true, $0, out, s) }
                }
            }
            return Tensor.record("gelu", "approximate: tanh", input: self, shape: shape, scalars: values) { c in
                if isRecordingGradients { return .gradients(c.upstream * c.inputs[0].geluTanhSlope()) }
                return .gradients(c.upstream * Tensor(shape: c.upstream.shape, scalars: slope, node: nil))
            }
        }
    }

    /// The derivative of GELU with tanh, elementwise: with y = ½x(1 + tanh u) = x·σ(2u),
    /// u = β(x + κx³), it is σ + x·w·σ(1 − σ), σ = σ(2u), w = (2u)′ = 2β(1 + 3κx²). A primitive
    /// (one vectorised pass, see `VectorMath`) as `geluSlope`, so that GELU's rule under createGraph
    /// gives the bits a plain backward pass keeps. Its own rule, for second derivatives, written
    /// with differentiable ops: d/dx = q·(2w + 12βκx² + x·w²·(1 − 2σ)), q = σ(1 − σ).
    @inlinable
    func geluTanhSlope() -> Tensor {
        recordUnary("geluTanhSlope", .geluTanhSlope) { c in
            let x = c.inputs[0]
            let (beta, kappa) = (Scalar(GaussianErrorLinearTanh.beta), Scalar(GaussianErrorLinearTanh.kappa))
            let x2 = x.squared()
            let s = ((x + x2 * x * kappa) * (2 * beta)).sigmoid()
            let q = s * (1 - s)
            let w = (x2 * (3 * kappa) + 1) * (2 * beta)
            return .gradients(c.upstream * q * (2 * w + x2 * (12 * beta * kappa) + x * w.squared() * (1 - 2 * s)))
        }
    }

    /// GELU's derivative Φ(x) + x·φ(x) (φ(x) = e^(−x²/2)/√(2π)), elementwise: a primitive of its own
    /// so that GELU's rule is one pass over the elements, not ten ops (a GPT's MLP spends its time
    /// there). Its own rule, for second derivatives: d/dx (Φ + xφ) = φ·(2 − x²).
    @inlinable
    func geluSlope() -> Tensor {
        recordUnary("geluSlope", .geluSlope) { c in
            let x = c.inputs[0]
            let pdf = (x.squared() * Scalar(-0.5)).exp() * Scalar(0.39894228040143267794)
            return .gradients(c.upstream * pdf * (2 - x.squared()))
        }
    }

    /// mish: x·tanh(softplus(x)), with the stable softplus.
    ///
    /// ```swift
    /// Tensor<Double>([-1, 2]).mish()    // [−0.3034…, 1.9439…]
    /// ```
    @inlinable
    public func mish() -> Tensor {
        recordUnary("mish", .mish) { c in
            // d x·tanh(sp(x)) = t + x(1 − t²)σ(x), t = tanh(sp(x)).
            let x = c.inputs[0]
            let t = x.softplus().tanh()
            return .gradients(c.upstream * (t + x * (1 - t.squared()) * x.sigmoid()))
        }
    }

    /// Each element limited to [min, max] (−1 and 1 by default). The gradient passes strictly
    /// inside the bounds and is 0 at them, as PyTorch's `hardtanh` (and as ``clamped(lower:upper:)``
    /// and PyTorch's `clamp`).
    ///
    /// ```swift
    /// Tensor<Double>([-3, 0.5, 3]).hardtanh()    // [−1, 0.5, 1]
    /// ```
    @inlinable
    public func hardtanh(min: Scalar = -1, max: Scalar = 1) -> Tensor {
        require(min < max, "hardtanh: min \(min) must be below max \(max)")
        return recordUnary("hardtanh", .clamp(lower: min, upper: max),
                           "min: \(Tensor.format(min)), max: \(Tensor.format(max))") { c in
            let x = c.inputs[0]
            return .gradients(c.upstream * ((x .> min) * (x .< max)))                // 1 strictly inside, else 0
        }
    }
}

/// log(1 + eˣ) without overflow or cancellation: x + log(1 + e⁻ˣ) for x > 0.
@inlinable
func stableSoftplus<S: TensorScalar>(_ x: S) -> S {
    x > 0 ? x + .log1p(.exp(-x)) : .log1p(.exp(x))
}

@usableFromInline struct Softplus: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { stableSoftplus(x) }
}

@usableFromInline struct SigmoidLinear: ElementFunction {
    @inlinable init() {}
    // x / (1 + e⁻ˣ): for x → −∞ the quotient goes to −0, never NaN.
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { x / (1 + .exp(-x)) }
}

@usableFromInline struct GaussianErrorLinear: ElementFunction {
    @inlinable init() {}
    // x·Φ(x) with 2Φ(x) = 1 + erf(x/√2) for x ≥ 0 (PyTorch's expression) and erfc(−x/√2) for
    // x < 0, where 1 + erf would cancel.
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let u = x * S(0.70710678118654752440)
        return x * S(0.5) * (x >= 0 ? 1 + .erf(u) : .erfc(-u))
    }
}

@usableFromInline struct GaussianErrorLinearSlope: ElementFunction {
    @inlinable init() {}
    // Φ(x) + x·φ(x), Φ as in GaussianErrorLinear (no cancellation for x < 0).
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let u = x * S(0.70710678118654752440)
        let cdf = S(0.5) * (x >= 0 ? 1 + .erf(u) : .erfc(-u))
        return cdf + x * S(0.39894228040143267794) * .exp(S(-0.5) * x * x)
    }
}

@usableFromInline struct GaussianErrorLinearTanh: ElementFunction {
    /// √(2/π) and the cubic coefficient, as PyTorch's kernel writes them.
    @usableFromInline static let beta = 0.79788456080286535588
    @usableFromInline static let kappa = 0.044715
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let inner = S(Self.beta) * (x + S(Self.kappa) * (x * x * x))
        return S(0.5) * x * (1 + .tanh(inner))
    }
}

@usableFromInline struct GaussianErrorLinearTanhSlope: ElementFunction {
    @inlinable init() {}
    // ½(1 + t) + ½x(1 − t²)·β(1 + 3κx²), t = tanh(β(x + κx³)): the rule's expression.
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let (beta, kappa) = (S(GaussianErrorLinearTanh.beta), S(GaussianErrorLinearTanh.kappa))
        let t = S.tanh(beta * (x + kappa * (x * x * x)))
        return S(0.5) * (1 + t) + S(0.5) * x * (1 - t * t) * (beta * (1 + 3 * kappa * x * x))
    }
}

@usableFromInline struct Mish: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { x * .tanh(stableSoftplus(x)) }
}

// Special functions: erf, erfc, expm1, log1p, rsqrt. Each op: its forward function and its rule,
// written with differentiable ops, side by side. erf, erfc, expm1 and log1p run the unary kernel
// (vectorised C for Float, see `VectorMath`; the `ElementFunction`s below for Double); rsqrt is an
// `ElementFunction` run by `map`. All are smooth on their domains.

/// 2/√π, the scale of erf's derivative.
@usableFromInline let twoOverSquareRootOfPi = 1.1283791670955126

extension Tensor {
    /// The error function of each element, erf x = 2/√π ∫₀ˣ e^(−t²) dt.
    ///
    /// ```swift
    /// Tensor<Double>([0, 1]).erf()    // [0, 0.8427…]
    /// ```
    @inlinable
    public func erf() -> Tensor {
        recordUnary("erf", .erf) { c in
            let x = c.inputs[0]
            return .gradients(c.upstream * (-x.squared()).exp() * Scalar(twoOverSquareRootOfPi))  // d erf x = 2/√π e^(−x²)
        }
    }

    /// The complementary error function of each element, erfc x = 1 − erf x, accurate where
    /// erf x is close to 1 (erfc(10) ≈ 2·10⁻⁴⁵, where 1 − erf(10) is 0).
    ///
    /// ```swift
    /// Tensor<Double>([0, 10]).erfc()    // [1, 2.088…e-45]
    /// ```
    @inlinable
    public func erfc() -> Tensor {
        recordUnary("erfc", .erfc) { c in
            let x = c.inputs[0]
            return .gradients(c.upstream * (-x.squared()).exp() * Scalar(-twoOverSquareRootOfPi))  // d erfc x = −2/√π e^(−x²)
        }
    }

    /// eˣ − 1 of each element, accurate near 0 (where `exp() - 1` loses the digits).
    ///
    /// ```swift
    /// Tensor<Double>([1e-10]).expm1()    // [1.00000000005e-10]
    /// ```
    @inlinable
    public func expm1() -> Tensor {
        recordUnary("expm1", .expm1) { c in
            .gradients(c.upstream * c.inputs[0].exp())                                   // d (eˣ − 1) = eˣ
        }
    }

    /// log(1 + x) of each element, accurate near 0 (where `(1 + x).log()` loses the digits).
    ///
    /// ```swift
    /// Tensor<Double>([1e-10]).log1p()    // [9.9999999995e-11]
    /// ```
    @inlinable
    public func log1p() -> Tensor {
        recordUnary("log1p", .log1p) { c in
            .gradients(c.upstream / (c.inputs[0] + 1))                                   // d log(1 + x) = 1 / (1 + x)
        }
    }

    /// 1/√x of each element (the reciprocal square root, as in normalization layers).
    ///
    /// ```swift
    /// Tensor<Double>([4, 0.25]).rsqrt()    // [0.5, 2]
    /// ```
    @inlinable
    public func rsqrt() -> Tensor {
        Tensor.record("rsqrt", input: self, shape: shape, scalars: map(ReciprocalSquareRoot())) { c in
            let y = c.output
            return .gradients(c.upstream * y * y * y * Scalar(-0.5))                     // d x^(−½) = −½ x^(−3/2) = −½ y³
        }
    }
}

@usableFromInline struct ErrorFunction: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .erf(x) }
}

@usableFromInline struct ComplementaryErrorFunction: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .erfc(x) }
}

@usableFromInline struct ExpMinusOne: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .expm1(x) }
}

@usableFromInline struct LogOnePlus: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .log1p(x) }
}

@usableFromInline struct ReciprocalSquareRoot: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { 1 / x.squareRoot() }
}

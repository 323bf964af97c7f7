// Trigonometric functions. Each op: its forward function of one element (an `ElementFunction`,
// run by `map` in a loop compiled for Float and Double) and its rule, side by side.

extension Tensor {
    /// The sine of each element (radians).
    ///
    /// ```swift
    /// Tensor<Double>([0, .pi / 2]).sin()    // [0, 1]
    /// ```
    @inlinable
    public func sin() -> Tensor {
        Tensor.record("sin", input: self, shape: shape, scalars: map(Sine())) { c in
            [c.upstream * c.inputs[0].cos()]                       // d sin x = cos x
        }
    }

    /// The cosine of each element (radians).
    @inlinable
    public func cos() -> Tensor {
        Tensor.record("cos", input: self, shape: shape, scalars: map(Cosine())) { c in
            [-(c.upstream * c.inputs[0].sin())]                    // d cos x = −sin x
        }
    }
}

@usableFromInline struct Sine: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .sin(x) }
}

@usableFromInline struct Cosine: ElementFunction {
    @inlinable init() {}
    @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { .cos(x) }
}

// Trigonometric functions. Each op: its forward pass (the unary kernel, vectorised C for Float and
// Double, see `VectorMath`) and its rule, side by side.

extension Tensor {
    /// The sine of each element (radians).
    ///
    /// ```swift
    /// Tensor<Double>([0, .pi / 2]).sin()    // [0, 1]
    /// ```
    @inlinable
    public func sin() -> Tensor {
        recordUnary("sin", .sin) { c in
            .gradients(c.upstream * c.inputs[0].cos())             // d sin x = cos x
        }
    }

    /// The cosine of each element (radians).
    @inlinable
    public func cos() -> Tensor {
        recordUnary("cos", .cos) { c in
            .gradients(-(c.upstream * c.inputs[0].sin()))          // d cos x = −sin x
        }
    }
}

extension Tensor {
    /// Records an op of your own: `value` is its forward result, computed however you like,
    /// and `rule` its vector-Jacobian product, given the upstream gradient, the inputs and the
    /// output. Write the rule with tensor ops and your op supports double backward too.
    ///
    /// ```swift
    /// // softplus(x) = log(1 + eˣ), with its derivative sigmoid(x)
    /// func softplus(_ x: Tensor<Double>) -> Tensor<Double> {
    ///     let value = withoutGradients { (x.exp() + 1).log() }
    ///     return Tensor.customOp("softplus", inputs: [x], value: value) { upstream, inputs, _ in
    ///         [upstream * inputs[0].sigmoid()]
    ///     }
    /// }
    /// ```
    /// The rule returns one gradient per input (or `nil` for none), each of that input's shape;
    /// ``gradcheck(inputs:names:eps:atol:rtol:worst:fastMode:_:)`` is how you prove it right.
    public static func customOp(_ name: String, inputs: [Tensor], value: Tensor,
                                rule: @escaping (_ upstream: Tensor, _ inputs: [Tensor], _ output: Tensor) -> [Tensor?])
        -> Tensor {
        record(OpName(interning: name), inputs: NodeInputs(inputs), shape: value.shape, scalars: value.scalars) { c in
            InputGradients(rule(c.upstream, Array(c.inputs), c.output))
        }
    }
}

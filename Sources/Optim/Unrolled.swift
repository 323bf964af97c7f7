/// One plain gradient-descent step as a function: θᵢ − lr·gᵢ for each parameter, with tensor
/// ops, so that it is recorded when the learning rate or the values require gradients.
///
/// ```swift
/// let lr = Tensor<Double>(0.1).requiringGrad(named: "lr")
/// let w0 = Tensor<Double>([1, -2]).requiringGrad(named: "w0")
/// let g0 = try gradients(of: trainLoss(w0), wrt: [w0], createGraph: true)
/// let w1 = sgdStep(parameters: [w0], gradients: g0, learningRate: lr)
/// validationLoss(w1[0]).backward()
/// lr.grad   // d(validation loss after the step)/d(lr)
/// w0.grad   // d(validation loss after the step)/d(w0), through the gradient
/// ```
/// - Precondition: as many gradients as parameters, each of its parameter's shape.
public func sgdStep<Scalar>(parameters: [Tensor<Scalar>], gradients: [Tensor<Scalar>],
                            learningRate: Tensor<Scalar>) -> [Tensor<Scalar>] {
    require(parameters.count == gradients.count,
                 "sgdStep: \(parameters.count) parameters but \(gradients.count) gradients")
    return zip(parameters, gradients).map { value, gradient in
        require(value.shape == gradient.shape,
                     "sgdStep: gradient of shape \(gradient.shape) for a parameter of shape \(value.shape)")
        return value - learningRate * gradient
    }
}

extension Optimizer {
    /// The values after one step of this optimizer's rule from `values` with `gradients`, as a
    /// function: ops are recorded when the inputs require gradients. `state` holds the
    /// per-parameter state (start from `[]` for a fresh one) and is updated. Neither the
    /// optimizer's parameters nor its own state change.
    ///
    /// ```swift
    /// var state: [[String: Tensor<Double>]] = []
    /// let next = sgd.functionalStep(values: [w], gradients: [g], learningRate: lr, state: &state)
    /// ```
    /// - Precondition: as many gradients as values.
    public func functionalStep(values: [Tensor<Scalar>], gradients: [Tensor<Scalar>], learningRate: Tensor<Scalar>,
                               state: inout [[String: Tensor<Scalar>]]) -> [Tensor<Scalar>] {
        require(values.count == gradients.count,
                     "functionalStep: \(values.count) values but \(gradients.count) gradients")
        if state.count != values.count { state = Array(repeating: [:], count: values.count) }
        var next: [Tensor<Scalar>] = []
        next.reserveCapacity(values.count)
        for i in values.indices {
            next.append(update(values[i], gradient: gradients[i], state: &state[i], learningRate: learningRate))
        }
        return next
    }

    /// Runs `steps` steps of this optimizer's rule on the tape, from `initial` values, on
    /// `loss`, with the learning rate `learningRate` (a 0-d tensor, usually one that requires
    /// gradients), and returns the final values, recorded. A loss of those values can then be
    /// differentiated with respect to the learning rate (a hypergradient) or, when they require
    /// gradients, the initial values. Uses this optimizer's hyperparameters (momentum, β, …)
    /// with a fresh state; its parameters, state and schedule are not touched.
    ///
    /// ```swift
    /// let lr = Tensor<Double>(0.1).requiringGrad(named: "lr")
    /// let sgd = SGD(ParameterList<Double>([]), learningRate: 0.1)
    /// let w1 = try sgd.unrolled(from: [w0], learningRate: lr, steps: 1) { w in trainLoss(w[0]) }
    /// validationLoss(w1[0]).backward()
    /// lr.grad   // d(validation loss after one step)/d(lr)
    /// ```
    /// - Parameters:
    ///   - createGraph: record the gradients themselves (second order), needed for exact
    ///     derivatives through more than one step or with respect to the initial values. With
    ///     `false`, gradients are constants (a first-order approximation, exact for d/d(lr) of
    ///     a single step).
    /// - Throws: `AutogradError` when `loss` is not recorded (for example inside
    ///   `withoutGradients(_:)`).
    public func unrolled(from initial: [Tensor<Scalar>], learningRate: Tensor<Scalar>, steps: Int = 1,
                         createGraph: Bool = true, loss: ([Tensor<Scalar>]) -> Tensor<Scalar>) throws -> [Tensor<Scalar>] {
        require(steps >= 0, "unrolled: steps \(steps) must not be negative")
        var values = initial
        var state: [[String: Tensor<Scalar>]] = []
        for _ in 0..<steps {
            // Values that are on no graph yet become leaves, so that the loss can be differentiated.
            values = values.map { $0.requiresGrad ? $0 : $0.requiringGrad() }
            let objective = loss(values)
            let grads = try gradients(of: objective, wrt: values, retainGraph: true, createGraph: createGraph)
            values = functionalStep(values: values, gradients: createGraph ? grads : grads.map { $0.detached() },
                                    learningRate: learningRate, state: &state)
        }
        return values
    }
}

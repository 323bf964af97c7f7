/// Stochastic gradient descent with optional momentum, Nesterov momentum and (L2) weight decay,
/// as PyTorch's `torch.optim.SGD` documents it. With gradient g, parameter θ, rate γ,
/// momentum μ, dampening τ and weight decay λ, each step computes
///
/// ```text
/// g ← g + λθ                                   (if λ ≠ 0)
/// b ← g on the first step, else μb + (1 − τ)g  (if μ ≠ 0)
/// g ← g + μb if nesterov, else b               (if μ ≠ 0)
/// θ ← θ − γg
/// ```
///
/// Per-parameter state: "momentumBuffer" (b), when μ ≠ 0.
///
/// ```swift
/// let sgd = SGD(model, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
/// model.zeroGrad(); loss.backward(); sgd.step()
/// ```
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// sgd.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// sgd.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule
    /// Steps taken so far.
    ///
    /// ```swift
    /// sgd.stepCount   // 0 before the first step
    /// ```
    public var stepCount = 0
    /// Per parameter: "momentumBuffer" once it has been updated with μ ≠ 0.
    ///
    /// ```swift
    /// sgd.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]]
    /// μ, the momentum factor (0 for plain SGD).
    ///
    /// ```swift
    /// sgd.momentum = 0.9
    /// ```
    public var momentum: Double
    /// τ, the dampening of the gradient added to the momentum buffer.
    ///
    /// ```swift
    /// sgd.dampening = 0.1
    /// ```
    public var dampening: Double
    /// Whether the step uses Nesterov momentum, g + μb, instead of b.
    ///
    /// ```swift
    /// sgd.nesterov = true
    /// ```
    public var nesterov: Bool
    /// λ, the L2 penalty added to the gradient as λθ.
    ///
    /// ```swift
    /// sgd.weightDecay = 1e-4
    /// ```
    public var weightDecay: Double

    /// An SGD optimizer over the parameters of `module`.
    ///
    /// ```swift
    /// let sgd = SGD(model, learningRate: 0.01, momentum: 0.9)
    /// ```
    /// - Precondition: Nesterov momentum needs μ > 0 and τ = 0 (as in PyTorch).
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.001, momentum: Double = 0,
                           dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0)
    where M.Scalar == Scalar {
        require(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        namedParameters = module.namedParameters
        schedule = learningRate
        parameterState = Array(repeating: [:], count: namedParameters.count)
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// One SGD update of one parameter, with tensor ops (see the type's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = sgd.update(w, gradient: g, state: &state, learningRate: Tensor(0.1))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = gradient
        if weightDecay != 0 { g = g + Scalar(weightDecay) * value }
        if momentum != 0 {
            let buffer: Tensor<Scalar>
            if let previous = state["momentumBuffer"] {
                buffer = Scalar(momentum) * previous + Scalar(1 - dampening) * g
            } else {
                buffer = g
            }
            state["momentumBuffer"] = buffer
            g = nesterov ? g + Scalar(momentum) * buffer : buffer
        }
        return value - learningRate * g
    }
}

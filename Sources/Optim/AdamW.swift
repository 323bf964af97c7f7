/// AdamW: Adam with decoupled weight decay, as PyTorch's `torch.optim.AdamW` documents it.
/// The parameter is shrunk by the learning rate times λ before the Adam step, and λθ is *not*
/// added to the gradient:
///
/// ```text
/// θ ← θ − γλθ
/// m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²   (m and v start at 0)
/// m̂ ← m / (1 − β₁ᵗ);  v̂ ← v / (1 − β₂ᵗ)
/// θ ← θ − γ m̂ / (√v̂ + ε)
/// ```
///
/// Per-parameter state: "expAvg", "expAvgSq", "step" (and "maxExpAvgSq" with AMSGrad), as in ``Adam``.
///
/// ```swift
/// let adamw = AdamW(model, learningRate: 1e-3, weightDecay: 0.01)
/// ```
public final class AdamW<Scalar: TensorScalar>: Optimizer {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// adamw.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// adamw.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule
    /// Steps taken so far.
    ///
    /// ```swift
    /// adamw.stepCount   // 0 before the first step
    /// ```
    public var stepCount = 0
    /// Per parameter: "expAvg", "expAvgSq", "step" (and "maxExpAvgSq" with AMSGrad).
    ///
    /// ```swift
    /// adamw.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]]
    /// β₁, the decay of the first-moment estimate.
    ///
    /// ```swift
    /// adamw.beta1 = 0.95
    /// ```
    public var beta1: Double
    /// β₂, the decay of the second-moment estimate.
    ///
    /// ```swift
    /// adamw.beta2 = 0.98
    /// ```
    public var beta2: Double
    /// ε, added to √v̂ for numerical stability.
    ///
    /// ```swift
    /// adamw.epsilon = 1e-6
    /// ```
    public var epsilon: Double
    /// λ, the decoupled decay: each step multiplies θ by (1 − γλ).
    ///
    /// ```swift
    /// adamw.weightDecay = 1e-4
    /// ```
    public var weightDecay: Double
    /// Whether to use the running maximum of the second moment (AMSGrad).
    ///
    /// ```swift
    /// adamw.amsgrad = true
    /// ```
    public var amsgrad: Bool

    /// An AdamW optimizer over the parameters of `module` (PyTorch's defaults, λ = 0.01).
    ///
    /// ```swift
    /// let adamw = AdamW(model, learningRate: 3e-4, weightDecay: 0.1)
    /// ```
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.001, beta1: Double = 0.9,
                           beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01,
                           amsgrad: Bool = false) where M.Scalar == Scalar {
        namedParameters = module.namedParameters
        schedule = learningRate
        parameterState = Array(repeating: [:], count: namedParameters.count)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    /// One AdamW update of one parameter, with tensor ops (see the type's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = adamw.update(w, gradient: g, state: &state, learningRate: Tensor(1e-3))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        let decayed = weightDecay != 0 ? value - learningRate * Scalar(weightDecay) * value : value
        return adamUpdate(decayed, gradient: gradient, state: &state, learningRate: learningRate, beta1: beta1,
                          beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }
}

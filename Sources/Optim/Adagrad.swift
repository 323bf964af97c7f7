/// Adagrad, as PyTorch's `torch.optim.Adagrad` documents it. With gradient g, parameter θ,
/// rate γ, learning-rate decay η, weight decay λ, ε, and t the parameter's step (1, 2, …):
///
/// ```text
/// g ← g + λθ                                   (if λ ≠ 0)
/// γ̃ ← γ / (1 + (t − 1)η)
/// s ← s + g²                                   (s starts at initialAccumulatorValue)
/// θ ← θ − γ̃ g / (√s + ε)
/// ```
///
/// Per-parameter state: "sum" (s) and "step" (t, a 0-d tensor).
///
/// ```swift
/// let adagrad = Adagrad(model, learningRate: 0.01)
/// ```
public final class Adagrad<Scalar: TensorScalar>: Optimizer {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// adagrad.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// adagrad.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule
    /// Steps taken so far.
    ///
    /// ```swift
    /// adagrad.stepCount   // 0 before the first step
    /// ```
    public var stepCount = 0
    /// Per parameter: "sum" and "step".
    ///
    /// ```swift
    /// adagrad.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]]
    /// η, Adagrad's own learning-rate decay per parameter step.
    ///
    /// ```swift
    /// adagrad.learningRateDecay = 1e-4
    /// ```
    public var learningRateDecay: Double
    /// λ, the L2 penalty added to the gradient as λθ.
    ///
    /// ```swift
    /// adagrad.weightDecay = 1e-4
    /// ```
    public var weightDecay: Double
    /// The starting value of the sum of squared gradients.
    ///
    /// ```swift
    /// let adagrad = Adagrad(model, initialAccumulatorValue: 0.1)
    /// ```
    public var initialAccumulatorValue: Double
    /// ε, added to the root of the sum for numerical stability.
    ///
    /// ```swift
    /// adagrad.epsilon = 1e-6
    /// ```
    public var epsilon: Double

    /// An Adagrad optimizer over the parameters of `module` (PyTorch's defaults).
    ///
    /// ```swift
    /// let adagrad = Adagrad(model, learningRate: 0.1, initialAccumulatorValue: 0.1)
    /// ```
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.01, learningRateDecay: Double = 0,
                           weightDecay: Double = 0, initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10)
    where M.Scalar == Scalar {
        namedParameters = module.namedParameters
        schedule = learningRate
        parameterState = Array(repeating: [:], count: namedParameters.count)
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
    }

    /// One Adagrad update of one parameter, with tensor ops (see the type's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = adagrad.update(w, gradient: g, state: &state, learningRate: Tensor(0.1))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        let t = (state["step"]?.scalars.first ?? 0) + 1
        state["step"] = Tensor(t)
        var g = gradient
        if weightDecay != 0 { g = g + Scalar(weightDecay) * value }
        let rate = learningRate / Scalar(1 + (Double(t) - 1) * learningRateDecay)
        let sum = (state["sum"] ?? Tensor.full(value.shape, Scalar(initialAccumulatorValue))) + g * g
        state["sum"] = sum
        return value - rate * g / (sum.sqrt() + Scalar(epsilon))
    }
}

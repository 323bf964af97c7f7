/// RMSProp, as PyTorch's `torch.optim.RMSprop` documents it. With gradient g, parameter θ,
/// rate γ, smoothing α, momentum μ, weight decay λ and ε, each step computes
///
/// ```text
/// g ← g + λθ                                   (if λ ≠ 0)
/// v ← αv + (1 − α)g²                           (v starts at 0)
/// ṽ ← v − ḡ², with ḡ ← αḡ + (1 − α)g           (if centered; else ṽ = v)
/// b ← μb + g / (√ṽ + ε);  θ ← θ − γb           (if μ > 0; b starts at 0)
/// θ ← θ − γ g / (√ṽ + ε)                       (otherwise)
/// ```
///
/// Per-parameter state: "squareAvg" (v), "gradAvg" (ḡ, when centered), "momentumBuffer"
/// (b, when μ > 0).
///
/// ```swift
/// let rmsprop = RMSProp(model, learningRate: 0.01, alpha: 0.99)
/// ```
public final class RMSProp<Scalar: TensorScalar>: Optimizer {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// rmsprop.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// rmsprop.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule
    /// Steps taken so far.
    ///
    /// ```swift
    /// rmsprop.stepCount   // 0 before the first step
    /// ```
    public var stepCount = 0
    /// Per parameter: "squareAvg", and "gradAvg" / "momentumBuffer" when used.
    ///
    /// ```swift
    /// rmsprop.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]]
    /// α, the smoothing constant of the running average of g².
    ///
    /// ```swift
    /// rmsprop.alpha = 0.9
    /// ```
    public var alpha: Double
    /// ε, added to the root mean square for numerical stability.
    ///
    /// ```swift
    /// rmsprop.epsilon = 1e-6
    /// ```
    public var epsilon: Double
    /// λ, the L2 penalty added to the gradient as λθ.
    ///
    /// ```swift
    /// rmsprop.weightDecay = 1e-4
    /// ```
    public var weightDecay: Double
    /// μ, the momentum factor (0 for none).
    ///
    /// ```swift
    /// rmsprop.momentum = 0.9
    /// ```
    public var momentum: Double
    /// Whether the gradient is normalised by an estimate of its variance (v − ḡ²) instead of v.
    ///
    /// ```swift
    /// rmsprop.centered = true
    /// ```
    public var centered: Bool

    /// An RMSProp optimizer over the parameters of `module` (PyTorch's defaults).
    ///
    /// ```swift
    /// let rmsprop = RMSProp(model, learningRate: 1e-3, momentum: 0.9, centered: true)
    /// ```
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.01, alpha: Double = 0.99,
                           epsilon: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0,
                           centered: Bool = false) where M.Scalar == Scalar {
        namedParameters = module.namedParameters
        schedule = learningRate
        parameterState = Array(repeating: [:], count: namedParameters.count)
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    /// One RMSProp update of one parameter, with tensor ops (see the type's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = rmsprop.update(w, gradient: g, state: &state, learningRate: Tensor(0.01))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = gradient
        if weightDecay != 0 { g = g + Scalar(weightDecay) * value }
        let a = Scalar(alpha)
        let squareAvg = state["squareAvg"].map { a * $0 + (1 - a) * g * g } ?? (1 - a) * g * g
        state["squareAvg"] = squareAvg
        var meanSquare = squareAvg
        if centered {
            let gradAvg = state["gradAvg"].map { a * $0 + (1 - a) * g } ?? (1 - a) * g
            state["gradAvg"] = gradAvg
            meanSquare = squareAvg - gradAvg * gradAvg
        }
        let direction = g / (meanSquare.sqrt() + Scalar(epsilon))
        if momentum > 0 {
            let buffer = state["momentumBuffer"].map { Scalar(momentum) * $0 + direction } ?? direction
            state["momentumBuffer"] = buffer
            return value - learningRate * buffer
        }
        return value - learningRate * direction
    }
}

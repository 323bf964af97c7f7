import Foundation

/// Adam, as PyTorch's `torch.optim.Adam` documents it. With gradient g, parameter θ, rate γ,
/// β₁, β₂, ε, weight decay λ (L2, added to the gradient) and t the parameter's step (1, 2, …):
///
/// ```text
/// g ← g + λθ                                   (if λ ≠ 0)
/// m ← β₁m + (1 − β₁)g                          (m and v start at 0)
/// v ← β₂v + (1 − β₂)g²
/// m̂ ← m / (1 − β₁ᵗ);  v̂ ← v / (1 − β₂ᵗ)
/// θ ← θ − γ m̂ / (√v̂ + ε)
/// ```
///
/// With `amsgrad`, v̂ is replaced by the running maximum of v divided by (1 − β₂ᵗ) (what
/// PyTorch's implementation computes). For weight decay that is decoupled from the gradient,
/// use ``AdamW``.
///
/// Per-parameter state: "expAvg" (m), "expAvgSq" (v), "step" (t, a 0-d tensor) and, with
/// AMSGrad, "maxExpAvgSq".
///
/// ```swift
/// let adam = Adam(model, learningRate: 1e-3)
/// ```
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// adam.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// adam.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule
    /// Steps taken so far.
    ///
    /// ```swift
    /// adam.stepCount   // 0 before the first step
    /// ```
    public var stepCount = 0
    /// Per parameter: "expAvg", "expAvgSq", "step" (and "maxExpAvgSq" with AMSGrad).
    ///
    /// ```swift
    /// adam.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]]
    /// β₁, the decay of the first-moment estimate.
    ///
    /// ```swift
    /// adam.beta1 = 0.95
    /// ```
    public var beta1: Double
    /// β₂, the decay of the second-moment estimate.
    ///
    /// ```swift
    /// adam.beta2 = 0.98
    /// ```
    public var beta2: Double
    /// ε, added to √v̂ for numerical stability.
    ///
    /// ```swift
    /// adam.epsilon = 1e-6
    /// ```
    public var epsilon: Double
    /// λ, the L2 penalty added to the gradient as λθ.
    ///
    /// ```swift
    /// adam.weightDecay = 1e-4
    /// ```
    public var weightDecay: Double
    /// Whether to use the running maximum of the second moment (AMSGrad).
    ///
    /// ```swift
    /// adam.amsgrad = true
    /// ```
    public var amsgrad: Bool

    /// An Adam optimizer over the parameters of `module` (PyTorch's defaults).
    ///
    /// ```swift
    /// let adam = Adam(model, learningRate: 3e-4, beta1: 0.9, beta2: 0.98)
    /// ```
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.001, beta1: Double = 0.9,
                           beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
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

    /// One Adam update of one parameter, with tensor ops (see the type's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = adam.update(w, gradient: g, state: &state, learningRate: Tensor(1e-3))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = gradient
        if weightDecay != 0 { g = g + Scalar(weightDecay) * value }
        return adamUpdate(value, gradient: g, state: &state, learningRate: learningRate, beta1: beta1, beta2: beta2,
                          epsilon: epsilon, amsgrad: amsgrad)
    }
}

/// The Adam step shared by ``Adam`` and ``AdamW``: moments, bias correction and the update,
/// with tensor ops, for a gradient that already includes any L2 term.
func adamUpdate<Scalar: TensorScalar>(_ value: Tensor<Scalar>, gradient g: Tensor<Scalar>,
                                      state: inout [String: Tensor<Scalar>], learningRate: Tensor<Scalar>,
                                      beta1: Double, beta2: Double, epsilon: Double, amsgrad: Bool) -> Tensor<Scalar> {
    let t = (state["step"]?.scalars.first ?? 0) + 1
    state["step"] = Tensor(t)
    if !isRecordingGradients && !value.requiresGrad && !g.requiresGrad && !learningRate.requiresGrad {
        return FusedAdam.step(value, gradient: g, state: &state, learningRate: learningRate.scalar, step: Double(t),
                              beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }
    // Recorded (differentiating through the update, Unrolled): the same formula with ops.
    let (b1, b2) = (Scalar(beta1), Scalar(beta2))
    let m = state["expAvg"].map { b1 * $0 + (1 - b1) * g } ?? (1 - b1) * g
    let v = state["expAvgSq"].map { b2 * $0 + (1 - b2) * g * g } ?? (1 - b2) * g * g
    state["expAvg"] = m
    state["expAvgSq"] = v
    var second = v
    if amsgrad {
        second = state["maxExpAvgSq"].map { Tensor.maximum($0, v) } ?? v
        state["maxExpAvgSq"] = second
    }
    let correction1 = Scalar(1 - Foundation.pow(beta1, Double(t)))
    let correction2 = Scalar(1 - Foundation.pow(beta2, Double(t)))
    let mHat = m / correction1
    let vHat = second / correction2
    return value - learningRate * mHat / (vHat.sqrt() + Scalar(epsilon))
}

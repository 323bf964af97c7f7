import Foundation

/// What ``Adam`` and ``AdamW`` are: one optimizer (`_AdamCore`) that differs only in how the
/// weight decay λ is applied (added to the gradient as λθ, or decoupled: θ shrunk by γλθ before
/// the step), with every public member and the initializer written once, here. Each class only
/// says which decay it applies and its default λ (PyTorch's: 0 for Adam, 0.01 for AdamW). An
/// implementation detail (hence the underscore): use the classes, not this protocol.
///
/// ```swift
/// func moments<O: _Adam>(of optimizer: O) -> (Double, Double) { (optimizer.beta1, optimizer.beta2) }
/// ```
public protocol _Adam<Scalar>: Optimizer {
    /// The optimizer's settings and state.
    ///
    /// ```swift
    /// let core = Adam(model)._core
    /// ```
    var _core: _AdamCore<Scalar> { get }
    /// An optimizer over this core (what the public initializer below calls).
    ///
    /// ```swift
    /// let twin = Adam(_core: Adam(model)._core)   // the same state
    /// ```
    init(_core: _AdamCore<Scalar>)
    /// Whether λ is decoupled from the gradient (``AdamW``) rather than added to it as λθ (``Adam``).
    ///
    /// ```swift
    /// AdamW<Float>._decoupledWeightDecay    // true
    /// ```
    static var _decoupledWeightDecay: Bool { get }
    /// λ when the initializer is not given one: 0 for ``Adam``, 0.01 for ``AdamW``, as PyTorch's.
    ///
    /// ```swift
    /// AdamW<Float>._defaultWeightDecay    // 0.01
    /// ```
    static var _defaultWeightDecay: Double { get }
}

extension _Adam {
    /// The parameters being trained, with their names.
    ///
    /// ```swift
    /// adam.namedParameters.map(\.name)   // ["0", "1"] for a ParameterList of two
    /// ```
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { _core.namedParameters }
    /// The learning rate γ as a function of the step.
    ///
    /// ```swift
    /// adam.schedule = CosineAnnealing(initial: 0.1, steps: 1000)
    /// ```
    public var schedule: any LearningRateSchedule {
        get { _core.schedule }
        set { _core.schedule = newValue }
    }
    /// Steps taken so far.
    ///
    /// ```swift
    /// adamw.stepCount   // 0 before the first step
    /// ```
    public var stepCount: Int {
        get { _core.stepCount }
        set { _core.stepCount = newValue }
    }
    /// Per parameter: "expAvg", "expAvgSq", "step" (and "maxExpAvgSq" with AMSGrad).
    ///
    /// ```swift
    /// adam.parameterState[0].keys   // the slots of the first parameter
    /// ```
    public var parameterState: [[String: Tensor<Scalar>]] {
        get { _core.parameterState }
        set { _core.parameterState = newValue }
    }
    /// β₁, the decay of the first-moment estimate.
    ///
    /// ```swift
    /// adam.beta1 = 0.95
    /// ```
    public var beta1: Double {
        get { _core.beta1 }
        set { _core.beta1 = newValue }
    }
    /// β₂, the decay of the second-moment estimate.
    ///
    /// ```swift
    /// adamw.beta2 = 0.98
    /// ```
    public var beta2: Double {
        get { _core.beta2 }
        set { _core.beta2 = newValue }
    }
    /// ε, added to √v̂ for numerical stability.
    ///
    /// ```swift
    /// adam.epsilon = 1e-6
    /// ```
    public var epsilon: Double {
        get { _core.epsilon }
        set { _core.epsilon = newValue }
    }
    /// λ, the weight decay: for ``Adam`` the L2 penalty added to the gradient as λθ; for
    /// ``AdamW`` the decoupled decay, each step multiplying θ by (1 − γλ).
    ///
    /// ```swift
    /// adam.weightDecay = 1e-4
    /// adamw.weightDecay = 0.1
    /// ```
    public var weightDecay: Double {
        get { _core.weightDecay }
        set { _core.weightDecay = newValue }
    }
    /// Whether to use the running maximum of the second moment (AMSGrad).
    ///
    /// ```swift
    /// adam.amsgrad = true
    /// ```
    public var amsgrad: Bool {
        get { _core.amsgrad }
        set { _core.amsgrad = newValue }
    }

    /// An optimizer over the parameters of `module`, with PyTorch's defaults (λ = 0 for
    /// ``Adam``, 0.01 for ``AdamW``).
    ///
    /// ```swift
    /// let adam = Adam(model, learningRate: 3e-4, beta1: 0.9, beta2: 0.98)
    /// let adamw = AdamW(model, learningRate: 3e-4, weightDecay: 0.1)
    /// ```
    public init<M: Module>(_ module: M, learningRate: any LearningRateSchedule = 0.001, beta1: Double = 0.9,
                           beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = Self._defaultWeightDecay,
                           amsgrad: Bool = false) where M.Scalar == Scalar {
        self.init(_core: _AdamCore(module, decoupled: Self._decoupledWeightDecay, learningRate: learningRate,
                                   beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                                   amsgrad: amsgrad))
    }

    /// One update of one parameter, with tensor ops (see the class's formula).
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = adam.update(w, gradient: g, state: &state, learningRate: Tensor(1e-3))
    /// ```
    public func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                       learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        _core.update(value, gradient: gradient, state: &state, learningRate: learningRate)
    }
}

/// The settings and state of ``Adam`` and ``AdamW`` (through `_Adam`), and their update: the
/// weight decay as the optimizer applies it, then the Adam step of `adamUpdate`. Public only
/// because `_Adam` names it; its members are internal.
///
/// ```swift
/// let core = AdamW(model)._core
/// ```
public final class _AdamCore<Scalar: TensorScalar> {
    /// λθ added to the gradient (false, ``Adam``), or θ shrunk by γλθ before the step (true, ``AdamW``).
    let decoupled: Bool
    let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
    var schedule: any LearningRateSchedule
    var stepCount = 0
    var parameterState: [[String: Tensor<Scalar>]]
    var beta1: Double
    var beta2: Double
    var epsilon: Double
    var weightDecay: Double
    var amsgrad: Bool

    init<M: Module>(_ module: M, decoupled: Bool, learningRate: any LearningRateSchedule, beta1: Double, beta2: Double,
                    epsilon: Double, weightDecay: Double, amsgrad: Bool) where M.Scalar == Scalar {
        self.decoupled = decoupled
        namedParameters = module.namedParameters
        schedule = learningRate
        parameterState = Array(repeating: [:], count: namedParameters.count)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    /// Adam: g ← g + λθ, then the step. AdamW: θ ← θ − γλθ, then the step with g as it is.
    func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
        if decoupled {
            let decayed = weightDecay != 0 ? value - learningRate * Scalar(weightDecay) * value : value
            return adamUpdate(decayed, gradient: gradient, state: &state, learningRate: learningRate, beta1: beta1,
                              beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
        }
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

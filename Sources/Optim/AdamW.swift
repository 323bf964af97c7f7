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
public final class AdamW<Scalar: TensorScalar>: _Adam {
    /// The optimizer's settings and state; the members, the initializer
    /// `init(_:learningRate:beta1:beta2:epsilon:weightDecay:amsgrad:)` and `update` come from `_Adam`.
    ///
    /// ```swift
    /// let core = adamw._core
    /// ```
    public let _core: _AdamCore<Scalar>

    /// An optimizer over this core.
    ///
    /// ```swift
    /// let twin = AdamW(_core: adamw._core)   // the same state
    /// ```
    public init(_core: _AdamCore<Scalar>) { self._core = _core }

    /// `true`: λ shrinks θ by γλθ before the step, apart from the gradient.
    ///
    /// ```swift
    /// AdamW<Float>._decoupledWeightDecay    // true
    /// ```
    public static var _decoupledWeightDecay: Bool { true }

    /// 0.01, PyTorch's default λ for `torch.optim.AdamW`.
    ///
    /// ```swift
    /// AdamW<Float>._defaultWeightDecay    // 0.01
    /// ```
    public static var _defaultWeightDecay: Double { 0.01 }
}

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
public final class Adam<Scalar: TensorScalar>: _Adam {
    /// The optimizer's settings and state; the members, the initializer
    /// `init(_:learningRate:beta1:beta2:epsilon:weightDecay:amsgrad:)` and `update` come from `_Adam`.
    ///
    /// ```swift
    /// let core = adam._core
    /// ```
    public let _core: _AdamCore<Scalar>

    /// An optimizer over this core.
    ///
    /// ```swift
    /// let twin = Adam(_core: adam._core)   // the same state
    /// ```
    public init(_core: _AdamCore<Scalar>) { self._core = _core }

    /// `false`: λ is added to the gradient as λθ.
    ///
    /// ```swift
    /// Adam<Float>._decoupledWeightDecay    // false
    /// ```
    public static var _decoupledWeightDecay: Bool { false }

    /// 0, PyTorch's default λ for `torch.optim.Adam`.
    ///
    /// ```swift
    /// Adam<Float>._defaultWeightDecay    // 0
    /// ```
    public static var _defaultWeightDecay: Double { 0 }
}

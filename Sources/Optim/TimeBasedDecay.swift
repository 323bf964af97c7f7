/// Time-based (inverse-time) decay: lr(t) = lr₀ / (1 + k·t), the decay of Keras's classic SGD.
///
/// ```swift
/// let schedule = TimeBasedDecay(initial: 0.1, decay: 0.5)
/// schedule.learningRate(at: 2)    // 0.1 / (1 + 0.5·2) = 0.05
/// ```
public struct TimeBasedDecay: LearningRateSchedule, Hashable {
    /// lr₀, the rate of the first step.
    ///
    /// ```swift
    /// TimeBasedDecay(initial: 0.1, decay: 0.5).initial   // 0.1
    /// ```
    public var initial: Double
    /// k, the decay per step.
    ///
    /// ```swift
    /// TimeBasedDecay(initial: 0.1, decay: 0.5).decay   // 0.5
    /// ```
    public var decay: Double

    /// A schedule that starts at `initial` and decays as 1/(1 + decay·t).
    ///
    /// ```swift
    /// let schedule = TimeBasedDecay(initial: 0.01, decay: 1e-4)
    /// ```
    /// - Precondition: `decay` ≥ 0.
    public init(initial: Double, decay: Double) {
        require(decay >= 0, "TimeBasedDecay: decay \(decay) must not be negative")
        self.initial = initial
        self.decay = decay
    }

    /// lr₀ / (1 + k·t).
    ///
    /// ```swift
    /// TimeBasedDecay(initial: 0.1, decay: 0.5).learningRate(at: 2)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double {
        initial / (1 + decay * Double(step))
    }
}

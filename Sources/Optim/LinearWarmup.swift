/// A linear warm-up in front of another schedule: for the first `steps` steps the rate rises
/// linearly to the wrapped schedule's first rate, lr(t) = base(0) · (t + 1) / W for t < W;
/// afterwards the wrapped schedule runs from its own step 0, lr(t) = base(t − W).
///
/// ```swift
/// let schedule = LinearWarmup(steps: 4, wrapping: CosineAnnealing(initial: 0.1, steps: 100))
/// schedule.learningRate(at: 0)    // 0.025
/// schedule.learningRate(at: 3)    // 0.1
/// schedule.learningRate(at: 4)    // 0.1 (cosine step 0)
/// ```
public struct LinearWarmup: LearningRateSchedule {
    /// W, the number of warm-up steps.
    ///
    /// ```swift
    /// LinearWarmup(steps: 100, wrapping: 0.1).steps   // 100
    /// ```
    public var steps: Int
    /// The schedule that follows the warm-up.
    ///
    /// ```swift
    /// LinearWarmup(steps: 100, wrapping: 0.1).base.learningRate(at: 0)   // 0.1
    /// ```
    public var base: any LearningRateSchedule

    /// Warms up over `steps` steps towards `base`, then follows it.
    ///
    /// ```swift
    /// let schedule = LinearWarmup(steps: 500, wrapping: 1e-3)   // ramp to a constant 0.001
    /// ```
    /// - Precondition: `steps` ≥ 0.
    public init(steps: Int, wrapping base: any LearningRateSchedule) {
        require(steps >= 0, "LinearWarmup: steps \(steps) must not be negative")
        self.steps = steps
        self.base = base
    }

    /// base(0)·(t+1)/W during the warm-up, then base(t − W).
    ///
    /// ```swift
    /// LinearWarmup(steps: 2, wrapping: 0.1).learningRate(at: 0)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double {
        if step < steps {
            return base.learningRate(at: 0) * Double(max(step, 0) + 1) / Double(steps)
        }
        return base.learningRate(at: step - steps)
    }
}

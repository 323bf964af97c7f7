/// Step decay: the rate is multiplied by `factor` every `stepSize` steps,
/// lr(t) = lr₀ · factor^⌊t / stepSize⌋ (PyTorch's `StepLR`).
///
/// ```swift
/// let schedule = StepDecay(initial: 0.1, stepSize: 10, factor: 0.5)
/// schedule.learningRate(at: 9)    // 0.1
/// schedule.learningRate(at: 10)   // 0.05
/// schedule.learningRate(at: 25)   // 0.025
/// ```
public struct StepDecay: LearningRateSchedule, Hashable {
    /// lr₀, the rate of the first `stepSize` steps.
    ///
    /// ```swift
    /// StepDecay(initial: 0.1, stepSize: 10, factor: 0.5).initial   // 0.1
    /// ```
    public var initial: Double
    /// How many steps each rate lasts.
    ///
    /// ```swift
    /// StepDecay(initial: 0.1, stepSize: 10, factor: 0.5).stepSize   // 10
    /// ```
    public var stepSize: Int
    /// What the rate is multiplied by at the end of each period.
    ///
    /// ```swift
    /// StepDecay(initial: 0.1, stepSize: 10, factor: 0.5).factor   // 0.5
    /// ```
    public var factor: Double

    /// A schedule that multiplies the rate by `factor` every `stepSize` steps.
    ///
    /// ```swift
    /// let schedule = StepDecay(initial: 0.1, stepSize: 1000, factor: 0.1)
    /// ```
    /// - Precondition: `stepSize` > 0.
    public init(initial: Double, stepSize: Int, factor: Double) {
        require(stepSize > 0, "StepDecay: stepSize \(stepSize) must be positive")
        self.initial = initial
        self.stepSize = stepSize
        self.factor = factor
    }

    /// lr₀ · factor^⌊t / stepSize⌋.
    ///
    /// ```swift
    /// StepDecay(initial: 0.1, stepSize: 10, factor: 0.5).learningRate(at: 10)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double {
        var rate = initial
        for _ in 0..<(max(step, 0) / stepSize) { rate *= factor }
        return rate
    }
}

import Foundation

/// Exponential decay: lr(t) = lr₀ · rateᵗ (PyTorch's `ExponentialLR`, with γ = `rate`).
///
/// ```swift
/// let schedule = ExponentialDecay(initial: 0.1, rate: 0.5)
/// schedule.learningRate(at: 3)    // 0.0125
/// ```
public struct ExponentialDecay: LearningRateSchedule, Hashable {
    /// lr₀, the rate of the first step.
    ///
    /// ```swift
    /// ExponentialDecay(initial: 0.1, rate: 0.9).initial   // 0.1
    /// ```
    public var initial: Double
    /// γ, what the rate is multiplied by at every step.
    ///
    /// ```swift
    /// ExponentialDecay(initial: 0.1, rate: 0.9).rate   // 0.9
    /// ```
    public var rate: Double

    /// A schedule that multiplies the rate by `rate` at every step.
    ///
    /// ```swift
    /// let schedule = ExponentialDecay(initial: 1e-3, rate: 0.9995)
    /// ```
    /// - Precondition: `rate` > 0.
    public init(initial: Double, rate: Double) {
        require(rate > 0, "ExponentialDecay: rate \(rate) must be positive")
        self.initial = initial
        self.rate = rate
    }

    /// lr₀ · γᵗ.
    ///
    /// ```swift
    /// ExponentialDecay(initial: 0.1, rate: 0.5).learningRate(at: 1)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double {
        initial * Foundation.pow(rate, Double(step))
    }
}

import Foundation

/// Cosine annealing from `initial` down to `minimum` over `steps` steps, then `minimum`:
/// lr(t) = min + (lr₀ − min) · (1 + cos(π·t/N)) / 2 for t ≤ N (PyTorch's `CosineAnnealingLR`
/// without restarts).
///
/// ```swift
/// let schedule = CosineAnnealing(initial: 0.1, minimum: 0, steps: 100)
/// schedule.learningRate(at: 0)     // 0.1
/// schedule.learningRate(at: 50)    // 0.05
/// schedule.learningRate(at: 100)   // 0
/// ```
public struct CosineAnnealing: LearningRateSchedule, Hashable {
    /// lr₀, the rate of the first step.
    ///
    /// ```swift
    /// CosineAnnealing(initial: 0.1, steps: 10).initial   // 0.1
    /// ```
    public var initial: Double
    /// The rate reached after `steps` steps and kept afterwards.
    ///
    /// ```swift
    /// CosineAnnealing(initial: 0.1, minimum: 0.001, steps: 10).minimum   // 0.001
    /// ```
    public var minimum: Double
    /// N, the length of the annealing.
    ///
    /// ```swift
    /// CosineAnnealing(initial: 0.1, steps: 10).steps   // 10
    /// ```
    public var steps: Int

    /// A schedule annealing from `initial` to `minimum` over `steps` steps.
    ///
    /// ```swift
    /// let schedule = CosineAnnealing(initial: 1e-3, minimum: 1e-5, steps: 10_000)
    /// ```
    /// - Precondition: `steps` > 0.
    public init(initial: Double, minimum: Double = 0, steps: Int) {
        require(steps > 0, "CosineAnnealing: steps \(steps) must be positive")
        self.initial = initial
        self.minimum = minimum
        self.steps = steps
    }

    /// min + (lr₀ − min)(1 + cos(π·t/N))/2, with t limited to [0, N].
    ///
    /// ```swift
    /// CosineAnnealing(initial: 0.1, steps: 100).learningRate(at: 50)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double {
        let t = Double(min(max(step, 0), steps))
        return minimum + (initial - minimum) * (1 + Foundation.cos(Double.pi * t / Double(steps))) / 2
    }
}

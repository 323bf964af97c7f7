/// A learning rate as a function of the step: a value an optimizer consults before every
/// ``Optimizer/step()``.
///
/// `step` is the number of steps already taken, so the first update uses `learningRate(at: 0)`.
/// Schedules count optimizer steps (mini-batches), not epochs; for a per-epoch schedule,
/// multiply its step counts by the number of batches per epoch.
///
/// A plain `Double` is a constant schedule, so both forms below work:
///
/// ```swift
/// let sgd = SGD(model, learningRate: 0.1)
/// let adam = Adam(model, learningRate: CosineAnnealing(initial: 1e-3, minimum: 1e-5, steps: 1000))
/// adam.learningRate          // 0.001, the rate the next step will use
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of the update that follows `step` completed updates (0 for the first).
    ///
    /// ```swift
    /// ExponentialDecay(initial: 0.1, rate: 0.5).learningRate(at: 2)   // 0.025
    /// ```
    func learningRate(at step: Int) -> Double
}

/// A `Double` is a constant learning rate.
///
/// ```swift
/// let sgd = SGD(model, learningRate: 0.05)     // 0.05 at every step
/// ```
extension Double: LearningRateSchedule {
    /// This value, whatever the step.
    ///
    /// ```swift
    /// 0.1.learningRate(at: 1000)   // 0.1
    /// ```
    public func learningRate(at step: Int) -> Double { self }
}

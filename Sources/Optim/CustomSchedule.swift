/// A schedule given by a closure of the step, for anything the built-in ones do not cover.
///
/// ```swift
/// let schedule = CustomSchedule { step in step < 100 ? 0.1 : 0.01 }
/// schedule.learningRate(at: 150)   // 0.01
/// ```
public struct CustomSchedule: LearningRateSchedule {
    private let rate: @Sendable (Int) -> Double

    /// A schedule whose rate at step `t` is `rate(t)`.
    ///
    /// ```swift
    /// let halving = CustomSchedule { 0.1 / Double(1 << min($0 / 10, 20)) }
    /// ```
    public init(_ rate: @escaping @Sendable (Int) -> Double) {
        self.rate = rate
    }

    /// `rate(step)`.
    ///
    /// ```swift
    /// CustomSchedule { 0.1 / Double($0 + 1) }.learningRate(at: 1)   // 0.05
    /// ```
    public func learningRate(at step: Int) -> Double { rate(step) }
}

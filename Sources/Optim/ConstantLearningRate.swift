/// The same learning rate at every step (what a plain `Double` also gives).
///
/// ```swift
/// let sgd = SGD(model, learningRate: ConstantLearningRate(0.1))
/// ```
public struct ConstantLearningRate: LearningRateSchedule, Hashable {
    /// The learning rate.
    ///
    /// ```swift
    /// ConstantLearningRate(0.1).value   // 0.1
    /// ```
    public var value: Double

    /// A constant schedule.
    ///
    /// ```swift
    /// ConstantLearningRate(0.1).learningRate(at: 50)   // 0.1
    /// ```
    public init(_ value: Double) {
        self.value = value
    }

    /// `value`, whatever the step.
    ///
    /// ```swift
    /// ConstantLearningRate(0.1).learningRate(at: 9)   // 0.1
    /// ```
    public func learningRate(at step: Int) -> Double { value }
}

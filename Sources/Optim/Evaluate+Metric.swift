/// ``evaluate(_:on:loss:batchSize:metric:)`` with a metric asked for: its value is a `Double`,
/// not an optional, so it prints and compares without unwrapping.
///
/// ```swift
/// let (testLoss, testAccuracy) = evaluate(model, on: test, loss: lossFunction, metric: .accuracy)
/// print("test accuracy \(testAccuracy)")        // 0.97…, not Optional(0.97…)
/// ```
/// - Returns: the mean loss over `data` and the metric over `data` (the same numbers as the
///   optional form gives).
public func evaluate<Model: Layer>(_ model: Model, on data: Dataset<Model.Scalar>,
                                   loss: (Tensor<Model.Scalar>, Tensor<Model.Scalar>) -> Tensor<Model.Scalar>,
                                   batchSize: Int = 256, metric: Metric<Model.Scalar>) -> (loss: Double, metric: Double) {
    let result = evaluate(model, on: data, loss: loss, batchSize: batchSize, metric: Optional(metric))
    return (result.loss, result.metric ?? .nan)
}

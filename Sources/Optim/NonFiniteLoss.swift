/// Where `fit(_:optimizer:loss:training:…)`
/// first met a training loss that was NaN or infinite, and the first non-finite value it found
/// behind it: in the batch's inputs, its targets, or a parameter.
///
/// ```swift
/// let history = fit(model, optimizer: sgd, loss: lossFunction, training: data, epochs: 10)
/// if let event = history.nonFiniteLoss { print(event) }
/// // non-finite training loss (nan) at epoch 1, batch 3 of 8: input [2, 5] of the batch
/// // (sample 17 of the training set) is nan
/// ```
public struct NonFiniteLoss: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The epoch of the loss (0-based, counted as `fit`'s `initialEpoch` counts).
    ///
    /// ```swift
    /// event.epoch
    /// ```
    public let epoch: Int
    /// The batch of the loss within its epoch (0-based).
    ///
    /// ```swift
    /// event.batch
    /// ```
    public let batch: Int
    /// The number of batches in that epoch.
    ///
    /// ```swift
    /// event.batches
    /// ```
    public let batches: Int
    /// The loss itself (NaN or ±infinity).
    ///
    /// ```swift
    /// event.loss.isNaN
    /// ```
    public let loss: Double
    /// The first non-finite value found, in this order: the batch's inputs, its targets, the
    /// parameters (before the batch's update). `nil` when all of them were finite: the model or
    /// the loss made the NaN (an overflow, log 0, 0/0; run the batch inside `checkingNumerics`).
    ///
    /// ```swift
    /// event.culprit    // "input [2, 5] of the batch (sample 17 of the training set) is nan"
    /// ```
    public let culprit: String?

    /// Records where the loss was met and what was found behind it.
    ///
    /// ```swift
    /// let event = NonFiniteLoss(epoch: 0, batch: 2, batches: 8, loss: .nan, culprit: nil)
    /// ```
    public init(epoch: Int, batch: Int, batches: Int, loss: Double, culprit: String?) {
        (self.epoch, self.batch, self.batches, self.loss, self.culprit) = (epoch, batch, batches, loss, culprit)
    }

    /// One line naming the epoch and batch (counted from 1) and the culprit.
    ///
    /// ```swift
    /// print(event)
    /// ```
    public var description: String {
        "non-finite training loss (\(loss)) at epoch \(epoch + 1), batch \(batch + 1) of \(batches): "
            + (culprit ?? "the inputs, targets and parameters were finite, so the model or the loss produced it "
               + "(an overflow, log of 0, 0/0); run that batch inside checkingNumerics { } to find the op")
    }
}

/// The coordinates and value of the first non-finite element of `tensor`, or nil.
func firstNonFinite<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> (index: [Int], value: Scalar)? {
    guard let flat = tensor.scalars.firstIndex(where: { !$0.isFinite }) else { return nil }
    var rest = flat
    var index = [Int](repeating: 0, count: tensor.rank)
    for axis in stride(from: tensor.rank - 1, through: 0, by: -1) {
        index[axis] = rest % tensor.shape[axis]
        rest /= tensor.shape[axis]
    }
    return (index, tensor.scalars[flat])
}

/// What made a batch's loss non-finite, looked for in the inputs, the targets, then the parameters.
func nonFiniteCulprit<Scalar: TensorScalar>(inputs: Tensor<Scalar>, targets: Tensor<Scalar>, samples: ArraySlice<Int>,
                                            parameters: [(name: String, parameter: Parameter<Scalar>)]) -> String? {
    func sample(_ index: [Int]) -> String {
        guard let row = index.first, row < samples.count else { return "" }
        return " (sample \(samples[samples.startIndex + row]) of the training set)"
    }
    if let (index, value) = firstNonFinite(inputs) {
        return "input \(index) of the batch\(sample(index)) is \(value)"
    }
    if let (index, value) = firstNonFinite(targets) {
        return "target \(index) of the batch\(sample(index)) is \(value)"
    }
    for (name, parameter) in parameters {
        if let (index, value) = firstNonFinite(parameter.value) {
            return "parameter \(name.isEmpty ? "(unnamed)" : name)\(index) is \(value)"
        }
    }
    return nil
}

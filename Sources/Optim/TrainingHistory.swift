/// What ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``
/// measured, one entry per epoch run, ready to plot.
///
/// ```swift
/// let history = fit(model, optimizer: sgd, loss: lossFunction, training: train, validation: validation,
///                   epochs: 20, metric: .accuracy)
/// history.validationLoss.last
/// try history.csv.write(toFile: "history.csv", atomically: true, encoding: .utf8)
/// ```
public struct TrainingHistory: Sendable, Equatable, Codable {
    /// The mean training loss of each epoch (over its batches, weighted by batch size).
    ///
    /// ```swift
    /// history.trainingLoss
    /// ```
    public var trainingLoss: [Double] = []
    /// The validation loss after each epoch; empty without a validation set.
    ///
    /// ```swift
    /// history.validationLoss
    /// ```
    public var validationLoss: [Double] = []
    /// The metric's name, or `nil` when none was asked for.
    ///
    /// ```swift
    /// history.metricName
    /// ```
    public var metricName: String?
    /// The metric over each epoch's training batches; empty without a metric.
    ///
    /// ```swift
    /// history.trainingMetric
    /// ```
    public var trainingMetric: [Double] = []
    /// The metric on the validation set after each epoch; empty without a metric or validation set.
    ///
    /// ```swift
    /// history.validationMetric
    /// ```
    public var validationMetric: [Double] = []
    /// The learning rate of the last step of each epoch.
    ///
    /// ```swift
    /// history.learningRate
    /// ```
    public var learningRate: [Double] = []
    /// The seconds since training began, at the end of each epoch.
    ///
    /// ```swift
    /// history.elapsedSeconds
    /// ```
    public var elapsedSeconds: [Double] = []
    /// The epoch (0-based) with the lowest monitored loss (validation if given, else training).
    ///
    /// ```swift
    /// history.bestEpoch
    /// ```
    public var bestEpoch: Int?
    /// Whether early stopping ended training before the last epoch.
    ///
    /// ```swift
    /// history.stoppedEarly
    /// ```
    public var stoppedEarly = false
    /// The first training loss that was NaN or infinite, where it was met and what was behind it;
    /// `nil` when every loss was finite.
    ///
    /// ```swift
    /// if let event = history.nonFiniteLoss { print(event) }
    /// ```
    public var nonFiniteLoss: NonFiniteLoss?
    /// Whether training stopped at ``nonFiniteLoss`` (the default of `fit`); the last row of the
    /// history is then the epoch it stopped in, with its non-finite loss.
    ///
    /// ```swift
    /// history.stoppedOnNonFiniteLoss
    /// ```
    public var stoppedOnNonFiniteLoss = false
    /// Whether the parameters of ``bestEpoch`` were restored at the end.
    ///
    /// ```swift
    /// history.restoredBestWeights
    /// ```
    public var restoredBestWeights = false

    /// An empty history.
    ///
    /// ```swift
    /// var history = TrainingHistory()
    /// ```
    public init() {}

    /// The number of epochs run.
    ///
    /// ```swift
    /// history.epochs == history.trainingLoss.count   // true
    /// ```
    public var epochs: Int { trainingLoss.count }

    /// The history as comma-separated values, one row per epoch, with a header
    /// (epoch, train_loss, val_loss, train_⟨metric⟩, val_⟨metric⟩, lr, seconds; columns without
    /// data are left out).
    ///
    /// ```swift
    /// print(history.csv)
    /// // epoch,train_loss,val_loss,lr,seconds
    /// // 1,0.52,0.61,0.1,0.03
    /// ```
    public var csv: String {
        var columns: [(String, [Double])] = [("train_loss", trainingLoss)]
        if !validationLoss.isEmpty { columns.append(("val_loss", validationLoss)) }
        if let name = metricName {
            if !trainingMetric.isEmpty { columns.append(("train_\(name)", trainingMetric)) }
            if !validationMetric.isEmpty { columns.append(("val_\(name)", validationMetric)) }
        }
        columns.append(("lr", learningRate))
        columns.append(("seconds", elapsedSeconds))
        var lines = [(["epoch"] + columns.map(\.0)).joined(separator: ",")]
        for epoch in 0..<epochs {
            let cells = columns.map { epoch < $0.1.count ? "\($0.1[epoch])" : "" }
            lines.append((["\(epoch + 1)"] + cells).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

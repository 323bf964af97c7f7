/// When ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``
/// stops before its last epoch: after `patience` epochs in a row without the monitored loss
/// (the validation loss, or the training loss when there is no validation set) improving on
/// its best by more than `minDelta` (a patience of 0 acts as 1). With `restoreBestWeights`, the parameters of the best
/// epoch are put back at the end.
///
/// ```swift
/// let history = fit(model, optimizer: adam, loss: lossFunction, training: train, validation: validation,
///                   epochs: 100, earlyStopping: EarlyStopping(patience: 5))
/// history.bestEpoch   // the epoch whose weights the model now has
/// ```
public struct EarlyStopping: Sendable, Hashable {
    /// How many epochs without improvement are tolerated before stopping.
    ///
    /// ```swift
    /// EarlyStopping(patience: 5).patience   // 5
    /// ```
    public var patience: Int
    /// The least decrease of the loss that counts as an improvement.
    ///
    /// ```swift
    /// EarlyStopping(patience: 5, minDelta: 1e-3).minDelta   // 0.001
    /// ```
    public var minDelta: Double
    /// Whether the parameters of the best epoch are restored when training ends.
    ///
    /// ```swift
    /// EarlyStopping(patience: 5, restoreBestWeights: false).restoreBestWeights   // false
    /// ```
    public var restoreBestWeights: Bool

    /// Stops after `patience` epochs without an improvement larger than `minDelta`.
    ///
    /// ```swift
    /// EarlyStopping(patience: 3, minDelta: 1e-4, restoreBestWeights: true)
    /// ```
    /// - Precondition: `patience` ≥ 0 and `minDelta` ≥ 0.
    public init(patience: Int, minDelta: Double = 0, restoreBestWeights: Bool = true) {
        require(patience >= 0, "EarlyStopping: patience \(patience) must not be negative")
        require(minDelta >= 0, "EarlyStopping: minDelta \(minDelta) must not be negative")
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
    }
}

import Foundation

/// Trains `model` on `training` for `epochs` epochs of shuffled mini-batches and returns what
/// it measured, like Keras's `fit`. Each batch runs the five-line loop (forward, loss,
/// `zeroGrad`, `backward`, `optimizer.step()`); after each epoch the model is evaluated on
/// `validation` without recording. Progress goes to `output`: a live bar on a terminal, plain
/// lines otherwise. With `earlyStopping`, training stops when the validation loss (training
/// loss without a validation set) stops improving, and the best epoch's weights are restored.
/// Training batches run in the `LearningPhase.training` phase (Layers), evaluation in `LearningPhase.inference`.
///
/// A training loss that is NaN or infinite stops training at once (as Keras' `TerminateOnNaN`),
/// before that batch's update, so the weights stay those of the last finite step: the message
/// names the epoch, the batch and the first non-finite input, target or parameter behind it,
/// and ``TrainingHistory/nonFiniteLoss`` records it. Pass `stopOnNonFiniteLoss: false` to go on.
///
/// ```swift
/// let history = fit(model, optimizer: Adam(model, learningRate: 1e-3),
///                   loss: { logits, labels in crossEntropy(logits: logits, labels: labels) },
///                   training: train, validation: validation, epochs: 20, batchSize: 64,
///                   metric: .accuracy, earlyStopping: EarlyStopping(patience: 3))
/// history.trainingLoss; history.validationMetric; history.bestEpoch
///
/// let diagnostics = TrainingDiagnostics(model, every: 10)      // model: a Sequential
/// fit(model, optimizer: SGD(model, learningRate: 0.1), loss: lossFunction, training: train, epochs: 5,
///     diagnostics: diagnostics)
/// diagnostics.records       // steps 0, 10, 20, …: activations, gradients, update ratios
/// ```
/// - Parameters:
///   - loss: the loss of a batch's predictions against its targets; epoch losses are averages
///     of it weighted by batch size, so a mean over the batch gives the mean over the data.
///   - initialEpoch: the epoch to start from when resuming from a ``Checkpoint`` (the history
///     then holds only the epochs run here).
///   - shuffleSeed: the order of epoch e is shuffled with seed `shuffleSeed + e`; `nil` keeps
///     the data in order.
///   - stopOnNonFiniteLoss: whether a NaN or infinite training loss ends training (the default).
///     With `false`, training goes on (and the weights usually become NaN); the first such loss
///     is still reported and recorded.
///   - diagnostics: a ``TrainingDiagnostics`` made for `model` (or for a `Sequential` inside it),
///     which then watches the run: every training batch's update goes through its
///     ``TrainingDiagnostics/step(_:)``, so it records activations, gradients and update ratios
///     at the steps its `every:` asks for (counting on from its ``TrainingDiagnostics/stepCount``);
///     validation passes record nothing. It stays attached after `fit` returns (call
///     ``TrainingDiagnostics/detach()`` when done).
///   - onEpochEnd: called after each epoch with its index (from 0) and the history so far.
/// - Returns: per-epoch training and validation losses and metrics, learning rates, elapsed
///   time, the best epoch, whether training stopped early and the first non-finite loss, if any.
@discardableResult
public func fit<Model: Layer, Opt: Optimizer>(
    _ model: Model, optimizer: Opt, loss: (Tensor<Model.Scalar>, Tensor<Model.Scalar>) -> Tensor<Model.Scalar>,
    training: Dataset<Model.Scalar>, validation: Dataset<Model.Scalar>? = nil, epochs: Int, initialEpoch: Int = 0,
    batchSize: Int = 32,
    metric: Metric<Model.Scalar>? = nil, shuffleSeed: UInt64? = 0, dropLast: Bool = false,
    earlyStopping: EarlyStopping? = nil, stopOnNonFiniteLoss: Bool = true, output: TrainingOutput = .automatic,
    diagnostics: TrainingDiagnostics<Model.Scalar>? = nil,
    onEpochEnd: ((_ epoch: Int, _ history: TrainingHistory) -> Void)? = nil
) -> TrainingHistory where Opt.Scalar == Model.Scalar {
    require(epochs >= 0, "fit: epochs \(epochs) must not be negative")
    require(initialEpoch >= 0 && initialEpoch <= epochs,
                 "fit: initialEpoch \(initialEpoch) must be between 0 and epochs (\(epochs))")
    require(batchSize > 0, "fit: batchSize \(batchSize) must be positive")
    let reporter = ProgressReporter(output)
    let clock = ContinuousClock()
    let start = clock.now
    func elapsed() -> Double {
        let d = start.duration(to: clock.now).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
    var history = TrainingHistory()
    history.metricName = metric?.name
    var best = Double.infinity
    var bestWeights: [Tensor<Model.Scalar>]?
    var epochsWithoutImprovement = 0
    let namedParameters = model.namedParameters
    let parameters = namedParameters.map(\.parameter)
    if let diagnostics { diagnostics.checkWatches(namedParameters, caller: "fit") }

    for epoch in initialEpoch..<epochs {
        let seed = shuffleSeed.map { $0 &+ UInt64(epoch) }
        let batches = training.batches(size: batchSize, shuffleSeed: seed, dropLast: dropLast)
        var lossTotal = 0.0, samples = 0.0
        var metricTotal = 0.0, metricCount = 0.0
        var stoppedOnNonFinite = false
        for (index, (x, y)) in batches.enumerated() {
            let prediction = withLearningPhase(.training) { model(x) }
            let batchLoss = loss(prediction, y)
            let lossValue = Double(batchLoss.scalar)
            if !lossValue.isFinite && history.nonFiniteLoss == nil {
                // Looked for before the update, so that a parameter named here was not made
                // non-finite by this very batch.
                let event = NonFiniteLoss(epoch: epoch, batch: index, batches: batches.count, loss: lossValue,
                                          culprit: nonFiniteCulprit(inputs: x, targets: y,
                                                                    samples: batches.indices(ofBatch: index),
                                                                    parameters: namedParameters))
                history.nonFiniteLoss = event
                if stopOnNonFiniteLoss {
                    lossTotal += lossValue * Double(x.shape[0])
                    samples += Double(x.shape[0])
                    stoppedOnNonFinite = true
                    break
                }
                reporter.note("\(event); going on (stopOnNonFiniteLoss: false)")
            }
            model.zeroGrad()
            batchLoss.backward()
            if let diagnostics { diagnostics.step(optimizer) } else { optimizer.step() }
            let n = Double(x.shape[0])
            lossTotal += lossValue * n
            samples += n
            if let metric {
                let (total, count) = withoutGradients { metric.batchTotal(prediction.detached(), y) }
                metricTotal += total
                metricCount += count
            }
            reporter.batch(epoch: epoch, of: epochs, batch: index + 1, of: batches.count,
                           loss: lossTotal / samples, seconds: elapsed())
        }
        history.trainingLoss.append(samples > 0 ? lossTotal / samples : .nan)
        if stoppedOnNonFinite {
            // The stopped epoch is a row of the history (its loss non-finite), without validation.
            history.learningRate.append(optimizer.schedule.learningRate(at: max(optimizer.stepCount - 1, 0)))
            history.elapsedSeconds.append(elapsed())
            history.stoppedOnNonFiniteLoss = true
            reporter.epochEnd(summaryLine(epoch: epoch, row: epoch - initialEpoch, epochs: epochs, history: history))
            reporter.note("stopped: \(history.nonFiniteLoss.map(String.init(describing:)) ?? "non-finite loss") "
                          + "(the weights are those before that batch; fit(…, stopOnNonFiniteLoss: false) goes on)")
            break
        }
        if let metric { history.trainingMetric.append(metric.finish(metricCount > 0 ? metricTotal / metricCount : 0)) }
        if let validation {
            let (validationLoss, validationMetric) = evaluate(model, on: validation, loss: loss, batchSize: batchSize,
                                                              metric: metric)
            history.validationLoss.append(validationLoss)
            if let validationMetric { history.validationMetric.append(validationMetric) }
        }
        history.learningRate.append(optimizer.schedule.learningRate(at: max(optimizer.stepCount - 1, 0)))
        history.elapsedSeconds.append(elapsed())

        // Early stopping and the best weights follow the validation loss, else the training loss.
        // History rows count from the first epoch run here (initialEpoch when resuming).
        let row = epoch - initialEpoch
        let monitored = validation == nil ? history.trainingLoss[row] : history.validationLoss[row]
        var stop = false
        if monitored < best - (earlyStopping?.minDelta ?? 0) || (history.bestEpoch == nil && !monitored.isNaN) {
            best = monitored
            history.bestEpoch = row
            epochsWithoutImprovement = 0
            if earlyStopping?.restoreBestWeights == true { bestWeights = parameters.map { $0.value.detached() } }
        } else {
            epochsWithoutImprovement += 1
            if let earlyStopping, epochsWithoutImprovement >= max(earlyStopping.patience, 1) { stop = true }
        }
        reporter.epochEnd(summaryLine(epoch: epoch, row: row, epochs: epochs, history: history))
        onEpochEnd?(epoch, history)
        if stop {
            history.stoppedEarly = epoch + 1 < epochs
            if history.stoppedEarly {
                reporter.note("early stopping: no improvement for \(epochsWithoutImprovement) epochs; "
                              + "best epoch \((history.bestEpoch ?? 0) + initialEpoch + 1)")
            }
            break
        }
    }
    if let bestWeights, let bestEpoch = history.bestEpoch, bestEpoch + 1 < history.epochs {
        for (parameter, value) in zip(parameters, bestWeights) { parameter.assign(value) }
        history.restoredBestWeights = true
        reporter.note("restored the weights of epoch \(bestEpoch + initialEpoch + 1)")
    }
    return history
}

/// ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``
/// for an optimizer whose type is only known at run time (`any Optimizer<Scalar>`), so that a
/// list of optimizers can be compared in a loop.
///
/// ```swift
/// let optimizers: [any Optimizer<Float>] = [SGD(model, learningRate: 0.1), Adam(model)]
/// for optimizer in optimizers { fit(model, optimizer: optimizer, loss: lossFunction, training: data, epochs: 5) }
/// ```
@discardableResult
public func fit<Model: Layer>(
    _ model: Model, optimizer: any Optimizer<Model.Scalar>,
    loss: (Tensor<Model.Scalar>, Tensor<Model.Scalar>) -> Tensor<Model.Scalar>,
    training: Dataset<Model.Scalar>, validation: Dataset<Model.Scalar>? = nil, epochs: Int, initialEpoch: Int = 0,
    batchSize: Int = 32, metric: Metric<Model.Scalar>? = nil, shuffleSeed: UInt64? = 0, dropLast: Bool = false,
    earlyStopping: EarlyStopping? = nil, stopOnNonFiniteLoss: Bool = true, output: TrainingOutput = .automatic,
    diagnostics: TrainingDiagnostics<Model.Scalar>? = nil,
    onEpochEnd: ((_ epoch: Int, _ history: TrainingHistory) -> Void)? = nil
) -> TrainingHistory {
    func run<Opt: Optimizer<Model.Scalar>>(_ optimizer: Opt) -> TrainingHistory {
        fit(model, optimizer: optimizer, loss: loss, training: training, validation: validation, epochs: epochs,
            initialEpoch: initialEpoch, batchSize: batchSize, metric: metric, shuffleSeed: shuffleSeed,
            dropLast: dropLast, earlyStopping: earlyStopping, stopOnNonFiniteLoss: stopOnNonFiniteLoss, output: output,
            diagnostics: diagnostics, onEpochEnd: onEpochEnd)
    }
    return run(optimizer)
}

/// The loss of `model` on `data` (mean over batches weighted by batch size) and the metric, if
/// any, computed without recording and in the `LearningPhase.inference` phase (dropout off),
/// in batches of `batchSize` in order.
///
/// ```swift
/// let (testLoss, testAccuracy) = evaluate(model, on: test, loss: lossFunction, metric: .accuracy)
/// ```
public func evaluate<Model: Layer>(_ model: Model, on data: Dataset<Model.Scalar>,
                                   loss: (Tensor<Model.Scalar>, Tensor<Model.Scalar>) -> Tensor<Model.Scalar>,
                                   batchSize: Int = 256, metric: Metric<Model.Scalar>? = nil) -> (loss: Double, metric: Double?) {
    withLearningPhase(.inference) { withoutGradients {
        var lossTotal = 0.0, samples = 0.0, metricTotal = 0.0, metricCount = 0.0
        for (x, y) in data.batches(size: batchSize) {
            let prediction = model(x)
            let n = Double(x.shape[0])
            lossTotal += Double(loss(prediction, y).scalar) * n
            samples += n
            if let metric {
                let (total, count) = metric.batchTotal(prediction, y)
                metricTotal += total
                metricCount += count
            }
        }
        let meanLoss = samples > 0 ? lossTotal / samples : .nan
        return (meanLoss, metric.map { $0.finish(metricCount > 0 ? metricTotal / metricCount : 0) })
    } }
}

/// "epoch 3/10  loss 0.1234  accuracy 0.9100  val_loss 0.2000  val_accuracy 0.8800  lr 0.01  1.3s"
func summaryLine(epoch: Int, row: Int? = nil, epochs: Int, history: TrainingHistory) -> String {
    let row = row ?? epoch
    var parts = ["epoch \(epoch + 1)/\(epochs)", "loss \(ProgressReporter.format(history.trainingLoss[row]))"]
    if let name = history.metricName, row < history.trainingMetric.count {
        parts.append("\(name) \(ProgressReporter.format(history.trainingMetric[row]))")
    }
    if row < history.validationLoss.count {
        parts.append("val_loss \(ProgressReporter.format(history.validationLoss[row]))")
    }
    if let name = history.metricName, row < history.validationMetric.count {
        parts.append("val_\(name) \(ProgressReporter.format(history.validationMetric[row]))")
    }
    parts.append("lr \(String(format: "%.4g", history.learningRate[row]))")
    parts.append(ProgressReporter.formatSeconds(history.elapsedSeconds[row]))
    return parts.joined(separator: "  ")
}

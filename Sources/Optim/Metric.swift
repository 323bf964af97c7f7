/// A quality measure of predictions against targets that ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``
/// reports per epoch. It is accumulated exactly over mini-batches: each batch contributes a
/// total and a count, and the epoch's value is `finish(Σ total / Σ count)`.
///
/// ```swift
/// fit(model, optimizer: adam, loss: lossFunction, training: train, epochs: 5, metric: .accuracy)
/// fit(regressor, optimizer: sgd, loss: mse, training: train, epochs: 5, metric: .rootMeanSquaredError)
/// ```
public struct Metric<Scalar: TensorScalar>: Sendable {
    /// The name shown in progress output and in the history ("accuracy", "rmse").
    ///
    /// ```swift
    /// Metric<Float>.accuracy.name   // "accuracy"
    /// ```
    public let name: String
    /// Whether larger values are better (accuracy) or smaller (RMSE).
    ///
    /// ```swift
    /// Metric<Float>.rootMeanSquaredError.higherIsBetter   // false
    /// ```
    public let higherIsBetter: Bool
    let batchTotal: @Sendable (_ predictions: Tensor<Scalar>, _ targets: Tensor<Scalar>) -> (total: Double, count: Double)
    let finish: @Sendable (Double) -> Double

    /// A metric of your own from a per-batch (total, count) and the transform of their ratio.
    ///
    /// ```swift
    /// // mean absolute error
    /// let mae = Metric<Float>(name: "mae", higherIsBetter: false) { p, t in
    ///     (Double((p - t).abs().sum().scalar), Double(t.count))
    /// }
    /// ```
    public init(name: String, higherIsBetter: Bool,
                batch: @escaping @Sendable (_ predictions: Tensor<Scalar>, _ targets: Tensor<Scalar>) -> (total: Double, count: Double),
                finish: @escaping @Sendable (Double) -> Double = { $0 }) {
        self.name = name
        self.higherIsBetter = higherIsBetter
        self.batchTotal = batch
        self.finish = finish
    }

    /// The fraction of samples whose predicted class is right; see ``accuracy(logits:labels:)``.
    ///
    /// ```swift
    /// let metric: Metric<Float> = .accuracy
    /// ```
    public static var accuracy: Metric {
        Metric(name: "accuracy", higherIsBetter: true) { predictions, targets in
            (Double(correctCount(logits: predictions, labels: targets)), Double(predictions.shape.first ?? 1))
        }
    }

    /// The root mean squared error over all elements; see ``rootMeanSquaredError(_:_:)``.
    ///
    /// ```swift
    /// let metric: Metric<Double> = .rootMeanSquaredError
    /// ```
    public static var rootMeanSquaredError: Metric {
        Metric(name: "rmse", higherIsBetter: false, batch: { predictions, targets in
            (squaredErrorSum(predictions, targets), Double(predictions.count))
        }, finish: { $0.squareRoot() })
    }

    /// The metric of whole predictions at once.
    ///
    /// ```swift
    /// Metric<Double>.rootMeanSquaredError.value(predictions, targets)
    /// ```
    public func value(_ predictions: Tensor<Scalar>, _ targets: Tensor<Scalar>) -> Double {
        let (total, count) = withoutGradients { batchTotal(predictions.detached(), targets.detached()) }
        return finish(count > 0 ? total / count : 0)
    }
}

/// The fraction of samples classified correctly. `logits` (or probabilities) are
/// `[n, classes]`, and the predicted class is the largest one; `labels` are class indices of
/// shape `[n]` or `[n, 1]`, or one-hot rows of shape `[n, classes]`. For a single output per
/// sample (`[n]` or `[n, 1]` logits) the prediction is class 1 where the logit is > 0.
///
/// ```swift
/// let logits = Tensor<Float>(rows: [[2, 1], [0, 3], [1, 0]])
/// accuracy(logits: logits, labels: Tensor([0, 1, 1]))   // 2/3
/// ```
public func accuracy<Scalar>(logits: Tensor<Scalar>, labels: Tensor<Scalar>) -> Double {
    let n = logits.shape.first ?? 1
    return n == 0 ? 0 : Double(correctCount(logits: logits, labels: labels)) / Double(n)
}

/// The root mean squared error √(mean((predictions − targets)²)) over all elements.
///
/// ```swift
/// rootMeanSquaredError(Tensor<Double>([1, 2]), Tensor([1, 4]))   // √2
/// ```
/// - Precondition: the shapes are equal.
public func rootMeanSquaredError<Scalar>(_ predictions: Tensor<Scalar>, _ targets: Tensor<Scalar>) -> Double {
    predictions.count == 0 ? 0 : (squaredErrorSum(predictions, targets) / Double(predictions.count)).squareRoot()
}

func squaredErrorSum<Scalar>(_ predictions: Tensor<Scalar>, _ targets: Tensor<Scalar>) -> Double {
    require(predictions.shape == targets.shape,
                 "rootMeanSquaredError: predictions of shape \(predictions.shape) and targets of shape \(targets.shape) differ")
    return withoutGradients {
        let difference = predictions.detached() - targets.detached()
        return Double((difference * difference).sum().scalar)
    }
}

func correctCount<Scalar>(logits: Tensor<Scalar>, labels: Tensor<Scalar>) -> Int {
    withoutGradients {
        let logits = logits.detached(), labels = labels.detached()
        let n = logits.shape.first ?? 1
        let binary = logits.rank <= 1 || (logits.rank == 2 && logits.shape[1] == 1)
        let predicted: [Scalar]
        if binary {
            predicted = logits.scalars.map { $0 > 0 ? 1 : 0 }
        } else {
            require(logits.rank == 2, "accuracy: logits of shape \(logits.shape) must be [n, classes]")
            predicted = logits.argmax(axis: 1).scalars
        }
        let truth: [Scalar]
        if !binary && labels.shape == logits.shape {
            truth = labels.argmax(axis: 1).scalars
        } else {
            require(labels.count == n,
                         "accuracy: labels of shape \(labels.shape) do not give one class per sample of logits \(logits.shape)")
            truth = labels.scalars
        }
        return zip(predicted, truth).filter { $0 == $1 }.count
    }
}

// Regression losses: elementwise functions of the difference d = predicted − targets, reduced
// by a `Reduction`. Every one is composed from engine ops (subtract, multiply, abs, select), so
// its gradient comes from their rules. Like the cross-entropies, they take `targets:`.

/// Mean squared error: the mean of (predicted − targets)² by default.
/// Gradient with respect to `predicted`: 2·(predicted − targets) / count with `.mean`.
///
/// ```swift
/// let loss = meanSquaredError(predicted: model(x), targets: y)          // a scalar
/// let perSample = meanSquaredError(predicted: p, targets: y, reduction: .none)
/// ```
/// - Precondition: `predicted` and `targets` have the same shape.
public func meanSquaredError<Scalar>(predicted: Tensor<Scalar>, targets: Tensor<Scalar>,
                                     reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("meanSquaredError", "predicted", predicted, "targets", targets)
    let d = predicted - targets
    return reduction.apply(d * d)
}

/// The L2 loss ½(predicted − targets)² per element, **summed by default**: ½‖predicted − targets‖²,
/// whose gradient with respect to `predicted` is exactly predicted − targets.
/// Use `reduction: .batchMean` for the per-sample ½‖ŷ − y‖² averaged over the batch, or `.mean`
/// to average over every element.
///
/// ```swift
/// let loss = l2Loss(predicted: Tensor<Double>([1, 2]), targets: Tensor([0, 0]))   // 2.5
/// ```
/// - Precondition: `predicted` and `targets` have the same shape.
public func l2Loss<Scalar>(predicted: Tensor<Scalar>, targets: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    checkSameShape("l2Loss", "predicted", predicted, "targets", targets)
    let d = predicted - targets
    return reduction.apply(d * d * Scalar(0.5))
}

/// Mean absolute error: the mean of |predicted − targets| by default. The derivative of |d| at
/// d = 0 is taken as 0 (the engine's choice for `abs`).
///
/// ```swift
/// let loss = meanAbsoluteError(predicted: model(x), targets: y)
/// ```
/// - Precondition: `predicted` and `targets` have the same shape.
public func meanAbsoluteError<Scalar>(predicted: Tensor<Scalar>, targets: Tensor<Scalar>,
                                      reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("meanAbsoluteError", "predicted", predicted, "targets", targets)
    return reduction.apply((predicted - targets).abs())
}

/// The L1 loss |predicted − targets| per element, **summed by default**: ‖predicted − targets‖₁.
/// With `reduction: .mean` it is ``meanAbsoluteError(predicted:targets:reduction:)``.
///
/// ```swift
/// let loss = l1Loss(predicted: Tensor<Double>([1, -2]), targets: Tensor([0, 0]))   // 3
/// ```
/// - Precondition: `predicted` and `targets` have the same shape.
public func l1Loss<Scalar>(predicted: Tensor<Scalar>, targets: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    checkSameShape("l1Loss", "predicted", predicted, "targets", targets)
    return reduction.apply((predicted - targets).abs())
}

/// The Huber (smooth L1) loss: ½d² where |d| ≤ delta, delta·(|d| − ½delta) elsewhere, with
/// d = predicted − targets; averaged by default. Quadratic near zero, linear for outliers; its
/// gradient is continuous (d, clipped to ±delta).
///
/// ```swift
/// let loss = huberLoss(predicted: model(x), targets: y, delta: 1)
/// ```
/// - Precondition: same shapes; `delta` > 0.
public func huberLoss<Scalar>(predicted: Tensor<Scalar>, targets: Tensor<Scalar>, delta: Scalar = 1,
                              reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("huberLoss", "predicted", predicted, "targets", targets)
    require(delta > 0, "huberLoss: delta \(delta) must be positive")
    let d = predicted - targets
    let magnitude = d.abs()
    let quadratic = d * d * Scalar(0.5)
    let linear = (magnitude - delta * Scalar(0.5)) * delta
    return reduction.apply(select(magnitude.detached() .<= delta, quadratic, linear))
}

// MARK: The earlier spelling

/// The earlier spelling of ``meanSquaredError(predicted:targets:reduction:)``.
///
/// ```swift
/// meanSquaredError(predicted: p, targets: y)     // write this instead
/// ```
@available(*, deprecated, renamed: "meanSquaredError(predicted:targets:reduction:)")
public func meanSquaredError<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                                     reduction: Reduction = .mean) -> Tensor<Scalar> {
    meanSquaredError(predicted: predicted, targets: target, reduction: reduction)
}

/// The earlier spelling of ``l2Loss(predicted:targets:reduction:)``.
///
/// ```swift
/// l2Loss(predicted: p, targets: y)     // write this instead
/// ```
@available(*, deprecated, renamed: "l2Loss(predicted:targets:reduction:)")
public func l2Loss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    l2Loss(predicted: predicted, targets: target, reduction: reduction)
}

/// The earlier spelling of ``meanAbsoluteError(predicted:targets:reduction:)``.
///
/// ```swift
/// meanAbsoluteError(predicted: p, targets: y)     // write this instead
/// ```
@available(*, deprecated, renamed: "meanAbsoluteError(predicted:targets:reduction:)")
public func meanAbsoluteError<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                                      reduction: Reduction = .mean) -> Tensor<Scalar> {
    meanAbsoluteError(predicted: predicted, targets: target, reduction: reduction)
}

/// The earlier spelling of ``l1Loss(predicted:targets:reduction:)``.
///
/// ```swift
/// l1Loss(predicted: p, targets: y)     // write this instead
/// ```
@available(*, deprecated, renamed: "l1Loss(predicted:targets:reduction:)")
public func l1Loss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    l1Loss(predicted: predicted, targets: target, reduction: reduction)
}

/// The earlier spelling of ``huberLoss(predicted:targets:delta:reduction:)``.
///
/// ```swift
/// huberLoss(predicted: p, targets: y, delta: 1)     // write this instead
/// ```
@available(*, deprecated, renamed: "huberLoss(predicted:targets:delta:reduction:)")
public func huberLoss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>, delta: Scalar = 1,
                              reduction: Reduction = .mean) -> Tensor<Scalar> {
    huberLoss(predicted: predicted, targets: target, delta: delta, reduction: reduction)
}

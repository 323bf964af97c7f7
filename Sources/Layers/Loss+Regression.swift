// Regression losses: elementwise functions of the difference d = predicted − target,
// reduced by a `Reduction`. Every one is composed from engine ops (subtract, multiply, abs,
// select), so its gradient comes from their rules.

/// Mean squared error: the mean of (predicted − target)² by default.
/// Gradient with respect to `predicted`: 2·(predicted − target) / count with `.mean`.
///
/// ```swift
/// let loss = meanSquaredError(predicted: model(x), target: y)          // a scalar
/// let perSample = meanSquaredError(predicted: p, target: y, reduction: .none)
/// ```
/// - Precondition: `predicted` and `target` have the same shape.
public func meanSquaredError<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                                     reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("meanSquaredError", "predicted", predicted, "target", target)
    let d = predicted - target
    return reduction.apply(d * d)
}

/// The L2 loss ½(predicted − target)² per element, **summed by default**: ½‖predicted − target‖²,
/// whose gradient with respect to `predicted` is exactly predicted − target.
/// Use `reduction: .batchMean` for the per-sample ½‖ŷ − y‖² averaged over the batch, or `.mean`
/// to average over every element.
///
/// ```swift
/// let loss = l2Loss(predicted: Tensor<Double>([1, 2]), target: Tensor([0, 0]))   // 2.5
/// ```
/// - Precondition: `predicted` and `target` have the same shape.
public func l2Loss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    checkSameShape("l2Loss", "predicted", predicted, "target", target)
    let d = predicted - target
    return reduction.apply(d * d * Scalar(0.5))
}

/// Mean absolute error: the mean of |predicted − target| by default. The derivative of |d| at
/// d = 0 is taken as 0 (the engine's choice for `abs`).
///
/// ```swift
/// let loss = meanAbsoluteError(predicted: model(x), target: y)
/// ```
/// - Precondition: `predicted` and `target` have the same shape.
public func meanAbsoluteError<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                                      reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("meanAbsoluteError", "predicted", predicted, "target", target)
    return reduction.apply((predicted - target).abs())
}

/// The L1 loss |predicted − target| per element, **summed by default**: ‖predicted − target‖₁.
/// With `reduction: .mean` it is ``meanAbsoluteError(predicted:target:reduction:)``.
///
/// ```swift
/// let loss = l1Loss(predicted: Tensor<Double>([1, -2]), target: Tensor([0, 0]))   // 3
/// ```
/// - Precondition: `predicted` and `target` have the same shape.
public func l1Loss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>,
                           reduction: Reduction = .sum) -> Tensor<Scalar> {
    checkSameShape("l1Loss", "predicted", predicted, "target", target)
    return reduction.apply((predicted - target).abs())
}

/// The Huber (smooth L1) loss: ½d² where |d| ≤ delta, delta·(|d| − ½delta) elsewhere, with
/// d = predicted − target; averaged by default. Quadratic near zero, linear for outliers; its
/// gradient is continuous (d, clipped to ±delta).
///
/// ```swift
/// let loss = huberLoss(predicted: model(x), target: y, delta: 1)
/// ```
/// - Precondition: same shapes; `delta` > 0.
public func huberLoss<Scalar>(predicted: Tensor<Scalar>, target: Tensor<Scalar>, delta: Scalar = 1,
                              reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("huberLoss", "predicted", predicted, "target", target)
    require(delta > 0, "huberLoss: delta \(delta) must be positive")
    let d = predicted - target
    let magnitude = d.abs()
    let quadratic = d * d * Scalar(0.5)
    let linear = (magnitude - delta * Scalar(0.5)) * delta
    return reduction.apply(select(magnitude.detached() .<= delta, quadratic, linear))
}

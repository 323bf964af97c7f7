// Binary cross-entropy, for independent yes/no outputs (one or many per sample).

/// Binary cross-entropy of probabilities: −[t·log p + (1 − t)·log(1 − p)] per element, averaged
/// by default. `targets` are usually 0 or 1 (any value in [0, 1] is allowed).
///
/// For stability p is first clamped to [eps, 1 − eps] (default eps = 1e-7, as in Keras), so a
/// probability of exactly 0 or 1 gives a large finite loss instead of infinity; the gradient is
/// zero where p lies outside that interval or on its bounds (see `Tensor.clamped(lower:upper:)`). Prefer ``binaryCrossEntropy(logits:targets:reduction:)``
/// when you have the scores before the sigmoid: it needs no clamping.
///
/// ```swift
/// let p = model(x).sigmoid()
/// let loss = binaryCrossEntropy(probabilities: p, targets: y)
/// ```
/// - Precondition: same shapes; 0 < eps < ½.
public func binaryCrossEntropy<Scalar>(probabilities: Tensor<Scalar>, targets: Tensor<Scalar>, eps: Scalar = 1e-7,
                                       reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("binaryCrossEntropy", "probabilities", probabilities, "targets", targets)
    require(eps > 0 && eps < 0.5, "binaryCrossEntropy: eps \(eps) must be in (0, 0.5)")
    let p = probabilities.clamped(lower: eps, upper: 1 - eps)
    let losses = -(targets * p.log() + (1 - targets) * (1 - p).log())
    return reduction.apply(losses)
}

/// Binary cross-entropy of logits z (scores before the sigmoid): the same loss as
/// ``binaryCrossEntropy(probabilities:targets:eps:reduction:)`` of sigmoid(z), computed stably as
///
///     max(z, 0) − z·t + log(1 + e^−|z|)  =  softplus(z) − z·t
///
/// with the engine's stable `Tensor.softplus(beta:)`, so it is finite for logits of ±1000 and its gradient,
/// sigmoid(z) − t, is exact everywhere — including z = 0, where a composition through relu and
/// abs would give the one-sided −t instead of ½ − t. Averaged by default.
///
/// ```swift
/// let loss = binaryCrossEntropy(logits: model(x), targets: y)
/// ```
/// - Precondition: `logits` and `targets` have the same shape.
public func binaryCrossEntropy<Scalar>(logits: Tensor<Scalar>, targets: Tensor<Scalar>,
                                       reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("binaryCrossEntropy", "logits", logits, "targets", targets)
    return reduction.apply(logits.softplus() - logits * targets)
}

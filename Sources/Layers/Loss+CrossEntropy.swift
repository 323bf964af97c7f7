// Categorical cross-entropy and negative log-likelihood, for one class out of C per sample.
// Layout: classes on axis 1 — logits [batch, C], or [batch, C, d1, …] for one prediction
// per position (labels then [batch, d1, …]).

/// Categorical cross-entropy of logits with class indices: −log softmax(logits)[label] per
/// sample, averaged by default. Computed with log-softmax (stable for large logits) and a
/// gather of the true class; the gradient with respect to the logits is softmax − one-hot
/// (divided by the batch size with `.mean`).
///
/// ```swift
/// let logits = model(images)                                   // [batch, 10]
/// let labels = Tensor<Float>([3, 0, 9])                          // class indices, whole numbers
/// let loss = crossEntropy(logits: logits, labels: labels)
/// ```
/// - Precondition: logits [batch, C, …] and labels [batch, …] (the logits' shape without
///   axis 1), labels whole numbers in 0..<C.
public func crossEntropy<Scalar>(logits: Tensor<Scalar>, labels: Tensor<Scalar>,
                                 reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkClassLayout("crossEntropy", "logits", logits, labels: labels)
    return negativeLogLikelihood(logProbabilities: logits.logSoftmax(axis: 1), labels: labels, reduction: reduction)
}

/// Categorical cross-entropy of logits with one-hot (or any probability) targets:
/// −Σ_c targets_c · log softmax(logits)_c per sample, averaged by default. With one-hot targets
/// it equals ``crossEntropy(logits:labels:reduction:)``; soft targets (label smoothing,
/// distillation) work too.
///
/// ```swift
/// let targets = Tensor<Float>(rows: [[0, 1, 0], [1, 0, 0]])
/// let loss = crossEntropy(logits: model(x), targets: targets)
/// ```
/// - Precondition: `logits` and `targets` have the same shape, with at least two axes.
public func crossEntropy<Scalar>(logits: Tensor<Scalar>, targets: Tensor<Scalar>,
                                 reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkSameShape("crossEntropy", "logits", logits, "targets", targets)
    require(logits.rank >= 2, "crossEntropy: logits of shape \(logits.shape) need a batch and a class axis")
    return reduction.apply(-(targets * logits.logSoftmax(axis: 1)).sum(axes: [1]))
}

/// Negative log-likelihood of log-probabilities (for example a ``LogSoftmax`` output) with
/// class indices: −logProbabilities[label] per sample, averaged by default.
///
/// ```swift
/// let logProbabilities = logits.logSoftmax(axis: 1)
/// let loss = negativeLogLikelihood(logProbabilities: logProbabilities, labels: Tensor<Float>([2, 0]))
/// ```
/// - Precondition: logProbabilities [batch, C, …] and labels [batch, …], whole numbers in 0..<C.
public func negativeLogLikelihood<Scalar>(logProbabilities: Tensor<Scalar>, labels: Tensor<Scalar>,
                                          reduction: Reduction = .mean) -> Tensor<Scalar> {
    checkClassLayout("negativeLogLikelihood", "logProbabilities", logProbabilities, labels: labels)
    let picked = logProbabilities.gather(axis: 1, indices: labels.detached().unsqueezed(at: 1)).squeezed(at: 1)
    return reduction.apply(-picked)
}

/// Traps unless `labels` has the shape of `scores` without its class axis 1.
func checkClassLayout<Scalar>(_ loss: String, _ name: String, _ scores: Tensor<Scalar>, labels: Tensor<Scalar>) {
    require(scores.rank >= 2, "\(loss): \(name) of shape \(scores.shape) need a batch axis and a class axis")
    var expected = scores.shape
    expected.remove(at: 1)
    require(labels.shape == expected,
                 "\(loss): labels of shape \(labels.shape) do not match \(name) of shape \(scores.shape) "
                 + "(expected labels of shape \(expected): one class index per sample)")
    let classes = scores.shape[1]
    for (position, label) in labels.scalars.enumerated() {
        let index = Int(exactly: label) ?? -1
        require(index >= 0 && index < classes,
                     "\(loss): label \(label) at position \(position) of labels \(labels.shape) is not a class index "
                     + "in 0..<\(classes) (\(name) of shape \(scores.shape))")
    }
}

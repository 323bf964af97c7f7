// Categorical cross-entropy and negative log-likelihood, for one class out of C per sample.
// Layout: classes on axis 1 by default — logits [batch, C], or [batch, C, d1, …] for one
// prediction per position (labels then [batch, d1, …]); `classAxis: -1` for [batch, time, C].

/// Categorical cross-entropy of logits with class indices: −log softmax(logits)[label] per
/// sample, averaged by default, as `torch.nn.functional.cross_entropy`. Computed with
/// log-softmax (stable for large logits) and a gather of the true class; the gradient with
/// respect to the logits is softmax − one-hot (divided by the number of samples with `.mean`).
///
/// ```swift
/// let logits = model(images)                                   // [batch, 10]
/// let labels = Tensor<Float>([3, 0, 9])                          // class indices, whole numbers
/// let loss = crossEntropy(logits: logits, labels: labels)
/// // A language model's [batch, time, vocabulary] logits, padding (label 0) left out, smoothed:
/// let lm = crossEntropy(logits: tokenScores, labels: nextTokens, classAxis: -1, ignoreIndex: 0,
///                       labelSmoothing: 0.1)
/// ```
///
/// - Parameters:
///   - logits: raw scores, with the classes on `classAxis`.
///   - labels: one class index per sample and position: the shape of `logits` without
///     `classAxis`, whole numbers in 0..<C (or equal to `ignoreIndex`).
///   - classAxis: the axis of `logits` that holds the classes, negative counting from the end.
///     The default 1 is PyTorch's layout: [batch, C] or [batch, C, d1, …] with labels
///     [batch, d1, …]. Pass `-1` for classes last, as a sequence model gives them:
///     [batch, time, C] with labels [batch, time]. (For 2-D logits both are the same axis.)
///   - ignoreIndex: a label value that marks samples to leave out (PyTorch's `ignore_index`,
///     often −100 or a padding token): their loss is 0 and their gradient exactly zero, and
///     `.mean` divides by the number of samples *not* ignored. When every sample is ignored,
///     `.mean` gives NaN (as PyTorch does) with a zero gradient; `.batchMean` divides by the
///     batch size, ignored samples included. It may be outside 0..<C.
///   - labelSmoothing: ε in [0, 1]: the loss becomes (1 − ε)·(−log p[label]) + ε·mean over the
///     classes of −log p, PyTorch's `label_smoothing` (the target is (1 − ε)·one-hot + ε/C).
///     Ignored samples are left out of both terms.
///   - reduction: `.mean` (default), `.sum`, `.batchMean`, or `.none` for the losses in the
///     shape of `labels` (0 where ignored).
/// - Precondition: `logits` has at least two axes, `labels` has its shape without `classAxis`,
///   every label is a class index in 0..<C or `ignoreIndex`, and `labelSmoothing` is in [0, 1].
public func crossEntropy<Scalar>(logits: Tensor<Scalar>, labels: Tensor<Scalar>, classAxis: Int = 1,
                                 ignoreIndex: Int? = nil, labelSmoothing: Double = 0,
                                 reduction: Reduction = .mean) -> Tensor<Scalar> {
    require(labelSmoothing >= 0 && labelSmoothing <= 1,
            "crossEntropy: labelSmoothing \(labelSmoothing) is not in [0, 1] (0 is no smoothing, "
            + "1 a uniform target)")
    let layout = ClassLayout("crossEntropy", "logits", logits, labels: labels, classAxis: classAxis,
                             ignoreIndex: ignoreIndex)
    let logProbabilities = logits.logSoftmax(axis: layout.axis)
    var losses = -layout.pick(logProbabilities)
    if labelSmoothing > 0 {
        let uniform = -logProbabilities.mean(axes: [layout.axis])
        losses = Scalar(1 - labelSmoothing) * losses + Scalar(labelSmoothing) * uniform
    }
    return layout.reduce(losses, reduction)
}

/// Categorical cross-entropy of logits with one-hot (or any probability) targets:
/// −Σ_c targets_c · log softmax(logits)_c per sample, averaged by default. With one-hot targets
/// it equals ``crossEntropy(logits:labels:classAxis:ignoreIndex:labelSmoothing:reduction:)``;
/// soft targets (label smoothing, distillation) work too.
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
/// class indices: −logProbabilities[label] per sample, averaged by default, as
/// `torch.nn.functional.nll_loss`.
///
/// ```swift
/// let logProbabilities = logits.logSoftmax(axis: 1)
/// let loss = negativeLogLikelihood(logProbabilities: logProbabilities, labels: Tensor<Float>([2, 0]))
/// ```
///
/// `classAxis` and `ignoreIndex` work as in
/// ``crossEntropy(logits:labels:classAxis:ignoreIndex:labelSmoothing:reduction:)``: the classes
/// on axis 1 by default (`-1` for [batch, time, C]); samples labelled `ignoreIndex` add 0, get a
/// zero gradient and leave `.mean`'s denominator (NaN when every sample is ignored).
/// - Precondition: `logProbabilities` has at least two axes, `labels` has its shape without
///   `classAxis`, every label is a class index in 0..<C or `ignoreIndex`.
public func negativeLogLikelihood<Scalar>(logProbabilities: Tensor<Scalar>, labels: Tensor<Scalar>,
                                          classAxis: Int = 1, ignoreIndex: Int? = nil,
                                          reduction: Reduction = .mean) -> Tensor<Scalar> {
    let layout = ClassLayout("negativeLogLikelihood", "logProbabilities", logProbabilities, labels: labels,
                             classAxis: classAxis, ignoreIndex: ignoreIndex)
    return layout.reduce(-layout.pick(logProbabilities), reduction)
}

/// Where the classes are in a score tensor, checked against the labels, and which samples an
/// ignore index leaves out: the shared part of the class-index losses.
struct ClassLayout<Scalar: TensorScalar> {
    /// The class axis, from 0.
    let axis: Int
    /// The labels, detached, with every ignored label replaced by class 0 (any valid index:
    /// what is picked there is multiplied by 0).
    let indices: Tensor<Scalar>
    /// 1 for the samples that count, 0 for the ignored ones; nil when none is ignored.
    let kept: Tensor<Scalar>?
    /// How many samples count.
    let keptCount: Int

    /// Traps unless `labels` has the shape of `scores` without `classAxis` and holds class indices
    /// (or `ignoreIndex`), naming the loss, the shapes and the class axis taken.
    init(_ loss: String, _ name: String, _ scores: Tensor<Scalar>, labels: Tensor<Scalar>, classAxis: Int,
         ignoreIndex: Int?) {
        require(scores.rank >= 2, "\(loss): \(name) of shape \(scores.shape) need a batch axis and a class axis")
        require(classAxis >= -scores.rank && classAxis < scores.rank,
                "\(loss): classAxis \(classAxis) is out of range for \(name) of shape \(scores.shape) "
                + "(rank \(scores.rank): axes \(-scores.rank)..<\(scores.rank))")
        axis = classAxis < 0 ? classAxis + scores.rank : classAxis
        let expected = Self.removing(axis, from: scores.shape)
        if labels.shape != expected {
            var hint = ""
            let last = scores.rank - 1
            if axis != last && labels.shape == Self.removing(last, from: scores.shape) {
                hint = "; these labels fit classes on the last axis: pass classAxis: -1"
            } else if axis != 1 && labels.shape == Self.removing(1, from: scores.shape) {
                hint = "; these labels fit PyTorch's layout [batch, classes, …]: pass classAxis: 1"
            }
            trap("\(loss): labels of shape \(labels.shape) do not match \(name) of shape \(scores.shape) with "
                 + "the classes on axis \(axis) (classAxis: \(classAxis)): expected labels of shape \(expected), "
                 + "one class index per sample\(hint)")
        }
        let classes = scores.shape[axis]
        // Every label a class index and none ignored (the usual case): checked by the loop compiled
        // for the scalar type (this generic code converts each label through the value witnesses).
        let (positions, invalid) = labels.indexPositions(bound: classes)
        if invalid == nil && !(ignoreIndex.map { positions.contains($0) } ?? false) {
            indices = labels.detached()
            kept = nil
            keptCount = positions.count
            return
        }
        var values = labels.scalars
        var mask = [Scalar](repeating: 1, count: values.count)
        var ignored = 0
        for (position, label) in values.enumerated() {
            let index = Int(exactly: label)
            if let ignoreIndex, index == ignoreIndex {
                values[position] = 0
                mask[position] = 0
                ignored += 1
                continue
            }
            let valid = index.map { $0 >= 0 && $0 < classes } ?? false
            require(valid, "\(loss): label \(label) at position \(position) of labels \(labels.shape) is not a class "
                    + "index in 0..<\(classes) (\(name) of shape \(scores.shape), classes on axis \(axis))"
                    + (ignoreIndex.map { " nor the ignoreIndex \($0)" } ?? ""))
        }
        indices = ignored == 0 ? labels.detached() : Tensor(values, shape: labels.shape)
        kept = ignored == 0 ? nil : Tensor(mask, shape: labels.shape)
        keptCount = values.count - ignored
    }

    static func removing(_ axis: Int, from shape: [Int]) -> [Int] {
        var out = shape
        out.remove(at: axis)
        return out
    }

    /// `scores` at each sample's label along the class axis, in the shape of the labels.
    func pick(_ scores: Tensor<Scalar>) -> Tensor<Scalar> {
        scores.gather(axis: axis, indices: indices.unsqueezed(at: axis)).squeezed(at: axis)
    }

    /// Zeroes the ignored samples' losses, then reduces; `.mean` over the samples kept only.
    func reduce(_ losses: Tensor<Scalar>, _ reduction: Reduction) -> Tensor<Scalar> {
        guard let kept else { return reduction.apply(losses) }
        let masked = losses * kept
        guard reduction == .mean else { return reduction.apply(masked) }
        // Every sample ignored: PyTorch's 0/0 = NaN, with a zero gradient (its backward skips
        // ignored samples): the sum times 0 carries the zero gradient back to every input.
        if keptCount == 0 { return masked.sum() * Scalar(0) + Scalar.nan }
        return masked.sum() / Scalar(keptCount)
    }
}

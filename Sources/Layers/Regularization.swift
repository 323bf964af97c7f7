// Penalties added to a loss to keep weights small. (Decoupled weight decay, which changes the
// update instead of the loss, is an optimizer setting.)

/// The L2 penalty (λ/2)·Σ‖w‖² over a model's weights, as a scalar to add to the loss; its
/// gradient with respect to each weight is λ·w. By default biases (parameters whose name ends in
/// "bias") are left out, as is usual.
///
/// ```swift
/// let loss = crossEntropy(logits: model(x), labels: y) + l2Penalty(model, lambda: 1e-4)
/// ```
public func l2Penalty<M: Module>(_ model: M, lambda: M.Scalar, includeBiases: Bool = false) -> Tensor<M.Scalar> {
    l2Penalty(selectedParameters(model, includeBiases: includeBiases), lambda: lambda)
}

/// The L2 penalty (λ/2)·Σ‖w‖² over the given parameters (0 for none).
///
/// ```swift
/// let penalty = l2Penalty([dense.weight], lambda: 0.01)
/// ```
public func l2Penalty<Scalar>(_ parameters: [Parameter<Scalar>], lambda: Scalar) -> Tensor<Scalar> {
    let terms = parameters.map { ($0.value * $0.value).sum() }
    guard let first = terms.first else { return Tensor(0) }
    return terms.dropFirst().reduce(first, +) * (lambda / 2)
}

/// The L1 penalty λ·Σ|w| over a model's weights (biases left out unless `includeBiases`); it
/// pushes weights to exactly zero. The derivative of |w| at 0 is taken as 0.
///
/// ```swift
/// let loss = meanSquaredError(predicted: model(x), targets: y) + l1Penalty(model, lambda: 1e-5)
/// ```
public func l1Penalty<M: Module>(_ model: M, lambda: M.Scalar, includeBiases: Bool = false) -> Tensor<M.Scalar> {
    let terms = selectedParameters(model, includeBiases: includeBiases).map { $0.value.abs().sum() }
    guard let first = terms.first else { return Tensor(0) }
    return terms.dropFirst().reduce(first, +) * lambda
}

private func selectedParameters<M: Module>(_ model: M, includeBiases: Bool) -> [Parameter<M.Scalar>] {
    model.namedParameters.filter { includeBiases || !($0.name == "bias" || $0.name.hasSuffix(".bias")) }.map(\.parameter)
}

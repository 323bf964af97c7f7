/// Scales the gradients of `parameters` so that their global L2 norm (over all of them, as if
/// concatenated into one vector) is at most `maxNorm`, and returns the norm before clipping,
/// as PyTorch's `clip_grad_norm_`: each gradient is multiplied by maxNorm / (norm + 1e-6)
/// when that factor is below 1. Parameters without a gradient are skipped.
///
/// ```swift
/// model.zeroGrad()
/// loss.backward()
/// let norm = clipGradientNorm(model.parameters, maxNorm: 1.0)
/// optimizer.step()
/// ```
/// - Precondition: `maxNorm` > 0.
@discardableResult
public func clipGradientNorm<Scalar>(_ parameters: [Parameter<Scalar>], maxNorm: Double) -> Double {
    require(maxNorm > 0, "clipGradientNorm: maxNorm \(maxNorm) must be positive")
    let gradients = parameters.compactMap { $0.grad?.detached() }
    let norm = globalNorm(gradients)
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        withoutGradients {
            for parameter in parameters {
                guard let gradient = parameter.grad else { continue }
                parameter.value.grad = gradient.detached() * Scalar(factor)
            }
        }
    }
    return norm
}

/// The L2 norm of all the elements of `tensors` taken together, √(Σ‖tᵢ‖²).
///
/// ```swift
/// globalNorm([Tensor<Double>([3]), Tensor<Double>([4])])   // 5
/// ```
public func globalNorm<Scalar>(_ tensors: [Tensor<Scalar>]) -> Double {
    let total = withoutGradients {
        tensors.reduce(0.0) { sum, tensor in sum + Double((tensor.detached() * tensor.detached()).sum().scalar) }
    }
    return total.squareRoot()
}

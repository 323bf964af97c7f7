/// How a loss turns its per-element (or per-sample) values into its result.
///
/// ```swift
/// let perElement = meanSquaredError(predicted: y, targets: t, reduction: .none)   // shape of y
/// let total = meanSquaredError(predicted: y, targets: t, reduction: .sum)         // a scalar
/// ```
public enum Reduction: Sendable, Hashable, CustomStringConvertible {
    /// No reduction: the unreduced losses (one per element for the elementwise losses, one per
    /// sample — and per spatial position, if any — for the cross-entropies).
    case none
    /// The sum of the unreduced losses.
    case sum
    /// The mean of the unreduced losses (over every element of them). No losses at all (an
    /// empty batch) give 0 with a zero gradient, where PyTorch gives NaN: an empty batch then
    /// changes nothing instead of making every weight NaN.
    case mean
    /// The sum of the unreduced losses divided by the batch size (the size of axis 0): the
    /// per-sample total, averaged over samples. For the cross-entropies it equals ``mean`` (when
    /// they have no spatial axes); for the elementwise losses it sums over the features first.
    /// An empty batch gives 0.
    case batchMean

    /// Applies this reduction to a tensor of unreduced losses.
    ///
    /// ```swift
    /// Reduction.mean.apply(Tensor<Double>([1, 2, 3]))     // 2
    /// ```
    public func apply<Scalar: TensorScalar>(_ losses: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .none: return losses
        case .sum: return losses.sum()
        case .mean: return losses.count == 0 ? Tensor(0) : losses.mean()
        case .batchMean:
            let batch = losses.rank == 0 ? 1 : losses.shape[0]
            return losses.sum() / Scalar(Swift.max(batch, 1))
        }
    }

    /// "none", "sum", "mean" or "batchMean".
    ///
    /// ```swift
    /// print(Reduction.batchMean)    // batchMean
    /// ```
    public var description: String {
        switch self {
        case .none: return "none"
        case .sum: return "sum"
        case .mean: return "mean"
        case .batchMean: return "batchMean"
        }
    }
}

/// Traps unless the two shapes are equal, naming the loss and both shapes. Losses do not
/// broadcast: a [batch, 1] prediction against a [batch] target is almost always a mistake.
func checkSameShape<Scalar>(_ loss: String, _ firstName: String, _ first: Tensor<Scalar>,
                            _ secondName: String, _ second: Tensor<Scalar>) {
    require(first.shape == second.shape,
                 "\(loss): \(firstName) of shape \(first.shape) and \(secondName) of shape \(second.shape) differ "
                 + "(losses do not broadcast; reshape one of them)")
}

/// The function an Elman ``RNNCell`` applies to its pre-activation, as PyTorch's `nonlinearity`.
///
/// ```swift
/// let cell = RNNCell<Float>(inputSize: 3, hiddenSize: 8, nonlinearity: .relu)
/// ```
public enum RNNNonlinearity: String, Sendable, Hashable, CaseIterable {
    /// The hyperbolic tangent (the default).
    case tanh
    /// max(0, x).
    case relu

    func callAsFunction<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        }
    }
}

extension RNNNonlinearity: ParameterFreeValue {}

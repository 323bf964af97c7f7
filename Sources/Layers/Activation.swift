/// An elementwise (or, for the softmaxes, per-row) nonlinearity, as a value that a
/// ``Dense`` layer applies to its output and that can be applied to any tensor.
///
/// Every case is composed from the engine's differentiable ops, so its gradient comes from
/// their rules. At kinks the engine's choices apply: relu'(0) = 0, leakyRelu'(0) = slope.
///
/// ```swift
/// let hidden = Dense<Float>(inputs: 4, outputs: 8, activation: .relu)
/// let y = Activation.leakyRelu(slope: 0.2)(x)
/// ```
public enum Activation: Sendable, Hashable, CustomStringConvertible {
    /// f(x) = x.
    case identity
    /// f(x) = 1 / (1 + e^−x).
    case sigmoid
    /// f(x) = tanh x.
    case tanh
    /// f(x) = max(x, 0).
    case relu
    /// f(x) = x·Φ(x), Φ the standard normal CDF: the exact GELU (PyTorch's default `nn.GELU()`).
    case gelu
    /// f(x) = x for x > 0, slope·x otherwise (default slope 0.01).
    case leakyRelu(slope: Double = 0.01)
    /// Softmax along `axis` (default: the last axis, the classes of a [batch, classes] tensor).
    case softmax(axis: Int = -1)
    /// log(softmax) along `axis`, computed stably.
    case logSoftmax(axis: Int = -1)

    /// The activation applied to `x`.
    ///
    /// ```swift
    /// let p = Activation.softmax()(logits)
    /// ```
    public func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .identity: return x
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .gelu: return x.gelu()
        case .leakyRelu(let slope): return x.leakyRelu(slope: Scalar(slope))
        case .softmax(let axis): return x.softmax(axis: axis)
        case .logSoftmax(let axis): return x.logSoftmax(axis: axis)
        }
    }

    /// The name as written in code ("leakyRelu(slope: 0.2)").
    ///
    /// ```swift
    /// print(Activation.leakyRelu(slope: 0.2))   // leakyRelu(slope: 0.2)
    /// ```
    public var description: String {
        switch self {
        case .identity: return "identity"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .relu: return "relu"
        case .gelu: return "gelu"
        case .leakyRelu(let slope): return "leakyRelu(slope: \(slope))"
        case .softmax(let axis): return "softmax(axis: \(axis))"
        case .logSoftmax(let axis): return "logSoftmax(axis: \(axis))"
        }
    }

    /// Every kind of activation once, with default settings (handy for exhaustive tests).
    ///
    /// ```swift
    /// for activation in Activation.allDefaults { print(activation) }
    /// ```
    public static var allDefaults: [Activation] {
        [.identity, .sigmoid, .tanh, .relu, .gelu, .leakyRelu(), .softmax(), .logSoftmax()]
    }
}

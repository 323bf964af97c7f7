@_exported import Autograd

/// A trainable tensor owned by a layer: a leaf of the graph whose value an optimizer updates
/// in place. Layers hold parameters by reference, so a model struct that stores layers shares
/// them with its copies, as a PyTorch module does.
///
/// ```swift
/// let w = Parameter(Tensor<Float>.zeros([3, 2]))
/// let y = x.matmul(w.value)
/// ```
public final class Parameter<Scalar: TensorScalar>: @unchecked Sendable {
    /// The current value, a leaf that requires gradients.
    public private(set) var value: Tensor<Scalar>

    /// Wraps `initial` as a trainable leaf.
    public init(_ initial: Tensor<Scalar>) {
        value = initial.detached().requiringGrad()
    }

    /// The gradient accumulated by the last `backward()` calls, if any.
    public var grad: Tensor<Scalar>? { value.grad }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// Clears the accumulated gradient.
    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the value (same shape), keeping the leaf's identity. Not recorded.
    public func assign(_ newValue: Tensor<Scalar>) {
        value.assign(newValue.detached())
    }
}

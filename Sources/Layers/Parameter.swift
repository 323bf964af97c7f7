@_exported import Autograd
// Re-exported so that `import Layers` (and `import Optim`) keeps giving the file formats and
// preprocessing (CSV, IDX, npy, safetensors, scalers, PCA), which live in their own module.
@_exported import DataFormats

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
    ///
    /// ```swift
    /// let y = x.matmul(dense.weight.value)
    /// ```
    public private(set) var value: Tensor<Scalar>

    /// Wraps `initial` as a trainable leaf: a new leaf with its own gradient slot, whatever
    /// `initial` was.
    ///
    /// ```swift
    /// let b = Parameter(Tensor<Float>.zeros([10]))
    /// ```
    public init(_ initial: Tensor<Scalar>) {
        value = initial.detached().requiringGrad()
    }

    /// Wraps `tensor` keeping its identity when it already is a leaf that requires gradients:
    /// the parameter's gradient is then the leaf's own ``Tensor/grad``. Any other tensor becomes a
    /// new leaf, as with ``init(_:)``.
    ///
    /// This is how a layer is built around tensors that `gradcheck` perturbs, so that the check
    /// runs through the layer's own forward pass:
    ///
    /// ```swift
    /// let w = Tensor<Double>.ones([2, 2]).requiringGrad()
    /// let p = Parameter(sharing: w)
    /// (p.value * 3).sum().backward()
    /// w.grad                                  // [[3, 3], [3, 3]]: the same leaf
    /// ```
    public init(sharing tensor: Tensor<Scalar>) {
        value = tensor.isLeaf ? tensor : tensor.detached().requiringGrad()
    }

    /// The gradient accumulated by the last `backward()` calls, if any.
    ///
    /// ```swift
    /// loss.backward()
    /// let g = dense.weight.grad    // same shape as the weight
    /// ```
    public var grad: Tensor<Scalar>? { value.grad }

    /// The shape of the value.
    ///
    /// ```swift
    /// Parameter(Tensor<Float>.zeros([3, 2])).shape    // [3, 2]
    /// ```
    public var shape: [Int] { value.shape }

    /// Clears the accumulated gradient.
    ///
    /// ```swift
    /// dense.weight.zeroGrad()    // grad is nil again
    /// ```
    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the value (same shape), keeping the leaf's identity. Not recorded.
    ///
    /// ```swift
    /// withoutGradients { if let g = p.grad { p.assign(p.value - g * 0.1) } }
    /// ```
    public func assign(_ newValue: Tensor<Scalar>) {
        value.assign(newValue.detached())
    }
}

extension Parameter: CustomStringConvertible {
    /// "Parameter [3, 2]" followed by the values.
    ///
    /// ```swift
    /// print(Parameter(Tensor<Float>.zeros([2])))
    /// ```
    public var description: String { "Parameter \(shape)\n\(value.detached())" }
}

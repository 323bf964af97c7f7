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

    /// Wraps `tensor` as a trainable leaf, using `tensor` itself when it already is a leaf that
    /// requires gradients: the parameter's gradient is then that leaf's own `Tensor.grad`, so a
    /// layer built around a tensor is differentiated with respect to that tensor. Any other
    /// tensor (a plain one, or a recorded result) becomes a new leaf with the same values.
    ///
    /// This is what makes a custom layer whose initializer takes a tensor checkable with
    /// `gradcheck`, which passes its inputs as leaves:
    ///
    /// ```swift
    /// struct Gated: Layer {
    ///     var w: Parameter<Double>
    ///     init(_ w: Tensor<Double>) { self.w = Parameter(w) }
    ///     func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    /// }
    /// gradcheck(inputs: [x, w]) { Gated($0[1])($0[0]) }.passed     // true
    /// let b = Parameter(Tensor<Float>.zeros([10]))                  // a plain tensor: a new leaf
    /// ```
    /// To start from another parameter's values without sharing its gradient, use ``init(copying:)``.
    public init(_ tensor: Tensor<Scalar>) {
        value = tensor.isLeaf ? tensor : tensor.detached().requiringGrad()
    }

    /// A new leaf holding a copy of `tensor`'s values, with a gradient slot of its own, whatever
    /// `tensor` was: nothing computed through the parameter reaches `tensor`.
    ///
    /// ```swift
    /// let copy = Parameter(copying: dense.weight.value)     // starts equal, trains independently
    /// ```
    public init(copying tensor: Tensor<Scalar>) {
        value = tensor.detached().requiringGrad()
    }

    /// The same as ``init(_:)``, spelt out: `tensor` itself when it is a leaf that requires
    /// gradients, otherwise a new leaf with its values.
    ///
    /// ```swift
    /// let w = Tensor<Double>.ones([2, 2]).requiringGrad()
    /// let p = Parameter(sharing: w)
    /// (p.value * 3).sum().backward()
    /// w.grad                                  // [[3, 3], [3, 3]]: the same leaf
    /// ```
    public convenience init(sharing tensor: Tensor<Scalar>) {
        self.init(tensor)
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

/// An n-dimensional, row-major array of `Float` or `Double` that can record the
/// operations applied to it, so that gradients can be computed by ``backward(upstream:retainGraph:createGraph:trace:)``.
///
/// Tensors are values: copying one copies (lazily, on write) its elements. A tensor made
/// with ``requiringGrad(named:)`` is a *leaf* of the graph; every op applied to it while
/// recording is enabled produces a tensor linked to a node on the tape.
///
/// ```swift
/// let w = Tensor<Double>([1, 2, 3]).requiringGrad(named: "w")
/// let loss = (w * w).sum()      // 14
/// loss.backward()
/// print(w.grad!)                // [2.0, 4.0, 6.0]
/// ```
///
/// Copies of a tensor that requires gradients share its gradient slot (`grad`), as
/// references to one parameter do in PyTorch; use ``detached()`` to make an independent one.
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    /// The size of each axis; `[]` for a scalar.
    @inlinable public var shape: [Int] { _shape }
    /// The elements in row-major order.
    @inlinable public var scalars: [Scalar] { elements.array }
    // Stored under other names so that the library's inlinable ops can create tensors directly
    // while users read them only.
    @usableFromInline var _shape: [Int]
    /// The elements as stored: one inline, or an array (see ``TensorElements``).
    @usableFromInline var elements: TensorElements<Scalar>
    /// The tape node that produced this tensor, or the leaf node of a tensor that requires gradients.
    @usableFromInline var node: Node<Scalar>?

    /// Makes a tensor from its elements in row-major order and a shape.
    ///
    /// ```swift
    /// let m = Tensor<Float>([1, 2, 3, 4, 5, 6], shape: [2, 3])
    /// ```
    /// - Precondition: the element count equals the product of `shape`, no size is negative,
    ///   and the product of the sizes other than 0 fits in `Int` (so that the strides do, even
    ///   of a tensor with no elements such as `[0, 1 << 32, 1 << 32]`).
    @inlinable
    public init(_ scalars: [Scalar], shape: [Int]) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
        guard let count = Shape.elementCount(shape) else {
            trap("Tensor: shape \(shape) cannot be a tensor: the product of its nonzero sizes overflows Int")
        }
        require(scalars.count == count, "Tensor: \(scalars.count) elements do not fill shape \(shape) (\(count) needed)")
        self.init(shape: shape, scalars: scalars)
    }

    /// Makes a 1-D tensor from an array.
    @inlinable
    public init(_ scalars: [Scalar]) {
        self.init(scalars, shape: [scalars.count])
    }

    /// Makes a 0-D (scalar) tensor.
    @inlinable
    public init(_ value: Scalar) {
        self.init(shape: [], elements: .one(value), node: nil)
    }

    /// Makes a 2-D tensor from rows of equal length.
    ///
    /// ```swift
    /// let image = Tensor<Double>(rows: [[1, 2], [3, 4]])   // shape [2, 2]
    /// ```
    public init(rows: [[Scalar]]) {
        let width = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == width }, "Tensor(rows:): rows have different lengths")
        self.init(rows.flatMap { $0 }, shape: [rows.count, width])
    }

    @inlinable
    init(shape: [Int], scalars: [Scalar], node: Node<Scalar>?) {
        self._shape = shape
        self.elements = .many(scalars)
        self.node = node
    }

    /// A tensor from elements that fill `shape`, unchecked: for ops' results.
    @inlinable
    init(shape: [Int], elements: TensorElements<Scalar>, node: Node<Scalar>?) {
        self._shape = shape
        self.elements = elements
        self.node = node
    }

    /// A plain tensor (no graph link) from elements that fill `shape`, unchecked: for ops' results.
    @inlinable
    init(shape: [Int], scalars: [Scalar]) {
        self._shape = shape
        self.elements = .many(scalars)
        self.node = nil
    }

    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// The number of elements.
    @inlinable public var count: Int { elements.count }

    /// The single element of a tensor with one element.
    public var scalar: Scalar {
        require(count == 1, "scalar: tensor of shape \(shape) has \(count) elements, not 1")
        return elements.first
    }

    /// The element at a full multi-index (for reading; no gradient flows through it).
    public subscript(index indices: Int...) -> Scalar {
        scalars[flatIndex(indices)]
    }

    func flatIndex(_ indices: [Int]) -> Int {
        require(indices.count == rank, "index \(indices) does not match shape \(shape)")
        var flat = 0
        for (axis, i) in indices.enumerated() {
            require(i >= 0 && i < shape[axis], "index \(indices) is out of bounds for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// The elements as a nested Swift array of rows (2-D tensors only).
    public var rows: [[Scalar]] {
        require(rank == 2, "rows: tensor of shape \(shape) is not 2-D")
        return (0..<shape[0]).map { Array(scalars[$0 * shape[1]..<($0 + 1) * shape[1]]) }
    }

    /// Replaces the elements, keeping the shape and, for a leaf, its identity and gradient slot.
    /// This is how optimizers update parameters in place. Not recorded on the tape.
    ///
    /// A leaf counts its in-place updates: a backward pass through an op that read the leaf
    /// before the update throws ``AutogradError/modifiedAfterUse(tensor:op:)`` instead of returning
    /// the gradient at the old values (run the forward pass again after updating).
    ///
    /// - Precondition: `newValue` has the same shape.
    public mutating func assign(_ newValue: Tensor) {
        require(newValue.shape == shape, "assign: shape \(newValue.shape) differs from \(shape)")
        elements = newValue.elements
        guard let node else { return }
        if node.isLeaf {
            leafGradientLock.lock()
            node.bumpVersion()
            leafGradientLock.unlock()
        } else {
            self.node = nil
        }
    }

    /// The values alone, cut off from the graph; setting them replaces this tensor's values in
    /// place, as ``assign(_:)`` does — micrograd's `p.data`:
    ///
    /// ```swift
    /// if let g = w.grad { w.data -= 0.1 * g }     // w stays a leaf
    /// ```
    public var data: Tensor {
        get { detached() }
        set { assign(newValue) }
    }

    /// `self = self ∘ other` for a compound assignment. Inside ``withoutGradients(_:)`` a leaf that
    /// requires gradients is updated in place and stays a leaf (PyTorch's `torch.no_grad()` idiom);
    /// otherwise the op is recorded and the tensor replaced by its result, as `self = self ∘ other`.
    @usableFromInline
    mutating func update(with result: (Tensor) -> Tensor, _ op: String) {
        guard let node, node.isLeaf, !ThreadTape.isRecordingOnThisThread else {
            let wasLeaf = isLeaf
            self = result(self)
            // Remembered for the message of a later backward through the freed update.
            if wasLeaf { self.node?.isRecordedLeafUpdate = true }
            return
        }
        let value = result(self.detached())
        require(value.shape == shape,
                "\(op): updating the leaf\(name.map { " '\($0)'" } ?? "") of shape \(shape) in place needs a result of the "
                + "same shape, not \(value.shape)")
        assign(value)
    }
}

extension Tensor {
    /// A new array of `count` elements written by `fill` (which must write every one).
    ///
    /// Every way of making an array of a run-time length goes through a generic allocation function
    /// of the standard library that looks the array's type up at run time (some 600 instructions
    /// for `Float` and `Double`, more than a small op's own work); an array literal is allocated
    /// inline for the concrete type (about a third of that). Tensors of up to four elements — the
    /// scalar graphs of a micrograd-style model — are made from literals.
    @inlinable @inline(__always)
    static func makeScalars(count: Int, _ fill: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> [Scalar] {
        var values: [Scalar]
        switch count {
        case 0: return []
        case 1: values = [0]
        case 2: values = [0, 0]
        case 3: values = [0, 0, 0]
        case 4: values = [0, 0, 0, 0]
        default:
            return [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
                fill(out)
                initialized = count
            }
        }
        values.withUnsafeMutableBufferPointer { fill($0) }
        return values
    }

    /// The elements for writing in place (copied first if another tensor shares them), for the
    /// package's fused loops that update state no graph reads (an optimizer's moments). An op's
    /// result written this way is cut off from its node (as ``assign(_:)`` does): a node's later
    /// users read its values from the node.
    package mutating func withUnsafeMutableScalars<R>(_ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        if let node, !node.isLeaf { self.node = nil }
        return try elements.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Drops the elements, keeping the shape and the graph link: what a freed tape node keeps
    /// of its inputs (see ``TensorElements/dropValues(ofLeaf:)``).
    mutating func dropValues() {
        elements.dropValues(ofLeaf: node?.isLeaf == true)
    }

    /// Calls `body` with the elements in contiguous memory, without making an array of an
    /// inline element (as reading ``scalars`` would).
    @inlinable
    func withUnsafeScalars<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }
}

extension Tensor: Equatable {
    /// Tensors are equal when their shapes and elements are equal (gradient links are ignored).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

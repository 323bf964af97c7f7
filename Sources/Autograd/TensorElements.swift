/// A tensor's elements: a single one held inline, any other number in an array.
///
/// Graphs of scalars (a micrograd-style model, a Hessian of a scalar function, a physics step)
/// make one-element tensors at every op and in every derivative rule. An array of one element is
/// a heap block allocated, reference-counted and freed: more work than the op's own arithmetic.
/// Held inline, a one-element value costs nothing beyond the tensor itself.
///
/// A one-element tensor may still hold its value in an array (one made from an array, or by a
/// kernel that writes into one): every reader goes through ``withUnsafeBufferPointer(_:)``,
/// ``count`` or ``array`` and sees the same elements either way.
///
/// Two words, whatever the scalar type, and no flag: a tensor stays four words (shape, these two,
/// node), which Swift passes in registers. The inline element is kept as raw bits rather than as a
/// `Scalar` so that the layout does not depend on the scalar type: the deinit of the generic tape
/// node runs unspecialised, and a field of generic layout (an enum of the two cases) made it look
/// the type up at run time for every node it destroyed, more than the allocation this saves.
@usableFromInline
struct TensorElements<Scalar: TensorScalar> {
    /// All elements, or `nil` when there is exactly one, held inline in `bits`. `nil` rather than
    /// Swift's shared empty array (which marked an inline element before): every copy of a tensor
    /// retains and releases this field, and the runtime lets a `nil` reference go at its first
    /// test, while the shared array's (immortal) reference count was loaded and tested each time
    /// (chain: −4.5% instructions).
    @usableFromInline var heap: [Scalar]?
    /// The inline element's bytes (a `Float` in the first four of them in memory).
    @usableFromInline var bits: UInt64

    @inlinable init(heap: [Scalar]?, bits: UInt64) {
        (self.heap, self.bits) = (heap, bits)
    }

    /// Whether the single element is inline, in `bits`.
    @inlinable var isInline: Bool { heap == nil }

    /// Exactly one element, inline.
    @inlinable static func one(_ value: Scalar) -> TensorElements {
        // Float and Double, the scalar types there are, fit; the check folds away for them.
        if MemoryLayout<Scalar>.size > MemoryLayout<UInt64>.size {
            trap("TensorElements: a scalar of \(MemoryLayout<Scalar>.size) bytes does not fit inline")
        }
        var bits: UInt64 = 0
        Swift.withUnsafeMutableBytes(of: &bits) { $0.storeBytes(of: value, as: Scalar.self) }
        return TensorElements(heap: nil, bits: bits)
    }

    /// Any number of elements in an array (kept as it is, whatever its length).
    @inlinable static func many(_ array: [Scalar]) -> TensorElements {
        TensorElements(heap: array, bits: 0)
    }

    /// No elements (a tensor with a zero in its shape, or the dropped values of a freed node).
    @inlinable static var noElements: TensorElements { TensorElements(heap: [], bits: 0) }

    /// The inline element.
    @inlinable var inlineValue: Scalar {
        Swift.withUnsafeBytes(of: bits) { $0.load(as: Scalar.self) }
    }

    /// The number of elements.
    @inlinable var count: Int { heap?.count ?? 1 }

    /// The elements as an array (made on demand for an inline element).
    @inlinable var array: [Scalar] { heap ?? [inlineValue] }

    /// The first element; the tensor must have one.
    @inlinable var first: Scalar {
        if let heap { return heap[0] }
        return inlineValue
    }

    /// Calls `body` with the elements in contiguous memory.
    @inlinable
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        if let heap { return try heap.withUnsafeBufferPointer(body) }
        return try Swift.withUnsafePointer(to: inlineValue) { try body(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Calls `body` with the elements for writing in place (an array shared with another tensor
    /// is copied first).
    @inlinable
    mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        // Taken out while it is written, so that it stays uniquely referenced (no copy).
        guard var elements = heap.take() else {
            var value = inlineValue
            defer { self = .one(value) }
            return try Swift.withUnsafeMutablePointer(to: &value) { try body(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        }
        defer { heap = elements }
        return try elements.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// `count` elements written by `fill` (which must write every one): a single element inline,
    /// any other number in a new array.
    @inlinable @inline(__always)
    static func make(count: Int, _ fill: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> TensorElements {
        if count == 1 {
            var value = Scalar.zero
            Swift.withUnsafeMutablePointer(to: &value) { fill(UnsafeMutableBufferPointer(start: $0, count: 1)) }
            return .one(value)
        }
        return .many(Tensor<Scalar>.makeScalars(count: count, fill))
    }
}

extension TensorElements {
    /// Drops the elements a freed tape node kept of an input. An inline element occupies no memory
    /// of its own and stays, except a leaf's: a leaf may be updated in place after the pass, and
    /// the printout of a freed graph must not show its old value as if it were current.
    mutating func dropValues(ofLeaf isLeaf: Bool) {
        if !isInline || isLeaf { self = .noElements }
    }
}

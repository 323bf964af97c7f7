/// The inputs of a tape node, as they were when the op ran. Nearly every op has one or two:
/// those are stored inline, so that recording an op allocates no array for them.
@usableFromInline
struct NodeInputs<Scalar: TensorScalar>: RandomAccessCollection, MutableCollection {
    /// Fills unused inline slots (empty arrays share one empty buffer: nothing is allocated).
    @inlinable static var none: Tensor<Scalar> { Tensor(shape: [], scalars: []) }

    @usableFromInline var first: Tensor<Scalar>
    @usableFromInline var second: Tensor<Scalar>
    /// The inputs after the first two (concatenate, custom ops).
    @usableFromInline var rest: [Tensor<Scalar>]
    /// How many of the two inline slots hold an input (one byte: a node's flags fit after it).
    @usableFromInline let inlineCount: UInt8

    @inlinable var count: Int { inlineCount == 2 ? 2 + rest.count : Int(inlineCount) }

    /// No inputs (a leaf, or a node whose graph was released).
    @inlinable init() {
        (first, second, rest, inlineCount) = (Self.none, Self.none, [], 0)
    }

    /// One input.
    @inlinable init(_ a: Tensor<Scalar>) {
        (first, second, rest, inlineCount) = (a, Self.none, [], 1)
    }

    /// Two inputs.
    @inlinable init(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) {
        (first, second, rest, inlineCount) = (a, b, [], 2)
    }

    /// Any number of inputs.
    @inlinable init(_ tensors: [Tensor<Scalar>]) {
        first = tensors.count > 0 ? tensors[0] : Self.none
        second = tensors.count > 1 ? tensors[1] : Self.none
        rest = tensors.count > 2 ? Array(tensors[2...]) : []
        inlineCount = UInt8(Swift.min(tensors.count, 2))
    }

    /// Drops every input's elements in place, keeping shapes and graph links (a freed node).
    mutating func dropValues() {
        first.dropValues()
        second.dropValues()
        for i in rest.indices { rest[i].dropValues() }
    }

    @inlinable var startIndex: Int { 0 }
    @inlinable var endIndex: Int { count }

    @inlinable
    subscript(position: Int) -> Tensor<Scalar> {
        get {
            require(position >= 0 && position < count, "NodeInputs: input \(position) of \(count)")
            switch position {
            case 0: return first
            case 1: return second
            default: return rest[position - 2]
            }
        }
        set {
            require(position >= 0 && position < count, "NodeInputs: input \(position) of \(count)")
            switch position {
            case 0: first = newValue
            case 1: second = newValue
            default: rest[position - 2] = newValue
            }
        }
    }
}

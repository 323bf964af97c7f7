/// The inputs of an op being recorded. Nearly every op has one or two: those are stored inline,
/// so that recording an op allocates no array for them.
///
/// Not copyable: it is built at the op's call site and moved into the node. (A copyable one was
/// copied several times per op, each time through its generic value witnesses.)
@usableFromInline
struct NodeInputs<Scalar: TensorScalar> {
    /// Fills unused inline slots: a zero, inline (nothing is allocated, and a zero-dimensional
    /// tensor has one element). Never read: the node's input count leaves it out.
    @inlinable static var none: Tensor<Scalar> { Tensor(shape: [], elements: .one(0), node: nil) }

    @usableFromInline let first: Tensor<Scalar>
    @usableFromInline let second: Tensor<Scalar>
    /// The inputs after the first two (concatenate, custom ops).
    @usableFromInline let rest: [Tensor<Scalar>]
    /// How many of the two inline slots hold an input (one byte: a node's flags fit after it).
    @usableFromInline let inlineCount: UInt8

    /// Whether some input is part of a graph (so that the op has something to record).
    @inlinable var anyRecorded: Bool {
        if first.node != nil || second.node != nil { return true }
        for input in rest where input.node != nil { return true }
        return false
    }

    @inlinable var count: Int { inlineCount == 2 ? 2 + rest.count : Int(inlineCount) }

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

    /// Every input, in order (for `checkingNumerics`).
    var all: [Tensor<Scalar>] {
        switch inlineCount {
        case 0: return []
        case 1: return [first]
        default: return [first, second] + rest
        }
    }

    /// The inputs moved out whole, for the node that keeps them.
    @inlinable consuming func take() -> (Tensor<Scalar>, Tensor<Scalar>, [Tensor<Scalar>]) {
        (first, second, rest)
    }
}

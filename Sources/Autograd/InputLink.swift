/// How a tape node reaches one of its first two inputs: through the node that produced it, or,
/// for an input that is not part of a graph, by its shape alone (the node holds its values).
///
/// One word: Swift packs the case into the reference's spare bits.
@usableFromInline
enum InputLink<Scalar: TensorScalar> {
    /// The input is the result of an op on the tape, or a leaf.
    case node(Node<Scalar>)
    /// The input is a constant (no graph link) of this shape.
    case constant(shape: [Int])

    /// The link of `input`.
    @inlinable init(_ input: borrowing Tensor<Scalar>) {
        if let node = input.node { self = .node(node) } else { self = .constant(shape: input.shape) }
    }

    /// The values of `input` (a function, so that a borrowed tensor gives them without being copied whole).
    @inlinable static func values(of input: Tensor<Scalar>) -> TensorElements<Scalar> { input.elements }

    /// The node, if the input is linked.
    @inlinable var node: Node<Scalar>? {
        if case .node(let node) = self { return node }
        return nil
    }

    /// The input's shape (a linked input has its node's).
    @inlinable var shape: [Int] {
        switch self {
        case .node(let node): return node.shape
        case .constant(let shape): return shape
        }
    }

    /// Whether the input has this shape, compared in place.
    @inlinable func hasShape(_ other: [Int]) -> Bool {
        switch self {
        case .node(let node): return node.shape == other
        case .constant(let shape): return shape == other
        }
    }

    /// The input as a tensor, from the values held by the reading node, or else from the output
    /// of the node it links to.
    @inlinable consuming func tensor(held: TensorElements<Scalar>?) -> Tensor<Scalar> {
        // Consuming: the link's reference moves into the tensor (a borrowed link was copied and
        // destroyed again, a retain and release more per input a rule reads).
        switch consume self {
        case .node(let node): return Tensor(shape: node.shape, elements: held ?? node.output, node: node)
        case .constant(let shape): return Tensor(shape: shape, elements: held ?? .noElements, node: nil)
        }
    }

    /// Moves the linked node out (the link is left a constant), so that freeing a long graph
    /// releases nodes one at a time instead of recursively.
    @inlinable mutating func takeNode() -> Node<Scalar>? {
        // The node moved out of the consumed link, not copied from it (one release less per link).
        switch consume self {
        case .node(let node):
            self = .constant(shape: [])
            return node
        case .constant(let shape):
            self = .constant(shape: shape)
            return nil
        }
    }
}

/// A tape node's flags, in one byte of the node.
@usableFromInline
struct NodeFlags: OptionSet, Sendable {
    @usableFromInline var rawValue: UInt8
    @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `release()` freed what the rule needs.
    @inlinable static var released: NodeFlags { NodeFlags(rawValue: 1 << 0) }
    /// Scratch space of the backward walk: the node leads to something that wants a gradient.
    @inlinable static var relevant: NodeFlags { NodeFlags(rawValue: 1 << 1) }
    /// Hooks or a retained gradient hang off the node (see `TensorHooks`).
    @inlinable static var hasHooks: NodeFlags { NodeFlags(rawValue: 1 << 2) }
    /// The node holds the values of input 0 (it is not the output of a node that can give them).
    @inlinable static var holdsInput0: NodeFlags { NodeFlags(rawValue: 1 << 3) }
    /// The node holds the values of input 1.
    @inlinable static var holdsInput1: NodeFlags { NodeFlags(rawValue: 1 << 4) }
    /// Input 0 or 1 is a leaf (whose version the node remembers).
    @inlinable static var leafInput: NodeFlags { NodeFlags(rawValue: 1 << 5) }

    /// These flags with those of `input`, the node's input number `index` (0 or 1).
    ///
    /// An input's values are held unless it is the output of a node that keeps them: a leaf's
    /// values change in place when an optimizer steps, and a released node has dropped its output.
    @inlinable func adding<Scalar>(_ input: Tensor<Scalar>, as index: Int) -> NodeFlags {
        var flags = self
        let holds: Bool
        if let node = input.node {
            let isLeaf = node.leaf != nil
            if isLeaf { flags.insert(.leafInput) }
            holds = isLeaf || node.isReleased
        } else {
            holds = true
        }
        if holds { flags.insert(index == 0 ? .holdsInput0 : .holdsInput1) }
        return flags
    }
}

extension TensorElements {
    /// An inline zero, for a slot nothing reads (allocates nothing).
    @inlinable static var placeholder: TensorElements { TensorElements(heap: nil, bits: 0) }
}

import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a derivative rule is given: the gradient flowing into the op's output, the op's
/// inputs and output (linked to the graph, so that the rule's own ops are recorded under
/// `createGraph`), and which inputs need a gradient at all.
///
/// Nothing in it needs destroying: the upstream gradient and the flags are read in place, from the
/// walk that runs the rule (and outlives the call). A context holding them by value was destroyed
/// after every rule through its generic value witnesses, about a hundred instructions per op.
@usableFromInline
struct RuleContext<Scalar: TensorScalar> {
    @usableFromInline let upstreamInWalk: UnsafePointer<Tensor<Scalar>>
    @usableFromInline let flagsInWalk: UnsafePointer<InputFlags>
    @usableFromInline let inputs: RuleInputs<Scalar>
    /// The gradient flowing into the op's output (∂L/∂output).
    @inlinable var upstream: Tensor<Scalar> { upstreamInWalk.pointee }
    /// Which inputs need a gradient (a rule may skip the others and return `nil` for them).
    @inlinable var needsGradient: InputFlags { flagsInWalk.pointee }
    /// Whether the output is linked to its node (under `createGraph`, so that rules reading it
    /// are differentiated through it).
    @usableFromInline let linksOutput: Bool

    /// The shape of input `i` (read in place: `c.inputs[i].shape` copies the input tensor first,
    /// three references retained and released).
    @inlinable func inputShape(_ i: Int) -> [Int] { inputs.node.inputShape(i) }

    /// `gradient` summed over the axes along which input `i` was broadcast, to input `i`'s shape:
    /// `gradient.sum(toShape: inputShape(i))`, with the shapes compared in place (reading
    /// `inputShape(i)` copies the shape: the usual case, no broadcast, then costs nothing).
    @inlinable func sum(_ gradient: Tensor<Scalar>, toInput i: Int) -> Tensor<Scalar> {
        if inputs.node.input(i, hasShape: gradient._shape) { return gradient }
        return gradient.sumBroadcastAxes(toShape: inputShape(i))
    }

    /// The op's output (made when a rule asks: most rules read only the upstream gradient and the inputs).
    @inlinable var output: Tensor<Scalar> {
        Tensor(shape: inputs.node.shape, elements: inputs.node.output, node: linksOutput ? inputs.node : nil)
    }

    init(upstream: UnsafePointer<Tensor<Scalar>>, node: Node<Scalar>, linksOutput: Bool,
         needsGradient: UnsafePointer<InputFlags>) {
        (upstreamInWalk, inputs, self.linksOutput, flagsInWalk) = (upstream, RuleInputs(node: node), linksOutput, needsGradient)
    }

    /// Runs `rule` of `node` with the upstream gradient `upstream` and the flags `needs`.
    @inline(__always)
    static func run(_ rule: DerivativeRule<Scalar>, of node: Node<Scalar>, upstream: Tensor<Scalar>, needs: InputFlags,
                    linksOutput: Bool) -> InputGradients<Scalar> {
        withUnsafePointer(to: upstream) { upstream in
            withUnsafePointer(to: needs) { needs in
                rule(RuleContext(upstream: upstream, node: node, linksOutput: linksOutput, needsGradient: needs))
            }
        }
    }
}

/// The inputs of the node whose rule is running, read in place: a rule reads one or two of
/// them, and copying the node's whole input list for each rule was a tenth of a small op's cost.
@usableFromInline
struct RuleInputs<Scalar: TensorScalar>: RandomAccessCollection {
    // The backward walk holds the node for as long as its rule runs, and a rule's context does
    // not outlive the call.
    @usableFromInline unowned(unsafe) let node: Node<Scalar>

    init(node: Node<Scalar>) { self.node = node }

    @inlinable var startIndex: Int { 0 }
    @inlinable var endIndex: Int { node.inputCount }
    @inlinable subscript(position: Int) -> Tensor<Scalar> { node.input(position) }
}

/// A flag per input of an op (which inputs need a gradient): bits, not an array, for the
/// usual one or two inputs.
@usableFromInline
struct InputFlags {
    @usableFromInline var bits: UInt64 = 0
    /// Flags of inputs beyond the 64th (concatenating many tensors); `nil` for 64 inputs or fewer
    /// (rather than Swift's shared empty array: see `TensorElements.heap`).
    @usableFromInline var beyond: [Bool]?

    init(count: Int) {
        beyond = count > 64 ? [Bool](repeating: false, count: count - 64) : nil
    }

    @inlinable
    subscript(index: Int) -> Bool {
        get { index < 64 ? bits & (1 << UInt64(index)) != 0 : flagBeyond(index) }
        set {
            if index >= 64 { setBeyond(index, newValue); return }
            if newValue { bits |= 1 << UInt64(index) } else { bits &= ~(1 << UInt64(index)) }
        }
    }

    // Apart, so that the common path stays small.
    @usableFromInline @inline(never)
    mutating func setBeyond(_ index: Int, _ value: Bool) {
        guard var flags = beyond.take() else { trap("InputFlags: no input \(index) among 64") }
        flags[index - 64] = value
        beyond = flags
    }

    @usableFromInline @inline(never)
    func flagBeyond(_ index: Int) -> Bool {
        guard let beyond else { trap("InputFlags: no input \(index) among 64") }
        return beyond[index - 64]
    }
}

/// A vector-Jacobian product: given the upstream gradient, the gradient for each input
/// (`nil` where the input needs none). Written with differentiable tensor ops only.
@usableFromInline
typealias DerivativeRule<Scalar: TensorScalar> = (RuleContext<Scalar>) -> InputGradients<Scalar>

/// What a derivative rule returns: one gradient per input of its op, `nil` where none is needed.
///
/// The first two are held inline: nearly every op has one or two inputs, and an array for them
/// (allocated by the rule, destroyed by the walk through generic value witnesses) cost more than
/// the rest of a scalar op's backward step.
@usableFromInline
struct InputGradients<Scalar: TensorScalar> {
    @usableFromInline let first: Tensor<Scalar>?
    @usableFromInline let second: Tensor<Scalar>?
    /// The gradients after the first two (ops of three inputs or more); `nil` for fewer (rather
    /// than Swift's shared empty array: see `TensorElements.heap`).
    @usableFromInline let rest: [Tensor<Scalar>?]?
    /// How many gradients there are (one per input).
    @usableFromInline let count: Int

    @inlinable init(first: Tensor<Scalar>?, second: Tensor<Scalar>?, rest: [Tensor<Scalar>?]?, count: Int) {
        (self.first, self.second, self.rest, self.count) = (first, second, rest, count)
    }

    @inlinable static func gradients(_ a: Tensor<Scalar>?) -> InputGradients {
        InputGradients(first: a, second: nil, rest: nil, count: 1)
    }

    @inlinable static func gradients(_ a: Tensor<Scalar>?, _ b: Tensor<Scalar>?) -> InputGradients {
        InputGradients(first: a, second: b, rest: nil, count: 2)
    }

    @inlinable static func gradients(_ a: Tensor<Scalar>?, _ b: Tensor<Scalar>?, _ c: Tensor<Scalar>?) -> InputGradients {
        InputGradients(first: a, second: b, rest: [c], count: 3)
    }

    /// The gradients from an array built by the rule.
    @inlinable init(_ gradients: [Tensor<Scalar>?]) {
        switch gradients.count {
        case 0: self.init(first: nil, second: nil, rest: nil, count: 0)
        case 1: self.init(first: gradients[0], second: nil, rest: nil, count: 1)
        case 2: self.init(first: gradients[0], second: gradients[1], rest: nil, count: 2)
        default: self.init(first: gradients[0], second: gradients[1], rest: Array(gradients[2...]), count: gradients.count)
        }
    }

    /// The gradient for input `index`.
    @inlinable subscript(index: Int) -> Tensor<Scalar>? {
        switch index {
        case 0: return first
        case 1: return second
        default: return rest?[index - 2] ?? nil
        }
    }
}

/// One entry of the tape: an op that ran while recording, with what its rule needs.
@usableFromInline
final class Node<Scalar: TensorScalar> {
    /// The op's name, as printed on the tape ("matmul", "relu", "leaf").
    @usableFromInline var op: String { opName.string }
    @usableFromInline let opName: OpName
    /// The op's settings, as printed on the tape ("axes: [1]"); empty when it has none.
    /// Formatted only when printed: most tapes are never printed. The formatter is kept in the
    /// extras, made only for the ops that have settings.
    var attributes: String { extras?.describeAttributes?() ?? "" }
    // A node's mutable state is read and written by one thread at a time (the one that recorded
    // it, or the one running its backward pass), never while another access is in progress: the
    // run-time exclusivity checks on these fields (a quarter of the cost of a small op's backward
    // step) are turned off field by field.

    // The first two inputs, as links: an input that is another op's result is reached through
    // that op's node, whose output holds the values it had when this op ran (a tensor linked to
    // a node is never changed in place while it stays linked: `assign` cuts a result off its node).
    // Only the values of an input that is not such a result (a constant, a leaf, which optimizers
    // update in place, or the result of a released node) are held here: for a chain of ops that
    // is one value or none per node instead of two whole tensors, 32 bytes of every node and three
    // references retained and released per input.
    // Inputs after the second (concatenate, three-input norms, custom ops) are in `extras`, whole.
    @usableFromInline @exclusivity(unchecked) var link0: InputLink<Scalar>
    @usableFromInline @exclusivity(unchecked) var link1: InputLink<Scalar>
    /// The inputs after the first two.
    @inlinable var moreInputs: [Tensor<Scalar>] { extras?.moreInputs ?? [] }
    /// How many inputs the op has (0 for a leaf and for a node whose graph was released).
    @inlinable var inputCount: Int { storedInputCount < .max ? Int(storedInputCount) : 2 + moreInputs.count }
    /// The node's number (`id`, 48 bits), its flags and its input count (up to 254, the largest
    /// counted by `moreInputs`), in one word of the node.
    @usableFromInline @exclusivity(unchecked) var numberFlagsAndCount: UInt64
    /// How many inputs the op has, up to 254 (255: more, counted by `moreInputs`).
    @inlinable var storedInputCount: UInt8 {
        get { UInt8(truncatingIfNeeded: numberFlagsAndCount) }
        set { numberFlagsAndCount = numberFlagsAndCount & ~0xFF | UInt64(newValue) }
    }
    /// The node's flags (see `NodeFlags`).
    @inlinable var flags: NodeFlags {
        get { NodeFlags(rawValue: UInt8(truncatingIfNeeded: numberFlagsAndCount >> 8)) }
        set { numberFlagsAndCount = numberFlagsAndCount & ~0xFF00 | UInt64(newValue.rawValue) << 8 }
    }
    /// Position on this thread's tape: nodes recorded later have larger ids.
    @inlinable var id: Int { Int(truncatingIfNeeded: numberFlagsAndCount >> 16) }
    /// Ids are below this (48 bits: see `nextNodeID`).
    @usableFromInline static var idLimit: Int { 1 << 48 }
    @inlinable static func packed(id: Int, flags: NodeFlags, count: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: id) << 16 | UInt64(flags.rawValue) << 8 | UInt64(Swift.min(count, Int(UInt8.max)))
    }

    /// The inputs as they were when the op ran (a copy, for the inspection tools).
    var inputs: [Tensor<Scalar>] { (0..<inputCount).map(input) }

    /// The shape of input `i`, read without copying the input.
    @inlinable func inputShape(_ i: Int) -> [Int] {
        switch i {
        case 0: return link0.shape
        case 1: return link1.shape
        default: return moreInputs[i - 2].shape
        }
    }

    /// Whether input `i` has this shape, compared in place (``inputShape(_:)`` copies it).
    @inlinable func input(_ i: Int, hasShape shape: [Int]) -> Bool {
        switch i {
        case 0: return link0.hasShape(shape)
        case 1: return link1.hasShape(shape)
        default: return moreInputs[i - 2].shape == shape
        }
    }

    /// Input `i` as it was when the op ran.
    @inlinable func input(_ i: Int) -> Tensor<Scalar> {
        switch i {
        case 0: return link0.tensor(held: flags.contains(.holdsInput0) ? held : nil)
        case 1: return link1.tensor(held: flags.contains(.holdsInput1) ? heldOfInput1 : nil)
        default: return moreInputs[i - 2]
        }
    }

    /// The held values of input 1 (in `held`, or in `extras` when input 0's are held too).
    @inlinable var heldOfInput1: TensorElements<Scalar> {
        if !flags.contains(.holdsInput0) { return held }
        guard let extras else { trap("tape node of '\(op)': the values of its second input are missing") }
        return extras.heldOfInput1
    }

    /// The graph link of input `i`, without copying its values.
    @inlinable func inputNode(_ i: Int) -> Node<Scalar>? {
        switch i {
        case 0: return link0.node
        case 1: return link1.node
        default: return moreInputs[i - 2].node
        }
    }

    /// Whether the values of a linked input `i` are its node's output (not held by this node).
    @inlinable func readsOutput(ofInput i: Int) -> Bool {
        switch i {
        case 0: return !flags.contains(.holdsInput0)
        case 1: return !flags.contains(.holdsInput1)
        default: return false
        }
    }

    /// Whether the values of input `i`, linked to `input`, were to be read from that node's output
    /// and are gone: it was released by an earlier backward pass through another graph. (This
    /// node's own flag is read first: a leaf, shared with other threads, is never asked.)
    @inlinable func readsFreedOutput(ofInput i: Int, linkedTo input: Node<Scalar>) -> Bool {
        readsOutput(ofInput: i) && input.isReleased && !input.output.isInline
    }

    /// The first input whose values were to be read from its node's output but are gone (see
    /// `readsFreedOutput(ofInput:linkedTo:)`). `nil` when all are there.
    func inputWithFreedValues() -> Node<Scalar>? {
        for i in 0..<Swift.min(inputCount, 2) {
            if let input = inputNode(i), readsFreedOutput(ofInput: i, linkedTo: input) { return input }
        }
        return nil
    }

    /// Whether `release()` freed what the rule needs.
    @inlinable var isReleased: Bool {
        get { flags.contains(.released) }
        set { if newValue { flags.insert(.released) } else { flags.remove(.released) } }
    }
    /// Scratch space of the backward walk (a graph is walked by one thread at a time).
    @inlinable var isRelevant: Bool {
        get { flags.contains(.relevant) }
        set { if newValue { flags.insert(.relevant) } else { flags.remove(.relevant) } }
    }
    /// Whether hooks or a retained gradient hang off this node (in `TensorHooks`' table, kept
    /// there so that nodes without them, nearly all, stay small).
    @inlinable var hasHooks: Bool {
        get { flags.contains(.hasHooks) }
        set { if newValue { flags.insert(.hasHooks) } else { flags.remove(.hasHooks) } }
    }
    /// Scratch space of the graph walks: where the gradient pending for this node waits in the
    /// backward walk's own storage (a gradient field on every node cost 24 bytes per op for a
    /// value held only between a node's first contribution and its rule), or the node's place in
    /// a listing walk. A walk also tells its own nodes by it (see `PendingGradients`), so a node
    /// needs no visit mark.
    @usableFromInline @exclusivity(unchecked) var pendingSlot: UInt32 = 0
    /// The version a leaf input had when the op ran (`LeafState.version`), so that backward can
    /// refuse a rule whose leaf was changed in place since: that of the input whose values are
    /// in `held` (a leaf's are held); of a leaf input 1 beside a held input 0, and of inputs after
    /// the second, in `extras`.
    @usableFromInline @exclusivity(unchecked) var heldVersion: Int32 = 0
    /// The values of the first of the two inputs whose values this node holds (see `link0`); an
    /// inline zero when it holds none.
    @usableFromInline @exclusivity(unchecked) var held: TensorElements<Scalar>
    /// What few nodes have (a leaf's state, inputs after the second and their versions, a call
    /// stack, a recorded leaf update), apart, so that every other node is smaller.
    @usableFromInline @exclusivity(unchecked) var extras: NodeExtras<Scalar>?
    /// Made by a compound assignment (`w -= …`) on a leaf while recording (see `Tensor.update`).
    var isRecordedLeafUpdate: Bool {
        get { extras?.isRecordedLeafUpdate ?? false }
        set { madeExtras.isRecordedLeafUpdate = newValue }
    }
    /// Where the op was called, recorded only inside `checkingNumerics` (for its report).
    var callStack: [String]? {
        get { extras?.callStack }
        set { madeExtras.callStack = newValue }
    }
    private var madeExtras: NodeExtras<Scalar> {
        if let extras { return extras }
        let made = NodeExtras<Scalar>(leaf: nil)
        extras = made
        return made
    }
    /// The output's elements, kept for rules that read them (exp, tanh, softmax, …).
    @usableFromInline @exclusivity(unchecked) var output: TensorElements<Scalar>
    @usableFromInline let shape: [Int]
    @usableFromInline @exclusivity(unchecked) var rule: DerivativeRule<Scalar>?
    /// What only a leaf has (most nodes are not leaves: kept in `extras` to keep nodes small).
    @inlinable var leaf: LeafState<Scalar>? { extras?.leaf }
    var isLeaf: Bool { leaf != nil }
    /// For leaves: the gradient accumulated by `backward`.
    var grad: Tensor<Scalar>? {
        get { leaf != nil ? leaf?.grad : (hasHooks ? TensorHooks.state(of: self)?.retainedGrad : nil) }
        set {
            if leaf != nil { leaf?.grad = newValue } else if hasHooks { TensorHooks.state(of: self)?.retainedGrad = newValue }
        }
    }
    /// For leaves: the name given by the user, for printing.
    var label: String? {
        get { leaf?.label }
        set { leaf?.label = newValue }
    }
    /// For leaves: how many times the values were replaced in place (`assign`, `-=`, an optimizer step).
    var version: Int32 { leaf?.version ?? 0 }
    func bumpVersion() { leaf?.version &+= 1 }

    /// The version input `index` had when the op ran.
    func recordedVersion(ofInput index: Int) -> Int32 {
        switch index {
        case 0: return heldVersion
        case 1: return flags.contains(.holdsInput0) ? extras?.versionOfInput1 ?? 0 : heldVersion
        default:
            guard let more = extras?.moreLeafVersions, index - 2 < more.count else { return 0 }
            return more[index - 2]
        }
    }

    /// Whether an input is a leaf (whose version the node must remember).
    @inlinable var hasLeafInput: Bool {
        flags.contains(.leafInput) || (storedInputCount > 2 && hasLeafAmongMoreInputs)
    }

    // Apart, so that `hasLeafInput` stays small in the op's code.
    @usableFromInline @inline(never) var hasLeafAmongMoreInputs: Bool {
        guard let more = extras?.moreInputs else { return false }
        for input in more where input.node?.leaf != nil { return true }
        return false
    }

    /// Remembers the current version of every leaf input (called once, when the op is recorded).
    func recordLeafVersions() {
        for i in 0..<inputCount {
            guard let input = inputNode(i), input.isLeaf else { continue }
            switch i {
            case 0: heldVersion = input.version
            case 1:
                if flags.contains(.holdsInput0) { madeExtras.versionOfInput1 = input.version } else { heldVersion = input.version }
            default:
                if madeExtras.moreLeafVersions.isEmpty {
                    madeExtras.moreLeafVersions = [Int32](repeating: 0, count: inputCount - 2)
                }
                madeExtras.moreLeafVersions[i - 2] = input.version
            }
        }
    }

    /// An op's node: its rule and what the rule reads.
    @inlinable
    convenience init(op: OpName, attributes: (() -> String)?, inputs: consuming NodeInputs<Scalar>,
                     output: TensorElements<Scalar>, shape: [Int], rule: @escaping DerivativeRule<Scalar>, id: Int) {
        let count = inputs.count
        let (first, second, more) = inputs.take()
        self.init(op: op, attributes: attributes, first: first, second: second, count: count, more: more, output: output,
                  shape: shape, rule: rule, id: id)
    }

    /// An op's node, from its inputs: the first two (`count` of them are inputs, the others fill
    /// the slots) and the rest. The first two are borrowed: only their links, and the values of
    /// those the node holds, are copied.
    @inlinable
    init(op: OpName, attributes: (() -> String)?, first: borrowing Tensor<Scalar>, second: borrowing Tensor<Scalar>,
         count: Int, more: consuming [Tensor<Scalar>], output: TensorElements<Scalar>, shape: [Int],
         rule: @escaping DerivativeRule<Scalar>, id: Int) {
        self.opName = op
        var flags = NodeFlags()
        if count > 0 {
            self.link0 = InputLink(first)
            flags = flags.adding(first, as: 0)
        } else {
            self.link0 = .constant(shape: [])
        }
        if count > 1 {
            self.link1 = InputLink(second)
            flags = flags.adding(second, as: 1)
        } else {
            self.link1 = .constant(shape: [])
        }
        self.numberFlagsAndCount = Node.packed(id: id, flags: flags, count: count)
        self.held = flags.contains(.holdsInput0) ? InputLink.values(of: first)
            : flags.contains(.holdsInput1) ? InputLink.values(of: second) : .placeholder
        self.output = output
        self.shape = shape
        self.rule = rule
        // `count`, not `more.isEmpty`: in unspecialised code (a generic layer's op) `isEmpty` is
        // Collection's, reached through the array type's metadata on every op.
        // Both held (a constant or a leaf with another): input 1's values go to the extras.
        let bothHeld = flags.contains([.holdsInput0, .holdsInput1])
        if count > 2 || bothHeld || attributes != nil {
            self.extras = NodeExtras.make(more: count > 2 ? more : [],
                                          heldOfInput1: bothHeld ? InputLink.values(of: second) : nil, attributes: attributes)
        } else {
            self.extras = nil
        }
    }

    /// A leaf: a tensor whose gradient `backward` stores.
    init(leafOfShape shape: [Int], label: String?) {
        self.opName = "leaf"
        self.link0 = .constant(shape: [])
        self.link1 = .constant(shape: [])
        self.numberFlagsAndCount = Node.packed(id: nextNodeID(), flags: NodeFlags(), count: 0)
        self.held = .placeholder
        self.output = .noElements
        self.shape = shape
        self.rule = nil
        self.extras = NodeExtras(leaf: LeafState(label: label))
    }

    deinit {
        if hasHooks { TensorHooks.forget(self) }
        // The deinit of a generic class runs unspecialised: hand the work to code compiled
        // for the concrete scalar type.
        if inputCount > 0 { Scalar.kernels.releaseGraph(self) }
    }

    /// Releases the nodes only this one keeps alive, iteratively: a recursive release of a
    /// graph of a million nodes would overflow the stack.
    func releaseGraph() {
        var pending: [Node] = []
        takeInputLinks(into: &pending)
        var freed = 1
        while var next = pending.popLast() {
            if isKnownUniquelyReferenced(&next) {
                next.takeInputLinks(into: &pending)
                freed += 1
            }
        }
        if freed >= Allocator.returnThreshold { Allocator.returnMemory(afterFreeing: freed) }
    }

    /// Moves the inputs' graph links to `pending` (without copying them: each is taken out of
    /// its input, which is left cut off), so that this node's deinit releases none of them.
    private func takeInputLinks(into pending: inout [Node]) {
        if storedInputCount == 0 { return }
        if let node = link0.takeNode() { pending.append(node) }
        if storedInputCount > 1, let node = link1.takeNode() { pending.append(node) }
        if storedInputCount > 2 { takeMoreInputLinks(into: &pending) }
        storedInputCount = 0
    }

    // Apart, so that `takeInputLinks` stays small enough to be inlined into the freeing loop.
    @inline(never)
    private func takeMoreInputLinks(into pending: inout [Node]) {
        guard let extras else { return }
        for i in extras.moreInputs.indices { if let node = extras.moreInputs[i].node.take() { pending.append(node) } }
    }

    /// Frees what the rule would have needed; a later backward through this node fails clearly.
    func release() {
        // Input 1's held values are in `held` unless input 0's are (see `heldOfInput1`).
        if flags.contains(.holdsInput0) { held.dropValues(ofLeaf: link0.node?.isLeaf == true) }
        if flags.contains(.holdsInput1) {
            let isLeaf = link1.node?.isLeaf == true
            if flags.contains(.holdsInput0) { extras?.heldOfInput1.dropValues(ofLeaf: isLeaf) } else { held.dropValues(ofLeaf: isLeaf) }
        }
        if let extras { for i in extras.moreInputs.indices { extras.moreInputs[i].dropValues() } }
        if !output.isInline { output = .noElements }
        rule = nil
        isReleased = true
    }

}

/// What only a few nodes have (see `Node.extras`).
@usableFromInline
final class NodeExtras<Scalar: TensorScalar> {
    /// A leaf's state (gradient, name, version).
    @usableFromInline let leaf: LeafState<Scalar>?
    /// The inputs after the first two, as they were when the op ran (see `Node.link0`).
    @usableFromInline var moreInputs: [Tensor<Scalar>]
    /// The version of a leaf input 1 beside a held input 0 (see `Node.heldVersion`).
    var versionOfInput1: Int32 = 0
    /// The versions of leaf inputs after the first two (see `Node.heldVersion`).
    var moreLeafVersions: [Int32] = []
    /// Where the op was called, recorded only inside `checkingNumerics`.
    var callStack: [String]?
    /// Made by a compound assignment on a leaf while recording (see `Tensor.update`).
    var isRecordedLeafUpdate = false
    /// The values of input 1 when the node holds those of input 0 too (see `Node.link0`).
    @usableFromInline var heldOfInput1: TensorElements<Scalar>
    /// Formats the op's settings (see `Node.attributes`).
    let describeAttributes: (() -> String)?

    /// The extras of an op's node (apart, so that the op's inlined recording code stays small
    /// enough for the op itself to be inlined into its callers).
    @usableFromInline @inline(never)
    static func make(more: [Tensor<Scalar>], heldOfInput1: TensorElements<Scalar>?, attributes: (() -> String)?) -> NodeExtras {
        NodeExtras(leaf: nil, moreInputs: more, heldOfInput1: heldOfInput1 ?? .placeholder, describeAttributes: attributes)
    }
    @usableFromInline init(leaf: LeafState<Scalar>?, moreInputs: [Tensor<Scalar>] = [],
                           heldOfInput1: TensorElements<Scalar> = .placeholder, describeAttributes: (() -> String)? = nil) {
        (self.leaf, self.moreInputs, self.heldOfInput1) = (leaf, moreInputs, heldOfInput1)
        self.describeAttributes = describeAttributes
    }
}

/// The state only a leaf node has.
@usableFromInline
final class LeafState<Scalar: TensorScalar> {
    var grad: Tensor<Scalar>?
    var label: String?
    var version: Int32 = 0
    init(label: String?) { self.label = label }
}

/// Per-thread recording state: whether recording is on, and the id counter of the tape.
/// Each thread (and so each task, while it runs on a thread) records on its own tape.
final class ThreadTape {
    /// How many scopes without recording enclose this thread's code (kept in a C thread-local,
    /// which every op reads: see `ck_recording_disabled_depth`).
    var disabledDepth: Int {
        get { ck_recording_disabled_depth() }
        set { ck_set_recording_disabled_depth(newValue) }
    }
    // Only this thread reads and writes its tape state: no run-time exclusivity checks.
    /// How many backward walks are running on this thread (more than one: a hook started another).
    @exclusivity(unchecked) var walksInProgress = 0
    /// Depth of nested `checkingNumerics` scopes on this thread, and the first incident seen.
    @exclusivity(unchecked) var numericsDepth = 0
    var numericsIncident: NumericsError?
    /// The file and line of the outermost open `checkingNumerics` scope on this thread.
    var numericsScope: String?
    /// The op whose derivative rule is running, while backward runs one.
    var backwardOf: String?
    /// Where the forward op whose rule is running was called (recorded inside `checkingNumerics`).
    var backwardOfCallStack: [String]?

    /// How many nodes the longest graph freed lately on this thread had, and how many times freeing
    /// one handed memory back to the system (see `Allocator.returnMemory(afterFreeing:)`).
    @exclusivity(unchecked) var longestGraphFreed = 0
    @exclusivity(unchecked) var memoryReturns = 0

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<ThreadTape>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<ThreadTape>.fromOpaque(pointer).release() }
            #endif
        }
        require(status == 0, "could not create the thread-local tape key")
        return key
    }()

    /// Whether this thread records (every recorded op asks).
    static var isRecordingOnThisThread: Bool { ck_recording_disabled_depth() == 0 }

    /// This thread's tape state, created on first use.
    static var current: ThreadTape {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ThreadTape>.fromOpaque(raw).takeUnretainedValue()
        }
        let tape = ThreadTape()
        pthread_setspecific(key, Unmanaged.passRetained(tape).toOpaque())
        return tape
    }
}

/// The next node number. Numbers increase across all threads (a node recorded after another
/// has a larger one, even when the graph was handed from thread to thread), which makes
/// decreasing numbers a topological order for the backward pass.
@usableFromInline func nextNodeID() -> Int {
    let id = ck_next_node_id()
    // 2⁴⁸ nodes: years of recording at the fastest rate; a number past it would break the order
    // backward relies on, so the process stops instead.
    if id >= Node<Float>.idLimit { trap("tape: 2^48 nodes have been numbered in this process; node numbers would wrap") }
    return id
}

/// Whether some thread is inside a `checkingNumerics` scope (which inspects every op, recorded or not).
@usableFromInline func numericsCheckingAnywhere() -> Bool { NumericsCheck.anyScopeActive }

/// Runs `body` with recording off on this thread: ops on tensors that require gradients
/// produce plain tensors. Use it for parameter updates and for computing values you will not
/// differentiate.
///
/// It does not change the learning phase: a `Dropout` layer called inside still drops. To
/// evaluate a model, use `withInference { model(x) }` (module `Layers`), which also switches
/// to the inference phase.
///
/// ```swift
/// let value = withoutGradients { (x.exp() + 1).log() }
/// ```
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    let tape = ThreadTape.current
    tape.disabledDepth += 1
    defer { tape.disabledDepth -= 1 }
    return try body()
}

/// Whether ops on this thread are being recorded (false inside ``withoutGradients(_:)``).
public var isRecordingGradients: Bool { ThreadTape.isRecordingOnThisThread }

func withRecording<T>(_ enabled: Bool, _ body: () throws -> T) rethrows -> T {
    let tape = ThreadTape.current
    let saved = tape.disabledDepth
    tape.disabledDepth = enabled ? 0 : max(saved, 1)
    defer { tape.disabledDepth = saved }
    return try body()
}

extension Tensor {
    /// Records the op that produced `shape`/`scalars` from `inputs`, when recording is on and
    /// some input requires gradients; otherwise returns a plain tensor. Every op calls this once,
    /// with its derivative rule; an op with settings passes them as `attributes` (the overloads
    /// below), formatted only if the tape is printed.
    @inlinable
    static func record(_ op: OpName, inputs: consuming NodeInputs<Scalar>,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        recordInputs(op, nil, inputs: inputs, shape: shape, elements: .many(scalars), rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op with settings.
    @inlinable
    static func record(_ op: OpName, _ attributes: @autoclosure @escaping () -> String, inputs: consuming NodeInputs<Scalar>,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        recordInputs(op, attributes, inputs: inputs, shape: shape, elements: .many(scalars), rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of one input.
    @inlinable
    static func record(_ op: OpName, input a: Tensor,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        record(op, input: a, shape: shape, elements: .many(scalars), rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of one input, from elements as stored.
    @inlinable
    static func record(_ op: OpName, input a: Tensor,
                       shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        // Checked first: every op on plain tensors (the rules' own ops without createGraph,
        // inference) leaves here.
        if a.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, elements: elements, node: nil) }
        return recordInputs(op, nil, a, NodeInputs.none, count: 1, shape: shape, elements: elements, rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of one input with settings.
    @inlinable
    static func record(_ op: OpName, _ attributes: @autoclosure @escaping () -> String, input a: Tensor,
                       shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        if a.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, elements: elements, node: nil) }
        return recordInputs(op, attributes, a, NodeInputs.none, count: 1, shape: shape, elements: elements, rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of one input with settings.
    @inlinable
    static func record(_ op: OpName, _ attributes: @autoclosure @escaping () -> String, input a: Tensor,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        if a.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, scalars: scalars, node: nil) }
        return recordInputs(op, attributes, a, NodeInputs.none, count: 1, shape: shape, elements: .many(scalars), rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of two inputs.
    @inlinable
    static func record(_ op: OpName, inputs a: Tensor, _ b: Tensor,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        record(op, inputs: a, b, shape: shape, elements: .many(scalars), rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of two inputs, from elements as stored.
    @inlinable
    static func record(_ op: OpName, inputs a: Tensor, _ b: Tensor,
                       shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        if a.node == nil && b.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, elements: elements, node: nil) }
        return recordInputs(op, nil, a, b, count: 2, shape: shape, elements: elements, rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of two inputs with settings.
    @inlinable
    static func record(_ op: OpName, _ attributes: @autoclosure @escaping () -> String, inputs a: Tensor, _ b: Tensor,
                       shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        if a.node == nil && b.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, elements: elements, node: nil) }
        return recordInputs(op, attributes, a, b, count: 2, shape: shape, elements: elements, rule: rule)
    }

    /// ``record(_:inputs:shape:scalars:rule:)`` for an op of two inputs with settings.
    @inlinable
    static func record(_ op: OpName, _ attributes: @autoclosure @escaping () -> String, inputs a: Tensor, _ b: Tensor,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        if a.node == nil && b.node == nil && !numericsCheckingAnywhere() { return Tensor(shape: shape, scalars: scalars, node: nil) }
        return recordInputs(op, attributes, a, b, count: 2, shape: shape, elements: .many(scalars), rule: rule)
    }

    // Apart, so that the inlined common path stays small.
    @usableFromInline @inline(never)
    static func recordChecked(_ op: OpName, _ attributes: (() -> String)?, _ a: Tensor, _ b: Tensor, count: Int,
                              shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        Scalar.kernels.record(op, attributes, count == 1 ? NodeInputs(a) : NodeInputs(a, b), shape, elements, rule)
    }

    /// `record`'s body for an op of many inputs.
    @inlinable
    static func recordInputs(_ op: OpName, _ attributes: (() -> String)?, inputs: consuming NodeInputs<Scalar>,
                             shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        // Nearly every op on plain tensors (inference, the rules' own ops without createGraph)
        // leaves here, before building anything for the tape.
        let checkingNumerics = numericsCheckingAnywhere()
        if !checkingNumerics && (!inputs.anyRecorded || !isRecordingGradients) {
            return Tensor(shape: shape, elements: elements, node: nil)
        }
        guard !checkingNumerics else {
            return Scalar.kernels.record(op, attributes, inputs, shape, elements, rule)
        }
        // The common case is built here, in the caller's specialised code: handing the inputs
        // and the rule through the kernel table's closure copied them through generic witnesses.
        let node = Node(op: op, attributes: attributes, inputs: inputs, output: elements, shape: shape, rule: rule,
                        id: nextNodeID())
        if node.hasLeafInput { Scalar.kernels.recordLeafVersions(node) }
        return Tensor(shape: shape, elements: elements, node: node)
    }

    /// `record`'s body for an op of one input (`b` unused, `count` 1) or two, which are borrowed:
    /// the node copies only what it keeps of them.
    @inlinable
    static func recordInputs(_ op: OpName, _ attributes: (() -> String)?, _ a: Tensor, _ b: Tensor, count: Int,
                             shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        let checkingNumerics = numericsCheckingAnywhere()
        // A rule's own ops on its linked inputs (recording is off without createGraph) leave here.
        if !checkingNumerics && !isRecordingGradients { return Tensor(shape: shape, elements: elements, node: nil) }
        guard !checkingNumerics else {
            return recordChecked(op, attributes, a, b, count: count, shape: shape, elements: elements, rule: rule)
        }
        let node = Node(op: op, attributes: attributes, first: a, second: b, count: count, more: [], output: elements,
                        shape: shape, rule: rule, id: nextNodeID())
        if node.hasLeafInput { Scalar.kernels.recordLeafVersions(node) }
        return Tensor(shape: shape, elements: elements, node: node)
    }

    /// `record`'s path inside a `checkingNumerics` scope (recording on or off), compiled for the
    /// concrete scalar type (reached through ``Kernels``): it inspects every op's values and keeps
    /// the call stack of the ops it records.
    static func recordNode(_ op: OpName, _ attributes: (() -> String)?, inputs: consuming NodeInputs<Scalar>,
                           shape: [Int], elements: TensorElements<Scalar>, rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        let checking = NumericsCheck.anyScopeActive && NumericsCheck.isActiveOnThisThread
        if checking {
            NumericsCheck.inspect(op.string, attributes?() ?? "", inputs: inputs.all, shape: shape, scalars: elements.array)
        }
        guard inputs.anyRecorded else { return Tensor(shape: shape, elements: elements, node: nil) }
        guard ThreadTape.isRecordingOnThisThread else { return Tensor(shape: shape, elements: elements, node: nil) }
        let node = Node(op: op, attributes: attributes, inputs: inputs, output: elements, shape: shape,
                        rule: rule, id: nextNodeID())
        node.recordLeafVersions()
        if checking { node.callStack = NumericsCheck.callStack() }
        return Tensor(shape: shape, elements: elements, node: node)
    }

    /// Whether this tensor is part of a graph (a leaf made with ``requiringGrad(named:)``
    /// or the result of a recorded op).
    public var requiresGrad: Bool { node != nil }

    /// Whether this tensor is a leaf of the graph (its gradient is stored in ``grad``).
    public var isLeaf: Bool { node?.isLeaf ?? false }

    /// A copy of this tensor that is a new leaf of the graph: ops on it are recorded and
    /// `backward()` stores its gradient in ``grad``. The name appears on the printed tape.
    ///
    /// ```swift
    /// let x = Tensor<Double>(3).requiringGrad(named: "x")
    /// ```
    public func requiringGrad(named name: String? = nil) -> Tensor {
        Tensor(shape: shape, elements: elements, node: Node(leafOfShape: shape, label: name))
    }

    /// The same values cut off from the graph: no gradient flows through the result.
    public func detached() -> Tensor {
        Tensor(shape: shape, elements: elements, node: nil)
    }

    /// The gradient accumulated in this leaf by `backward()`; `nil` before any, or for a
    /// non-leaf unless it called ``retainGrad()``. Setting it replaces the stored gradient
    /// (gradient clipping, custom updates).
    ///
    /// ```swift
    /// if let g = w.grad { w.grad = g * 0.5 }
    /// ```
    /// - Precondition: when setting, this tensor is a leaf (or retains its gradient) and the new
    ///   gradient has its shape.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set {
            guard let node, node.isLeaf || retainsGrad else {
                trap("grad: only a leaf (made with requiringGrad()) or a tensor that called retainGrad() stores a gradient")
            }
            if let newValue {
                require(newValue.shape == shape, "grad: gradient of shape \(newValue.shape) for a tensor of shape \(shape)")
            }
            leafGradientLock.lock()
            node.grad = newValue
            leafGradientLock.unlock()
        }
    }

    /// Clears this leaf's accumulated gradient.
    public func zeroGrad() {
        node?.grad = nil
    }

    /// The name given to this leaf by ``requiringGrad(named:)``, if any.
    public var name: String? { node?.label }
}

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
@usableFromInline
struct RuleContext<Scalar: TensorScalar> {
    @usableFromInline let upstream: Tensor<Scalar>
    @usableFromInline let inputs: NodeInputs<Scalar>
    @usableFromInline let output: Tensor<Scalar>
    @usableFromInline let needsGradient: InputFlags

    init(upstream: Tensor<Scalar>, inputs: NodeInputs<Scalar>, output: Tensor<Scalar>, needsGradient: InputFlags) {
        (self.upstream, self.inputs, self.output, self.needsGradient) = (upstream, inputs, output, needsGradient)
    }
}

/// A flag per input of an op (which inputs need a gradient): bits, not an array, for the
/// usual one or two inputs.
@usableFromInline
struct InputFlags {
    @usableFromInline var bits: UInt64 = 0
    /// Flags of inputs beyond the 64th (concatenating many tensors).
    @usableFromInline var beyond: [Bool]

    init(count: Int) {
        beyond = count > 64 ? [Bool](repeating: false, count: count - 64) : []
    }

    @inlinable
    subscript(index: Int) -> Bool {
        get { index < 64 ? bits & (1 << UInt64(index)) != 0 : beyond[index - 64] }
        set {
            if index >= 64 { beyond[index - 64] = newValue; return }
            if newValue { bits |= 1 << UInt64(index) } else { bits &= ~(1 << UInt64(index)) }
        }
    }
}

/// A vector-Jacobian product: given the upstream gradient, the gradient for each input
/// (`nil` where the input needs none). Written with differentiable tensor ops only.
@usableFromInline
typealias DerivativeRule<Scalar: TensorScalar> = (RuleContext<Scalar>) -> [Tensor<Scalar>?]

/// One entry of the tape: an op that ran while recording, with what its rule needs.
@usableFromInline
final class Node<Scalar: TensorScalar> {
    /// The op's name, as printed on the tape ("matmul", "relu", "leaf").
    let op: String
    /// The op's settings, as printed on the tape ("axes: [1]"); empty when it has none.
    /// Formatted only when printed: most tapes are never printed.
    var attributes: String { describeAttributes() }
    private let describeAttributes: () -> String
    // A node's mutable state is read and written by one thread at a time (the one that recorded
    // it, or the one running its backward pass), never while another access is in progress: the
    // run-time exclusivity checks on these fields (a quarter of the cost of a small op's backward
    // step) are turned off field by field.

    /// The inputs as they were when the op ran (values and their own graph links).
    @exclusivity(unchecked) var inputs: NodeInputs<Scalar>
    // The flags sit right after the inputs, in the bytes their layout leaves free
    // (a million-node graph is 32 MB smaller than with them further down).
    @exclusivity(unchecked) var isReleased = false
    /// Scratch space of the backward walk (a graph is walked by one thread at a time).
    @exclusivity(unchecked) var isRelevant = false
    /// Made by a compound assignment (`w -= …`) on a leaf while recording (see `Tensor.update`).
    @exclusivity(unchecked) var isRecordedLeafUpdate = false
    /// Whether hooks or a retained gradient hang off this node (in `TensorHooks`' table, kept
    /// there so that nodes without them, nearly all, stay small).
    @exclusivity(unchecked) var hasHooks = false
    /// The output's elements, kept for rules that read them (exp, tanh, softmax, …).
    @exclusivity(unchecked) var output: [Scalar]
    let shape: [Int]
    @exclusivity(unchecked) var rule: DerivativeRule<Scalar>?
    /// What only a leaf has (most nodes are not leaves: kept apart to keep nodes small).
    private let leaf: LeafState<Scalar>?
    var isLeaf: Bool { leaf != nil }
    /// Position on this thread's tape: nodes recorded later have larger ids.
    let id: Int
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
        case 0: return leafVersions.0
        case 1: return leafVersions.1
        default: return index - 2 < moreLeafVersions.count ? moreLeafVersions[index - 2] : 0
        }
    }

    /// Remembers the current version of every leaf input (called once, when the op is recorded).
    func recordLeafVersions() {
        for i in 0..<inputs.count {
            guard let input = inputs[i].node, input.isLeaf else { continue }
            switch i {
            case 0: leafVersions.0 = input.version
            case 1: leafVersions.1 = input.version
            default:
                if moreLeafVersions.isEmpty { moreLeafVersions = [Int32](repeating: 0, count: inputs.count - 2) }
                moreLeafVersions[i - 2] = input.version
            }
        }
    }
    // More scratch space of the backward walk.
    @exclusivity(unchecked) var visitMark = 0
    @exclusivity(unchecked) var pendingGrad: Tensor<Scalar>?
    /// The version of each leaf input when the op ran (`LeafState.version`), so that backward can
    /// refuse a rule whose leaf was changed in place since: the first two inline, the rest after.
    @exclusivity(unchecked) var leafVersions: (Int32, Int32) = (0, 0)
    @exclusivity(unchecked) var moreLeafVersions: [Int32] = []
    /// Where the op was called, recorded only inside `checkingNumerics` (for its report).
    @exclusivity(unchecked) var callStack: [String]?

    /// An op's node: its rule and what the rule reads.
    init(op: String, attributes: @escaping () -> String, inputs: consuming NodeInputs<Scalar>, output: [Scalar],
         shape: [Int], rule: @escaping DerivativeRule<Scalar>, id: Int) {
        self.op = op
        self.describeAttributes = attributes
        self.inputs = inputs
        self.output = output
        self.shape = shape
        self.rule = rule
        self.leaf = nil
        self.id = id
    }

    /// A leaf: a tensor whose gradient `backward` stores.
    init(leafOfShape shape: [Int], label: String?) {
        self.op = "leaf"
        self.describeAttributes = { "" }
        self.inputs = NodeInputs()
        self.output = []
        self.shape = shape
        self.rule = nil
        self.leaf = LeafState(label: label)
        self.id = ThreadTape.current.nextID()
    }

    deinit {
        if hasHooks { TensorHooks.forget(self) }
        // The deinit of a generic class runs unspecialised: hand the work to code compiled
        // for the concrete scalar type.
        if !inputs.isEmpty { Scalar.kernels.releaseGraph(self) }
    }

    /// Releases the nodes only this one keeps alive, iteratively: a recursive release of a
    /// graph of a million nodes would overflow the stack.
    func releaseGraph() {
        var pending: [Node] = []
        for input in inputs { if let node = input.node { pending.append(node) } }
        inputs = NodeInputs()
        while var next = pending.popLast() {
            if isKnownUniquelyReferenced(&next) {
                for input in next.inputs { if let node = input.node { pending.append(node) } }
                next.inputs = NodeInputs()
            }
        }
    }

    /// Frees what the rule would have needed; a later backward through this node fails clearly.
    func release() {
        inputs.dropValues()
        output = []
        rule = nil
        isReleased = true
    }

}

/// The state only a leaf node has.
final class LeafState<Scalar: TensorScalar> {
    var grad: Tensor<Scalar>?
    var label: String?
    var version: Int32 = 0
    init(label: String?) { self.label = label }
}

/// Per-thread recording state: whether recording is on, and the id counter of the tape.
/// Each thread (and so each task, while it runs on a thread) records on its own tape.
final class ThreadTape {
    // Only this thread reads and writes its tape state: no run-time exclusivity checks.
    @exclusivity(unchecked) var disabledDepth = 0
    /// Depth of nested `checkingNumerics` scopes on this thread, and the first incident seen.
    @exclusivity(unchecked) var numericsDepth = 0
    var numericsIncident: NumericsError?
    /// The file and line of the outermost open `checkingNumerics` scope on this thread.
    var numericsScope: String?
    /// The op whose derivative rule is running, while backward runs one.
    var backwardOf: String?
    /// Where the forward op whose rule is running was called (recorded inside `checkingNumerics`).
    var backwardOfCallStack: [String]?

    var isRecording: Bool { disabledDepth == 0 }

    /// The next node number. Numbers increase across all threads (a node recorded after another
    /// has a larger one, even when the graph was handed from thread to thread), which makes
    /// decreasing numbers a topological order for the backward pass.
    func nextID() -> Int {
        ck_next_node_id()
    }

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
public var isRecordingGradients: Bool { ThreadTape.current.isRecording }

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
    /// with its derivative rule. (`attributes` is formatted only if the tape is printed.)
    @inlinable
    static func record(_ op: String, _ attributes: @autoclosure @escaping () -> String = "", inputs: NodeInputs<Scalar>,
                       shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        Scalar.kernels.record(op, attributes, inputs, shape, scalars, rule)
    }

    /// `record`, compiled for the concrete scalar type (reached through ``Kernels``).
    static func recordNode(_ op: String, _ attributes: @escaping () -> String, inputs: NodeInputs<Scalar>,
                           shape: [Int], scalars: [Scalar], rule: @escaping DerivativeRule<Scalar>) -> Tensor {
        let checking = NumericsCheck.anyScopeActive && NumericsCheck.isActiveOnThisThread
        if checking {
            NumericsCheck.inspect(op, attributes(), inputs: Array(inputs), shape: shape, scalars: scalars)
        }
        var anyRecorded = false
        for i in 0..<inputs.count where inputs[i].node != nil { anyRecorded = true; break }
        guard anyRecorded else { return Tensor(shape: shape, scalars: scalars, node: nil) }
        let tape = ThreadTape.current
        guard tape.isRecording else { return Tensor(shape: shape, scalars: scalars, node: nil) }
        let node = Node(op: op, attributes: attributes, inputs: inputs, output: scalars, shape: shape,
                        rule: rule, id: tape.nextID())
        node.recordLeafVersions()
        if checking { node.callStack = NumericsCheck.callStack() }
        return Tensor(shape: shape, scalars: scalars, node: node)
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
        Tensor(shape: shape, scalars: scalars, node: Node(leafOfShape: shape, label: name))
    }

    /// The same values cut off from the graph: no gradient flows through the result.
    public func detached() -> Tensor {
        Tensor(shape: shape, scalars: scalars, node: nil)
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

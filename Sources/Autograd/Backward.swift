import Foundation

/// Misuse of the gradient machinery, reported with what to do about it.
///
/// The throwing entry points (``Tensor/tryBackward(upstream:retainGraph:createGraph:trace:)``,
/// ``gradients(of:wrt:upstream:retainGraph:createGraph:)``) throw these; ``Tensor/backward(upstream:retainGraph:createGraph:trace:)``
/// stops the program with the same message, as Swift does for an array index out of range.
public enum AutogradError: Error, CustomStringConvertible, Equatable {
    /// `backward()` on a tensor that no recorded op produced.
    case doesNotRequireGrad(shape: [Int])
    /// `backward()` without an upstream gradient on a tensor with more than one element.
    case nonScalarWithoutUpstream(shape: [Int])
    /// The upstream gradient's shape differs from the tensor's.
    case upstreamShapeMismatch(tensor: [Int], upstream: [Int])
    /// The graph was freed by an earlier backward pass.
    case graphReleased(op: String)
    /// The graph was freed by an earlier backward pass, and the freed op was a compound
    /// assignment (`w -= …`) to a leaf while recording: an update meant to be in place was recorded.
    case recordedUpdateReleased(tensor: String, op: String)
    /// `gradients(of:wrt:)` was asked for the gradient with respect to a tensor that is not part
    /// of any graph (it does not require gradients), so the result cannot depend on it through the tape.
    case notPartOfGraph(index: Int, shape: [Int])
    /// A leaf was changed in place (``Tensor/assign(_:)``, `-=`, an optimizer step) after an op
    /// read it and before backward reached that op: the gradient would be the one at the old values.
    case modifiedAfterUse(tensor: String, op: String)

    /// What went wrong and what to do about it.
    public var description: String {
        switch self {
        case .doesNotRequireGrad(let shape):
            return "backward: the tensor of shape \(shape) does not require gradients: no recorded op produced it. "
                + "Make its inputs leaves with requiringGrad(), and do not compute it inside withoutGradients { }."
        case .nonScalarWithoutUpstream(let shape):
            return "backward: the tensor of shape \(shape) is not a scalar; pass the gradient of the loss with "
                + "respect to it as backward(upstream:), or reduce it first (for example with .sum())."
        case .upstreamShapeMismatch(let tensor, let upstream):
            return "backward: upstream gradient of shape \(upstream) does not match the tensor's shape \(tensor)"
        case .graphReleased(let op):
            return "backward: the graph through '\(op)' was already freed by an earlier backward pass. "
                + "If a parameter was updated with `w = w - …` between two passes, that update was recorded and "
                + "made w a result instead of a leaf: update it in place, inside withoutGradients { w -= … } or with "
                + "w.data -= … (or w.assign(…)), which keeps it a leaf. To backpropagate through the same graph twice, "
                + "call backward(retainGraph: true) the first time."
        case .recordedUpdateReleased(let tensor, let op):
            return "backward: \(tensor) was updated with '\(op)=' while recording, so the update was recorded: it became "
                + "the result of that op instead of a leaf, and the last backward pass freed that graph. Update a "
                + "parameter in place, where it stays a leaf: inside withoutGradients { w -= lr * g } (PyTorch's "
                + "torch.no_grad()) or with w.data -= lr * g (micrograd's p.data)."
        case .notPartOfGraph(let index, let shape):
            return "gradients(of:wrt:): input \(index) (shape \(shape)) is not part of the graph: it does not require "
                + "gradients, so the tape cannot differentiate with respect to it. Make it a leaf with requiringGrad() "
                + "before computing the output (and not inside withoutGradients { })."
        case .modifiedAfterUse(let tensor, let op):
            return "backward: \(tensor) was modified in place (assign, -=, an optimizer step) after '\(op)' used it, "
                + "so the gradient would be the one at its old values. Run the forward pass again after updating it."
        }
    }
}

/// One line of the chain rule as the backward pass applies it, for teaching and debugging.
public struct ChainRuleStep: CustomStringConvertible, Sendable {
    /// The op whose rule ran, as named on the tape ("mul7").
    public let op: String
    /// The gradient of the loss with respect to the op's output.
    public let upstream: String
    /// For each input: its name on the tape and the gradient the rule passes to it.
    public let contributions: [(input: String, gradient: String)]

    /// The step as printed by `backward(trace:)`: the upstream gradient, then each input's contribution.
    public var description: String {
        var lines = ["∂L/∂\(op) = \(upstream)"]
        for c in contributions {
            lines.append("  → ∂L/∂\(c.input) += \(c.gradient)")
        }
        return lines.joined(separator: "\n")
    }
}

extension Tensor {
    /// Backpropagates from this tensor: the gradient of `self` (or of `upstream · self` for a
    /// non-scalar) with respect to every leaf it depends on is added to that leaf's ``grad``.
    ///
    /// ```swift
    /// let x = Tensor<Double>(3).requiringGrad()
    /// let y = x * x * x
    /// y.backward()
    /// x.grad!.scalar    // 27
    /// ```
    /// - Parameters:
    ///   - upstream: the gradient flowing in; required unless `self` has one element.
    ///   - retainGraph: keep the graph so that backward can run through it again.
    ///   - createGraph: record the backward pass itself, so that gradients can be
    ///     differentiated again (implies `retainGraph`).
    ///   - trace: called with each chain-rule step as it is applied.
    /// - Precondition: `self` requires gradients and the graph has not been freed
    ///   (see ``AutogradError`` for the messages; ``tryBackward(upstream:retainGraph:createGraph:trace:)`` throws them instead).
    public func backward(upstream: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                         trace: ((ChainRuleStep) -> Void)? = nil) {
        do {
            try tryBackward(upstream: upstream, retainGraph: retainGraph, createGraph: createGraph, trace: trace)
        } catch {
            trap("\(error)")
        }
    }

    /// ``backward(upstream:retainGraph:createGraph:trace:)`` that throws an ``AutogradError`` on misuse.
    public func tryBackward(upstream: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                            trace: ((ChainRuleStep) -> Void)? = nil) throws {
        _ = try Scalar.kernels.backpropagate(self, upstream, nil, retainGraph || createGraph, createGraph, trace)
    }
}

/// The gradients of `output` with respect to each of `inputs`, without touching any
/// stored ``Tensor/grad``. Inputs may be leaves or intermediate tensors of the graph; an input
/// of a graph that `output` does not depend on gets a zero gradient, and a tensor that is not
/// part of any graph (it does not require gradients) throws ``AutogradError/notPartOfGraph(index:shape:)``.
///
/// ```swift
/// let w = Tensor<Double>([1, 2]).requiringGrad()
/// let b = Tensor<Double>(0.5).requiringGrad()
/// let loss = (w * w).sum() + b
/// let g = try gradients(of: loss, wrt: [w, b])   // [[2, 4], 1]
/// ```
/// With `createGraph: true` the returned gradients are themselves recorded and can be
/// differentiated again (Hessians, double backward).
public func gradients<Scalar>(of output: Tensor<Scalar>, wrt inputs: [Tensor<Scalar>], upstream: Tensor<Scalar>? = nil,
                              retainGraph: Bool = false, createGraph: Bool = false) throws -> [Tensor<Scalar>] {
    try Scalar.kernels.backpropagate(output, upstream, inputs, retainGraph || createGraph, createGraph, nil)
}

/// The value of `body` at `x` and its gradient with respect to `x`.
///
/// ```swift
/// let (value, gradient) = valueWithGradient(at: Tensor<Double>([1, 2])) { x in (x * x).sum() }
/// // value 5, gradient [2, 4]
/// ```
/// - Precondition: `body` returns a tensor with one element.
public func valueWithGradient<Scalar>(at x: Tensor<Scalar>, in body: (Tensor<Scalar>) -> Tensor<Scalar>)
    -> (value: Tensor<Scalar>, gradient: Tensor<Scalar>) {
    let leaf = x.detached().requiringGrad(named: "x")
    let value = withRecording(true) { body(leaf) }
    guard value.node != nil else { return (value, Tensor<Scalar>.zeros(x.shape)) }
    do {
        let g = try gradients(of: value, wrt: [leaf])
        return (value.detached(), g[0])
    } catch {
        trap("valueWithGradient: \(error)")
    }
}

/// The same for a function of several tensors.
public func valueWithGradient<Scalar>(at xs: [Tensor<Scalar>], in body: ([Tensor<Scalar>]) -> Tensor<Scalar>)
    -> (value: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
    let leaves = xs.enumerated().map { $1.detached().requiringGrad(named: "x\($0)") }
    let value = withRecording(true) { body(leaves) }
    guard value.node != nil else { return (value, xs.map { Tensor<Scalar>.zeros($0.shape) }) }
    do {
        return (value.detached(), try gradients(of: value, wrt: leaves))
    } catch {
        trap("valueWithGradient: \(error)")
    }
}

/// Serialises additions to a leaf's `grad` when graphs on several threads share the leaf.
let leafGradientLock = NSLock()

/// The reverse walk over the tape. Iterative, so graphs of any depth work.
enum Backpropagation {
    /// Runs backward from `root`. With `targets`, returns their gradients in order (zeros for
    /// a target `root` does not depend on) and leaves `grad` untouched; without, accumulates into
    /// every reached leaf's `grad` and returns no gradients.
    static func run<Scalar>(from root: Tensor<Scalar>, upstream: Tensor<Scalar>?, targets: [Tensor<Scalar>]?,
                            retainGraph: Bool, createGraph: Bool,
                            trace: ((ChainRuleStep) -> Void)?) throws -> [Tensor<Scalar>] {
        if let targets {
            for (i, target) in targets.enumerated() where target.node == nil {
                throw AutogradError.notPartOfGraph(index: i, shape: target.shape)
            }
        }
        let targetNodes = targets.map { $0.compactMap(\.node) }
        let found = try run(from: root, upstream: upstream, targetNodes: targetNodes, retainGraph: retainGraph,
                            createGraph: createGraph, trace: trace)
        return (targets ?? []).map { input in
            if let node = input.node, let g = found[ObjectIdentifier(node)] { return g }
            return Tensor<Scalar>.zeros(input.shape)
        }
    }

    static func run<Scalar>(from root: Tensor<Scalar>, upstream: Tensor<Scalar>?, targetNodes targets: [Node<Scalar>]?,
                            retainGraph: Bool, createGraph: Bool,
                            trace: ((ChainRuleStep) -> Void)?) throws -> [ObjectIdentifier: Tensor<Scalar>] {
        guard let rootNode = root.node else { throw AutogradError.doesNotRequireGrad(shape: root.shape) }
        let seed: Tensor<Scalar>
        if let upstream {
            guard upstream.shape == root.shape else {
                throw AutogradError.upstreamShapeMismatch(tensor: root.shape, upstream: upstream.shape)
            }
            seed = upstream
        } else {
            guard root.count == 1 else { throw AutogradError.nonScalarWithoutUpstream(shape: root.shape) }
            seed = Tensor<Scalar>.ones(root.shape)
        }
        // A walk started while another runs on this thread (a hook calling `gradients(of:wrt:)` or
        // `html()` during backward) keeps all its bookkeeping to itself: the nodes' scratch fields
        // (`pendingSlot`, `isRelevant`) belong to the outer walk, which would lose gradients, or
        // read slots it never handed out, if they changed under it.
        let tape = ThreadTape.current
        let nested = tape.walksInProgress > 0
        tape.walksInProgress += 1
        defer { tape.walksInProgress -= 1 }
        if !nested && targets == nil && trace == nil && !NumericsCheck.anyScopeActive && !rootNode.isLeaf {
            try accumulateIntoLeaves(from: rootNode, seed: seed, retainGraph: retainGraph, createGraph: createGraph)
            return [:]
        }
        let order = topologicalOrder(from: rootNode, markingNodes: !nested)
        let targetSet = targets.map { Set($0.map(ObjectIdentifier.init)) }
        // Scratch state of this walk. Interior nodes belong to the thread that recorded them,
        // so their flags live on the node (fast) and each points to its gradient's place in this
        // walk (its position in `order`); leaves may be shared by graphs on several threads (one
        // model, two threads), so their state stays local to this call, as everything does in a
        // nested walk.
        var relevantHere = Set<ObjectIdentifier>()
        var positions: [ObjectIdentifier: Int] = [:]
        var leafPending: [ObjectIdentifier: Tensor<Scalar>] = [:]
        var interiorPending = [Tensor<Scalar>?](repeating: nil, count: order.count)
        func isRelevant(_ node: Node<Scalar>) -> Bool {
            node.isLeaf || nested ? relevantHere.contains(ObjectIdentifier(node)) : node.isRelevant
        }
        func place(of node: Node<Scalar>) -> Int {
            nested ? positions[ObjectIdentifier(node)] ?? 0 : Int(node.pendingSlot)
        }
        func pending(_ node: Node<Scalar>) -> Tensor<Scalar>? {
            node.isLeaf ? leafPending[ObjectIdentifier(node)] : interiorPending[place(of: node)]
        }
        func setPending(_ node: Node<Scalar>, _ value: Tensor<Scalar>?) {
            if node.isLeaf { leafPending[ObjectIdentifier(node)] = value } else { interiorPending[place(of: node)] = value }
        }

        // Which nodes lead to something that wants a gradient. `order` lists inputs before users.
        for (position, node) in order.enumerated() {
            var relevant = targetSet.map { $0.contains(ObjectIdentifier(node)) } ?? node.isLeaf
            if !relevant {
                for i in 0..<node.inputCount {
                    if let inputNode = node.inputNode(i), isRelevant(inputNode) {
                        relevant = true
                        break
                    }
                }
            }
            if node.isLeaf || nested {
                if relevant { relevantHere.insert(ObjectIdentifier(node)) }
            }
            if nested {
                positions[ObjectIdentifier(node)] = position
            } else if !node.isLeaf {
                node.isRelevant = relevant
                node.pendingSlot = UInt32(position)
            }
        }
        setPending(rootNode, seed)
        var results: [ObjectIdentifier: Tensor<Scalar>] = [:]
        let numericsActive = NumericsCheck.anyScopeActive
        let names = trace == nil && !numericsActive ? [:] : tapeNames(order)
        func name(_ n: Node<Scalar>) -> String { names[ObjectIdentifier(n)] ?? n.tapeName }

        try withRecording(createGraph) {
            for node in order.reversed() {
                guard isRelevant(node), var g = pending(node) else { continue }
                setPending(node, nil)
                if node.hasHooks { g = TensorHooks.apply(to: g, at: node, retain: targetSet == nil) }
                if let targetSet {
                    let id = ObjectIdentifier(node)
                    if targetSet.contains(id) { results[id] = g }
                } else if node.isLeaf {
                    leafGradientLock.lock()
                    node.grad = node.grad.map { $0 + g } ?? g
                    leafGradientLock.unlock()
                }
                if node.isLeaf { continue }
                // A target none of whose inputs leads to another target: its gradient is all that
                // was asked for, and its rule (which may have been freed) need not run.
                if targetSet != nil && !(0..<node.inputCount).contains(where: { node.inputNode($0).map(isRelevant) ?? false }) {
                    if !retainGraph { node.release() }
                    continue
                }
                guard !node.isReleased, let rule = node.rule else { throw releasedError(node) }
                if let freed = node.inputWithFreedValues() { throw releasedError(freed) }
                for i in 0..<node.inputCount {
                    guard let input = node.inputNode(i), input.isLeaf,
                          input.version != node.recordedVersion(ofInput: i) else { continue }
                    throw modifiedError(input, node: node, root: rootNode)
                }
                var needs = InputFlags(count: node.inputCount)
                for i in 0..<node.inputCount {
                    if let inputNode = node.inputNode(i), isRelevant(inputNode) { needs[i] = true }
                }
                // Without createGraph recording is off, so the rule's ops record nothing even on
                // linked inputs: no detached copies needed.
                // The op's name is only read by checkingNumerics: format it only inside such a scope.
                let tape = NumericsCheck.anyScopeActive ? ThreadTape.current : nil
                let enclosing = tape?.backwardOf
                let enclosingStack = tape?.backwardOfCallStack
                tape?.backwardOf = "\(node.op) (\(name(node)))"
                tape?.backwardOfCallStack = node.callStack
                defer {
                    tape?.backwardOf = enclosing
                    tape?.backwardOfCallStack = enclosingStack
                }
                let grads = RuleContext.run(rule, of: node, upstream: g, needs: needs, linksOutput: createGraph)
                require(grads.count == node.inputCount, "rule of \(node.op) returned \(grads.count) gradients")
                var contributions: [(String, String)] = []
                for i in 0..<node.inputCount where needs[i] {
                    // The input whole, not `node.input(_:hasShape:)` as in `accumulateIntoLeaves`: a
                    // second caller of that test made the compiler stop inlining it into the rules
                    // (+1.6% instructions on the scalar chain); this walk is the rarer one.
                    let input = node.input(i)
                    guard let inputNode = input.node, let contribution = grads[i] else { continue }
                    require(contribution.shape == input.shape,
                                 "rule of \(node.op) gave gradient of shape \(contribution.shape) for input \(input.shape)")
                    setPending(inputNode, pending(inputNode).map { $0 + contribution } ?? contribution)
                    if trace != nil { contributions.append((name(inputNode), contribution.compactDescription)) }
                }
                trace?(ChainRuleStep(op: name(node), upstream: g.compactDescription, contributions: contributions))
                if !retainGraph { node.release() }
            }
        }
        return results
    }

    /// `backward()`: every leaf the root depends on gets its gradient added to `grad`.
    ///
    /// The common case, in one pass and without listing the graph first: the nodes are taken in
    /// decreasing number (a node's users were all recorded after it, so by the time it comes out of
    /// the heap every contribution to its gradient has arrived), each rule runs once, and each
    /// input is queued the first time a gradient reaches it — or, when it is the last new input of
    /// the node just run and numbered above every queued node, taken next at once (see `next`
    /// below). Every node of a graph leads to a leaf
    /// (an op is recorded only when an input is part of a graph), so every input with a node needs
    /// its gradient. Leaves may be shared with graphs on other threads: their gradients gather
    /// here and are added to `grad` at the end, under the lock — nothing is added if the pass fails.
    static func accumulateIntoLeaves<Scalar>(from root: Node<Scalar>, seed: Tensor<Scalar>, retainGraph: Bool,
                                             createGraph: Bool) throws {
        var heap = NodeHeap<Scalar>()
        var pending = PendingGradients<Scalar>()
        queue(root, seed, in: &pending, &heap)
        var leafGradients: [ObjectIdentifier: (leaf: Node<Scalar>, gradient: Tensor<Scalar>)] = [:]
        // The node whose gradient is complete and goes next without a trip through the heap and
        // the slots: the last new input of the node just run (a chain's every step), when its
        // number is above every waiting node's. Its gradient is then complete: every other op that reads it
        // has a larger number still, and could only be reached from a waiting node, whose inputs all
        // have smaller numbers.
        var next: (node: Node<Scalar>, gradient: Tensor<Scalar>)?
        try withRecording(createGraph) {
            while true {
                let node: Node<Scalar>
                var g: Tensor<Scalar>
                if let carried = next.take() {
                    (node, g) = carried
                } else {
                    guard let popped = heap.pop() else { break }
                    guard let waiting = pending.take(popped.pendingSlot) else { continue }
                    (node, g) = (popped, waiting)
                }
                if node.hasHooks { g = TensorHooks.apply(to: g, at: node, retain: true) }
                guard !node.isReleased, let rule = node.rule else {
                    throw releasedError(node)
                }
                let count = node.inputCount
                var needs = InputFlags(count: count)
                for i in 0..<count {
                    guard let input = node.inputNode(i) else { continue }
                    needs[i] = true
                    if input.isLeaf && input.version != node.recordedVersion(ofInput: i) {
                        throw modifiedError(input, node: node, root: root)
                    }
                    // Released by a pass through another graph: the values this rule reads are gone.
                    if node.readsFreedOutput(ofInput: i, linkedTo: input) { throw releasedError(input) }
                }
                let grads = RuleContext.run(rule, of: node, upstream: g, needs: needs, linksOutput: createGraph)
                require(grads.count == count, "rule of \(node.op) returned \(grads.count) gradients")
                var candidate: (node: Node<Scalar>, gradient: Tensor<Scalar>)?
                for i in 0..<count where needs[i] {
                    guard let input = node.inputNode(i), let contribution = grads[i] else { continue }
                    require(node.input(i, hasShape: contribution._shape),
                            "rule of \(node.op) gave gradient of shape \(contribution.shape) for input \(node.inputShape(i))")
                    if input.isLeaf {
                        let id = ObjectIdentifier(input)
                        if let earlier = leafGradients[id] {
                            leafGradients[id] = (input, earlier.gradient + contribution)
                        } else {
                            leafGradients[id] = (input, contribution)
                        }
                    } else if pending.holdsGradient(of: input) {
                        pending.accumulate(contribution, at: input.pendingSlot)
                    } else if let earlier = candidate, earlier.node === input {
                        // The same result as two inputs (x * x).
                        candidate = (input, earlier.gradient + contribution)
                    } else {
                        if let earlier = candidate.take() { queue(earlier.node, earlier.gradient, in: &pending, &heap) }
                        candidate = (input, contribution)
                    }
                }
                if !retainGraph { node.release() }
                if let chosen = candidate.take() {
                    if chosen.node.id > heap.largestID {
                        next = chosen
                    } else {
                        queue(chosen.node, chosen.gradient, in: &pending, &heap)
                    }
                }
            }
        }
        // A leaf's hooks see its whole gradient of this pass, before it is added to `grad`.
        var hooked = leafGradients
        for (id, entry) in leafGradients where entry.leaf.hasHooks {
            hooked[id] = (entry.leaf, withRecording(createGraph) { TensorHooks.apply(to: entry.gradient, at: entry.leaf, retain: true) })
        }
        leafGradientLock.lock()
        for (leaf, gradient) in hooked.values { leaf.grad = leaf.grad.map { $0 + gradient } ?? gradient }
        leafGradientLock.unlock()
    }

    /// `node` waits in the heap, its gradient so far in a slot of `pending`.
    @inline(__always)
    static func queue<Scalar>(_ node: Node<Scalar>, _ gradient: Tensor<Scalar>, in pending: inout PendingGradients<Scalar>,
                              _ heap: inout NodeHeap<Scalar>) {
        node.pendingSlot = pending.add(gradient, for: node)
        heap.push(node)
    }

    static func releasedError<Scalar>(_ node: Node<Scalar>) -> AutogradError {
        if node.isRecordedLeafUpdate, let leaf = node.inputs.first?.node {
            let symbol = ["add": "+", "subtract": "-", "multiply": "*", "divide": "/"][node.op] ?? node.op
            return .recordedUpdateReleased(tensor: leaf.label.map { "the leaf '\($0)'" } ?? "a leaf of shape \(leaf.shape)",
                                           op: symbol)
        }
        return .graphReleased(op: node.op)
    }

    static func modifiedError<Scalar>(_ leaf: Node<Scalar>, node: Node<Scalar>, root: Node<Scalar>) -> AutogradError {
        let leafName = leaf.label.map { "the leaf '\($0)'" } ?? "a leaf of shape \(leaf.shape)"
        let opName = tapeNames(topologicalOrder(from: root))[ObjectIdentifier(node)] ?? node.tapeName
        return .modifiedAfterUse(tensor: leafName, op: "\(node.op) (\(opName))")
    }

    /// Every node reachable from `root`, each after all of its inputs (iterative post-order DFS).
    ///
    /// `markingNodes` lets the walk use the nodes' scratch field (`pendingSlot`), which is faster
    /// than a set: only for a backward pass's own listing. The tape printout, the page and error
    /// messages list without it, because a hook may ask for them while a backward pass is using
    /// that field (a printout from a hook once changed the pass's gradients).
    static func topologicalOrder<Scalar>(from root: Node<Scalar>, markingNodes: Bool = false) -> [Node<Scalar>] {
        var visitedHere = Set<ObjectIdentifier>()
        // An interior node visited by this walk holds its place in `visited` (in `pendingSlot`,
        // the walks' scratch field): a node is known by looking there, without hashing. Leaves may
        // be shared across threads' graphs: their visits (and every visit, without `markingNodes`)
        // are recorded here.
        var visited: [ObjectIdentifier] = []
        func firstVisit(_ node: Node<Scalar>) -> Bool {
            if node.isLeaf || !markingNodes { return visitedHere.insert(ObjectIdentifier(node)).inserted }
            let place = Int(node.pendingSlot)
            if place < visited.count && visited[place] == ObjectIdentifier(node) { return false }
            node.pendingSlot = UInt32(visited.count)
            visited.append(ObjectIdentifier(node))
            return true
        }
        var order: [Node<Scalar>] = []
        _ = firstVisit(root)
        var stack: [(node: Node<Scalar>, nextInput: Int)] = [(root, 0)]
        while let top = stack.last {
            if top.nextInput < top.node.inputCount {
                stack[stack.count - 1].nextInput += 1
                if let child = top.node.inputNode(top.nextInput), firstVisit(child) {
                    stack.append((child, 0))
                }
            } else {
                order.append(top.node)
                stack.removeLast()
            }
        }
        return order
    }
}

import Foundation

/// A snapshot of a recorded graph, as the inspection page draws it: every node in tape order
/// with its value, its gradient and its inputs, and the backward pass as the engine ran it,
/// one chain-rule step per op.
///
/// It is taken from the live graph through the same surface the tape listing reads (node
/// names, ops, attributes, saved values) and the `trace:` callback of the backward walk. The
/// backward pass it records runs with the graph retained and with every node as a target, so
/// taking a snapshot never touches a leaf's stored ``Tensor/grad``.
struct TapeGraph: Sendable {
    /// Where an op's input comes from: a node of the graph, or a constant (a plain tensor).
    enum Input: Sendable, Equatable {
        case node(Int)
        case constant(Int)
    }

    /// One tensor of the graph: a leaf, or the output of a recorded op.
    struct Entry: Sendable {
        /// Its name on the page: a leaf's label, a name given to the page, or t1, t2, … in tape order.
        var name: String
        /// The op that produced it ("leaf" for a leaf).
        let op: String
        let attributes: String
        let shape: [Int]
        let inputs: [Input]
        /// Its value; nil once a backward pass has freed the graph.
        let value: TensorSummary?
        /// ∂(root)/∂(this node), from the snapshot's backward pass; nil when it had none.
        var gradient: TensorSummary?
        /// The name was given (a leaf's label or a name passed to the page), not numbered.
        let isNamed: Bool
        var isLeaf: Bool { op == "leaf" }
    }

    /// What one op's rule passed to one of its inputs.
    struct Contribution: Sendable {
        /// Which input of the op (0-based).
        let slot: Int
        /// The input's node.
        let node: Int
        /// The gradient as the engine's trace printed it.
        let text: String
        /// Its value when it has one element.
        let scalar: Double?
    }

    /// One chain-rule step of the backward pass: an op's rule, applied to the gradient of its output.
    struct BackwardStep: Sendable {
        /// The op's node (its output).
        let node: Int
        let contributions: [Contribution]
    }

    /// Every node, in tape order (inputs before the ops that use them).
    var nodes: [Entry] = []
    /// The constants the ops read (plain tensors that are not part of the graph).
    var constants: [TensorSummary] = []
    /// The backward pass, in the order the engine applied the rules (from the root back).
    var backward: [BackwardStep] = []
    /// The node the graph was taken from (the loss), or nil for a tensor that was not recorded.
    var root: Int?
    /// The backward pass was seeded with ones because the root has more than one element.
    var seededWithOnes = false
    /// Why something is missing (a freed graph, a failed backward), for the page to say.
    var notes: [String] = []
    /// The node of each tensor passed as `locate` when the snapshot was taken (nil: not in the graph).
    var located: [Int?] = []

    /// Elements of a tensor kept for the page (beyond this, statistics only).
    static let defaultElementLimit = 256
    /// Above this many ops the snapshot records no backward steps (the page would not show them).
    static let defaultStepLimit = 20_000

    init() {}

    /// Takes a snapshot of the graph that produced `tensor`.
    /// - Parameters:
    ///   - names: names for tensors of the graph (parameters, intermediate results), shown instead of t1, t2, ….
    ///   - elementLimit: tensors with at most this many elements keep every element.
    ///   - locate: tensors whose nodes the caller needs to find (see ``located``).
    ///   - backward: run the snapshot's own backward pass (gradients and chain-rule steps).
    init<Scalar>(of tensor: Tensor<Scalar>, names: [(name: String, tensor: Tensor<Scalar>)] = [],
                 locate: [Tensor<Scalar>] = [], elementLimit: Int = TapeGraph.defaultElementLimit, backward: Bool = true) {
        located = locate.map { _ in nil }
        guard let rootNode = tensor.node else {
            notes.append("This tensor was not recorded: no op that requires gradients produced it.")
            return
        }
        let order = Backpropagation.topologicalOrder(from: rootNode)
        let sorted = order.sorted { $0.id < $1.id }
        let engineNames = tapeNames(order)
        var given: [ObjectIdentifier: String] = [:]
        for (name, t) in names { if let n = t.node { given[ObjectIdentifier(n)] = name } }
        var index: [ObjectIdentifier: Int] = [:]
        for (i, n) in sorted.enumerated() { index[ObjectIdentifier(n)] = i }

        // A leaf keeps no values of its own: they are in the tensors that refer to it.
        var leafValues: [ObjectIdentifier: Tensor<Scalar>] = [:]
        for n in sorted {
            for input in n.inputs {
                guard let i = input.node, i.isLeaf, input.scalars.count == input.shape.reduce(1, *) else { continue }
                if leafValues[ObjectIdentifier(i)] == nil { leafValues[ObjectIdentifier(i)] = input }
            }
        }
        if rootNode.isLeaf { leafValues[ObjectIdentifier(rootNode)] = tensor }

        var anyReleased = false
        for n in sorted {
            let id = ObjectIdentifier(n)
            let value: TensorSummary?
            if n.isLeaf {
                value = leafValues[id].map { TensorSummary($0, keepingUpTo: elementLimit) }
            } else if n.isReleased {
                value = nil
                anyReleased = true
            } else {
                value = TensorSummary(shape: n.shape, scalars: n.output.array, keepingUpTo: elementLimit)
            }
            var inputs: [Input] = []
            for input in n.inputs {
                if let i = input.node, let k = index[ObjectIdentifier(i)] {
                    inputs.append(.node(k))
                } else {
                    let freed = input.scalars.count != input.shape.reduce(1, *)
                    constants.append(freed ? TensorSummary(shape: input.shape, scalars: [Scalar](), keepingUpTo: 0)
                                           : TensorSummary(input, keepingUpTo: elementLimit))
                    inputs.append(.constant(constants.count - 1))
                }
            }
            nodes.append(Entry(name: given[id] ?? engineNames[id] ?? n.tapeName, op: n.op, attributes: n.attributes,
                              shape: n.shape, inputs: inputs, value: value, gradient: nil,
                              isNamed: given[id] != nil || n.label != nil))
        }
        root = index[ObjectIdentifier(rootNode)]
        located = locate.map { t in t.node.flatMap { index[ObjectIdentifier($0)] } }

        guard backward else { return }
        if anyReleased {
            notes.append("The graph was freed by an earlier backward pass, so its values and the backward steps "
                         + "are gone. Call backward(retainGraph: true), or make the page before calling backward().")
            // What survives: the leaves' stored gradients.
            for (i, n) in sorted.enumerated() where n.isLeaf {
                nodes[i].gradient = n.grad.map { TensorSummary($0, keepingUpTo: elementLimit) }
            }
            return
        }
        guard sorted.count <= TapeGraph.defaultStepLimit else {
            notes.append("The graph has \(sorted.count) nodes: the backward pass is not shown above \(TapeGraph.defaultStepLimit).")
            return
        }
        seededWithOnes = tensor.count != 1
        let upstream = seededWithOnes ? Tensor<Scalar>.ones(tensor.shape) : nil
        do {
            var steps: [ChainRuleStep] = []
            let gradients = try traceBackward(from: tensor, upstream: upstream, every: order) { steps.append($0) }
            for (i, n) in sorted.enumerated() {
                nodes[i].gradient = gradients[ObjectIdentifier(n)].map { TensorSummary($0, keepingUpTo: elementLimit) }
            }
            self.backward = TapeGraph.align(steps, walk: order.reversed(), names: engineNames, index: index)
        } catch {
            notes.append("The backward pass failed: \(error)")
        }
    }

    /// The engine's trace names nodes as the tape listing does; its steps come in the order of
    /// the reverse walk (`walk`). Each step is matched to the next op of the walk with its name,
    /// and each contribution to the next input of that op with the input's name.
    static func align<Scalar>(_ steps: [ChainRuleStep], walk: ReversedCollection<[Node<Scalar>]>,
                              names: [ObjectIdentifier: String], index: [ObjectIdentifier: Int]) -> [BackwardStep] {
        let ops = walk.filter { !$0.isLeaf }
        func name(_ n: Node<Scalar>) -> String { names[ObjectIdentifier(n)] ?? n.tapeName }
        var result: [BackwardStep] = []
        var next = 0
        for step in steps {
            guard let found = ops[next...].firstIndex(where: { name($0) == step.op }) else { continue }
            next = found + 1
            let op = ops[found]
            guard let opIndex = index[ObjectIdentifier(op)] else { continue }
            var slot = 0
            var contributions: [Contribution] = []
            for c in step.contributions {
                while slot < op.inputs.count, op.inputs[slot].node.map(name) != c.input { slot += 1 }
                guard slot < op.inputs.count, let inputNode = op.inputs[slot].node,
                      let k = index[ObjectIdentifier(inputNode)] else { break }
                let oneElement = op.inputs[slot].shape.reduce(1, *) == 1
                contributions.append(Contribution(slot: slot, node: k, text: c.gradient,
                                                  scalar: oneElement ? scalarValue(c.gradient) : nil))
                slot += 1
            }
            result.append(BackwardStep(node: opIndex, contributions: contributions))
        }
        return result
    }

    /// The number in a one-element tensor's compact description ("-24", or "[3] [1]").
    static func scalarValue(_ text: String) -> Double? {
        if let x = Double(text) { return x }
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
        return Double(text[text.index(after: text.startIndex)..<close])
    }

    /// Indices of the nodes that use node `i` as an input, in tape order.
    func consumers() -> [[Int]] {
        var result = [[Int]](repeating: [], count: nodes.count)
        for (j, n) in nodes.enumerated() {
            for input in n.inputs { if case .node(let i) = input, result[i].last != j { result[i].append(j) } }
        }
        return result
    }

    /// How many ops (non-leaf nodes) the graph has.
    var opCount: Int { nodes.reduce(0) { $0 + ($1.isLeaf ? 0 : 1) } }
}

/// Runs the backward pass from `root` with every node of `order` as a target: returns each
/// node's gradient and calls `trace` with each chain-rule step, leaving leaves' `grad` and the
/// graph untouched. The one place the inspection code calls into the backward walk.
func traceBackward<Scalar>(from root: Tensor<Scalar>, upstream: Tensor<Scalar>?, every order: [Node<Scalar>],
                           trace: @escaping (ChainRuleStep) -> Void) throws -> [ObjectIdentifier: Tensor<Scalar>] {
    try Backpropagation.run(from: root, upstream: upstream, targetNodes: order, retainGraph: true, createGraph: false,
                            trace: trace)
}

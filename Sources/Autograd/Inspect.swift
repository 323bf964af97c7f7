/// The recorded ops that produced a tensor, in the order they ran: the tape as a student
/// would write it down. Obtained from ``Tensor/tape``.
///
/// ```swift
/// let x = Tensor<Double>(3).requiringGrad(named: "x")
/// let y = (x * x + x).tape
/// print(y)
/// // x = leaf  [] 3
/// // t1 = multiply(x, x)  [] 9
/// // t2 = add(t1, x)  [] 12
/// ```
public struct TapeListing: CustomStringConvertible, Sendable {
    /// One recorded op.
    public struct Entry: Sendable {
        /// The name the listing gives the op's output ("t7", or a leaf's own name).
        public let name: String
        /// The op's name as it is recorded ("matmul", "add", "leaf" for a leaf).
        public let op: String
        /// The op's settings ("axes: [1]", "shape: [2, 3]"), empty when it has none.
        public let attributes: String
        /// Names of the inputs that are on the tape (`const` for plain tensors).
        public let inputs: [String]
        /// The shape of the op's output.
        public let shape: [Int]
        /// The output's values, shown for small tensors (empty once the graph is freed).
        public let values: String
    }

    /// The recorded ops, in the order they ran (leaves first where they were made).
    ///
    /// ```swift
    /// (x * x + x).tape.entries.map(\.op)     // ["leaf", "multiply", "add"]
    /// ```
    public let entries: [Entry]

    /// One line per op: "t1 = multiply(x, x)  [] 9", with its settings in braces.
    ///
    /// ```swift
    /// print(loss.tape)
    /// ```
    public var description: String {
        entries.map { e in
            let head = e.op == "leaf" ? "\(e.name) = leaf" : "\(e.name) = \(e.op)(\(e.inputs.joined(separator: ", ")))"
            let attrs = e.attributes.isEmpty ? "" : " {\(e.attributes)}"
            return "\(head)\(attrs)  \(e.shape) \(e.values)"
        }.joined(separator: "\n")
    }
}

extension Node {
    var tapeName: String { label ?? (isLeaf ? "leaf\(id)" : "t\(id)") }
}

/// Short names for the nodes of one graph: a leaf keeps its own name; the others are
/// numbered t1, t2, … in the order they were recorded, so a listing reads like a derivation.
func tapeNames<Scalar>(_ nodes: [Node<Scalar>]) -> [ObjectIdentifier: String] {
    var names: [ObjectIdentifier: String] = [:]
    var opCount = 0, leafCount = 0
    for node in nodes.sorted(by: { $0.id < $1.id }) {
        if node.isLeaf {
            leafCount += 1
            names[ObjectIdentifier(node)] = node.label ?? "x\(leafCount)"
        } else {
            opCount += 1
            names[ObjectIdentifier(node)] = node.label ?? "t\(opCount)"
        }
    }
    return names
}

extension Tensor {
    /// The tape that produced this tensor: every recorded op it depends on, in order.
    public var tape: TapeListing {
        guard let node else { return TapeListing(entries: []) }
        let nodes = Backpropagation.topologicalOrder(from: node).sorted { $0.id < $1.id }
        var leafValues: [ObjectIdentifier: Tensor] = [:]
        for n in nodes {
            for input in n.inputs { if let i = input.node, i.isLeaf { leafValues[ObjectIdentifier(i)] = input } }
        }
        if node.isLeaf { leafValues[ObjectIdentifier(node)] = self }
        let names = tapeNames(nodes)
        func name(_ n: Node<Scalar>) -> String { names[ObjectIdentifier(n)] ?? n.tapeName }
        let entries = nodes.map { n -> TapeListing.Entry in
            let value: String
            if n.isLeaf {
                value = leafValues[ObjectIdentifier(n)].map { $0.scalars.isEmpty ? "(freed)" : $0.compactDescription } ?? ""
            } else {
                value = n.isReleased ? "(freed)" : Tensor(shape: n.shape, elements: n.output, node: nil).compactDescription
            }
            return TapeListing.Entry(name: name(n), op: n.op, attributes: n.attributes,
                                     inputs: n.inputs.map { $0.node.map(name) ?? "const" }, shape: n.shape, values: value)
        }
        return TapeListing(entries: entries)
    }

    /// The graph that produced this tensor in Graphviz DOT: tensors as ellipses with their name,
    /// shape and value (leaves included), ops as boxes, constants as plain text. After a backward
    /// pass (once a leaf of the graph holds a gradient) every tensor also shows its gradient: the
    /// gradient of this tensor with respect to it, computed again from the graph when the graph
    /// was kept (`backward(retainGraph: true)`); a freed graph has only the leaves' stored gradients.
    /// Render with `dot -Tsvg`; ``html(title:names:collapseAbove:)`` draws the same graph without Graphviz.
    ///
    /// ```swift
    /// loss.backward(retainGraph: true)
    /// try AtomicFile.write(Array(loss.graphviz().utf8), to: "tape.dot")
    /// ```
    public func graphviz() -> String {
        guard let node else { return "digraph tape {\n}\n" }
        let afterBackward = Backpropagation.topologicalOrder(from: node).contains { $0.isLeaf && $0.grad != nil }
        let graph = TapeGraph(of: self, elementLimit: 12, backward: afterBackward)
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        func label(_ parts: [String]) -> String { parts.map(esc).joined(separator: "\\n") }
        var lines = ["digraph tape {", "  rankdir=LR;", "  node [fontname=\"Helvetica\"];"]
        var constants = 0
        for n in graph.nodes {
            var parts = [n.name, "\(n.shape)", n.value.map(PageText.brief) ?? "(freed)"]
            if let g = n.gradient { parts.append("grad " + PageText.brief(g)) }
            let fill = n.isLeaf ? ", style=filled, fillcolor=\"#e7f0fd\"" : ""
            lines.append("  \"\(esc(n.name))\" [shape=ellipse\(fill), label=\"\(label(parts))\"];")
            guard !n.isLeaf else { continue }
            let opID = esc("op_\(n.name)")
            let opLabel = n.attributes.isEmpty ? [n.op] : [n.op, n.attributes]
            lines.append("  \"\(opID)\" [shape=box, style=filled, fillcolor=\"#eeeeee\", label=\"\(label(opLabel))\"];")
            for input in n.inputs {
                switch input {
                case .node(let i):
                    lines.append("  \"\(esc(graph.nodes[i].name))\" -> \"\(opID)\";")
                case .constant(let k):
                    constants += 1
                    let c = graph.constants[k]
                    let text = c.count == 0 && c.shape.reduce(1, *) != 0 ? "(freed)" : PageText.brief(c)
                    lines.append("  \"const\(constants)\" [shape=plaintext, label=\"\(label([text]))\"];")
                    lines.append("  \"const\(constants)\" -> \"\(opID)\";")
                }
            }
            lines.append("  \"\(opID)\" -> \"\(esc(n.name))\";")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

import Foundation

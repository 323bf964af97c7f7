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
        public let op: String
        public let attributes: String
        /// Names of the inputs that are on the tape (`const` for plain tensors).
        public let inputs: [String]
        public let shape: [Int]
        /// The output's values, shown for small tensors (empty once the graph is freed).
        public let values: String
    }

    public let entries: [Entry]

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
                value = n.isReleased ? "(freed)" : Tensor(shape: n.shape, scalars: n.output, node: nil).compactDescription
            }
            return TapeListing.Entry(name: name(n), op: n.op, attributes: n.attributes,
                                     inputs: n.inputs.map { $0.node.map(name) ?? "const" }, shape: n.shape, values: value)
        }
        return TapeListing(entries: entries)
    }

    /// The graph that produced this tensor in Graphviz DOT: tensors as ellipses (name, shape,
    /// value, and gradient for leaves that have one), ops as boxes. Render with `dot -Tsvg`.
    public func graphviz() -> String {
        guard let node else { return "digraph tape {\n}\n" }
        let nodes = Backpropagation.topologicalOrder(from: node).sorted { $0.id < $1.id }
        let names = tapeNames(nodes)
        func name(_ n: Node<Scalar>) -> String { names[ObjectIdentifier(n)] ?? n.tapeName }
        var lines = ["digraph tape {", "  rankdir=LR;", "  node [fontname=\"Helvetica\"];"]
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "\"", with: "\\\"") }
        var constants = 0
        for n in nodes {
            let nodeName = name(n)
            var label = "\(nodeName)\\n\(n.shape)"
            if !n.isLeaf && !n.isReleased { label += "\\n" + Tensor(shape: n.shape, scalars: n.output, node: nil).compactDescription }
            if let g = n.grad { label += "\\ngrad " + g.compactDescription }
            lines.append("  \"\(esc(nodeName))\" [shape=ellipse, label=\"\(esc(label))\"];")
            guard !n.isLeaf else { continue }
            let opID = "op_\(nodeName)"
            let opLabel = n.attributes.isEmpty ? n.op : "\(n.op)\\n\(n.attributes)"
            lines.append("  \"\(opID)\" [shape=box, style=filled, fillcolor=\"#eeeeee\", label=\"\(esc(opLabel))\"];")
            for input in n.inputs {
                if let i = input.node {
                    lines.append("  \"\(esc(name(i)))\" -> \"\(opID)\";")
                } else {
                    constants += 1
                    lines.append("  \"const\(constants)\" [shape=plaintext, label=\"\(esc(input.compactDescription))\"];")
                    lines.append("  \"const\(constants)\" -> \"\(opID)\";")
                }
            }
            lines.append("  \"\(opID)\" -> \"\(esc(nodeName))\";")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

import Foundation

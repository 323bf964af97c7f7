import Foundation

/// A large graph grouped into blocks of consecutive ops, for a page that would otherwise draw
/// thousands of boxes.
///
/// The tape is cut where an op first reads a named leaf of another module (a parameter named
/// "layers.1.weight" starts the block "layers.1"), long runs are cut into chunks of equal size, and neighbouring blocks are merged until there are at most `maxBlocks`. The
/// loss gets a block of its own. Each leaf joins the block of its first user. Blocks hold
/// consecutive stretches of the tape, so every edge between blocks points forward: the block
/// graph is acyclic and steps through forward and backward in block order.
struct GraphBlocks {
    struct Block {
        var name: String
        /// The ops of the block, in tape order.
        var ops: [Int]
        /// The leaves whose first user is in the block.
        var leaves: [Int] = []
    }

    /// Runs shorter than this are never cut.
    static let minimumChunk = 25

    let blocks: [Block]
    /// The block of each node.
    let blockOf: [Int]
    /// Edges between blocks (an op's result in one block used by an op in another), with how
    /// many node edges each stands for. Leaves draw no edges: a leaf sits in the block of its
    /// first user, and a leaf read by many blocks (a shared constant) would tie them all together.
    let edges: [(from: Int, to: Int, count: Int)]

    init(_ graph: TapeGraph, maxBlocks: Int = 40) {
        let ops = graph.nodes.indices.filter { !graph.nodes[$0].isLeaf }
        let rootOp = graph.root.flatMap { graph.nodes[$0].isLeaf ? nil : $0 }
        let body = ops.filter { $0 != rootOp }
        let budget = Swift.max(1, maxBlocks - (rootOp == nil ? 0 : 1))

        /// The module a leaf belongs to: its dotted name without the last component ("layers.1" of
        /// "layers.1.weight"); a name without a dot names a tensor, not a module.
        func module(_ leaf: Int) -> String? {
            let node = graph.nodes[leaf]
            guard node.isLeaf, node.isNamed, let dot = node.name.lastIndex(of: ".") else { return nil }
            return String(node.name[..<dot])
        }
        // Cut where an op first reads a leaf of a module not seen before.
        var segments: [(module: String?, ops: [Int])] = []
        var seenModules = Set<String>()
        for op in body {
            var key: String? = nil
            for input in graph.nodes[op].inputs {
                if case .node(let i) = input, let m = module(i), !seenModules.contains(m) { key = m; break }
            }
            if let key { seenModules.insert(key) }
            if segments.isEmpty || key != nil {
                segments.append((key, [op]))
            } else {
                segments[segments.count - 1].ops.append(op)
            }
        }
        // Long runs are cut into chunks (of at least `minimumChunk` ops: a small graph keeps its
        // modules whole); then neighbours are merged down to the budget.
        let chunk = Swift.max(GraphBlocks.minimumChunk, (body.count + budget - 1) / budget)
        var pieces: [(module: String?, ops: [Int])] = []
        for s in segments {
            var start = 0
            while start < s.ops.count {
                let end = Swift.min(s.ops.count, start + chunk)
                pieces.append((s.module, Array(s.ops[start..<end])))
                start = end
            }
        }
        var grouped: [[(module: String?, ops: [Int])]] = []
        if pieces.count > budget {
            let per = (pieces.count + budget - 1) / budget
            var k = 0
            while k < pieces.count {
                grouped.append(Array(pieces[k..<Swift.min(pieces.count, k + per)]))
                k += per
            }
        } else {
            grouped = pieces.map { [$0] }
        }
        func opRange(_ ops: [Int]) -> String {
            guard let first = ops.first, let last = ops.last else { return "ops" }
            return first == last ? graph.nodes[first].name : "\(graph.nodes[first].name) … \(graph.nodes[last].name)"
        }
        var blocks: [Block] = grouped.map { group in
            let ops = group.flatMap(\.ops)
            let modules = group.compactMap(\.module).reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
            let name: String
            switch modules.count {
            case 0: name = opRange(ops)
            case 1: name = modules[0]
            default: name = "\(modules[0]) … \(modules[modules.count - 1])"
            }
            return Block(name: name, ops: ops)
        }
        // Parts of one module cut into chunks get numbered.
        var seen: [String: Int] = [:]
        for b in blocks { seen[b.name, default: 0] += 1 }
        var counter: [String: Int] = [:]
        for i in blocks.indices where (seen[blocks[i].name] ?? 0) > 1 {
            counter[blocks[i].name, default: 0] += 1
            blocks[i].name += " (\(counter[blocks[i].name] ?? 0)/\(seen[blocks[i].name] ?? 0))"
        }
        if let rootOp { blocks.append(Block(name: graph.nodes[rootOp].name, ops: [rootOp])) }
        if blocks.isEmpty { blocks.append(Block(name: "leaves", ops: [])) }

        var blockOf = [Int](repeating: 0, count: graph.nodes.count)
        for (b, block) in blocks.enumerated() { for op in block.ops { blockOf[op] = b } }
        let users = graph.consumers()
        for i in graph.nodes.indices where graph.nodes[i].isLeaf {
            let b = users[i].first.map { blockOf[$0] } ?? 0
            blockOf[i] = b
            blocks[b].leaves.append(i)
        }
        var counts: [Int: Int] = [:]
        var order: [Int] = []
        for (j, node) in graph.nodes.enumerated() {
            for input in node.inputs {
                guard case .node(let i) = input, !graph.nodes[i].isLeaf, blockOf[i] != blockOf[j] else { continue }
                let key = blockOf[i] * blocks.count + blockOf[j]
                if counts[key] == nil { order.append(key) }
                counts[key, default: 0] += 1
            }
        }
        self.blocks = blocks
        self.blockOf = blockOf
        self.edges = order.map { (from: $0 / blocks.count, to: $0 % blocks.count, count: counts[$0] ?? 0) }
    }
}

import Foundation

/// A layered drawing of a directed acyclic graph, left to right (Sugiyama's method):
///
/// 1. **Layers.** Each node goes one layer right of its furthest input (longest path), then a
///    node with no inputs moves right to just before its first user, so that a leaf or a
///    constant used late does not drag a long edge across the drawing.
/// 2. **Dummies.** An edge spanning several layers is cut into one segment per layer, through a
///    point (a dummy item) in each layer it crosses, so that the next step can route it.
/// 3. **Order.** Within each layer, items are sorted by the mean position of their neighbours
///    in the layer before (sweeping right) or after (sweeping left); the order with the fewest
///    crossings over the sweeps is kept, then neighbours are swapped wherever that removes crossings.
/// 4. **Coordinates.** Each item is pulled towards the mean height of its neighbours, keeping
///    the order and the gaps (an isotonic regression, solved exactly by pooling adjacent
///    violators), alternately from the left and from the right.
///
/// Edges leave a node on its right side and enter on its left, each at its own port, sorted by
/// where the edge comes from, so that edges into one node do not cross each other.
struct GraphLayout {
    struct Size: Equatable {
        var width: Double
        var height: Double
    }

    struct Point: Equatable {
        var x: Double
        var y: Double
    }

    struct Spacing {
        /// Horizontal room between two layers (the edges' curves live there).
        var layerGap = 44.0
        /// Vertical room between two nodes of a layer.
        var nodeGap = 14.0
        /// Vertical room next to an edge passing through a layer.
        var laneGap = 8.0
        /// Empty border around the drawing.
        var margin = 16.0
    }

    /// The layer of each node (0 = leftmost).
    let layer: [Int]
    /// The items of each layer, top to bottom: a node's index, or `nodeCount + k` for the k-th dummy.
    let order: [[Int]]
    /// Center of each node.
    let center: [Point]
    /// Each edge as a polyline: its start on the source's right side, its way through the layers
    /// between, and its end on the target's left side.
    let routes: [[Point]]
    let width: Double
    let height: Double
    /// The edges' crossings between adjacent layers in the final order.
    let crossings: Int

    let nodeCount: Int

    init(sizes: [Size], edges: [(from: Int, to: Int)], spacing: Spacing = Spacing()) {
        let n = sizes.count
        nodeCount = n
        var successors = [[Int]](repeating: [], count: n), predecessors = [[Int]](repeating: [], count: n)
        for e in edges {
            require(e.from >= 0 && e.from < n && e.to >= 0 && e.to < n && e.from != e.to,
                    "GraphLayout: edge \(e.from) → \(e.to) outside 0..<\(n) or a loop")
            successors[e.from].append(e.to)
            predecessors[e.to].append(e.from)
        }

        // 1. Layers: longest path from the sources, in a topological order (Kahn).
        var indegree = predecessors.map(\.count), queue = (0..<n).filter { indegree[$0] == 0 }, topo: [Int] = []
        var head = 0
        while head < queue.count {
            let v = queue[head]
            head += 1
            topo.append(v)
            for s in successors[v] {
                indegree[s] -= 1
                if indegree[s] == 0 { queue.append(s) }
            }
        }
        require(topo.count == n, "GraphLayout: the graph has a cycle")
        var layer = [Int](repeating: 0, count: n)
        for v in topo { for s in successors[v] { layer[s] = Swift.max(layer[s], layer[v] + 1) } }
        for v in 0..<n where predecessors[v].isEmpty && !successors[v].isEmpty {
            layer[v] = (successors[v].map { layer[$0] }.min() ?? 1) - 1
        }
        self.layer = layer
        let layerCount = (layer.max() ?? -1) + 1

        // 2. Dummies: every edge becomes a chain of items, one per layer it touches.
        var itemLayer = layer
        var chains: [[Int]] = []
        for e in edges {
            var chain = [e.from]
            for l in (layer[e.from] + 1)..<Swift.max(layer[e.to], layer[e.from] + 1) {
                itemLayer.append(l)
                chain.append(itemLayer.count - 1)
            }
            chain.append(e.to)
            chains.append(chain)
        }
        let itemCount = itemLayer.count
        var up = [[Int]](repeating: [], count: itemCount), down = [[Int]](repeating: [], count: itemCount)
        for chain in chains {
            for k in 1..<chain.count {
                down[chain[k - 1]].append(chain[k])
                up[chain[k]].append(chain[k - 1])
            }
        }

        // 3. Order: barycenter sweeps, keeping the best; then adjacent swaps.
        var order = [[Int]](repeating: [], count: layerCount)
        for item in 0..<itemCount { order[itemLayer[item]].append(item) }
        var position = [Int](repeating: 0, count: itemCount)
        func reindex(_ l: Int) { for (i, item) in order[l].enumerated() { position[item] = i } }
        for l in 0..<layerCount { reindex(l) }
        func total() -> Int {
            var sum = 0
            for l in 0..<Swift.max(0, layerCount - 1) {
                sum += GraphLayout.crossings(upper: order[l], position: position, neighbours: down)
            }
            return sum
        }
        func sweep(_ l: Int, by neighbours: [[Int]]) {
            let keyed = order[l].map { item -> (item: Int, key: Double) in
                let ns = neighbours[item]
                guard !ns.isEmpty else { return (item, Double(position[item])) }
                return (item, Double(ns.reduce(0) { $0 + position[$1] }) / Double(ns.count))
            }
            // Stable: ties keep their current order.
            order[l] = keyed.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element.item)
            reindex(l)
        }
        var best = order, bestCount = total()
        var round = 0
        while bestCount > 0 && round < 24 {
            for l in 1..<Swift.max(1, layerCount) { sweep(l, by: up) }
            for l in stride(from: layerCount - 2, through: 0, by: -1) { sweep(l, by: down) }
            let count = total()
            if count < bestCount { best = order; bestCount = count }
            round += 1
        }
        order = best
        for l in 0..<layerCount { reindex(l) }
        // Adjacent swaps that remove crossings with both neighbouring layers.
        func pairCrossings(_ a: Int, _ b: Int) -> Int {
            var c = 0
            for ns in [up, down] {
                for x in ns[a] { for y in ns[b] where position[x] > position[y] { c += 1 } }
            }
            return c
        }
        var improved = bestCount > 0
        var passes = 0
        while improved && passes < 8 {
            improved = false
            passes += 1
            for l in 0..<layerCount where order[l].count > 1 && order[l].count <= 400 {
                for i in 0..<(order[l].count - 1) {
                    let a = order[l][i], b = order[l][i + 1]
                    if pairCrossings(b, a) < pairCrossings(a, b) {
                        order[l].swapAt(i, i + 1)
                        position[a] = i + 1
                        position[b] = i
                        improved = true
                    }
                }
            }
        }
        self.order = order
        crossings = total()

        // 4. Coordinates.
        func itemSize(_ item: Int) -> Size { item < n ? sizes[item] : Size(width: 0, height: 0) }
        var layerWidth = [Double](repeating: 0, count: layerCount), layerLeft = [Double](repeating: spacing.margin, count: layerCount)
        for item in 0..<itemCount { layerWidth[itemLayer[item]] = Swift.max(layerWidth[itemLayer[item]], itemSize(item).width) }
        for l in 1..<Swift.max(1, layerCount) { layerLeft[l] = layerLeft[l - 1] + layerWidth[l - 1] + spacing.layerGap }
        func gap(_ a: Int, _ b: Int) -> Double {
            let room = a < n && b < n ? spacing.nodeGap : spacing.laneGap
            return itemSize(a).height / 2 + itemSize(b).height / 2 + room
        }
        var y = [Double](repeating: 0, count: itemCount)
        for l in 0..<layerCount {
            var at = 0.0
            for (i, item) in order[l].enumerated() {
                if i > 0 { at += gap(order[l][i - 1], item) }
                y[item] = at
            }
            let shift = at / 2
            for item in order[l] { y[item] -= shift }
        }
        func place(_ l: Int, towards neighbours: [[[Int]]]) {
            let items = order[l]
            guard !items.isEmpty else { return }
            let desired = items.map { item -> Double in
                let ns = neighbours.flatMap { $0[item] }
                return ns.isEmpty ? y[item] : ns.reduce(0) { $0 + y[$1] } / Double(ns.count)
            }
            var offsets = [0.0]
            for i in 1..<items.count { offsets.append(offsets[i - 1] + gap(items[i - 1], items[i])) }
            let solved = GraphLayout.isotonic(zip(desired, offsets).map { $0 - $1 })
            for (i, item) in items.enumerated() { y[item] = solved[i] + offsets[i] }
        }
        for _ in 0..<8 {
            for l in 1..<Swift.max(1, layerCount) { place(l, towards: [up]) }
            for l in stride(from: layerCount - 2, through: 0, by: -1) { place(l, towards: [down]) }
        }
        for l in 0..<layerCount { place(l, towards: [up, down]) }
        let top = (0..<itemCount).map { y[$0] - itemSize($0).height / 2 }.min() ?? 0
        let bottom = (0..<itemCount).map { y[$0] + itemSize($0).height / 2 }.max() ?? 0
        for item in 0..<itemCount { y[item] += spacing.margin - top }
        height = bottom - top + 2 * spacing.margin
        width = layerCount == 0 ? 2 * spacing.margin : layerLeft[layerCount - 1] + layerWidth[layerCount - 1] + spacing.margin
        let center = (0..<n).map { Point(x: layerLeft[layer[$0]] + layerWidth[layer[$0]] / 2, y: y[$0]) }
        self.center = center

        // Routes, with a port per edge on each side of a node, sorted by where the edge goes.
        var routes: [[Point]] = chains.map { chain in
            var points: [Point] = []
            for (k, item) in chain.enumerated() {
                if k == 0 {
                    points.append(Point(x: center[item].x + sizes[item].width / 2, y: y[item]))
                } else if k == chain.count - 1 {
                    points.append(Point(x: center[item].x - sizes[item].width / 2, y: y[item]))
                } else {
                    let l = itemLayer[item]
                    points.append(Point(x: layerLeft[l], y: y[item]))
                    points.append(Point(x: layerLeft[l] + layerWidth[l], y: y[item]))
                }
            }
            return points
        }
        func spread(_ edgeIndices: [Int], of node: Int, key: (Int) -> Double, apply: (Int, Double) -> Void) {
            guard edgeIndices.count > 1 else { return }
            let sortedEdges = edgeIndices.sorted { (key($0), $0) < (key($1), $1) }
            let room = Swift.max(0, sizes[node].height - 12)
            let step = Swift.min(8, room / Double(sortedEdges.count - 1))
            for (j, e) in sortedEdges.enumerated() { apply(e, (Double(j) - Double(sortedEdges.count - 1) / 2) * step) }
        }
        var incoming = [[Int]](repeating: [], count: n), outgoing = [[Int]](repeating: [], count: n)
        for (k, e) in edges.enumerated() {
            incoming[e.to].append(k)
            outgoing[e.from].append(k)
        }
        for v in 0..<n {
            spread(incoming[v], of: v, key: { routes[$0][routes[$0].count - 2].y }) { e, dy in routes[e][routes[e].count - 1].y += dy }
            spread(outgoing[v], of: v, key: { routes[$0][1].y }) { e, dy in routes[e][0].y += dy }
        }
        self.routes = routes
    }

    /// Crossings between the layer `upper` and the next one: pairs of segments whose ends are in
    /// opposite orders (segments sharing an end do not cross). Counted as inversions, in
    /// O(s log s) for s segments.
    static func crossings(upper: [Int], position: [Int], neighbours down: [[Int]]) -> Int {
        var segments: [(Int, Int)] = []
        for item in upper { for lower in down[item] { segments.append((position[item], position[lower])) } }
        segments.sort { $0 < $1 }
        // Count pairs i < j with lower_i > lower_j (upper_i ≤ upper_j by the sort; equal uppers never cross).
        let size = (segments.map(\.1).max() ?? 0) + 2
        var tree = [Int](repeating: 0, count: size + 1), seen = 0, count = 0
        var k = 0
        while k < segments.count {
            // Segments with the same upper end: count against earlier groups, then insert together.
            var end = k
            while end < segments.count && segments[end].0 == segments[k].0 { end += 1 }
            for (_, lower) in segments[k..<end] {
                var i = lower + 1, notAbove = 0
                while i > 0 { notAbove += tree[i]; i -= i & -i }
                count += seen - notAbove
            }
            for (_, lower) in segments[k..<end] {
                var i = lower + 1
                while i <= size { tree[i] += 1; i += i & -i }
                seen += 1
            }
            k = end
        }
        return count
    }

    /// Crossings of a given layering and order (a test's or a caller's own), by the same count.
    static func crossings(order: [[Int]], edges: [(upper: Int, lower: Int)]) -> Int {
        let itemCount = (order.flatMap { $0 }.max() ?? -1) + 1
        var position = [Int](repeating: 0, count: itemCount), down = [[Int]](repeating: [], count: itemCount)
        for layer in order { for (i, item) in layer.enumerated() { position[item] = i } }
        for e in edges { down[e.upper].append(e.lower) }
        return order.dropLast().reduce(0) { $0 + crossings(upper: $1, position: position, neighbours: down) }
    }

    /// The non-decreasing sequence closest to `values` in least squares (pool adjacent violators).
    static func isotonic(_ values: [Double]) -> [Double] {
        var means: [Double] = [], weights: [Double] = []
        for v in values {
            var mean = v, weight = 1.0
            while let last = means.last, last > mean {
                mean = (last * weights[weights.count - 1] + mean * weight) / (weights[weights.count - 1] + weight)
                weight += weights[weights.count - 1]
                means.removeLast()
                weights.removeLast()
            }
            means.append(mean)
            weights.append(weight)
        }
        var out: [Double] = []
        for (m, w) in zip(means, weights) { out += [Double](repeating: m, count: Int(w)) }
        return out
    }
}

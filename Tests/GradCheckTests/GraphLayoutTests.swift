import XCTest
@testable import Autograd

/// The layered left-to-right layout of the inspection page: layers respect edges, boxes do not
/// overlap, known graphs are drawn without crossings, and the crossing count is right.
final class GraphLayoutTests: XCTestCase {
    typealias Size = GraphLayout.Size

    /// A seeded random DAG: each node draws its inputs from the nodes before it.
    func randomDAG(nodes: Int, seed: UInt64) -> (sizes: [Size], edges: [(from: Int, to: Int)]) {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var edges: [(from: Int, to: Int)] = []
        for v in 3..<nodes {
            for _ in 0..<(1 + next(2)) { edges.append((next(v), v)) }
        }
        let sizes = (0..<nodes).map { _ in Size(width: Double(30 + next(90)), height: Double(20 + next(40))) }
        return (sizes, edges)
    }

    func assertSound(_ layout: GraphLayout, sizes: [Size], edges: [(from: Int, to: Int)], spacing: GraphLayout.Spacing = .init(),
                     file: StaticString = #filePath, line: UInt = #line) {
        var hasInput = [Bool](repeating: false, count: sizes.count), users = [[Int]](repeating: [], count: sizes.count)
        for e in edges {
            XCTAssertLessThan(layout.layer[e.from], layout.layer[e.to], "edge \(e.from) → \(e.to) goes right", file: file, line: line)
            hasInput[e.to] = true
            users[e.from].append(e.to)
        }
        // A node with no inputs sits just before its first user.
        for v in sizes.indices where !hasInput[v] && !users[v].isEmpty {
            XCTAssertEqual(layout.layer[v], (users[v].map { layout.layer[$0] }.min() ?? 0) - 1, "source \(v)", file: file, line: line)
        }
        // Boxes of a layer keep their order and their gap; everything is inside the drawing.
        for items in layout.order {
            let nodes = items.filter { $0 < sizes.count }
            for (a, b) in zip(nodes, nodes.dropFirst()) {
                let room = layout.center[b].y - layout.center[a].y - (sizes[a].height + sizes[b].height) / 2
                XCTAssertGreaterThanOrEqual(room, spacing.nodeGap - 1e-6, "boxes \(a) and \(b) overlap", file: file, line: line)
            }
        }
        for (v, c) in layout.center.enumerated() {
            XCTAssertGreaterThanOrEqual(c.x - sizes[v].width / 2, 0, file: file, line: line)
            XCTAssertGreaterThanOrEqual(c.y - sizes[v].height / 2, 0, file: file, line: line)
            XCTAssertLessThanOrEqual(c.x + sizes[v].width / 2, layout.width, file: file, line: line)
            XCTAssertLessThanOrEqual(c.y + sizes[v].height / 2, layout.height + 1e-6, file: file, line: line)
        }
        // Each route starts on its source's right side, ends on its target's left side, and runs left to right.
        for (k, e) in edges.enumerated() {
            let route = layout.routes[k]
            XCTAssertEqual(route.first?.x ?? .nan, layout.center[e.from].x + sizes[e.from].width / 2, accuracy: 1e-9, file: file, line: line)
            XCTAssertEqual(route.last?.x ?? .nan, layout.center[e.to].x - sizes[e.to].width / 2, accuracy: 1e-9, file: file, line: line)
            for (p, q) in zip(route, route.dropFirst()) { XCTAssertLessThanOrEqual(p.x, q.x, file: file, line: line) }
        }
    }

    func testLayersRespectEdgesAndBoxesDoNotOverlapOnRandomGraphs() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let (sizes, edges) = randomDAG(nodes: 12 + Int(seed) * 5, seed: seed)
            let layout = GraphLayout(sizes: sizes, edges: edges)
            assertSound(layout, sizes: sizes, edges: edges)
            // The order found has no more crossings than the order the nodes came in.
            let initial = initialCrossings(layout: layout, edges: edges)
            XCTAssertLessThanOrEqual(layout.crossings, initial, "seed \(seed)")
        }
    }

    /// The crossings of the same layering with each layer in creation order (nodes by index, then dummies).
    func initialCrossings(layout: GraphLayout, edges: [(from: Int, to: Int)]) -> Int {
        var segments: [(upper: Int, lower: Int)] = []
        var dummy = layout.nodeCount
        var itemLayer = layout.layer
        for e in edges {
            var previous = e.from
            for l in (layout.layer[e.from] + 1)..<layout.layer[e.to] {
                itemLayer.append(l)
                segments.append((previous, dummy))
                previous = dummy
                dummy += 1
            }
            segments.append((previous, e.to))
        }
        var order = [[Int]](repeating: [], count: layout.order.count)
        for (item, l) in itemLayer.enumerated() { order[l].append(item) }
        return GraphLayout.crossings(order: order, edges: segments)
    }

    func testTheTourExpressionHasNoCrossings() {
        // L = (a·b + c)², drawn as the page draws it: tensors and ops as boxes.
        // 0 a, 1 b, 2 c, 3 ×, 4 t1, 5 +, 6 t2, 7 ×, 8 t3
        let edges: [(from: Int, to: Int)] = [(0, 3), (1, 3), (3, 4), (4, 5), (2, 5), (5, 6), (6, 7), (6, 7), (7, 8)]
        let sizes = [Size](repeating: Size(width: 60, height: 40), count: 9)
        let layout = GraphLayout(sizes: sizes, edges: edges)
        XCTAssertEqual(layout.crossings, 0)
        XCTAssertEqual(layout.layer, [0, 0, 2, 1, 2, 3, 4, 5, 6], "c waits beside t1, just before the add that uses it")
        assertSound(layout, sizes: sizes, edges: edges)
    }

    func testScrambledMatchingAndTreesAreUntangled() {
        // Five parallel chains given in the worst order: every pair crosses at first.
        var edges: [(from: Int, to: Int)] = []
        for i in 0..<5 { edges.append((i, 9 - i)); edges.append((9 - i, 10 + i)) }
        let sizes = [Size](repeating: Size(width: 40, height: 20), count: 15)
        let layout = GraphLayout(sizes: sizes, edges: edges)
        XCTAssertEqual(initialCrossings(layout: layout, edges: edges), 20)
        XCTAssertEqual(layout.crossings, 0)
        assertSound(layout, sizes: sizes, edges: edges)

        // A binary tree of sums (leaves first, as a tape records them) and a diamond.
        var tree: [(from: Int, to: Int)] = []
        var level = Array(0..<8), next = 8
        while level.count > 1 {
            var up: [Int] = []
            for pair in stride(from: 0, to: level.count, by: 2) {
                tree.append((level[pair], next))
                tree.append((level[pair + 1], next))
                up.append(next)
                next += 1
            }
            level = up
        }
        let treeLayout = GraphLayout(sizes: [Size](repeating: Size(width: 30, height: 30), count: next), edges: tree)
        XCTAssertEqual(treeLayout.crossings, 0)
        let diamond = GraphLayout(sizes: [Size](repeating: Size(width: 30, height: 30), count: 4),
                                  edges: [(0, 1), (0, 2), (1, 3), (2, 3)])
        XCTAssertEqual(diamond.crossings, 0)
    }

    func testCrossingCounts() {
        // Two segments in opposite orders cross once; in the same order, or sharing an end, not at all.
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1], [2, 3]], edges: [(0, 3), (1, 2)]), 1)
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1], [2, 3]], edges: [(0, 2), (1, 3)]), 0)
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1], [2, 3]], edges: [(0, 2), (1, 2), (0, 3)]), 1)
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1], [2]], edges: [(0, 2), (1, 2)]), 0)
        // The complete bipartite graph K3,3 between two layers: C(3,2)·C(3,2) = 9 in any order.
        var k33: [(upper: Int, lower: Int)] = []
        for u in 0..<3 { for v in 3..<6 { k33.append((u, v)) } }
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1, 2], [3, 4, 5]], edges: k33), 9)
        XCTAssertEqual(GraphLayout.crossings(order: [[2, 0, 1], [4, 5, 3]], edges: k33), 9)
        let layout = GraphLayout(sizes: [Size](repeating: Size(width: 20, height: 20), count: 6),
                                 edges: k33.map { (from: $0.upper, to: $0.lower) })
        XCTAssertEqual(layout.crossings, 9, "no order avoids them")
        // Three layers, counted per pair of adjacent layers: 1 + 2.
        XCTAssertEqual(GraphLayout.crossings(order: [[0, 1], [2, 3], [4, 5, 6]],
                                             edges: [(0, 3), (1, 2), (2, 5), (2, 6), (3, 4)]), 3)
    }

    func testIsotonicRegressionPoolsAdjacentViolators() {
        XCTAssertEqual(GraphLayout.isotonic([1, 2, 3]), [1, 2, 3])
        XCTAssertEqual(GraphLayout.isotonic([3, 1, 2]), [2, 2, 2])
        XCTAssertEqual(GraphLayout.isotonic([1, 4, 2, 5]), [1, 3, 3, 5])
        XCTAssertEqual(GraphLayout.isotonic([]), [])
    }

    func testEmptyAndSingleNodeGraphs() {
        let empty = GraphLayout(sizes: [], edges: [])
        XCTAssertEqual(empty.crossings, 0)
        XCTAssertTrue(empty.routes.isEmpty)
        let one = GraphLayout(sizes: [Size(width: 50, height: 30)], edges: [])
        XCTAssertEqual(one.layer, [0])
        XCTAssertEqual(one.width, 50 + 2 * GraphLayout.Spacing().margin)
    }
}

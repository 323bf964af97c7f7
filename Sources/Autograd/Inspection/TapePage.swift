import Foundation

/// The inspection page of a recorded graph: one self-contained HTML file (inline SVG, CSS and
/// a little plain JavaScript, nothing fetched) that draws the graph left to right and steps
/// through the forward pass, one op at a time in tape order, then the backward pass, one rule at
/// a time in the order the engine applied them, with the chain-rule line of each step.
///
/// The markup is well-formed XML as well as HTML (the script and style sit in CDATA sections
/// that HTML reads as comments), so that tests can parse it and any browser can open it.
struct TapePage {
    var graph: TapeGraph
    var title: String
    /// What a derivation or gradcheck report adds: a banner and marked nodes.
    var report: Report?
    /// Graphs with more ops are drawn as blocks of ops (see ``GraphBlocks``).
    var collapseAbove: Int = TapePage.defaultCollapseAbove

    static let defaultCollapseAbove = 200

    /// What a report adds to the page.
    struct Report {
        /// A CSS class of the page body ("derivation", "gradcheck").
        var kind: String
        /// HTML placed under the title (already escaped).
        var banner: String
        /// Marked nodes, by their index in the graph.
        var marks: [Int: Mark] = [:]
        /// Colour keys shown with the banner.
        var legend: [(cssClass: String, text: String)] = []
    }

    /// A marked node: its colour (a CSS class), lines added to its box, and HTML for its detail panel.
    struct Mark {
        var cssClass: String
        var badges: [String]
        var detail: String
    }

    init(graph: TapeGraph, title: String, report: Report? = nil, collapseAbove: Int = TapePage.defaultCollapseAbove) {
        self.graph = graph
        self.title = title
        self.report = report
        self.collapseAbove = collapseAbove
    }

    // MARK: The drawing's pieces

    /// A box of the drawing: a tensor, an op, a constant, or a block of ops.
    struct Box {
        var id: String
        var classes: [String]
        var name: String
        /// Lines of text: (CSS class, text).
        var lines: [(cssClass: String, text: String)]
        var detailID: String
        var appear = 0
        var gradStep: Int?
        var centered = false
        var size: GraphLayout.Size {
            let chars = lines.map { $0.text.count }.max() ?? 1
            let width = Swift.max(centered ? 30 : 56, Double(chars) * TapePage.charWidth + 2 * TapePage.padding)
            return GraphLayout.Size(width: width, height: Double(lines.count) * TapePage.lineHeight + 2 * TapePage.padding - 2)
        }
    }

    struct Arrow {
        var id: String
        var from: Int
        var to: Int
        var appear = 0
    }

    struct Step {
        var phase: String
        var focus: [String]
        var edges: [String]
        var html: String
    }

    static let charWidth = 7.3
    static let lineHeight = 15.0
    static let padding = 7.0
    /// Characters of a line in a box (longer lines end with "…"; the detail panel has everything).
    static let lineLimit = 34

    var isCollapsed: Bool { graph.opCount > collapseAbove }

    // MARK: Rendering

    /// The page, as one string.
    func render() -> String {
        var boxes: [Box] = [], arrows: [Arrow] = [], steps: [Step] = [], details: [(id: String, html: String)] = []
        if isCollapsed {
            buildBlocks(&boxes, &arrows, &steps, &details)
        } else {
            buildOps(&boxes, &arrows, &steps, &details)
        }
        let layout = GraphLayout(sizes: boxes.map(\.size), edges: arrows.map { (from: $0.from, to: $0.to) })
        var out = ""
        out.reserveCapacity(64 * 1024)
        out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<title>\(PageText.escape(title))</title>\n"
        out += "<style>/*<![CDATA[*/\n\(TapePage.css)\n/*]]>*/</style>\n</head>\n"
        let kind = report?.kind ?? "tape"
        out += "<body class=\"\(kind)\(isCollapsed ? " collapsed" : "")\" data-step=\"0\" data-phase=\"start\" "
            + "data-steps=\"\(steps.count)\" data-crossings=\"\(layout.crossings)\">\n"
        out += header(steps: steps)
        out += controls(stepCount: steps.count)
        out += "<main>\n<div id=\"graph\" tabindex=\"-1\">\n"
        out += svg(boxes, arrows, layout)
        // The side panel is a column of its own beside the graph (never over it): this step, the
        // clicked box, and every step (numbered from 1, as the counter and #step=N count them).
        out += "</div>\n<aside>\n<section id=\"panel\"><h2>This step</h2><div id=\"now\"></div></section>\n"
        out += "<section id=\"detail\"><h2>Node</h2><div id=\"detail-body\"><p class=\"hint\">Click a box to see its "
            + "full value, its gradient, its op and its rule.</p></div></section>\n"
        out += "<section id=\"all-steps\"><h2>Every step</h2>\n<ol id=\"steps\">\n"
        for (k, s) in steps.enumerated() {
            out += "<li id=\"s\(k)\" data-phase=\"\(s.phase)\" data-focus=\"\(s.focus.joined(separator: " "))\" "
                + "data-edges=\"\(s.edges.joined(separator: " "))\">\(s.html)</li>\n"
        }
        out += "</ol>\n</section>\n</aside>\n</main>\n<div id=\"details\" hidden=\"hidden\">\n"
        for d in details { out += "<div class=\"detail\" id=\"\(d.id)\">\(d.html)</div>\n" }
        out += "</div>\n<script>//<![CDATA[\n\(TapePage.script)\n//]]></script>\n</body>\n</html>\n"
        return out
    }

    private func header(steps: [Step]) -> String {
        var out = "<header>\n<h1>\(PageText.escape(title))</h1>\n"
        let leaves = graph.nodes.filter(\.isLeaf).count, ops = graph.opCount
        let forward = steps.filter { $0.phase == "forward" }.count, backward = steps.filter { $0.phase == "backward" }.count
        var summary = "\(ops) op\(ops == 1 ? "" : "s"), \(leaves) lea\(leaves == 1 ? "f" : "ves")"
        if !graph.constants.isEmpty { summary += ", \(graph.constants.count) constant\(graph.constants.count == 1 ? "" : "s")" }
        if let root = graph.root {
            let r = graph.nodes[root]
            summary = "L = \(r.name)" + (r.value.map { " = " + PageText.clip(PageText.brief($0), 60) } ?? "") + " · " + summary
        }
        summary += " · \(forward) forward and \(backward) backward steps"
        if isCollapsed { summary += " · drawn as \(steps.filter { $0.phase == "forward" }.count) blocks of ops" }
        out += "<p class=\"summary\">\(PageText.escape(summary))</p>\n"
        if graph.seededWithOnes, let root = graph.root {
            out += "<p class=\"note\">\(PageText.escape(graph.nodes[root].name)) has more than one element: the backward pass "
                + "starts from ones, so the gradients shown are those of the sum of its elements.</p>\n"
        }
        for note in graph.notes { out += "<p class=\"note\">\(PageText.escape(note))</p>\n" }
        if let report {
            out += "<div class=\"banner\">\(report.banner)</div>\n"
            if !report.legend.isEmpty {
                out += "<p class=\"legend\">"
                for item in report.legend {
                    out += "<span class=\"key \(item.cssClass)\">\(PageText.escape(item.text))</span> "
                }
                out += "</p>\n"
            }
        }
        out += "<p class=\"keys\">Step with → and ← (or the buttons and the slider), Home and End for the first "
            + "and last step; click a box for its values. The address ends in #step=N for step N (from 1); "
            + "open it with #step=N to start there.</p>\n</header>\n"
        return out
    }

    private func controls(stepCount: Int) -> String {
        """
        <nav id="controls">
        <button type="button" id="first" title="first step (Home)">|◀</button>
        <button type="button" id="prev" title="previous step (←)">◀</button>
        <button type="button" id="next" title="next step (→)">▶</button>
        <button type="button" id="last" title="last step (End)">▶|</button>
        <button type="button" id="play" title="play the steps">play</button>
        <input type="range" id="slider" min="0" max="\(Swift.max(0, stepCount - 1))" value="0" aria-label="step"/>
        <span id="counter">Step 1 of \(stepCount)</span>
        <button type="button" id="zoom-out" title="smaller">−</button>
        <button type="button" id="zoom-fit" title="fit the drawing to the window">fit</button>
        <button type="button" id="zoom-in" title="larger">+</button>
        </nav>

        """
    }

    private func svg(_ boxes: [Box], _ arrows: [Arrow], _ layout: GraphLayout) -> String {
        func f(_ x: Double) -> String {
            let r = (x * 10).rounded() / 10
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
        var out = "<svg id=\"drawing\" width=\"\(f(layout.width))\" height=\"\(f(layout.height))\" "
            + "viewBox=\"0 0 \(f(layout.width)) \(f(layout.height))\" role=\"img\" aria-label=\"the graph\">\n"
        out += "<defs>"
        for (id, cssClass) in [("arrow", "head"), ("arrow-active", "head active"), ("arrow-grad", "head grad")] {
            out += "<marker id=\"\(id)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" "
                + "markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path class=\"\(cssClass)\" d=\"M0,0 L10,5 L0,10 z\"/></marker>"
        }
        out += "</defs>\n<g id=\"edges\">\n"
        for (k, a) in arrows.enumerated() {
            let points = layout.routes[k]
            guard let first = points.first else { continue }
            var d = "M\(f(first.x)),\(f(first.y))"
            for (p, q) in zip(points, points.dropFirst()) {
                if p.y == q.y {
                    d += " L\(f(q.x)),\(f(q.y))"
                } else {
                    let dx = (q.x - p.x) / 2
                    d += " C\(f(p.x + dx)),\(f(p.y)) \(f(q.x - dx)),\(f(q.y)) \(f(q.x)),\(f(q.y))"
                }
            }
            out += "<path class=\"edge\" id=\"\(a.id)\" data-from=\"\(boxes[a.from].id)\" data-to=\"\(boxes[a.to].id)\" "
                + "data-appear=\"\(a.appear)\" d=\"\(d)\"/>\n"
        }
        out += "</g>\n<g id=\"nodes\">\n"
        for (i, b) in boxes.enumerated() {
            let c = layout.center[i], size = b.size
            out += "<g class=\"\(b.classes.joined(separator: " "))\" id=\"\(b.id)\" data-name=\"\(PageText.escape(b.name))\" "
                + "data-detail=\"\(b.detailID)\" data-appear=\"\(b.appear)\""
                + (b.gradStep.map { " data-grad=\"\($0)\"" } ?? "")
                + " tabindex=\"0\" transform=\"translate(\(f(c.x - size.width / 2)),\(f(c.y - size.height / 2)))\">"
            out += "<rect width=\"\(f(size.width))\" height=\"\(f(size.height))\" rx=\"\(b.centered ? f(Swift.min(size.height / 2, 11)) : "5")\"/>"
            for (k, line) in b.lines.enumerated() {
                let y = TapePage.padding + Double(k + 1) * TapePage.lineHeight - 4
                let x = b.centered ? size.width / 2 : TapePage.padding
                out += "<text class=\"\(line.cssClass)\" x=\"\(f(x))\" y=\"\(f(y))\"\(b.centered ? " text-anchor=\"middle\"" : "")>"
                    + "\(PageText.escape(line.text))</text>"
            }
            out += "</g>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    // MARK: Op by op

    /// A short symbol for an op's box.
    static func symbol(_ op: String) -> String {
        switch op {
        case "add": return "+"
        case "subtract": return "−"
        case "multiply": return "×"
        case "divide": return "÷"
        case "negate": return "−x"
        default: return op
        }
    }

    /// The lines of a tensor's box: its value, then its gradient.
    private func tensorLines(_ value: TensorSummary?, _ gradient: TensorSummary?) -> [(cssClass: String, text: String)] {
        var lines: [(cssClass: String, text: String)] = []
        let limit = TapePage.lineLimit
        if let value {
            if let text = PageText.inline(value) {
                lines.append(("val", PageText.clip(text, limit)))
            } else {
                lines.append(("val", PageText.clip("min \(PageText.number(value.min)) max \(PageText.number(value.max))", limit)))
                lines.append(("val", PageText.clip("mean \(PageText.number(value.mean)) ‖·‖ \(PageText.number(value.norm))", limit)))
            }
        } else {
            lines.append(("val", "(freed)"))
        }
        if let gradient {
            if let text = PageText.inline(gradient) {
                lines.append(("grad", PageText.clip("grad \(text)", limit)))
            } else {
                lines.append(("grad", PageText.clip("grad min \(PageText.number(gradient.min)) max \(PageText.number(gradient.max))", limit)))
                lines.append(("grad", PageText.clip("grad ‖·‖ \(PageText.number(gradient.norm))", limit)))
            }
        }
        return lines
    }

    private func call(_ i: Int) -> String {
        let node = graph.nodes[i]
        let args = node.inputs.map { input -> String in
            switch input {
            case .node(let k): return graph.nodes[k].name
            case .constant(let k): return PageText.inline(graph.constants[k], limit: 4) ?? "const"
            }
        }
        let attrs = node.attributes.isEmpty ? "" : " {\(node.attributes)}"
        return "\(node.name) = \(node.op)(\(args.joined(separator: ", ")))\(attrs)"
    }

    private func detail(of i: Int, users: [[Int]], gradStep: Int?) -> String {
        let node = graph.nodes[i]
        var out = "<h3>\(PageText.escape(node.name)) <span class=\"shape\">\(PageText.shape(node.shape))</span></h3>"
        if node.isLeaf {
            out += "<p><b>leaf</b>: an input of the graph; backward stores its gradient in <code>.grad</code>.</p>"
        } else {
            out += "<p><b>op</b> <code>\(PageText.escape(call(i)))</code></p>"
            if !node.attributes.isEmpty { out += "<p><b>attributes</b> \(PageText.escape(node.attributes))</p>" }
            out += "<p class=\"rule\"><b>rule</b> \(PageText.escape(DerivativeRuleText.description(op: node.op, attributes: node.attributes)))</p>"
        }
        if !users[i].isEmpty {
            out += "<p><b>used by</b> " + PageText.escape(users[i].map { graph.nodes[$0].name }.joined(separator: ", ")) + "</p>"
        }
        out += "<h4>value</h4>" + (node.value.map(PageText.table) ?? "<p>(freed by an earlier backward pass)</p>")
        out += "<div class=\"gradpart\"><h4>gradient ∂L/∂\(PageText.escape(node.name))</h4>"
            + (node.gradient.map(PageText.table) ?? "<p>none: no gradient reached it</p>") + "</div>"
        if let gradStep {
            out += "<p class=\"gradwait\">Its gradient is complete at step \(gradStep + 1).</p>"
        }
        if let mark = report?.marks[i] { out += mark.detail }
        return out
    }

    private func buildOps(_ boxes: inout [Box], _ arrows: inout [Arrow], _ steps: inout [Step],
                          _ details: inout [(id: String, html: String)]) {
        let users = graph.consumers()
        var valueBox = [Int](repeating: -1, count: graph.nodes.count), opBox = valueBox
        for (i, node) in graph.nodes.enumerated() {
            var lines: [(cssClass: String, text: String)] = [("name", PageText.clip(node.shape.isEmpty ? node.name
                                                                  : "\(node.name) \(PageText.shape(node.shape))", TapePage.lineLimit))]
            lines += tensorLines(node.value, node.gradient)
            var classes = ["node", "value", node.isLeaf ? "leaf" : "result"]
            if i == graph.root { classes.append("root") }
            if let mark = report?.marks[i] {
                classes.append(mark.cssClass)
                for badge in mark.badges { lines.append(("badge", PageText.clip(badge, TapePage.lineLimit))) }
            }
            valueBox[i] = boxes.count
            boxes.append(Box(id: "v\(i)", classes: classes, name: node.name, lines: lines, detailID: "d\(i)"))
            if !node.isLeaf {
                var opLines: [(cssClass: String, text: String)] = [("opname", TapePage.symbol(node.op))]
                if !node.attributes.isEmpty { opLines.append(("attr", PageText.clip(node.attributes, 22))) }
                opBox[i] = boxes.count
                boxes.append(Box(id: "o\(i)", classes: ["node", "op"], name: node.op, lines: opLines, detailID: "d\(i)",
                                 centered: true))
            }
        }
        var constBox: [Int] = []
        for (k, c) in graph.constants.enumerated() {
            constBox.append(boxes.count)
            let text = c.count == 0 && !c.shape.isEmpty && c.shape.reduce(1, *) != 0 ? "(freed)" : PageText.inline(c, limit: 6)
            boxes.append(Box(id: "c\(k)", classes: ["node", "const"], name: "const",
                             lines: [("val", PageText.clip(text ?? "const \(PageText.shape(c.shape))", 24))],
                             detailID: "dc\(k)"))
            details.append(("dc\(k)", "<h3>a constant <span class=\"shape\">\(PageText.shape(c.shape))</span></h3>"
                            + "<p>A plain tensor (not part of the graph): no gradient flows into it.</p>"
                            + "<h4>value</h4>" + (c.count == 0 && c.shape.reduce(1, *) != 0 ? "<p>(freed)</p>" : PageText.table(c))))
        }
        var inEdge = [[String]](repeating: [], count: graph.nodes.count), outEdge = [String](repeating: "", count: graph.nodes.count)
        for (i, node) in graph.nodes.enumerated() where !node.isLeaf {
            for input in node.inputs {
                let from: Int
                switch input {
                case .node(let k): from = valueBox[k]
                case .constant(let k): from = constBox[k]
                }
                let id = "e\(arrows.count)"
                arrows.append(Arrow(id: id, from: from, to: opBox[i]))
                inEdge[i].append(id)
            }
            outEdge[i] = "e\(arrows.count)"
            arrows.append(Arrow(id: outEdge[i], from: opBox[i], to: valueBox[i]))
        }

        // Start: the leaves.
        let leaves = graph.nodes.indices.filter { graph.nodes[$0].isLeaf }
        let shown = leaves.prefix(12).map { k -> String in
            let n = graph.nodes[k]
            return "\(n.name) = " + (n.value.map { PageText.clip(PageText.brief($0), 40) } ?? "(freed)")
        }
        var start = "<p><span class=\"phase\">start</span> The leaves hold their values"
        start += leaves.isEmpty ? ".</p>" : ": " + PageText.escape(shown.joined(separator: "; "))
            + (leaves.count > 12 ? "; and \(leaves.count - 12) more" : "") + ".</p>"
        start += "<p>Forward runs the ops in the order they were recorded (the tape); backward then applies "
            + "each op's rule from the loss back to the leaves.</p>"
        steps.append(Step(phase: "start", focus: leaves.map { "v\($0)" }, edges: [], html: start))

        // Forward, in tape order.
        for (i, node) in graph.nodes.enumerated() where !node.isLeaf {
            let k = steps.count
            boxes[valueBox[i]].appear = k
            boxes[opBox[i]].appear = k
            for id in inEdge[i] + [outEdge[i]] { if let e = Int(id.dropFirst()) { arrows[e].appear = k } }
            var html = "<p><span class=\"phase\">forward</span> <code>\(PageText.escape(call(i)))</code></p>"
            if let value = node.value {
                html += "<p class=\"eq\">\(PageText.escape(node.name)) = \(PageText.escape(PageText.brief(value)))"
                    + (value.shape.isEmpty ? "" : " <span class=\"shape\">\(PageText.shape(value.shape))</span>") + "</p>"
            } else {
                html += "<p class=\"eq\">(value freed)</p>"
            }
            steps.append(Step(phase: "forward", focus: ["o\(i)", "v\(i)"], edges: inEdge[i] + [outEdge[i]], html: html))
        }

        // Backward: the seed, then each rule in the engine's order.
        var gradStep = [Int?](repeating: nil, count: graph.nodes.count)
        if let root = graph.root, let seed = graph.nodes[root].gradient, !graph.backward.isEmpty || graph.nodes[root].isLeaf {
            let name = graph.nodes[root].name
            gradStep[root] = steps.count
            var html = "<p><span class=\"phase\">backward</span> starts at the loss L = \(PageText.escape(name)):</p>"
            html += "<p class=\"eq\">∂L/∂\(PageText.escape(name)) = \(PageText.escape(PageText.brief(seed)))</p>"
            steps.append(Step(phase: "backward", focus: ["v\(root)"], edges: [], html: html))
        }
        // A node's gradient is complete when the last of its users has sent its part.
        var remaining = graph.nodes.map { _ in 0 }
        for step in graph.backward { for c in step.contributions { remaining[c.node] += 1 } }
        for step in graph.backward {
            let i = step.node, node = graph.nodes[i]
            let upstream = node.gradient
            let inputNames = node.inputs.map { input -> String in
                if case .node(let k) = input { return graph.nodes[k].name }
                return "const"
            }
            var html = "<p><span class=\"phase\">backward</span> the rule of <code>\(PageText.escape(call(i)))</code>, given "
                + "∂L/∂\(PageText.escape(node.name)) = \(PageText.escape(upstream.map { PageText.brief($0) } ?? "?"))</p>"
            var edges = [outEdge[i]], focus = ["o\(i)", "v\(i)"]
            var completed: [Int] = []
            for c in step.contributions {
                if c.slot < inEdge[i].count { edges.append(inEdge[i][c.slot]) }
                if !focus.contains("v\(c.node)") { focus.append("v\(c.node)") }
                html += "<p class=\"eq\">" + PageText.escape(chainRuleLine(node: i, contribution: c, inputNames: inputNames)) + "</p>"
                remaining[c.node] -= 1
                if remaining[c.node] == 0 { completed.append(c.node) }
            }
            for k in completed {
                gradStep[k] = steps.count
                let n = graph.nodes[k]
                let total = n.gradient.map { PageText.brief($0) } ?? "?"
                html += "<p class=\"done\">∂L/∂\(PageText.escape(n.name)) = \(PageText.escape(total)): complete, every use of "
                    + "\(PageText.escape(n.name)) has sent its part" + (n.isLeaf ? " (stored in .grad)" : "") + ".</p>"
            }
            steps.append(Step(phase: "backward", focus: focus, edges: edges, html: html))
        }
        // A freed graph: only the leaves' stored gradients are known.
        if graph.backward.isEmpty && gradStep.allSatisfy({ $0 == nil }) {
            let stored = graph.nodes.indices.filter { graph.nodes[$0].gradient != nil }
            if !stored.isEmpty {
                for k in stored { gradStep[k] = steps.count }
                steps.append(Step(phase: "backward", focus: stored.map { "v\($0)" }, edges: [],
                                  html: "<p><span class=\"phase\">backward</span> The gradients stored in the leaves' "
                                      + "<code>.grad</code> by an earlier backward pass (its steps were not recorded).</p>"))
            }
        }
        for i in graph.nodes.indices {
            boxes[valueBox[i]].gradStep = gradStep[i]
            details.append(("d\(i)", detail(of: i, users: users, gradStep: gradStep[i])))
        }
    }

    /// "∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24": the formula, the numbers when both are one
    /// element and the rule is a product, and the result.
    func chainRuleLine(node i: Int, contribution c: TapeGraph.Contribution, inputNames: [String]) -> String {
        let node = graph.nodes[i]
        let target = "∂L/∂\(graph.nodes[c.node].name)"
        let result = c.scalar.map(PageText.number) ?? PageText.engineText(c.text)
        guard let formula = DerivativeRuleText.formula(op: node.op, attributes: node.attributes, slot: c.slot,
                                                       inputs: inputNames, output: node.name) else {
            return "\(target) += (rule of \(node.op)) = \(result)"
        }
        // The numbers of the product, for one-element tensors (no broadcasting sum hides in the rule).
        let inputValues = node.inputs.map { input -> Double? in
            switch input {
            case .node(let k): return graph.nodes[k].value?.scalar
            case .constant(let k): return graph.constants[k].scalar
            }
        }
        if formula.isProduct, c.scalar != nil, let upstream = node.gradient?.scalar, node.value?.count == 1,
           let factor = DerivativeRuleText.localFactor(op: node.op, attributes: node.attributes, slot: c.slot,
                                                       inputs: inputValues, output: node.value?.scalar) {
            return "\(target) += \(formula.text) = \(PageText.factor(upstream)) · \(PageText.factor(factor)) = \(result)"
        }
        return "\(target) += \(formula.text) = \(result)"
    }

    // MARK: Blocks

    private func buildBlocks(_ boxes: inout [Box], _ arrows: inout [Arrow], _ steps: inout [Step],
                             _ details: inout [(id: String, html: String)]) {
        let blocks = GraphBlocks(graph)
        let rows = 40
        func row(_ i: Int) -> String {
            let n = graph.nodes[i]
            let head = n.isLeaf ? n.name : PageText.clip(call(i), 60)
            return "<tr><td><code>\(PageText.escape(head))</code></td><td>\(PageText.shape(n.shape))</td>"
                + "<td>\(PageText.escape(n.value.map { PageText.clip(PageText.brief($0), 60) } ?? "(freed)"))</td>"
                + "<td class=\"g\">\(PageText.escape(n.gradient.map { PageText.clip(PageText.brief($0), 60) } ?? "—"))</td></tr>"
        }
        for (b, block) in blocks.blocks.enumerated() {
            var counts: [String: Int] = [:]
            for op in block.ops { counts[graph.nodes[op].op, default: 0] += 1 }
            let kinds = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(3).map { "\($0.key)×\($0.value)" }
            var lines: [(cssClass: String, text: String)] = [("name", PageText.clip(block.name, TapePage.lineLimit))]
            lines.append(("info", PageText.clip("\(block.ops.count) ops, \(block.leaves.count) leaves", TapePage.lineLimit)))
            if !kinds.isEmpty { lines.append(("info", PageText.clip(kinds.joined(separator: " "), TapePage.lineLimit))) }
            let last = block.ops.last ?? block.leaves.last
            if let last, let value = graph.nodes[last].value {
                lines.append(("val", PageText.clip("\(graph.nodes[last].name) \(PageText.brief(value))", TapePage.lineLimit)))
            }
            if let last, let g = graph.nodes[last].gradient {
                lines.append(("grad", PageText.clip("grad ‖·‖ \(PageText.number(g.norm))", TapePage.lineLimit)))
            }
            var classes = ["node", "block"]
            if block.ops.isEmpty { classes.append("leaf") }
            if let root = graph.root, blocks.blockOf[root] == b { classes.append("root") }
            boxes.append(Box(id: "b\(b)", classes: classes, name: block.name, lines: lines, detailID: "db\(b)"))
            var html = "<h3>\(PageText.escape(block.name))</h3><p>\(block.ops.count) ops and \(block.leaves.count) leaves "
                + "of the tape, drawn as one box.</p>"
            html += "<table class=\"ops\"><tr><th>tensor</th><th>shape</th><th>value</th><th>gradient</th></tr>"
            let members = block.leaves + block.ops
            for i in members.prefix(rows) { html += row(i) }
            html += "</table>"
            if members.count > rows { html += "<p>… and \(members.count - rows) more.</p>" }
            details.append(("db\(b)", html))
        }
        var incoming = [[String]](repeating: [], count: blocks.blocks.count)
        for e in blocks.edges {
            let id = "e\(arrows.count)"
            arrows.append(Arrow(id: id, from: e.from, to: e.to))
            incoming[e.to].append(id)
        }
        let leafCount = graph.nodes.filter(\.isLeaf).count
        steps.append(Step(phase: "start", focus: [], edges: [], html: "<p><span class=\"phase\">start</span> \(leafCount) leaves "
                          + "hold their values. The graph has \(graph.opCount) ops, drawn as \(blocks.blocks.count) blocks of "
                          + "consecutive ops; each step runs one block.</p>"))
        for (b, block) in blocks.blocks.enumerated() where !block.ops.isEmpty {
            let k = steps.count
            boxes[b].appear = k
            for id in incoming[b] { if let e = Int(id.dropFirst()) { arrows[e].appear = k } }
            var html = "<p><span class=\"phase\">forward</span> block <b>\(PageText.escape(block.name))</b>: "
                + "\(block.ops.count) ops</p>"
            for op in block.ops.prefix(8) {
                html += "<p class=\"eq\"><code>\(PageText.escape(PageText.clip(call(op), 80)))</code>"
                    + (graph.nodes[op].value.map { " → " + PageText.escape(PageText.clip(PageText.brief($0), 60)) } ?? "") + "</p>"
            }
            if block.ops.count > 8 { html += "<p>… and \(block.ops.count - 8) more ops.</p>" }
            steps.append(Step(phase: "forward", focus: ["b\(b)"], edges: incoming[b], html: html))
        }
        for b in blocks.blocks.indices where blocks.blocks[b].ops.isEmpty { boxes[b].appear = 0 }
        guard !graph.backward.isEmpty, let root = graph.root else { return }
        var byBlock = [[TapeGraph.BackwardStep]](repeating: [], count: blocks.blocks.count)
        for s in graph.backward { byBlock[blocks.blockOf[s.node]].append(s) }
        var gradStep = [Int?](repeating: nil, count: blocks.blocks.count)
        for b in stride(from: blocks.blocks.count - 1, through: 0, by: -1) where !byBlock[b].isEmpty || b == blocks.blockOf[root] {
            gradStep[b] = steps.count
            var html = "<p><span class=\"phase\">backward</span> block <b>\(PageText.escape(blocks.blocks[b].name))</b>: "
                + "\(byBlock[b].count) rules</p>"
            for s in byBlock[b].prefix(8) {
                let node = graph.nodes[s.node]
                let names = node.inputs.map { input -> String in
                    if case .node(let k) = input { return graph.nodes[k].name }
                    return "const"
                }
                for c in s.contributions.prefix(2) {
                    html += "<p class=\"eq\">\(PageText.escape(PageText.clip(chainRuleLine(node: s.node, contribution: c, inputNames: names), 120)))</p>"
                }
            }
            if byBlock[b].count > 8 { html += "<p>… and \(byBlock[b].count - 8) more rules.</p>" }
            steps.append(Step(phase: "backward", focus: ["b\(b)"], edges: incoming[b], html: html))
        }
        // Blocks of leaves only: their gradients are complete once every block after them is done.
        for b in blocks.blocks.indices where gradStep[b] == nil { gradStep[b] = steps.count - 1 }
        for b in blocks.blocks.indices { boxes[b].gradStep = gradStep[b] }
    }
}

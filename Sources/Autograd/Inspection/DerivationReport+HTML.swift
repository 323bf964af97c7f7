import Foundation

/// What a derivation report keeps for its page: the loss's graph, and per item (in the order
/// of ``DerivationReport/items``) its node and the full hand and tape gradients.
struct DerivationPageData {
    var graph: TapeGraph
    var atol = 1e-6
    var rtol = 1e-4
    var nodes: [Int?] = []
    var hand: [TensorSummary?] = []
    var tape: [TensorSummary] = []
}

extension DerivationReport {
    /// A page's table of compared gradients with more rows than this is folded (a click opens it).
    static let unfoldedRows = 8

    /// The report drawn on the loss's graph, as the page of ``Tensor/html(title:names:collapseAbove:)``:
    /// each marked step and input coloured by its verdict (exact, close, wrong, not given), the
    /// first wrong step outlined, and a table with the hand, tape and finite-difference values
    /// side by side. The forward and backward passes step as on any tape page.
    ///
    /// ```swift
    /// let report = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
    ///     -(target * step("p", v[0].softmax()).log()).sum()
    /// }, hand: { _, forward in
    ///     let p = forward["p"]!
    ///     return ["p": -target / p, "logits": -target / p * p * (1 - p)]   // diagonal only: wrong
    /// })
    /// try report.writeHTML(to: "derivation.html")       // ∂L/∂logits outlined in red
    /// ```
    public func html(title: String? = nil) -> String {
        let data = page ?? DerivationPageData(graph: TapeGraph())
        var marks: [Int: TapePage.Mark] = [:]
        let first = items.firstIndex { $0.verdict == .wrong }
        for (k, item) in items.enumerated() {
            guard k < data.nodes.count, let node = data.nodes[k] else { continue }
            var cssClass = "mark-" + DerivationReport.cssName(item.verdict)
            if k == first { cssClass += " first-wrong" }
            var badges = ["∂L/∂\(item.name): \(item.verdict.rawValue)" + (k == first ? " (first)" : "")]
            if item.verdict != .exact, let hand = data.hand[k] { badges.append("hand " + PageText.brief(hand)) }
            marks[node] = TapePage.Mark(cssClass: cssClass, badges: badges, detail: detail(k, data: data))
        }
        var banner = "<p class=\"verdict\"><b>" + PageText.escape(description.split(separator: "\n").first.map(String.init) ?? "")
            + "</b></p>"
        if !unknownNames.isEmpty {
            banner += "<p class=\"note\">Not compared: the hand gradients name " + PageText.escape(unknownNames.joined(separator: ", "))
                + ", which is neither an input nor a step (known: " + PageText.escape(knownNames.joined(separator: ", ")) + ").</p>"
        }
        if let first, let handShape = items[first].handShape, items[first].hasWrongShape {
            let item = items[first]
            banner += "<p>The first wrong step: the hand gradient for \(PageText.escape(item.name)) has shape "
                + "\(PageText.shape(handShape)), but \(PageText.escape(item.name)) has shape \(PageText.shape(item.shape)).</p>"
        } else if let first {
            let item = items[first]
            banner += "<p>The first wrong step, at its worst element \(PageText.escape(item.name))"
                + "\(PageText.escape(PageText.shape(item.worstIndex))):</p><table class=\"side\"><tr><th>hand</th>"
                + "<th>tape</th><th>finite differences</th></tr><tr class=\"first\"><td>\(PageText.number(item.hand))</td>"
                + "<td>\(PageText.number(item.tape))</td><td>\(item.numeric.map(PageText.number) ?? "—")</td></tr></table>"
        }
        // A long table (a derivation of many steps) folds under one line, so that the graph keeps the
        // window's height; the boxes carry the same verdicts in colour.
        let folded = items.count > DerivationReport.unfoldedRows
        if folded {
            let counts = [DerivationReport.Verdict.exact, .close, .wrong, .notGiven].compactMap { verdict -> String? in
                let n = items.filter { $0.verdict == verdict }.count
                return n == 0 ? nil : "\(n) \(verdict.rawValue)"
            }
            banner += "<details class=\"items\"><summary>The \(items.count) gradients compared: "
                + PageText.escape(counts.joined(separator: ", ")) + " (the table)</summary>"
        }
        banner += "<table class=\"items\"><tr><th>gradient</th><th>shape</th><th>verdict</th><th>max |hand − tape|</th>"
            + "<th>at</th><th>hand</th><th>tape</th><th>finite differences</th></tr>"
        for (k, item) in items.enumerated() {
            let rowClass = k == first ? " class=\"first\"" : (item.verdict == .wrong ? " class=\"wrong\"" : "")
            let given = item.verdict != .notGiven && !item.hasWrongShape
            banner += "<tr\(rowClass)><td>∂L/∂\(PageText.escape(item.name))</td><td>\(PageText.shape(item.shape))</td>"
                + "<td><span class=\"key mark-\(DerivationReport.cssName(item.verdict))\">\(item.verdict.rawValue)</span>"
                + (item.hasWrongShape ? " hand shape \(PageText.shape(item.handShape ?? []))" : "") + "</td>"
                + "<td>\(given ? PageText.number(item.maxDifference) : "—")</td>"
                + "<td>\(given ? PageText.escape(item.name + PageText.shape(item.worstIndex)) : "—")</td>"
                + "<td>\(given ? PageText.number(item.hand) : "—")</td><td>\(given ? PageText.number(item.tape) : "—")</td>"
                + "<td>\(item.numeric.map(PageText.number) ?? "—")</td></tr>"
        }
        banner += "</table>" + (folded ? "</details>" : "")
        let report = TapePage.Report(kind: "derivation", banner: banner, marks: marks,
                                     legend: [("mark-exact", "exact"), ("mark-close", "close (within tolerance)"),
                                              ("mark-wrong", "wrong"), ("mark-none", "not given")])
        let heading: String
        if let title {
            heading = title
        } else if let wrong = firstWrong {
            heading = "Derivation checked: ∂L/∂\(wrong.name) is the first wrong step"
        } else {
            heading = passed ? "Derivation checked: every given gradient agrees with the tape" : "Derivation not checked"
        }
        return TapePage(graph: data.graph, title: heading, report: report).render()
    }

    /// Writes ``html(title:)`` to `path`, atomically.
    ///
    /// ```swift
    /// try report.writeHTML(to: "examples-output/derivation.html")
    /// ```
    /// - Throws: ``DataError`` naming `path` when the file cannot be written.
    public func writeHTML(to path: String, title: String? = nil) throws {
        try AtomicFile.write(Array(html(title: title).utf8), to: path)
    }

    static func cssName(_ verdict: Verdict) -> String {
        switch verdict {
        case .exact: return "exact"
        case .close: return "close"
        case .wrong: return "wrong"
        case .notGiven: return "none"
        }
    }

    /// The detail panel's part for item `k`: hand and tape gradients element by element.
    private func detail(_ k: Int, data: DerivationPageData) -> String {
        let item = items[k]
        var out = "<h4>your derivation: \(item.verdict.rawValue)</h4>"
        guard k < data.tape.count else { return out }
        let tape = data.tape[k]
        guard let hand = data.hand[k] else {
            return out + "<p>No hand-derived gradient was given for \(PageText.escape(item.name)).</p>"
        }
        if hand.shape != tape.shape {
            out += "<p>The hand gradient has shape \(PageText.shape(hand.shape)), but \(PageText.escape(item.name)) has shape "
                + "\(PageText.shape(tape.shape)).</p>"
        } else if hand.isComplete && tape.isComplete {
            out += "<table class=\"compare\"><tr><th>element</th><th>hand</th><th>tape</th></tr>"
            let strides = Shape.strides(tape.shape)
            for i in 0..<tape.count {
                let index = unflatten(i, strides)
                let bad = !(Swift.abs(hand.elements[i] - tape.elements[i]) <= data.atol + data.rtol * Swift.abs(tape.elements[i]))
                out += "<tr\(bad ? " class=\"wrong\"" : "")><td>\(PageText.escape(item.name + PageText.shape(index)))</td>"
                    + "<td>\(PageText.number(hand.elements[i]))</td><td>\(PageText.number(tape.elements[i]))</td></tr>"
            }
            out += "</table>"
        } else {
            out += "<p>hand: \(PageText.escape(PageText.statistics(hand)))</p><p>tape: \(PageText.escape(PageText.statistics(tape)))</p>"
        }
        if item.verdict != .notGiven && item.verdict != .exact && !item.hasWrongShape {
            out += "<p>Worst at \(PageText.escape(item.name + PageText.shape(item.worstIndex))): hand "
                + "\(PageText.number(item.hand)), tape \(PageText.number(item.tape))"
                + (item.numeric.map { ", finite differences \(PageText.number($0))" } ?? "") + ".</p>"
        }
        return out
    }
}

import Foundation

extension GradCheckReport {
    /// The report drawn on the function's graph at the checked inputs, as the page of
    /// ``Tensor/html(title:names:collapseAbove:)``: each input coloured by its result (passed,
    /// at kinks only, mismatched), with a grid of its elements (which ones failed, which sit at
    /// a kink) and the worst Jacobian entries beside it. The forward and backward passes step as on
    /// any tape page (for an output of several elements, backward starts from ones).
    ///
    /// ```swift
    /// let report = gradcheck(inputs: [x], names: ["x"]) { $0[0].relu().sum() }
    /// try report.writeHTML(to: "gradcheck.html")
    /// ```
    public func html(title: String? = nil) -> String {
        let graph = self.graph ?? TapeGraph()
        var marks: [Int: TapePage.Mark] = [:]
        for (k, input) in inputs.enumerated() {
            guard k < inputNodes.count, let node = inputNodes[k] else { continue }
            let cssClass = input.mismatches > 0 ? "mark-wrong" : (input.kinks > 0 ? "mark-kink" : "mark-exact")
            marks[node] = TapePage.Mark(cssClass: cssClass, badges: ["gradcheck: " + GradCheckReport.verdict(input)],
                                        detail: "<h4>gradcheck</h4>" + section(input))
        }
        var banner = "<p class=\"verdict\"><b>" + PageText.escape(description.split(separator: "\n").first.map(String.init) ?? "")
            + "</b></p>"
        if !backwardIsDeterministic { banner += "<p class=\"note\">Backward twice gave different gradients.</p>" }
        if !zeroUpstreamGivesZero { banner += "<p class=\"note\">A zero upstream gradient gave non-zero gradients.</p>" }
        for input in inputs {
            banner += "<h3>\(PageText.escape(input.name)) <span class=\"shape\">\(PageText.shape(input.shape))</span>: "
                + "\(PageText.escape(GradCheckReport.verdict(input)))</h3>" + section(input)
        }
        let report = TapePage.Report(kind: "gradcheck", banner: banner, marks: marks,
                                     legend: [("mark-exact", "passed"), ("mark-kink", "passed, some elements at a kink"),
                                              ("mark-wrong", "mismatched elements")])
        let heading = title ?? "gradcheck \(passed ? "passed" : "FAILED") on \(inputs.map(\.name).joined(separator: ", "))"
        return TapePage(graph: graph, title: heading, report: report).render()
    }

    /// Writes ``html(title:)`` to `path`, atomically.
    ///
    /// ```swift
    /// try report.writeHTML(to: "examples-output/gradcheck.html")
    /// ```
    /// - Throws: ``DataError`` naming `path` when the file cannot be written.
    public func writeHTML(to path: String, title: String? = nil) throws {
        try AtomicFile.write(Array(html(title: title).utf8), to: path)
    }

    static func verdict(_ input: Input) -> String {
        if input.mismatches > 0 { return "\(input.mismatches) mismatched" + (input.kinks > 0 ? ", \(input.kinks) at kinks" : "") }
        return input.kinks > 0 ? "ok, \(input.kinks) at kinks" : "ok"
    }

    /// One input: a cell per element (ok, kink, mismatch) and the table of its worst entries.
    private func section(_ input: Input) -> String {
        var out = ""
        if input.notConnected {
            out += "<p class=\"note\">\(PageText.escape(input.name)) is not connected to the output on the tape: its "
                + "gradient is 0 everywhere, but the finite differences are not (a layer that copied it, "
                + "withoutGradients { … } or detached() on the way to the output).</p>"
        }
        let strides = Shape.strides(input.shape)
        if !input.elementStatus.isEmpty && input.elementStatus.count <= 4096 {
            out += "<div class=\"cells\" role=\"img\" aria-label=\"elements of \(PageText.escape(input.name))\">"
            for (i, status) in input.elementStatus.enumerated() {
                let cls = status == 2 ? "cell mismatch" : (status == 1 ? "cell kink" : "cell")
                let label = input.name + PageText.shape(unflatten(i, strides)) + (status == 2 ? ": mismatch" : status == 1 ? ": kink" : ": ok")
                out += "<span class=\"\(cls)\" title=\"\(PageText.escape(label))\"></span>"
            }
            out += "</div>"
        }
        let shown = input.worst.filter { $0.status != .ok }
        guard !shown.isEmpty else {
            return out + "<p>Every entry within tolerance; max |error| \(PageText.number(input.maxAbsoluteError)).</p>"
        }
        out += "<table class=\"entries\"><tr><th>element</th><th>∂output</th><th>analytic</th><th>numeric</th>"
            + "<th>|error|</th><th>tolerance</th><th>status</th></tr>"
        for e in shown {
            let status: String
            switch e.status {
            case .ok: status = "ok"
            case .mismatch: status = "MISMATCH"
            case .kink(let l, let r): status = "kink: slopes \(PageText.number(l)) and \(PageText.number(r))"
            }
            out += "<tr\(e.status == .mismatch ? " class=\"wrong\"" : "")><td>\(PageText.escape(input.name + PageText.shape(e.inputIndex)))</td>"
                + "<td>\(PageText.shape(e.outputIndex))</td><td>\(PageText.number(e.analytic))</td><td>\(PageText.number(e.numeric))</td>"
                + "<td>\(PageText.number(e.absoluteError))</td><td>\(PageText.number(e.tolerance))</td><td>\(PageText.escape(status))</td></tr>"
        }
        return out + "</table>"
    }
}

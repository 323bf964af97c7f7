import Foundation

/// Text for the inspection page: escaping for HTML/XML, numbers as a reader writes them
/// (a true minus sign, six significant digits), tensors inline, in tables, or as statistics.
enum PageText {
    /// Escapes text for an element's content or an attribute value. The result is safe in both
    /// HTML and XML (only the five predefined entities, as numeric references where HTML differs),
    /// and control characters that XML forbids are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 allows no other C0 controls, and neither do browsers' parsers in XHTML.
                if scalar.value < 0x20 || (scalar.value >= 0xFFFE && scalar.value <= 0xFFFF) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A number as the page prints it: whole numbers exactly, others to six significant
    /// digits, with a true minus sign (−3), "nan", "∞".
    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "−∞" : "∞" }
        let text: String
        if x == x.rounded() && Swift.abs(x) < 1e15 {
            text = x == 0 ? "0" : String(Int64(x))
        } else {
            text = String(format: "%.6g", x)
        }
        return text.replacingOccurrences(of: "-", with: "−")
    }

    /// A number as a factor in a product: negative numbers in parentheses, "(−3)".
    static func factor(_ x: Double) -> String {
        x < 0 || (x == 0 && x.sign == .minus) ? "(\(number(x)))" : number(x)
    }

    /// The engine's compact text of a tensor ("-24", "shape [3, 4], min -1, max 2") with true minus signs.
    static func engineText(_ text: String) -> String {
        text.replacingOccurrences(of: "-", with: "−")
    }

    static func shape(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// The elements inline, nested as the shape is ("[[1, 2], [3, 4]]"), when there are at most
    /// `limit`; nil for a larger tensor or one whose elements were not kept.
    static func inline(_ s: TensorSummary, limit: Int = 12) -> String? {
        guard s.isComplete, s.count <= limit else { return nil }
        if s.shape.isEmpty { return s.elements.first.map(number) }
        if s.count == 0 { return "[]" }
        func render(_ axis: Int, _ offset: Int) -> String {
            let size = s.shape[axis]
            let step = s.shape[(axis + 1)...].reduce(1, *)
            let parts = (0..<size).map { k -> String in
                axis == s.shape.count - 1 ? number(s.elements[offset + k]) : render(axis + 1, offset + k * step)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        return render(0, 0)
    }

    /// Summary statistics on one line: "min −1 · max 2 · mean 0.5 · ‖·‖ 3".
    static func statistics(_ s: TensorSummary) -> String {
        var parts = ["min \(number(s.min))", "max \(number(s.max))", "mean \(number(s.mean))", "‖·‖ \(number(s.norm))"]
        if s.nonFinite > 0 { parts.append("\(s.nonFinite) not finite") }
        return parts.joined(separator: " · ")
    }

    /// The elements inline if few, else the statistics.
    static func brief(_ s: TensorSummary) -> String { inline(s) ?? statistics(s) }

    /// HTML: every element in a table (rows along the second-to-last axis, a labelled group per
    /// leading index), or a table of statistics when the elements were not kept.
    static func table(_ s: TensorSummary) -> String {
        guard s.isComplete else {
            return "<table class=\"stats\"><tr><th>elements</th><td>\(s.count)</td></tr>"
                + "<tr><th>min</th><td>\(number(s.min))</td></tr><tr><th>max</th><td>\(number(s.max))</td></tr>"
                + "<tr><th>mean</th><td>\(number(s.mean))</td></tr><tr><th>norm</th><td>\(number(s.norm))</td></tr>"
                + (s.nonFinite > 0 ? "<tr><th>not finite</th><td>\(s.nonFinite)</td></tr>" : "")
                + "</table>"
        }
        let columns = s.shape.last ?? 1
        let rows = s.shape.count >= 2 ? s.shape[s.shape.count - 2] : 1
        let groups = columns * rows == 0 ? 0 : s.count / (columns * rows)
        let leading = Array(s.shape.dropLast(2))
        var out = ""
        for g in 0..<groups {
            if !leading.isEmpty {
                var index: [Int] = [], rest = g
                for size in leading.reversed() {
                    index.insert(rest % size, at: 0)
                    rest /= size
                }
                out += "<p class=\"index\">[\(index.map(String.init).joined(separator: ", ")), :, :]</p>"
            }
            out += "<table class=\"tensor\">"
            for r in 0..<rows {
                out += "<tr>"
                for c in 0..<columns {
                    out += "<td>\(number(s.elements[(g * rows + r) * columns + c]))</td>"
                }
                out += "</tr>"
            }
            out += "</table>"
        }
        return out.isEmpty ? "<p>(no elements)</p>" : out
    }

    /// Cuts a line to `limit` characters, ending it with "…".
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(Swift.max(1, limit - 1))) + "…"
    }
}

import Foundation

/// A tiny SVG writer: elements appended as text, attribute values escaped, numbers rounded to
/// two decimals so the files stay small and diff well.
struct SVG {
    let width: Double
    let height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    static func format(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Appends `<name attributes…/>` or, with `text`, `<name …>text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        let attrs = attributes.map { " \($0.0)=\"\(SVG.escape($0.1))\"" }.joined()
        if let text {
            body.append("<\(name)\(attrs)>\(SVG.escape(text))</\(name)>")
        } else {
            body.append("<\(name)\(attrs)/>")
        }
    }

    mutating func raw(_ line: String) { body.append(line) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil, cssClass: String? = nil) {
        var a = [("x1", SVG.format(x1)), ("y1", SVG.format(y1)), ("x2", SVG.format(x2)), ("y2", SVG.format(y2)),
                 ("stroke", stroke), ("stroke-width", SVG.format(width))]
        if let dash { a.append(("stroke-dasharray", dash)) }
        if let cssClass { a.append(("class", cssClass)) }
        element("line", a)
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil,
                       extra: [(String, String)] = []) {
        var a = [("x", SVG.format(x)), ("y", SVG.format(y)), ("width", SVG.format(w)), ("height", SVG.format(h)),
                 ("fill", fill)]
        if let stroke { a.append(("stroke", stroke)) }
        element("rect", a + extra)
    }

    /// Text; `anchor` is start, middle or end; `rotate` turns it about its anchor point.
    mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                       weight: String? = nil, fill: String = "#222", rotate: Double? = nil, cssClass: String? = nil) {
        var a = [("x", SVG.format(x)), ("y", SVG.format(y)), ("font-size", SVG.format(size)), ("text-anchor", anchor),
                 ("fill", fill)]
        if let weight { a.append(("font-weight", weight)) }
        if let rotate { a.append(("transform", "rotate(\(SVG.format(rotate)) \(SVG.format(x)) \(SVG.format(y)))")) }
        if let cssClass { a.append(("class", cssClass)) }
        element("text", a, text: s)
    }

    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(SVG.format(width))" height="\(SVG.format(height))" \
        viewBox="0 0 \(SVG.format(width)) \(SVG.format(height))" font-family="Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(SVG.format(width))" height="\(SVG.format(height))" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    func write(to path: String) throws {
        try Files.writeAtomically(document, to: path)
    }
}

/// Axis ticks at "nice" round numbers (1, 2 or 5 times a power of ten), as in Heckbert's
/// "Nice numbers for graph labels" (Graphics Gems, 1990).
enum Ticks {
    /// A round number near `x`: rounded to the nearest nice value, or the smallest nice value ≥ x.
    static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = floor(log10(x))
        let fraction = x / pow(10, exponent)
        let niceFraction: Double
        if round {
            niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return niceFraction * pow(10, exponent)
    }

    /// About `count` ticks covering [low, high]: the widened range and the tick values.
    static func ticks(low: Double, high: Double, count: Int = 6) -> (low: Double, high: Double, step: Double, values: [Double]) {
        var (lo, hi) = (low, high)
        if !(lo.isFinite && hi.isFinite) { (lo, hi) = (0, 1) }
        if lo == hi {
            let pad = lo == 0 ? 1 : Swift.abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let range = nice(hi - lo, round: false)
        let step = nice(range / Double(Swift.max(count - 1, 1)), round: true)
        let first = floor(lo / step) * step, last = ceil(hi / step) * step
        let n = Int(((last - first) / step).rounded())
        let values = (0...Swift.max(n, 0)).map { i -> Double in
            let v = first + Double(i) * step
            return Swift.abs(v) < step * 1e-9 ? 0 : v
        }
        return (first, last, step, values)
    }

    /// A tick label with just enough decimals for `step`.
    static func label(_ value: Double, step: Double) -> String {
        let decimals = Swift.max(0, Int(-floor(log10(step) + 1e-9)))
        if Swift.abs(value) >= 1e5 || (value != 0 && Swift.abs(value) < 1e-4) { return String(format: "%.1e", value) }
        return String(format: "%.\(decimals)f", value)
    }
}

/// Distinct colours for series (Tableau 10) and a perceptual colour scale for heatmaps (viridis).
enum Palette {
    static let series = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func color(_ index: Int) -> String { series[index % series.count] }

    /// Viridis sampled at nine stops, interpolated linearly; t in [0, 1].
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    static func scale(_ t: Double) -> (r: Double, g: Double, b: Double) {
        let x = Swift.min(Swift.max(t.isFinite ? t : 0, 0), 1) * Double(viridis.count - 1)
        let i = Swift.min(Int(x), viridis.count - 2), f = x - Double(i)
        let (a, b) = (viridis[i], viridis[i + 1])
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    static func hex(_ c: (r: Double, g: Double, b: Double)) -> String {
        String(format: "#%02x%02x%02x", Int(c.r.rounded()), Int(c.g.rounded()), Int(c.b.rounded()))
    }

    /// Black or white, whichever reads better on `c`.
    static func textColor(on c: (r: Double, g: Double, b: Double)) -> String {
        (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) > 140 ? "#111" : "#fff"
    }
}

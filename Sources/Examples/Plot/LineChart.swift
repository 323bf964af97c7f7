import Foundation

/// A line chart as SVG: axes with ticks at round numbers, axis labels, a title, and a legend
/// naming each series in its own colour. Non-finite points are left out.
///
/// Each series is one `<polyline class="series" data-name="…" data-count="n">` (plus a dot per
/// point when every series has at most 30), so a test can read the series back with an XML parser.
struct LineChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var dashed = false

        init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }

        /// y values at x = 1, 2, 3, … (epochs).
        init(name: String, perEpoch values: [Double], dashed: Bool = false) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), $0.element) }, dashed: dashed)
        }
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Fixes the y range (for accuracies: 0...1); by default it fits the data.
    var yRange: ClosedRange<Double>? = nil
    /// Series colours by index into ``Palette/series``; by default series i gets colour i.
    var colors: [String]? = nil
    var width = 760.0
    var height = 460.0
    /// Horizontal reference lines, dashed and labelled at the right end of the plot, drawn as
    /// `<line class="guide" data-y="…">`.
    var guides: [Guide] = []
    /// Writes the y tick labels (for example as powers of ten when y is a log₁₀); by default
    /// plain numbers with as many decimals as the tick step needs.
    var yTickLabel: ((Double) -> String)? = nil
    /// Where the legend goes: right of the plot (the default), or below it in up to two
    /// columns (for long legend entries; the chart grows taller to fit them).
    var legendBelow = false

    /// A horizontal reference line at `y`.
    struct Guide {
        var y: Double
        var label: String
    }

    /// 10^y written out ("10⁻³", "3.2·10⁻³"), for charts whose y values are log₁₀ of something.
    static func powerOfTen(_ y: Double) -> String {
        guard y.isFinite else { return "" }
        let superscripts: [Character: Character] = ["-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
                                                     "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"]
        let exponent = y.rounded(.down), mantissa = Foundation.pow(10, y - exponent)
        let power = "10" + String(String(Int(exponent)).map { superscripts[$0] ?? $0 })
        return Swift.abs(mantissa - 1) < 1e-9 ? power : String(format: "%.1f·", mantissa) + power
    }

    var svg: SVG {
        let finite = series.flatMap { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let xs = finite.map(\.x), ys = finite.map(\.y) + guides.map(\.y)
        let xt = Ticks.ticks(low: xs.min() ?? 0, high: xs.max() ?? 1, count: 8)
        let yt = yRange.map { Ticks.ticks(low: $0.lowerBound, high: $0.upperBound) }
            ?? Ticks.ticks(low: ys.min() ?? 0, high: ys.max() ?? 1)
        let legendWidth = Double(series.map(\.name.count).max() ?? 0) * 7.6 + 56
        // Below the plot: one or two columns of rows 22 high, under the x axis label.
        let legendColumns = legendBelow ? (series.count > 4 && legendWidth * 2 <= width - 60 ? 2 : 1) : 1
        let legendRows = (series.count + legendColumns - 1) / legendColumns
        let legendHeight = legendBelow ? Double(legendRows) * 22 + 14 : 0
        // Guides are labelled in a margin of their own right of the plot, clear of the data.
        let guideMargin = guides.isEmpty ? 0.0 : 44
        let left = 78.0, right = (legendBelow ? 30 : legendWidth + 20) + guideMargin, top = 52.0, bottom = 62.0
        let height = self.height + legendHeight
        let plotW = width - left - right, plotH = height - top - bottom - legendHeight
        func px(_ x: Double) -> Double { left + (x - xt.low) / (xt.high - xt.low) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yt.low) / (yt.high - yt.low) * plotH }

        var s = SVG(width: width, height: height)
        s.text(title, x: left + plotW / 2, y: 30, size: 17, anchor: "middle", weight: "bold", cssClass: "title")
        // Grid and ticks.
        for v in yt.values {
            s.line(left, py(v), left + plotW, py(v), stroke: "#e3e3e3")
            s.line(left - 5, py(v), left, py(v), stroke: "#444")
            s.text(yTickLabel?(v) ?? Ticks.label(v, step: yt.step), x: left - 8, y: py(v) + 4, size: 12, anchor: "end",
                   cssClass: "ytick")
        }
        for v in xt.values {
            s.line(px(v), top, px(v), top + plotH, stroke: "#eeeeee")
            s.line(px(v), top + plotH, px(v), top + plotH + 5, stroke: "#444")
            s.text(Ticks.label(v, step: xt.step), x: px(v), y: top + plotH + 20, size: 12, anchor: "middle", cssClass: "xtick")
        }
        s.rect(left, top, plotW, plotH, fill: "none", stroke: "#444")
        s.text(xLabel, x: left + plotW / 2, y: top + plotH + bottom - 16, size: 14, anchor: "middle", cssClass: "xlabel")
        s.text(yLabel, x: 20, y: top + plotH / 2, size: 14, anchor: "middle", rotate: -90, cssClass: "ylabel")

        // Series; a dot on every point when no series has more than 30.
        let dots = series.allSatisfy { $0.points.count <= 30 }
        for (i, one) in series.enumerated() {
            let color = colors.map { $0[i % $0.count] } ?? Palette.color(i)
            let pts = one.points.filter { $0.x.isFinite && $0.y.isFinite }
            let text = pts.map { "\(SVG.format(px($0.x))),\(SVG.format(py($0.y)))" }.joined(separator: " ")
            var attrs = [("class", "series"), ("data-name", one.name), ("data-count", "\(pts.count)"),
                         ("points", text), ("fill", "none"), ("stroke", color), ("stroke-width", "2.2"),
                         ("stroke-linejoin", "round")]
            if one.dashed { attrs.append(("stroke-dasharray", "7 4")) }
            s.element("polyline", attrs)
            if dots {
                for p in pts {
                    s.element("circle", [("cx", SVG.format(px(p.x))), ("cy", SVG.format(py(p.y))), ("r", "3"),
                                         ("fill", color)])
                }
            }
        }

        // Guides: dashed grey lines across the plot, labelled just right of it.
        for guide in guides where guide.y >= yt.low && guide.y <= yt.high {
            s.element("line", [("x1", SVG.format(left)), ("y1", SVG.format(py(guide.y))), ("x2", SVG.format(left + plotW + 4)),
                               ("y2", SVG.format(py(guide.y))), ("stroke", "#555"), ("stroke-width", "1.5"),
                               ("stroke-dasharray", "6 5"), ("class", "guide"), ("data-y", SVG.format(guide.y))])
            s.text(guide.label, x: left + plotW + 8, y: py(guide.y) + 4, size: 12, fill: "#555", cssClass: "guide-label")
        }

        // Legend, to the right of the plot (and of the guides' labels) or below it.
        let lx = legendBelow ? left : left + plotW + guideMargin + 18, ly = legendBelow ? top + plotH + bottom : top + 6
        let columnWidth = legendBelow ? (width - left - right + guideMargin) / Double(legendColumns) : legendWidth
        s.rect(lx - 8, ly - 4, legendBelow ? width - left - right + guideMargin + 8 : legendWidth, Double(legendRows) * 22 + 8,
               fill: "white", stroke: "#bbb")
        for (i, one) in series.enumerated() {
            let color = colors.map { $0[i % $0.count] } ?? Palette.color(i)
            let x = lx + Double(i / legendRows) * columnWidth, y = ly + 12 + Double(i % legendRows) * 22
            s.line(x, y, x + 26, y, stroke: color, width: 3, dash: one.dashed ? "7 4" : nil)
            s.text(one.name, x: x + 34, y: y + 4, size: 12.5, cssClass: "legend")
        }
        return s
    }

    func write(to path: String) throws { try svg.write(to: path) }
}

import Foundation

/// A heatmap as SVG: one cell per (row, column) coloured on the viridis scale with its value
/// written in it, row and column labels, axis titles, and a colour bar with its range.
///
/// Each cell is a `<rect class="cell" data-row data-column data-value>`, so a test can count
/// them and read the values back with an XML parser.
struct Heatmap {
    var title: String
    var xLabel: String
    var yLabel: String
    var columnLabels: [String]
    var rowLabels: [String]
    /// values[row][column]; NaN cells are drawn grey with "–".
    var values: [[Double]]
    var scaleLabel: String
    var format: (Double) -> String = { String(format: "%.3f", $0) }
    /// The colour scale's range; by default the data's range.
    var range: ClosedRange<Double>? = nil
    var cellWidth = 92.0
    var cellHeight = 46.0

    var svg: SVG {
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let lo = range?.lowerBound ?? finite.min() ?? 0
        let hi = range?.upperBound ?? finite.max() ?? 1
        func t(_ v: Double) -> Double { hi > lo ? (v - lo) / (hi - lo) : 0.5 }
        let rowLabelWidth = Double((rowLabels.map(\.count).max() ?? 0) * 8 + 16)
        let left = 40 + rowLabelWidth, top = 62.0
        let gridW = cellWidth * Double(columnLabels.count), gridH = cellHeight * Double(rowLabels.count)
        let barX = left + gridW + 30, barW = 18.0
        let width = barX + barW + 70, height = top + gridH + 70

        var s = SVG(width: width, height: height)
        s.text(title, x: left + gridW / 2, y: 30, size: 17, anchor: "middle", weight: "bold", cssClass: "title")
        for (r, row) in values.enumerated() {
            for (c, v) in row.enumerated() {
                let x = left + Double(c) * cellWidth, y = top + Double(r) * cellHeight
                let color = v.isFinite ? Palette.scale(t(v)) : (r: 200.0, g: 200.0, b: 200.0)
                s.rect(x, y, cellWidth, cellHeight, fill: Palette.hex(color), stroke: "white",
                       extra: [("class", "cell"), ("data-row", "\(r)"), ("data-column", "\(c)"),
                               ("data-value", v.isFinite ? "\(v)" : "nan")])
                s.text(v.isFinite ? format(v) : "–", x: x + cellWidth / 2, y: y + cellHeight / 2 + 5, size: 13,
                       anchor: "middle", fill: Palette.textColor(on: color), cssClass: "cell-value")
            }
        }
        for (c, label) in columnLabels.enumerated() {
            s.text(label, x: left + (Double(c) + 0.5) * cellWidth, y: top + gridH + 20, size: 12.5, anchor: "middle",
                   cssClass: "column-label")
        }
        for (r, label) in rowLabels.enumerated() {
            s.text(label, x: left - 8, y: top + (Double(r) + 0.5) * cellHeight + 4, size: 12.5, anchor: "end",
                   cssClass: "row-label")
        }
        s.text(xLabel, x: left + gridW / 2, y: top + gridH + 48, size: 14, anchor: "middle", cssClass: "xlabel")
        s.text(yLabel, x: 18, y: top + gridH / 2, size: 14, anchor: "middle", rotate: -90, cssClass: "ylabel")

        // Colour bar: a vertical gradient from hi (top) to lo (bottom).
        s.raw("<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
              + (0...8).map { i -> String in
                  let f = Double(i) / 8
                  return "<stop offset=\"\(SVG.format(f))\" stop-color=\"\(Palette.hex(Palette.scale(f)))\"/>"
              }.joined() + "</linearGradient></defs>")
        s.rect(barX, top, barW, gridH, fill: "url(#scale)", stroke: "#666")
        s.text(format(hi), x: barX + barW + 5, y: top + 10, size: 11.5, cssClass: "scale-max")
        s.text(format(lo), x: barX + barW + 5, y: top + gridH, size: 11.5, cssClass: "scale-min")
        s.text(scaleLabel, x: barX + barW + 22, y: top + gridH / 2, size: 12.5, anchor: "middle", rotate: 90,
               cssClass: "scale-label")
        return s
    }

    func write(to path: String) throws { try svg.write(to: path) }
}

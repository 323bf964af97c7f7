import Foundation
import XCTest
@testable import Examples

/// The SVG charts: well-formed, with the series, points, legend names, ticks and cells asked for.
final class PlotTests: XCTestCase {
    func testLineChartHasEverySeriesWithItsPointsAndLegend() throws {
        let chart = LineChart(title: "Loss <&> \"quotes\"", xLabel: "epoch", yLabel: "loss",
                              series: [.init(name: "training", perEpoch: [2.1, 1.3, 0.8, 0.5]),
                                       .init(name: "validation", perEpoch: [1.7, 1.0, .nan, 0.45, 0.4], dashed: true),
                                       .init(name: "a < b & c", points: [(0, 1), (10, 3)])])
        let svg = try ParsedSVG(chart.svg.document)
        XCTAssertEqual(svg.root?.name, "svg")
        // Non-finite points are left out: the validation series keeps 4 of its 5.
        XCTAssertEqual(svg.seriesPointCounts, ["training": 4, "validation": 4, "a < b & c": 2])
        XCTAssertEqual(svg.all("polyline", class: "series").map { $0.attributes["data-count"] }, ["4", "4", "2"])
        XCTAssertEqual(svg.legendNames, ["training", "validation", "a < b & c"])
        XCTAssertEqual(svg.all("text", class: "title").first?.text, "Loss <&> \"quotes\"")
        XCTAssertEqual(svg.all("text", class: "xlabel").first?.text, "epoch")
        XCTAssertEqual(svg.all("text", class: "ylabel").first?.text, "loss")
        // Distinct colours, and the dashed series is dashed.
        let strokes = svg.all("polyline", class: "series").compactMap { $0.attributes["stroke"] }
        XCTAssertEqual(Set(strokes).count, 3)
        XCTAssertEqual(svg.all("polyline", class: "series")[1].attributes["stroke-dasharray"], "7 4")
        // Ticks at round numbers covering the data: x 0…10, y 0…3 (or so).
        let xTicks = svg.all("text", class: "xtick").compactMap { Double($0.text) }
        let yTicks = svg.all("text", class: "ytick").compactMap { Double($0.text) }
        XCTAssertEqual(xTicks.first, 0)
        XCTAssertEqual(xTicks.last, 10)
        XCTAssertLessThanOrEqual(yTicks.first ?? 99, 0.4)
        XCTAssertGreaterThanOrEqual(yTicks.last ?? -1, 3)
        XCTAssertGreaterThanOrEqual(yTicks.count, 4)
    }

    func testNiceTicks() {
        let t = Ticks.ticks(low: 0.17, high: 0.97)
        XCTAssertEqual(t.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(t.values.count, 6)
        XCTAssertEqual(t.values.first ?? -1, 0, accuracy: 1e-12)
        XCTAssertEqual(t.values.last ?? -1, 1, accuracy: 1e-12)
        XCTAssertEqual(Ticks.ticks(low: 1, high: 30, count: 8).values, [0, 10, 20, 30])
        XCTAssertEqual(Ticks.ticks(low: 1, high: 8, count: 8).values, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(Ticks.label(0.4, step: 0.2), "0.4")
        XCTAssertEqual(Ticks.label(25, step: 5), "25")
        // A flat series still gets a range.
        let flat = Ticks.ticks(low: 2, high: 2)
        XCTAssertLessThan(flat.low, 2)
        XCTAssertGreaterThan(flat.high, 2)
    }

    func testHeatmapHasOneCellPerValueAndItsLabels() throws {
        let map = Heatmap(title: "grid", xLabel: "learning rate", yLabel: "hidden units",
                          columnLabels: ["0.01", "0.1", "1"], rowLabels: ["8", "32"],
                          values: [[0.5, 0.9, 0.1], [0.7, .nan, 0.95]], scaleLabel: "accuracy")
        let svg = try ParsedSVG(map.svg.document)
        let cells = svg.all("rect", class: "cell")
        XCTAssertEqual(cells.count, 6)
        XCTAssertEqual(cells.map { $0.attributes["data-value"] }, ["0.5", "0.9", "0.1", "0.7", "nan", "0.95"])
        XCTAssertEqual(svg.all("text", class: "cell-value").map(\.text), ["0.500", "0.900", "0.100", "0.700", "–", "0.950"])
        XCTAssertEqual(svg.all("text", class: "column-label").map(\.text), ["0.01", "0.1", "1"])
        XCTAssertEqual(svg.all("text", class: "row-label").map(\.text), ["8", "32"])
        XCTAssertEqual(svg.all("text", class: "scale-min").first?.text, "0.100")
        XCTAssertEqual(svg.all("text", class: "scale-max").first?.text, "0.950")
        // The lowest and highest cells get the two ends of the colour scale.
        XCTAssertEqual(cells[2].attributes["fill"], Palette.hex(Palette.scale(0)))
        XCTAssertEqual(cells[5].attributes["fill"], Palette.hex(Palette.scale(1)))
    }

    func testChartsAreWrittenAtomicallyIntoNewFolders() throws {
        let folder = try temporaryFolder(self)
        let path = folder + "/a/b/chart.svg"
        try LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", perEpoch: [1, 2])]).write(to: path)
        XCTAssertEqual(try ParsedSVG(contentsOf: path).seriesPointCounts, ["s": 2])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/a/b")
        XCTAssertEqual(leftovers, ["chart.svg"])
    }
}

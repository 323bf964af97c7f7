import Foundation
import Optim
import XCTest
@testable import Examples

/// `Examples diagnostics` and its charts: the table it prints, the fifteen SVG files it writes,
/// and the relations between the settings that the tutorial (docs/WatchingANetworkTrain.md) explains.
final class DiagnosticsExampleTests: XCTestCase {
    func testQuickRunPrintsItsTablesAndWritesValidPlots() throws {
        let out = try temporaryFolder(self)
        let text = try Console.capture { try Subcommand.run(["diagnostics", "--quick", "--out", out]) }
        for fragment in ["Watching a network train", "The 5 tanh layers at step 0 (initialisation)",
                         "saturated |t| > 0.97 (%)", "std of ∂L/∂t (×10⁻³)", "log₁₀(std(update) / std(weight)) at step 25",
                         "update ratio (log₁₀)", "15 plots"] {
            XCTAssertTrue(text.contains(fragment), "missing '\(fragment)' in:\n\(text)")
        }
        // One row per setting in each table: five saturations, stds and gradient stds; seven ratios and a loss.
        for setting in DiagnosticsExample.settings {
            let rows = text.split(separator: "\n").filter { $0.hasPrefix("  " + setting.name + " ") }
            XCTAssertEqual(rows.count, 2, setting.name)
            guard rows.count == 2 else { continue }
            XCTAssertEqual(numbers(in: rows[0].dropFirst(2 + setting.name.count)).count, 15, String(rows[0]))
            XCTAssertEqual(numbers(in: rows[1].dropFirst(2 + setting.name.count)).count, 8, String(rows[1]))
        }
        // The saturated setting's tanh layers are saturated, the healthy one's are not.
        func saturation(_ name: String) -> [Double] {
            guard let row = text.split(separator: "\n").first(where: { $0.hasPrefix("  " + name + " ") }) else { return [] }
            return Array(numbers(in: row.dropFirst(2 + name.count)).prefix(5))
        }
        let healthy = saturation("tanh, gain 5/3 (Kaiming)"), saturated = saturation("tanh, gain 5 × 5/3")
        XCTAssertEqual(healthy.count, 5)
        for (h, s) in zip(healthy, saturated) { XCTAssertGreaterThan(s, h + 40) }

        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        let expected = Set(DiagnosticsExample.settings.flatMap { s in
            ["activations", "gradients", "update-ratios"].map { "diagnostics-\(s.slug)-\($0).svg" }
        })
        XCTAssertEqual(written, expected)
        for file in expected {
            let svg = try ParsedSVG(contentsOf: out + "/" + file)
            XCTAssertEqual(svg.root?.name, "svg", file)
            XCTAssertFalse(svg.all("polyline", class: "series").isEmpty, file)
            XCTAssertEqual(svg.legendNames.count, svg.all("polyline", class: "series").count, file)
        }
        let activations = try ParsedSVG(contentsOf: out + "/diagnostics-large-gain-activations.svg")
        XCTAssertEqual(activations.seriesPointCounts.count, 5, "one line per tanh layer")
        XCTAssertTrue(activations.seriesPointCounts.values.allSatisfy { $0 == 50 }, "50 bins each")
        XCTAssertTrue(activations.legendNames.allSatisfy { $0.contains("(Tanh): mean") && $0.contains("saturated") },
                      "\(activations.legendNames)")
        let ratios = try ParsedSVG(contentsOf: out + "/diagnostics-kaiming-update-ratios.svg")
        XCTAssertEqual(ratios.seriesPointCounts.count, 7, "the embedding and six linear layers")
        XCTAssertTrue(ratios.seriesPointCounts.values.allSatisfy { $0 == 6 }, "steps 0, 5, …, 25")
        XCTAssertEqual(ratios.all("line", class: "guide").map { $0.attributes["data-y"] }, ["-3"])
        XCTAssertTrue(ratios.all("text", class: "ytick").contains { $0.text == "10⁻³" })
    }

    func testOutcomesOfTheSettingsDifferAsTheTutorialSays() throws {
        var config = DiagnosticsExample.Config.quick
        config.steps = 1
        config.verbose = false
        let names = try NamesData(seed: config.seed)
        let outcomes = DiagnosticsExample.settings.map { DiagnosticsExample.train($0, config, names: names) }
        let byName = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.setting.slug, $0) })
        func std(_ slug: String) -> [Double] { byName[slug]?.initialTanh.map(\.activations.standardDeviation) ?? [] }
        // Too small a gain: the activations shrink layer after layer; the right gain keeps them.
        let small = std("small-gain"), good = std("kaiming")
        XCTAssertEqual(small.count, 5)
        for i in 1..<small.count { XCTAssertLessThan(small[i], small[i - 1] * 0.7) }
        XCTAssertLessThan((good.max() ?? 0) - (good.min() ?? 1), 0.1)
        // BatchNorm makes the gain irrelevant at the start: the same activations with either gain.
        for (a, b) in zip(std("batchnorm"), std("batchnorm-large-gain")) { XCTAssertEqual(a, b, accuracy: 1e-3) }
    }

    func testChartsOfATinyRun() throws {
        let model = Sequential<Float> {
            Dense(inputs: 4, outputs: 8, seed: 1)
            Tanh<Float>()
            Dense(inputs: 8, outputs: 8, seed: 2)
            ReLU<Float>()
            Dense(inputs: 8, outputs: 2, seed: 3)
        }
        let diagnostics = TrainingDiagnostics(model, bins: 10)
        let sgd = SGD(model, learningRate: 0.05)
        let x = Tensor<Float>.randomNormal([16, 4], seed: 4), y = Tensor<Float>((0..<16).map { Float($0 % 2) })
        for _ in 0..<3 {
            let loss = crossEntropy(logits: model(x), labels: y)
            model.zeroGrad()
            loss.backward()
            diagnostics.step(sgd)
        }
        diagnostics.detach()
        let first = try XCTUnwrap(diagnostics.records.first)

        let activations = try ParsedSVG(DiagnosticsCharts.activations(first, title: "a").svg.document)
        XCTAssertEqual(activations.legendNames.count, 2, "the tanh and the ReLU layer")
        XCTAssertTrue(activations.legendNames[0].hasPrefix("layer 1 (Tanh): mean "), activations.legendNames[0])
        XCTAssertTrue(activations.legendNames[0].contains(", saturated "))
        XCTAssertTrue(activations.legendNames[1].hasPrefix("layer 3 (ReLU): mean "))
        XCTAssertTrue(activations.legendNames[1].contains(", dead "))
        XCTAssertEqual(Set(activations.seriesPointCounts.values), [10])

        let gradients = try ParsedSVG(DiagnosticsCharts.gradients(first, title: "g").svg.document)
        XCTAssertEqual(gradients.legendNames.count, 2)
        XCTAssertTrue(gradients.legendNames[0].contains(", std "), gradients.legendNames[0])

        let ratios = try ParsedSVG(DiagnosticsCharts.updateRatios(diagnostics.records, title: "r").svg.document)
        XCTAssertEqual(ratios.legendNames, ["layers.0.weight (Dense)", "layers.2.weight (Dense)", "layers.4.weight (Dense)"])
        XCTAssertEqual(Set(ratios.seriesPointCounts.values), [3])
        XCTAssertEqual(ratios.all("line", class: "guide").count, 1)
        XCTAssertEqual(ratios.all("text", class: "guide-label").first?.text, "10⁻³")
        // Every y tick is a power of ten or a multiple of one.
        XCTAssertTrue(ratios.all("text", class: "ytick").allSatisfy { $0.text.contains("10") })

        XCTAssertEqual(LineChart.powerOfTen(-3), "10⁻³")
        XCTAssertEqual(LineChart.powerOfTen(0), "10⁰")
        XCTAssertEqual(LineChart.powerOfTen(-2.5), "3.2·10⁻³")
        XCTAssertEqual(LineChart.powerOfTen(1), "10¹")
    }
}

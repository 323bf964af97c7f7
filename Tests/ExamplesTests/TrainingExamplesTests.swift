import Autograd
import Foundation
import Optim
import XCTest
@testable import Examples

/// The training examples with fast settings: the numbers they report, and their plots.
final class TrainingExamplesTests: XCTestCase {
    func testDigitsQuickRunReachesHighTestAccuracyAndPlots() throws {
        let folder = try temporaryFolder(self)
        var config = DigitsExample.Config.quick
        config.verbose = false
        let (outcome, printed) = try Console.capture { try DigitsExample.run(config, folder: folder) }
        XCTAssertTrue(printed.contains("TEST accuracy"), printed)
        XCTAssertEqual(outcome.counts.training + outcome.counts.validation + outcome.counts.test, 1797)
        XCTAssertEqual(outcome.history.epochs, 8)
        XCTAssertGreaterThanOrEqual(outcome.testAccuracy, 0.93, "quick run: 8 epochs")
        XCTAssertEqual(outcome.history.validationMetric.count, 8)
        let loss = try ParsedSVG(contentsOf: folder + "/digits-dense-loss.svg")
        XCTAssertEqual(loss.seriesPointCounts, ["training": 8, "validation": 8])
        XCTAssertEqual(loss.legendNames, ["training", "validation"])
        let accuracy = try ParsedSVG(contentsOf: folder + "/digits-dense-accuracy.svg")
        XCTAssertEqual(accuracy.seriesPointCounts, ["training": 8, "validation": 8])
    }

    func testDigitsCNNTrainsOnImages() throws {
        var config = DigitsExample.Config()
        (config.model, config.epochs, config.verbose) = (.cnn, 4, false)
        let data = try DigitsExample.data(for: .cnn, limit: 1000)
        XCTAssertEqual(data.inputs.shape, [1000, 1, 8, 8])
        let outcome = DigitsExample.train(config, data: data)
        XCTAssertEqual(outcome.history.epochs, 4)
        XCTAssertLessThan(outcome.history.trainingLoss[3], outcome.history.trainingLoss[0])
        XCTAssertGreaterThan(outcome.testAccuracy, 0.6, "\(outcome.history.validationMetric)")
    }

    func testRegressionReportsFiniteRMSEForBothLossesAndPlotsBothCurves() throws {
        var config = RegressionExample.Config.quick
        config.verbose = false
        let outcome = RegressionExample.train(config, data: try ExampleData.diabetes())
        XCTAssertEqual(outcome.results.map(\.loss), [.mae, .mse])
        for r in outcome.results {
            XCTAssertTrue(r.testRMSE.isFinite && r.testMAE.isFinite, "\(r.loss)")
            XCTAssertLessThan(r.testRMSE, outcome.baselineRMSE, "\(r.loss) should beat predicting the mean")
            XCTAssertLessThanOrEqual(r.testMAE, r.testRMSE)
        }
        let svg = try ParsedSVG(chart: RegressionExample.chart(outcome))
        XCTAssertEqual(svg.legendNames, ["MAE loss: validation", "MSE loss: validation", "MAE loss: training", "MSE loss: training"])
        for r in outcome.results {
            XCTAssertEqual(svg.seriesPointCounts["\(r.loss.rawValue) loss: validation"], r.history.epochs)
        }
    }

    func testOptimizersCompareFiveOnTheSameStart() throws {
        var config = OptimizersExample.Config.quick
        (config.epochs, config.verbose) = (2, false)
        let results = OptimizersExample.train(config, data: try ExampleData.digits())
        XCTAssertEqual(results.map(\.name), ["SGD", "SGD + momentum 0.9", "RMSProp", "Adagrad", "Adam"])
        XCTAssertTrue(results.allSatisfy { $0.history.epochs == 2 && $0.testAccuracy > 0.5 }, "\(results.map(\.testAccuracy))")
        // Same initial weights and batches: plain SGD and SGD with momentum take the same first step,
        // so they differ only from the second batch on; their first-epoch losses differ but are both finite.
        XCTAssertTrue(results.allSatisfy { $0.history.trainingLoss.allSatisfy(\.isFinite) })
        let svg = try ParsedSVG(chart: OptimizersExample.chart(results))
        XCTAssertEqual(svg.legendNames, results.map(\.name))
        XCTAssertEqual(Set(svg.seriesPointCounts.values), [2])
        let table = OptimizersExample.table(results)
        for r in results { XCTAssertTrue(table.contains(r.name)) }
    }

    func testZeroInitializationKeepsEveryHiddenUnitEqual() throws {
        var config = InitExample.Config.quick
        (config.epochs, config.verbose) = (2, false)
        let results = InitExample.train(config, data: try ExampleData.digits())
        XCTAssertEqual(results.map(\.name), InitExample.schemes.map(\.name))
        let zeros = results[0], xavier = results[2]
        XCTAssertEqual(zeros.distinctHiddenUnits, 1)
        XCTAssertEqual(zeros.hiddenUnitSpread, 0)
        XCTAssertEqual(results[1].distinctHiddenUnits, config.hidden)
        XCTAssertEqual(xavier.distinctHiddenUnits, config.hidden)
        XCTAssertGreaterThan(xavier.testAccuracy, zeros.testAccuracy + 0.3)
    }

    func testSweepHeatmapHasTheWholeGrid() throws {
        var config = SweepExample.Config.quick
        (config.epochs, config.verbose) = (1, false)
        let data = ExampleData.prefix(try ExampleData.digits(), 600)
        let outcome = SweepExample.train(config, data: data)
        XCTAssertEqual(outcome.accuracy.count, config.hiddenUnits.count)
        XCTAssertTrue(outcome.accuracy.allSatisfy { $0.count == config.learningRates.count })
        XCTAssertTrue(outcome.accuracy.joined().allSatisfy { $0 >= 0 && $0 <= 1 })
        let svg = try ParsedSVG(SweepExample.heatmap(outcome).svg.document)
        let cells = svg.all("rect", class: "cell")
        XCTAssertEqual(cells.count, config.hiddenUnits.count * config.learningRates.count)
        XCTAssertEqual(cells.compactMap { $0.attributes["data-value"].flatMap(Double.init) }, Array(outcome.accuracy.joined()))
        XCTAssertEqual(svg.all("text", class: "column-label").map(\.text), ["0.01", "0.1"])
        XCTAssertEqual(svg.all("text", class: "row-label").map(\.text), ["8", "32"])
        XCTAssertTrue(outcome.accuracy.joined().contains(outcome.best.accuracy))
    }
}

extension ParsedSVG {
    init(chart: LineChart) throws { try self.init(chart.svg.document) }
}

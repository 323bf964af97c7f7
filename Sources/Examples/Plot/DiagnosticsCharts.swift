import Foundation
import Optim

/// The plots of makemore part 3 from a ``TrainingDiagnostics``' records: per-layer histograms of
/// the activations and of their gradients (one line per layer, its statistics in the legend),
/// and the update-to-data ratios over the steps on a log scale with a guide at 10⁻³.
enum DiagnosticsCharts {
    /// The layers makemore draws: the nonlinearities (tanh, sigmoid, ReLU), or every layer when
    /// there is none.
    static func drawnLayers(_ record: DiagnosticsRecord) -> [LayerRecord] {
        let nonlinear = record.layers.filter { $0.kind != .other }
        return nonlinear.isEmpty ? record.layers : nonlinear
    }

    /// One legend entry: "layer 2 (Tanh): mean -0.02, std 0.75, saturated 20.3%".
    static func activationLegend(_ layer: LayerRecord) -> String {
        var text = String(format: "%@: mean %+.2f, std %.2f", layer.name, layer.activations.mean,
                          layer.activations.standardDeviation)
        if let saturation = layer.saturation { text += ", saturated " + Run.percent(saturation) }
        if let dead = layer.deadFraction { text += ", dead " + Run.percent(dead) }
        return text
    }

    static func gradientLegend(_ layer: LayerRecord) -> String {
        guard let g = layer.gradients else { return layer.name + ": no gradient" }
        return String(format: "%@: mean %+.1e, std %.2e", layer.name, g.mean, g.standardDeviation)
    }

    /// Histogram lines (bin centre, density), one per layer.
    static func histogram(_ histogram: Histogram) -> [(x: Double, y: Double)] {
        Array(zip(histogram.centers, histogram.densities))
    }

    /// Densities from 0 up, so that the heights of different charts compare.
    static func densityRange(_ series: [LineChart.Series]) -> ClosedRange<Double> {
        0...Swift.max(series.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 1, 1e-12)
    }

    /// The activations' histograms of `record`'s drawn layers.
    static func activations(_ record: DiagnosticsRecord, title: String) -> LineChart {
        let series = drawnLayers(record).map { LineChart.Series(name: activationLegend($0), points: histogram($0.activations.histogram)) }
        return LineChart(title: title, xLabel: "activation value", yLabel: "density", series: series,
                         yRange: densityRange(series), width: 900, height: 440, legendBelow: true)
    }

    /// The histograms of the gradients flowing into the same layers' outputs.
    static func gradients(_ record: DiagnosticsRecord, title: String) -> LineChart {
        let series = drawnLayers(record).compactMap { layer in
            layer.gradients.map { LineChart.Series(name: gradientLegend(layer), points: histogram($0.histogram)) }
        }
        return LineChart(title: title, xLabel: "gradient value", yLabel: "density", series: series,
                         yRange: densityRange(series), width: 900, height: 440, legendBelow: true)
    }

    /// "layers.2.weight (Dense)": a `Sequential`'s parameter name with its layer's type.
    static func label(_ parameter: String, _ record: DiagnosticsRecord?) -> String {
        let parts = parameter.split(separator: ".")
        guard parts.count >= 2, parts[0] == "layers", let index = Int(parts[1]), let layer = record?.layer(index) else {
            return parameter
        }
        return "\(parameter) (\(layer.type))"
    }

    /// The update-to-data ratio of every weight matrix (the parameters of rank 2, as makemore
    /// plots them) at each recorded step, on a log scale with a dashed guide at 10⁻³.
    static func updateRatios(_ records: [DiagnosticsRecord], title: String) -> LineChart {
        let names = records.first { !$0.updates.isEmpty }?.updates.filter { $0.shape.count == 2 }.map(\.name) ?? []
        let series = names.map { name in
            LineChart.Series(name: label(name, records.first), points: records.compactMap { record in
                record.updates.first { $0.name == name }.map { (Double(record.step), $0.log10Ratio) }
            })
        }
        // Whole decades on the y axis, so that every tick is a power of ten.
        let values = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite) + [-3]
        let low = (values.min() ?? -4).rounded(.down), high = (values.max() ?? -2).rounded(.up)
        return LineChart(title: title, xLabel: "step", yLabel: "std(update) / std(weight)", series: series,
                         yRange: low...Swift.max(high, low + 1), width: 900, height: 440,
                         guides: [.init(y: -3, label: "10⁻³")], yTickLabel: LineChart.powerOfTen)
    }
}

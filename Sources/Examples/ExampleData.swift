import Autograd
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Optim

/// The bundled datasets (data/README.md), read with the library's `CSVReader`.
enum ExampleData {
    /// The package folder, found from this source file's path (…/Sources/Examples/ExampleData.swift),
    /// so that the examples find `data/` from any working directory of a source checkout.
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `relative` in the working directory if it is there, else in the package folder.
    static func locate(_ relative: String) throws -> String {
        let candidates = [relative, packageRoot + "/" + relative]
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw UsageError(message: "could not find \(relative) (looked in \(candidates.joined(separator: " and ")))")
    }

    /// data/digits.csv: 1,797 images of 8×8 pixels as rows of 64 features scaled to [0, 1]
    /// (the file's 0…16 divided by 16), labels 0…9 of shape [n].
    static func digits(path: String? = nil) throws -> Dataset<Float> {
        let table = try CSVReader(labelColumn: .name("label")).read(from: path ?? locate("data/digits.csv"), as: Float.self)
        guard let labels = table.labels, table.features.shape[1] == 64 else {
            throw UsageError(message: "digits.csv: expected 64 pixel columns and a 'label' column")
        }
        return Dataset(inputs: table.features / 16, targets: labels)
    }

    /// data/diabetes.csv: 442 patients × 10 features, and the progression of shape [n, 1].
    static func diabetes(path: String? = nil) throws -> Dataset<Float> {
        let table = try CSVReader(labelColumn: .name("progression")).read(from: path ?? locate("data/diabetes.csv"),
                                                                          as: Float.self)
        guard let targets = table.labels else { throw UsageError(message: "diabetes.csv: no 'progression' column") }
        return Dataset(inputs: table.features, targets: targets.reshaped([targets.count, 1]))
    }

    /// The same data with its inputs as images [n, 1, 8, 8] for a CNN.
    static func asImages(_ data: Dataset<Float>, side: Int) -> Dataset<Float> {
        Dataset(inputs: data.inputs.reshaped([data.count, 1, side, side]), targets: data.targets)
    }

    /// The first `n` samples (all when `n` is nil or larger).
    static func prefix(_ data: Dataset<Float>, _ n: Int?) -> Dataset<Float> {
        guard let n, n < data.count else { return data }
        return data.samples(at: Array(0..<n))
    }
}

/// Small things the training examples share.
enum Run {
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = start.duration(to: ContinuousClock.now).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }

    static func percent(_ x: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f%%", 100 * x) }

    /// The output folder of a subcommand: `--out DIR`, else `examples-output/<name>`.
    static func outputFolder(_ options: inout Options, default name: String) -> String {
        options.string("out") ?? "examples-output/\(name)"
    }

    static func parseDouble(_ options: inout Options, _ name: String, default value: Double) throws -> Double {
        guard let text = options.string(name) else { return value }
        guard let v = Double(text) else { throw UsageError(message: "--\(name) expects a number, got '\(text)'") }
        return v
    }

    static func crossEntropyLoss(_ logits: Tensor<Float>, _ labels: Tensor<Float>) -> Tensor<Float> {
        crossEntropy(logits: logits, labels: labels)
    }

    /// Where fit's progress goes: a live progress bar on a terminal; otherwise (and when a test
    /// captures the output) one line per epoch through `print` (so that it stays in order with
    /// the example's own buffered output when standard output is a pipe or a file).
    static func output(_ verbose: Bool) -> TrainingOutput {
        guard verbose else { return .silent }
        return isatty(STDOUT_FILENO) != 0 && !Console.isCapturing ? .progressBar : .lines { print($0) }
    }
}

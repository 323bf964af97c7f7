import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``
/// reports progress.
///
/// ```swift
/// fit(model, optimizer: sgd, loss: lossFunction, training: train, epochs: 3, output: .silent)
/// fit(model, optimizer: sgd, loss: lossFunction, training: train, epochs: 3, output: .lines { print($0) })
/// ```
public enum TrainingOutput {
    /// A live progress bar when standard output is a terminal, one line per epoch otherwise.
    case automatic
    /// A live progress bar on standard output, redrawn in place.
    case progressBar
    /// One line per epoch on standard output.
    case plain
    /// One line per epoch, given to a closure (for logs and tests).
    case lines((String) -> Void)
    /// Nothing.
    case silent
}

/// Draws the progress of one training run: a bar redrawn in place on a terminal, or whole lines.
final class ProgressReporter {
    private let bar: Bool
    private let sink: ((String) -> Void)?
    private var lastDraw: Double = -1

    init(_ output: TrainingOutput) {
        switch output {
        case .automatic:
            bar = isatty(STDOUT_FILENO) != 0
            sink = bar ? ProgressReporter.writeToStandardOutput : ProgressReporter.printLine
        case .progressBar:
            bar = true
            sink = ProgressReporter.writeToStandardOutput
        case .plain:
            bar = false
            sink = ProgressReporter.printLine
        case .lines(let closure):
            bar = false
            sink = { closure($0.hasSuffix("\n") ? String($0.dropLast()) : $0) }
        case .silent:
            bar = false
            sink = nil
        }
    }

    /// The bar is redrawn in place, so it bypasses `print`'s buffer (a terminal flushes whole
    /// lines, so the caller's own printed lines still come out in order).
    static func writeToStandardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Whole lines go through `print`, sharing its buffer with the caller's own output, so that
    /// they stay in order when standard output is a pipe or a file.
    static func printLine(_ text: String) {
        print(text, terminator: "")
    }

    /// Redraws the bar during an epoch (at most ten times a second, and always at the end).
    func batch(epoch: Int, of epochs: Int, batch: Int, of batches: Int, loss: Double, seconds: Double) {
        guard bar, let sink else { return }
        guard batch == batches || seconds - lastDraw >= 0.1 else { return }
        lastDraw = seconds
        let width = 30
        let filled = batches == 0 ? width : width * batch / batches
        let body = filled >= width ? String(repeating: "=", count: width)
            : String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled - 1)
        let text = "epoch \(epoch + 1)/\(epochs) [\(body)] \(batch)/\(batches)  loss \(Self.format(loss))  "
            + Self.formatSeconds(seconds)
        sink("\r\u{1B}[K" + text)
    }

    /// Writes the summary line of an epoch (replacing the bar on a terminal).
    func epochEnd(_ line: String) {
        guard let sink else { return }
        sink((bar ? "\r\u{1B}[K" : "") + line + "\n")
        lastDraw = -1
    }

    /// Writes a line of its own (early stopping, restored weights).
    func note(_ line: String) {
        sink?(line + "\n")
    }

    static func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        String(format: "%.1fs", seconds)
    }
}

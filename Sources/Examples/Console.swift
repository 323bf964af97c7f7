import Foundation

/// Where the examples' text goes: standard output when they run from the command line; a
/// buffer when a test runs them (`Console.capture`), so that `swift test` prints test results,
/// not the tour, and the test can check the numbers printed. Set `AUTOGRAD_SHOW_OUTPUT=1` to
/// see the captured text as well.
final class Console: @unchecked Sendable {
    static let shared = Console()
    /// Whether captured text is also written to standard output (`AUTOGRAD_SHOW_OUTPUT=1`).
    static let echoes = ProcessInfo.processInfo.environment["AUTOGRAD_SHOW_OUTPUT"].map { $0 != "" && $0 != "0" } ?? false

    private let lock = NSLock()
    private var buffers: [String] = []

    /// Runs `body` with everything the examples print collected instead of written, and returns
    /// its result with the text. Captures nest: the innermost one receives the text.
    static func capture<T>(_ body: () throws -> T) rethrows -> (result: T, text: String) {
        shared.lock.lock()
        shared.buffers.append("")
        let depth = shared.buffers.count
        shared.lock.unlock()
        defer {
            shared.lock.lock()
            shared.buffers.removeLast(shared.buffers.count - depth + 1)
            shared.lock.unlock()
        }
        let result = try body()
        shared.lock.lock()
        let text = shared.buffers[depth - 1]
        shared.lock.unlock()
        return (result, text)
    }

    /// The text printed by `body`.
    static func capture(_ body: () throws -> Void) rethrows -> String {
        try capture { () throws -> Int in try body(); return 0 }.text
    }

    /// Whether a capture is running (then fit reports whole lines instead of a progress bar).
    static var isCapturing: Bool {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        return !shared.buffers.isEmpty
    }

    static func write(_ text: String) {
        shared.lock.lock()
        let captured = !shared.buffers.isEmpty
        if captured { shared.buffers[shared.buffers.count - 1] += text }
        shared.lock.unlock()
        if !captured || echoes { Swift.print(text, terminator: "") }
    }
}

/// The examples print through ``Console`` (same signature as the standard library's `print`).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Console.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

import Foundation
@testable import Examples

/// What the docs' snippets in these tests print is kept here instead of written, so that
/// `swift test` shows test results; a test reads it back with `Printed.take()` to check the
/// numbers the docs quote. `AUTOGRAD_SHOW_OUTPUT=1 swift test` writes it as well.
enum Printed {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var lines: [String] = []

    /// The lines printed since the last call (by this test, as tests run one at a time).
    static func take() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let taken = lines
        lines = []
        return taken
    }

    static func append(_ text: String) {
        lock.lock()
        lines += text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        lock.unlock()
    }
}

/// The snippets print through this (the standard library's signature): into ``Printed``, or
/// into the running ``Console`` capture when an example is being captured.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator) + terminator
    if Console.isCapturing {
        Console.write(text)
        return
    }
    Printed.append(text)
    if Console.echoes { Swift.print(text, terminator: "") }
}

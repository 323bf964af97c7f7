#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Programmer errors (a wrong shape, an axis out of range, misuse of the tape) stop the program,
// as an array index out of range does. Swift's `precondition` drops its message in optimised
// builds, so the library's checks go through these two functions instead: the message names the
// op, the shapes and what was expected, and it is printed in every build configuration.

/// Stops the program with `message` if `condition` is false; the message is printed to standard
/// error in debug and release builds alike.
///
/// ```swift
/// require(kernel > 0, "maxPool1D: kernel \(kernel) must be positive")
/// ```
@inlinable @inline(__always)
package func require(_ condition: Bool, _ message: @autoclosure () -> String,
                     file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition) { trap(message(), file: file, line: line) }
}

/// Stops the program after printing `message` to standard error, in every build configuration.
///
/// What the program printed before is flushed first, so that a report written to a pipe or a file
/// is not lost with the process.
@usableFromInline @inline(never)
package func trap(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fflush(nil)
    // `fatalError` prints its message under -O too (unlike `precondition`).
    fatalError(message, file: file, line: line)
}

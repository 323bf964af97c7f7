import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest

/// Runs `body` with standard output sent to a temporary file and returns what it printed, so
/// that the examples' reports stay out of the test log and their numbers can be checked.
/// Tests run one at a time in this process, so redirecting file descriptor 1 is safe here.
func capturingOutput<T>(_ body: () throws -> T) throws -> (result: T, output: String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("examples-output-\(UUID().uuidString).txt").path
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = open(path, O_WRONLY)
    guard file >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    fflush(nil)
    let saved = dup(STDOUT_FILENO)
    dup2(file, STDOUT_FILENO)
    close(file)
    let result: Result<T, Error> = Result { try body() }
    fflush(nil)
    dup2(saved, STDOUT_FILENO)
    close(saved)
    let output = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (try result.get(), output)
}

/// The numbers in `line` (integers and decimals, with a sign), in order.
func numbers(in line: Substring) -> [Double] {
    var found: [Double] = [], current = ""
    for c in line + " " {
        if c.isNumber || c == "." || (c == "-" && current.isEmpty) {
            current.append(c)
        } else {
            if let x = Double(current) { found.append(x) }
            current = ""
        }
    }
    return found
}

/// The first line of `output` that contains `marker`, or a test failure.
func firstLine(containing marker: String, in output: String, file: StaticString = #filePath, line: UInt = #line) -> Substring? {
    let found = output.split(separator: "\n").first { $0.contains(marker) }
    if found == nil { XCTFail("no line contains '\(marker)' in:\n\(output)", file: file, line: line) }
    return found
}

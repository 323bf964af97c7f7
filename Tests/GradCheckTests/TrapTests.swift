import Foundation
import XCTest

/// Programmer errors stop the program with a message that names the problem, in release builds
/// too: Swift's `precondition` prints nothing but "precondition failure" under -O, so the library
/// routes every trap through `require`/`trap` (Sources/Autograd/Trap.swift).
final class TrapTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Builds a small program with the trap helpers under -O and checks what it prints when it traps.
    func testTrapMessagePrintsInReleaseBuilds() throws {
        guard let swiftc = Self.executable(named: "swiftc") else { throw XCTSkip("swiftc not found on PATH") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let main = folder.appendingPathComponent("main.swift")
        try """
        print("a report printed before the trap")
        let shape = [2, 3]
        require(shape.count == 4, "conv2d: input of shape \\(shape) is not NCHW (4 axes)")
        """.write(to: main, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("probe")
        let trapSource = Self.packageRoot.appendingPathComponent("Sources/Autograd/Trap.swift")
        let build = try Self.run(swiftc, ["-O", "-package-name", "probe", "-module-name", "probe", trapSource.path, main.path,
                                          "-o", binary.path])
        XCTAssertEqual(build.status, 0, "swiftc failed: \(build.stderr)")
        let result = try Self.run(binary.path, [])
        XCTAssertNotEqual(result.status, 0, "the program should have trapped")
        XCTAssertTrue(result.stderr.contains("conv2d: input of shape [2, 3] is not NCHW (4 axes)"),
                      "the message is missing from standard error:\n\(result.stderr)")
        // Standard output went to a pipe (fully buffered): what was printed before the trap is kept.
        XCTAssertEqual(result.stdout, "a report printed before the trap\n")
    }

    /// No trap in the library bypasses the helpers (a plain `precondition` loses its message under -O).
    func testLibraryTrapsGoThroughTheHelpers() throws {
        let sources = Self.packageRoot.appendingPathComponent("Sources")
        guard let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else {
            return XCTFail("cannot list \(sources.path)")
        }
        var offenders: [String] = []
        var checked = 0
        for case let file as URL in files where file.pathExtension == "swift" && file.lastPathComponent != "Trap.swift" {
            checked += 1
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                for call in ["precondition(", "preconditionFailure(", "fatalError(", "assert(", "assertionFailure("]
                where code.contains(call) && !code.contains("." + call) {
                    offenders.append("\(file.path.replacingOccurrences(of: sources.path + "/", with: "")):\(number + 1): \(call)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 50)
        XCTAssertEqual(offenders, [], "use require(_:_:) or trap(_:) instead")
    }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

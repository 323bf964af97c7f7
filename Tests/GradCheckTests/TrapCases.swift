import Foundation
import XCTest

/// Runs trap cases, each in a child process (a trap ends the process that hits it): the test
/// binary started again with only `test` selected and `roleKey` naming the case. In the child,
/// `runTrapCases` runs that one case (which must trap) and exits; in the parent it starts one child
/// per case and checks that each trapped and that its standard error holds every expected fragment.
///
/// ```swift
/// static let cases: [String: TrapCase] = ["bad shape": ({ _ = Tensor<Float>.zeros([2])[5] }, ["out of range"])]
/// func testMessages() throws { try runTrapCases(Self.cases, roleKey: "MY_TRAP_CASE", test: "GradCheckTests.MyTests/testMessages") }
/// ```
typealias TrapCase = (run: @Sendable () -> Void, expected: [String])

func runTrapCases(_ cases: [String: TrapCase], roleKey: String, test: String, absent: [String: [String]] = [:],
                  file: StaticString = #filePath, line: UInt = #line) throws {
    if let name = ProcessInfo.processInfo.environment[roleKey] {
        // The child: run the one case, which must trap before the next line.
        cases[name]?.run()
        print("case '\(name)' did not trap")
        exit(0)
    }
    #if os(Linux)
    let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    #else
    throw XCTSkip("starting the test binary again with a filter is only set up on Linux")
    #endif
    for (name, trapCase) in cases.sorted(by: { $0.key < $1.key }) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [test]
        var environment = ProcessInfo.processInfo.environment
        environment[roleKey] = name
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(name): the child did not trap\n\(text)", file: file, line: line)
        for fragment in trapCase.expected {
            XCTAssertTrue(text.contains(fragment), "\(name): the message lacks '\(fragment)':\n\(text)", file: file, line: line)
        }
        for fragment in absent[name] ?? [] {
            XCTAssertFalse(text.contains(fragment), "\(name): the message says '\(fragment)':\n\(text)", file: file, line: line)
        }
    }
}

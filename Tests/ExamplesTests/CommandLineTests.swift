import Foundation
import XCTest
@testable import Examples

/// The command line: help lists every subcommand, typos are usage errors (exit code 2).
final class CommandLineTests: XCTestCase {
    func testHelpListsEverySubcommandWithOneLine() {
        let help = Subcommand.help
        for name in ["tour", "worked-cnn", "cnn-gradients", "hessian", "relu-kink", "softmax", "xor", "digits", "mnist",
                     "regression", "optimizers", "init", "sweep", "makemore", "backprop-ninja", "gpt", "lstm", "gru", "tape",
                     "bench"] {
            XCTAssertTrue(help.contains("\n  \(name) "), "help does not list \(name):\n\(help)")
        }
        XCTAssertEqual(Set(Subcommand.all.map(\.name)).count, Subcommand.all.count)
        XCTAssertTrue(Subcommand.all.allSatisfy { !$0.summary.isEmpty && !$0.summary.contains("\n") })
    }

    func testUnknownSubcommandAndOptionAreUsageErrors() {
        XCTAssertThrowsError(try Subcommand.run(["digitz"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "unknown subcommand 'digitz'")
        }
        XCTAssertThrowsError(try Subcommand.run(["digits", "--epoch", "3"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "unknown option '--epoch'")
        }
        XCTAssertThrowsError(try Subcommand.run(["digits", "--model", "rnn"])) { error in
            XCTAssertTrue((error as? UsageError)?.message.contains("--model") == true, "\(error)")
        }
        XCTAssertThrowsError(try Subcommand.run(["xor", "--epochs", "many"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "--epochs expects a whole number, got 'many'")
        }
    }

    /// The built executable, when `swift build`/`swift test` put it next to the test bundle.
    func executable() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.lastPathComponent == "MacOS" { folder = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        let url = folder.appendingPathComponent("Examples")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("no Examples executable at \(url.path)") }
        return url
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    func testExitCodes() throws {
        let unknown = try run(["no-such-example"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.error.contains("unknown subcommand 'no-such-example'"), unknown.error)
        XCTAssertTrue(unknown.error.contains("--help"), unknown.error)
        let badOption = try run(["sweep", "--quik"])
        XCTAssertEqual(badOption.status, 2)
        XCTAssertTrue(badOption.error.contains("unknown option '--quik'"), badOption.error)
        let badActivation = try run(["digits", "--activation", "softsign"])
        XCTAssertEqual(badActivation.status, 2)
        XCTAssertTrue(badActivation.error.contains("--activation expects one of sigmoid, tanh, relu, leaky-relu, got 'softsign'"),
                      badActivation.error)
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.output.contains("cnn-gradients"))
        let missing = try run(["mnist", "--data", "/nonexistent/mnist"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.error.contains("train-images-idx3-ubyte"), missing.error)
    }
}

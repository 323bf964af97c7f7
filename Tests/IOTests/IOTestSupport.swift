import XCTest
import Foundation
import Autograd
import DataFormats

/// Helpers shared by the data-layer tests, in one namespace so they cannot clash with other targets' helpers.
enum IOTest {
    /// A fresh empty folder under the system's temporary folder.
    static func makeTemporaryFolder(_ label: String = "iotests") throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) {
        // Restore write permission first, in case a test made the folder read-only.
        _ = chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body`, which must throw a ``DataError``; checks its kind and that its description
    /// mentions every string in `mentions`. Returns the error.
    @discardableResult
    static func expectDataError(_ kind: DataError.Kind? = nil, mentions: [String] = [],
                                file: StaticString = #filePath, line: UInt = #line,
                                _ body: () throws -> Void) -> DataError? {
        do {
            try body()
            XCTFail("expected a DataError, nothing was thrown", file: file, line: line)
            return nil
        } catch let error as DataError {
            if let kind { XCTAssertEqual(error.kind, kind, "wrong kind for: \(error)", file: file, line: line) }
            for text in mentions {
                XCTAssertTrue(error.description.contains(text), "\(quote(text)) not in: \(error)", file: file, line: line)
            }
            return error
        } catch {
            XCTFail("expected a DataError, got \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
    }

    private static func quote(_ s: String) -> String { "\"\(s)\"" }

    /// Asserts that two tensors have the same shape and bit-identical elements (NaN equal to NaN).
    static func assertIdentical<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        XCTAssertEqual(a.scalars.count, b.scalars.count, file: file, line: line)
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !(x == y || (x.isNaN && y.isNaN)) {
            XCTFail("element \(i): \(x) != \(y)", file: file, line: line)
            return
        }
    }

    /// The names of the entries of a folder.
    static func contents(of folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Bytes of a little-endian integer.
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Bytes of a big-endian integer.
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func f32le(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
    static func f64le(_ values: [Double]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

    /// A `.npy` file laid out byte by byte as NumPy 1.x `np.save` writes it: magic, version,
    /// little-endian header length, the dict, spaces, newline (total a multiple of 64), data.
    static func numpyFile(header: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        let lengthSize = major == 1 ? 2 : 4
        var text = Array(header.utf8)
        let unpadded = 6 + 2 + lengthSize + text.count + 1
        text += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64)
        text.append(0x0A)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        out += major == 1 ? le(UInt16(text.count)) : le(UInt32(text.count))
        return out + text + data
    }

    /// A safetensors file from a header JSON text (padded to 8 bytes with spaces) and data.
    static func safetensorsFile(json: String, data: [UInt8], pad: Bool = true) -> [UInt8] {
        var header = Array(json.utf8)
        if pad { header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8) }
        return le(UInt64(header.count)) + header + data
    }

    /// Peak resident memory of this process, in bytes.
    static func peakMemory() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if canImport(Darwin)
        return Int(usage.ru_maxrss)           // bytes on macOS
        #else
        return Int(usage.ru_maxrss) * 1024    // kilobytes on Linux
        #endif
    }
}

/// A temporary folder per test: created in `setUp`, removed in `tearDown`.
class TemporaryFolderTestCase: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try IOTest.makeTemporaryFolder(String(describing: type(of: self)))
    }

    override func tearDown() {
        IOTest.remove(folder)
    }

    func path(_ name: String) -> String { "\(folder)/\(name)" }
}

/// Runs one test of this test binary again in a child process, so that a test can watch a
/// process trap or be killed mid-write. The test method plays both roles: started with
/// ``roleKey`` in its environment it is the child and does only the risky part; otherwise it is
/// the parent, starts itself as the child and checks what the child left behind.
enum ChildProcess {
    static let roleKey = "AUTOGRAD_IOTESTS_CHILD_ROLE"

    /// The role this process was started for, or `nil` in the ordinary test run.
    static var role: String? { ProcessInfo.processInfo.environment[roleKey] }

    /// An environment value the parent passed to the child.
    static func value(_ key: String) -> String? { ProcessInfo.processInfo.environment[key] }

    /// How the child ended.
    struct Outcome {
        /// The exit status, or the signal number when `signalled`.
        let status: Int32
        /// Whether a signal ended it (a trap, or our kill).
        let signalled: Bool
        /// What it wrote to standard error.
        let standardError: String
    }

    /// The test binary, when this platform lets us start it again with a test filter.
    static func testBinary() throws -> String {
        #if os(Linux)
        return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #else
        throw XCTSkip("starting the test binary again with a filter is only set up on Linux")
        #endif
    }

    /// Starts `test` ("IOTests.Class/testMethod") in a child process with `role` and `environment` set.
    static func start(_ test: String, role: String, environment: [String: String] = [:]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try testBinary())
        process.arguments = [test]
        var env = ProcessInfo.processInfo.environment
        env[roleKey] = role
        env["SWIFT_BACKTRACE"] = "enable=no"   // a trap should end the child at once, without symbolication
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errors)
    }

    /// Runs `test` in a child process to its end.
    static func run(_ test: String, role: String, environment: [String: String] = [:]) throws -> Outcome {
        let (process, errors) = try start(test, role: role, environment: environment)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       standardError: text)
    }

    /// Waits until `path` exists (the child's sign that it got where it should be killed).
    static func waitFor(_ path: String, process: Process, timeout: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return true }
            if !process.isRunning { return false }
            usleep(10_000)
        }
        return false
    }
}

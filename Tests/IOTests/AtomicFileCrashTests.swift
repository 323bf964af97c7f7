import XCTest
import Foundation
import Autograd

/// A save killed with `kill -9` part-way through: a child process (this test binary, started
/// again on this one test) writes a few megabytes, says so, and waits to be killed.
final class AtomicFileCrashTests: XCTestCase {
    static let testName = "IOTests.AtomicFileCrashTests/testASaveKilledMidWriteLeavesNothingBehind"

    static let namedTestName = "IOTests.AtomicFileCrashTests/testANamedTemporaryLeftByAKilledSaveIsRemovedByTheNextSave"

    /// In the child: start a save of `TARGET`, write 3 MB (flushed to the temporary file), create
    /// `MARKER`, then wait to be killed.
    private func writeUntilKilled(_ temporary: AtomicFile.Temporary) throws {
        guard let target = ChildProcess.value("TARGET"), let marker = ChildProcess.value("MARKER") else { return }
        try AtomicFile.write(to: target, temporary: temporary) { out in
            try out.write([UInt8](repeating: 0xAB, count: 3 << 20))
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            sleep(600)
        }
    }

    func testASaveKilledMidWriteLeavesNothingBehind() throws {
        if ChildProcess.role == "killed-save" { return try writeUntilKilled(.automatic) }
        let folder = try IOTest.makeTemporaryFolder("AtomicFileCrashTests")
        defer { IOTest.remove(folder) }
        let target = "\(folder)/model.safetensors", marker = "\(folder)/marker"
        let previous = Array("previous contents\n".utf8)
        try AtomicFile.write(previous, to: target)

        let (child, _) = try ChildProcess.start(Self.testName, role: "killed-save", environment: ["TARGET": target, "MARKER": marker])
        let started = ChildProcess.waitFor(marker, process: child)
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        XCTAssertTrue(started, "the child did not reach the middle of its save")
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try FileManagerBytes.read(target), previous, "the previous file must survive the kill")

        let leftovers = IOTest.contents(of: folder).filter { $0 != "marker" && $0 != "model.safetensors" }
        print("kill -9 mid-save left \(leftovers.count) temporary file(s): \(leftovers)")
        #if os(Linux)
        if AtomicFile.usesUnnamedTemporaries(in: folder) {
            XCTAssertEqual(leftovers, [], "an unnamed temporary (O_TMPFILE) vanishes with the process")
        }
        #endif
        // Whatever was left, the next save of the same target removes it.
        try AtomicFile.write([1, 2, 3], to: target)
        XCTAssertEqual(try FileManagerBytes.read(target), [1, 2, 3])
        XCTAssertEqual(IOTest.contents(of: folder), ["marker", "model.safetensors"])
    }

    /// The fallback where the file system has no unnamed files: the killed save leaves its named
    /// temporary, and the next save of the same target removes it (the dead process's lock is gone).
    func testANamedTemporaryLeftByAKilledSaveIsRemovedByTheNextSave() throws {
        if ChildProcess.role == "killed-named-save" { return try writeUntilKilled(.named) }
        let folder = try IOTest.makeTemporaryFolder("AtomicFileCrashTests")
        defer { IOTest.remove(folder) }
        let target = "\(folder)/model.safetensors", marker = "\(folder)/marker"
        try AtomicFile.write([1], to: "\(folder)/other.bin")

        let (child, _) = try ChildProcess.start(Self.namedTestName, role: "killed-named-save",
                                                environment: ["TARGET": target, "MARKER": marker])
        let started = ChildProcess.waitFor(marker, process: child)
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        XCTAssertTrue(started, "the child did not reach the middle of its save")
        let leftovers = IOTest.contents(of: folder).filter { $0.hasPrefix(".model.safetensors.tmp-") }
        XCTAssertEqual(leftovers.count, 1, "\(IOTest.contents(of: folder))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))

        try AtomicFile.write(to: target, temporary: .named) { out in try out.write([1, 2, 3]) }
        XCTAssertEqual(try FileManagerBytes.read(target), [1, 2, 3])
        XCTAssertEqual(IOTest.contents(of: folder), ["marker", "model.safetensors", "other.bin"])
    }
}

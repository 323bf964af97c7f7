import XCTest
import Foundation
import Autograd
import DataFormats

final class AtomicFileTests: TemporaryFolderTestCase {
    private let previous = Array("previous contents\n".utf8)

    private func writePrevious(_ file: String) throws {
        try AtomicFile.write(previous, to: file)
        XCTAssertEqual(try FileManagerBytes.read(file), previous)
    }

    private func assertNoTemporaryFiles(in folder: String, file: StaticString = #filePath, line: UInt = #line) {
        let leftovers = IOTest.contents(of: folder).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "temporary files left behind", file: file, line: line)
    }

    func testWriteAndReplace() throws {
        let file = path("out.bin")
        try writePrevious(file)
        try AtomicFile.write([1, 2, 3], to: file)
        XCTAssertEqual(try FileManagerBytes.read(file), [1, 2, 3])
        XCTAssertEqual(IOTest.contents(of: folder), ["out.bin"])
        // A large write goes through the chunked path.
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(to: file) { out in
            try out.write(big[..<1000])
            try big[1000...].withUnsafeBytes { try out.write(raw: $0) }
        }
        XCTAssertEqual(try FileManagerBytes.read(file), big)
        // A relative path (no folder part) works too.
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        try AtomicFile.write([9], to: "relative.bin")
        XCTAssertEqual(try FileManagerBytes.read(path("relative.bin")), [9])
    }

    func testReplacingKeepsThePermissions() throws {
        let file = path("mode.bin")
        try writePrevious(file)
        XCTAssertEqual(chmod(file, 0o600), 0)
        try AtomicFile.write([1], to: file)
        var info = stat()
        XCTAssertEqual(stat(file, &info), 0)
        XCTAssertEqual(UInt32(info.st_mode) & 0o777, 0o600)
    }

    func testProducerFailureLeavesThePreviousFile() throws {
        struct Interrupted: Error {}
        let file = path("model.safetensors")
        try writePrevious(file)
        XCTAssertThrowsError(try AtomicFile.write(to: file) { out in
            try out.write([UInt8](repeating: 7, count: 3 << 20))   // some of it already flushed to the temporary file
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try FileManagerBytes.read(file), previous)
        assertNoTemporaryFiles(in: folder)
        // An encoding error in a writer (value out of range) also leaves the old file.
        XCTAssertThrowsError(try NPY.write(Tensor<Float>([-1]), to: file, dtype: .uint8))
        XCTAssertEqual(try FileManagerBytes.read(file), previous)
        assertNoTemporaryFiles(in: folder)
    }

    func testReadOnlyFolder() throws {
        let sub = path("readonly")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        let file = "\(sub)/weights.npy"
        try writePrevious(file)
        XCTAssertEqual(chmod(sub, 0o555), 0)
        defer { _ = chmod(sub, 0o755) }
        if geteuid() == 0 || access(sub, W_OK) == 0 {
            // Root ignores permission bits: the write succeeds, so this check cannot fail the write.
            // The tests below (a directory in the destination's place, a file as parent, a size
            // limit hit mid-write) make it fail in ways root cannot bypass.
            throw XCTSkip("running as root: a read-only folder does not stop writes; covered by the other failure tests")
        }
        let error = IOTest.expectDataError(.unwritable, mentions: [file, "temporary file in the folder \(sub)", "Permission denied"]) {
            try NPY.write(Tensor<Float>([1, 2]), to: file)
        }
        XCTAssertNotNil(error)
        XCTAssertEqual(try FileManagerBytes.read(file), previous)
        assertNoTemporaryFiles(in: sub)
    }

    func testDirectoryInTheDestinationsPlace() throws {
        let destination = path("checkpoint")
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: false)
        try writePrevious("\(destination)/inside.txt")
        IOTest.expectDataError(.unwritable, mentions: [destination, "rename the temporary file", "directory"]) {
            try SafeTensors.write(["w": Tensor<Float>([1])], to: destination)
        }
        XCTAssertEqual(try FileManagerBytes.read("\(destination)/inside.txt"), previous)
        assertNoTemporaryFiles(in: folder)
        XCTAssertEqual(IOTest.contents(of: folder), ["checkpoint"])
    }

    func testParentIsARegularFile() throws {
        let parent = path("not-a-folder")
        try writePrevious(parent)
        let file = "\(parent)/x.npy"
        IOTest.expectDataError(.unwritable, mentions: [file, "temporary file in the folder \(parent)", "Not a directory"]) {
            try NPY.write(Tensor<Double>([1]), to: file)
        }
        XCTAssertEqual(try FileManagerBytes.read(parent), previous)
        IOTest.expectDataError(.unwritable, mentions: ["No such file"]) {
            try NPY.write(Tensor<Double>([1]), to: path("missing-folder/x.npy"))
        }
        assertNoTemporaryFiles(in: folder)
    }

    func testFailureInTheMiddleOfTheWrite() throws {
        // A file size limit (which binds root too) makes write(2) fail with EFBIG part-way.
        let file = path("big.npy")
        try writePrevious(file)
        var old = rlimit()
        XCTAssertEqual(getrlimit(rlimitFileSize, &old), 0)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = old
        limited.rlim_cur = 4096
        guard setrlimit(rlimitFileSize, &limited) == 0 else {
            _ = signal(SIGXFSZ, oldHandler)
            throw XCTSkip("cannot lower the file size limit here")
        }
        var thrown: Error?
        do { try NPY.write(Tensor<Float>.zeros([10_000]), to: file) } catch { thrown = error }
        _ = setrlimit(rlimitFileSize, &old)
        _ = signal(SIGXFSZ, oldHandler)
        let error = try XCTUnwrap(thrown as? DataError, "expected a DataError, got \(String(describing: thrown))")
        XCTAssertEqual(error.kind, .unwritable)
        XCTAssertTrue(error.description.contains(file), "\(error)")
        XCTAssertTrue(error.description.contains("EFBIG"), "\(error)")
        XCTAssertEqual(try FileManagerBytes.read(file), previous)
        assertNoTemporaryFiles(in: folder)
    }

    func testEmptyAndFolderPaths() {
        IOTest.expectDataError(.unwritable, mentions: ["an empty path"]) { try AtomicFile.write([1], to: "") }
        IOTest.expectDataError(.unwritable, mentions: ["\(folder)/", "a folder path"]) { try AtomicFile.write([1], to: "\(folder)/") }
    }
}

#if canImport(Glibc)
private let rlimitFileSize = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
#else
private let rlimitFileSize = RLIMIT_FSIZE
#endif

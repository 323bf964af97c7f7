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

    // MARK: stale temporaries, long names, symbolic links

    /// What a save killed mid-write leaves behind with a named temporary (where the file system
    /// has no unnamed temporaries, or from an older version of this library): a hidden sibling
    /// that nothing holds open. The next save of the same target removes it; other targets'
    /// temporaries and unrelated files stay.
    func testTheNextSaveRemovesStaleTemporariesOfItsTarget() throws {
        let file = path("model.safetensors")
        let stale = [path(".model.safetensors.tmp-Ab12Cd"), path(".model.safetensors.tmp-000000")]
        let others = [path(".other.bin.tmp-Zz99Yy"), path(".model.safetensors.tmp-toolongX"), path("model.safetensors.tmp-Ab12Cd")]
        for name in stale + others {
            XCTAssertTrue(FileManager.default.createFile(atPath: name, contents: Data(repeating: 1, count: 1 << 16)))
        }
        try AtomicFile.write([1, 2, 3], to: file)
        XCTAssertEqual(try FileManagerBytes.read(file), [1, 2, 3])
        XCTAssertEqual(IOTest.contents(of: folder), (others.map { ($0 as NSString).lastPathComponent } + ["model.safetensors"]).sorted())
    }

    /// A temporary another save is still writing (it holds a lock on it) is left alone.
    func testATemporaryInUseIsNotRemoved() throws {
        let file = path("weights.npy")
        let busy = path(".weights.npy.tmp-Busy01")
        XCTAssertTrue(FileManager.default.createFile(atPath: busy, contents: Data([1])))
        let fd = open(busy, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        try AtomicFile.write([7], to: file)
        XCTAssertTrue(FileManager.default.fileExists(atPath: busy))
        close(fd)   // the other save has died: its lock is gone
        try AtomicFile.write([8], to: file)
        XCTAssertEqual(IOTest.contents(of: folder), ["weights.npy"])
    }

    /// Names of up to 255 bytes (the usual limit) can be saved: the temporary name is short.
    func testLongFileNames() throws {
        for length in [200, 244, 250, 255] {
            let name = String(repeating: "n", count: length - 12) + ".safetensors"
            XCTAssertEqual(name.utf8.count, length)
            try SafeTensors.write(["w": Tensor<Float>([Float(length)])], to: path(name))
            try SafeTensors.write(["w": Tensor<Float>([Float(length) + 1])], to: path(name))   // and replaced
            XCTAssertEqual(try SafeTensors.read(from: path(name), as: Float.self)["w"], Tensor<Float>([Float(length) + 1]))
        }
        XCTAssertEqual(IOTest.contents(of: folder).count, 4)
        assertNoTemporaryFiles(in: folder)
        // A name above the limit is an error naming the path, not a crash.
        let tooLong = path(String(repeating: "x", count: 300))
        IOTest.expectDataError(.unwritable, mentions: [tooLong]) { try AtomicFile.write([1], to: tooLong) }
    }

    /// A named temporary of a name too long to extend is `.<hash>.tmp-XXXXXX`; its stale copies
    /// are found and removed by that same short name.
    func testNamedTemporariesOfLongNamesAreShort() throws {
        let name = String(repeating: "w", count: 250) + ".npy"
        let prefix = AtomicFile.hashedTemporaryPrefix(for: name)
        XCTAssertEqual(prefix.utf8.count, 22)
        let stale = path(prefix + "Stale1")
        XCTAssertTrue(FileManager.default.createFile(atPath: stale, contents: Data([1])))
        var seen: [String] = []
        try AtomicFile.write(to: path(name), temporary: .named) { out in
            try out.write([1, 2])
            seen = IOTest.contents(of: self.folder)
        }
        XCTAssertEqual(seen.count, 2, "\(seen)")
        XCTAssertTrue(seen.allSatisfy { $0.hasPrefix(prefix) && $0.utf8.count == 28 }, "\(seen)")
        XCTAssertEqual(IOTest.contents(of: folder), [name])
        XCTAssertEqual(try FileManagerBytes.read(path(name)), [1, 2])
        // A short name keeps the readable form.
        try AtomicFile.write(to: path("short.bin"), temporary: .named) { out in
            seen = IOTest.contents(of: self.folder).filter { $0.hasPrefix(".") }
        }
        XCTAssertEqual(seen.count, 1)
        XCTAssertTrue(seen.first?.hasPrefix(".short.bin.tmp-") ?? false, "\(seen)")
    }

    /// While an unnamed temporary is written, nothing appears in the folder (so a kill leaves nothing).
    func testAnUnnamedTemporaryIsInvisibleWhileWritten() throws {
        guard AtomicFile.usesUnnamedTemporaries(in: folder) else { throw XCTSkip("no O_TMPFILE in \(folder)") }
        var seen: [String] = ["not called"]
        try AtomicFile.write(to: path("model.bin")) { out in
            try out.write([UInt8](repeating: 3, count: 3 << 20))
            seen = IOTest.contents(of: self.folder)
        }
        XCTAssertEqual(seen, [])
        XCTAssertEqual(IOTest.contents(of: folder), ["model.bin"])
    }

    /// Saving through a symbolic link writes the link's target, as editors and SQLite do; the
    /// link stays a link.
    func testSavingThroughASymbolicLinkWritesItsTarget() throws {
        let data = path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        try writePrevious("\(data)/real.bin")
        XCTAssertEqual(chmod("\(data)/real.bin", 0o640), 0)
        XCTAssertEqual(symlink("data/real.bin", path("link.bin")), 0)        // relative to the link's folder
        XCTAssertEqual(symlink(path("link.bin"), path("chain.bin")), 0)      // absolute, to another link
        XCTAssertEqual(symlink("created.bin", "\(data)/dangling.bin"), 0)   // to a file not yet there

        try AtomicFile.write([1, 2], to: path("link.bin"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("link.bin")), "data/real.bin")
        XCTAssertEqual(try FileManagerBytes.read("\(data)/real.bin"), [1, 2])
        var info = stat()
        XCTAssertEqual(stat("\(data)/real.bin", &info), 0)
        XCTAssertEqual(UInt32(info.st_mode) & 0o777, 0o640, "the target keeps its permissions")

        try NPY.write(Tensor<Float>([3]), to: path("chain.bin"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("chain.bin")), path("link.bin"))
        XCTAssertEqual(try NPY.read(from: "\(data)/real.bin", as: Float.self), Tensor<Float>([3]))

        try AtomicFile.write([4], to: "\(data)/dangling.bin")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "\(data)/dangling.bin"), "created.bin")
        XCTAssertEqual(try FileManagerBytes.read("\(data)/created.bin"), [4])

        XCTAssertEqual(IOTest.contents(of: folder), ["chain.bin", "data", "link.bin"])
        XCTAssertEqual(IOTest.contents(of: data), ["created.bin", "dangling.bin", "real.bin"])

        // A loop of links is an error, and changes nothing.
        XCTAssertEqual(symlink("loop-b", path("loop-a")), 0)
        XCTAssertEqual(symlink("loop-a", path("loop-b")), 0)
        IOTest.expectDataError(.unwritable, mentions: [path("loop-a"), "symbolic link"]) { try AtomicFile.write([5], to: path("loop-a")) }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("loop-a")), "loop-b")
        assertNoTemporaryFiles(in: folder)
        assertNoTemporaryFiles(in: data)
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

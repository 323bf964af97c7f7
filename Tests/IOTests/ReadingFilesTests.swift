import XCTest
import Foundation
import Autograd
import DataFormats

/// What the readers open: only regular files, checked without blocking, read to their end.
final class ReadingFilesTests: TemporaryFolderTestCase {
    /// Every reader on `path`, each expected to throw.
    private var readers: [(String, @Sendable (String) throws -> Void)] {
        [("CSV", { _ = try CSVReader().read(from: $0, as: Float.self) }),
         ("IDX", { _ = try IDX.read(from: $0, as: Float.self) }),
         ("npy", { _ = try NPY.read(from: $0, as: Float.self) }),
         ("safetensors", { _ = try SafeTensors.read(from: $0, as: Float.self) })]
    }

    /// A FIFO with no writer made `open` wait forever. Each reader must refuse it at once.
    func testAFIFOIsRefusedWithoutBlocking() throws {
        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(symlink(fifo, path("link-to-pipe")), 0)
        for (name, read) in readers {
            for target in [fifo, path("link-to-pipe")] {
                let done = DispatchSemaphore(value: 0)
                let outcome = Locked<Error?>(nil)
                Thread.detachNewThread {
                    do { try read(target) } catch { outcome.set(error) }
                    done.signal()
                }
                if done.wait(timeout: .now() + 5) == .timedOut {
                    XCTFail("\(name): reading \(target) blocked for 5 s")
                    // Release the blocked reader: opening the write end lets its open return.
                    let writer = open(fifo, O_WRONLY | O_NONBLOCK)
                    done.wait()
                    if writer >= 0 { close(writer) }
                    continue
                }
                guard let error = outcome.value as? DataError else {
                    XCTFail("\(name): expected a DataError, got \(String(describing: outcome.value))")
                    continue
                }
                XCTAssertEqual(error.kind, .unreadable, "\(name): \(error)")
                XCTAssertTrue(error.description.contains(target), "\(name): \(error)")
                XCTAssertTrue(error.description.contains("a regular file"), "\(name): \(error)")
                XCTAssertTrue(error.description.contains("FIFO"), "\(name): \(error)")
            }
        }
    }

    /// Files in /proc report a size of 0 but have content: they are read to their end.
    func testAFileWhoseSizeReadsAsZeroIsReadToItsEnd() throws {
        #if os(Linux)
        let status = "/proc/self/status"
        var info = stat()
        guard stat(status, &info) == 0 else { throw XCTSkip("no /proc here") }
        XCTAssertEqual(info.st_size, 0, "the premise: /proc reports size 0")
        // "Name:\t…" is not a number: the reader saw the text (before, it saw an empty file).
        IOTest.expectDataError(.malformed, mentions: [status, "line 1, column 1", "\"Name:"]) {
            let table = try CSVReader(hasHeader: false, delimiter: "\t").read(from: status, as: Float.self)
            XCTFail("read \(table.features.shape) from \(status)")
        }
        let pidMax = "/proc/sys/kernel/pid_max"
        if let handle = FileHandle(forReadingAtPath: pidMax) {
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            let expected = try XCTUnwrap(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            let table = try CSVReader(hasHeader: false).read(from: pidMax, as: Double.self)
            XCTAssertEqual(table.features, Tensor<Double>(rows: [[expected]]))
        }
        #else
        throw XCTSkip("/proc is Linux's")
        #endif
    }

    /// An empty regular file is still read as empty (and refused by the binary formats).
    func testAnEmptyRegularFile() throws {
        let empty = path("empty")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: nil))
        XCTAssertEqual(try CSVReader(hasHeader: false).read(from: empty, as: Float.self).features.shape, [0, 0])
        IOTest.expectDataError(.malformed, mentions: [empty, "end of file"]) { _ = try NPY.read(from: empty, as: Float.self) }
    }
}

/// A value shared with another thread.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: Value) { lock.lock(); stored = value; lock.unlock() }
}

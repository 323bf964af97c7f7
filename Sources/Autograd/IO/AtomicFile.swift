#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a file so that readers see either the previous file or the complete new one, never
/// a half-written file: the bytes go to a temporary file in the same folder, which is flushed
/// to disk (`fsync`) and then renamed over the destination. On any failure the temporary file
/// is removed and the previous file, if any, is left as it was.
///
/// Every writer of this library (``NPY``, ``IDX``, ``SafeTensors``, model saving) goes through it.
///
/// ```swift
/// try AtomicFile.write(Array("hello\n".utf8), to: "/tmp/greeting.txt")
/// ```
public enum AtomicFile {
    /// The sink a producer writes into; buffered, flushed to the temporary file in large chunks.
    ///
    /// ```swift
    /// try AtomicFile.write(to: "/tmp/numbers.txt") { out in
    ///     for i in 0..<3 { try out.write(Array("\(i)\n".utf8)) }
    /// }
    /// ```
    public struct Output {
        let fd: Int32
        let temporaryPath: String
        let destination: String
        var buffer: [UInt8] = []
        /// The number of bytes written so far.
        ///
        /// ```swift
        /// try AtomicFile.write(to: "/tmp/x.bin") { out in try out.write([1, 2]); print(out.count) }   // 2
        /// ```
        public private(set) var count = 0

        static let chunk = 1 << 20

        init(fd: Int32, temporaryPath: String, destination: String) {
            self.fd = fd
            self.temporaryPath = temporaryPath
            self.destination = destination
            buffer.reserveCapacity(Output.chunk)
        }

        /// Appends bytes.
        ///
        /// ```swift
        /// try out.write([0x93, 0x4E])
        /// ```
        public mutating func write<Bytes: Sequence>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
            buffer.append(contentsOf: bytes)
            if buffer.count >= Output.chunk { try flush() }
        }

        /// Appends raw bytes from a buffer (used for tensor data).
        ///
        /// ```swift
        /// try values.withUnsafeBytes { try out.write(raw: $0) }
        /// ```
        public mutating func write(raw bytes: UnsafeRawBufferPointer) throws {
            if bytes.count >= Output.chunk {
                try flush()
                try writeAll(bytes)
            } else {
                buffer.append(contentsOf: bytes)
                if buffer.count >= Output.chunk { try flush() }
            }
        }

        mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }

        private mutating func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            guard let base = bytes.baseAddress else { return }
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, base + done, bytes.count - done)
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw DataError(.unwritable, path: destination, at: .byteOffset(count + done),
                                    expected: "to write \(bytes.count - done) more bytes to the temporary file \(temporaryPath)",
                                    found: systemErrorDescription(code))
                }
                done += n
            }
            count += done
        }
    }

    /// Writes `bytes` to `path` atomically.
    ///
    /// ```swift
    /// try AtomicFile.write([1, 2, 3], to: "/tmp/three.bin")
    /// ```
    /// - Throws: ``DataError`` of kind `.unwritable` naming `path` (and the temporary file) and
    ///   the system's reason; the previous file at `path` is then unchanged.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { out in try out.write(bytes) }
    }

    /// Runs `produce` with a sink into a temporary file next to `path`, then flushes the
    /// temporary file and renames it over `path`. If `produce` throws, the temporary file is
    /// removed, `path` is untouched and the producer's error is rethrown.
    ///
    /// ```swift
    /// try AtomicFile.write(to: "/tmp/log.txt") { out in try out.write(Array("line\n".utf8)) }
    /// ```
    public static func write(to path: String, _ produce: (inout Output) throws -> Void) throws {
        guard !path.isEmpty else {
            throw DataError(.unwritable, path: path, expected: "a file path", found: "an empty path")
        }
        let (folder, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw DataError(.unwritable, path: path, expected: "a path naming a file", found: "a folder path")
        }
        var template = Array("\(folder)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else {
            let code = errno
            throw DataError(.unwritable, path: path,
                            expected: "to create a temporary file in the folder \(folder)",
                            found: systemErrorDescription(code))
        }
        let temporaryPath = template.withUnsafeBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress else { return "" }
            return String(cString: base)
        }
        var closed = false
        do {
            var output = Output(fd: fd, temporaryPath: temporaryPath, destination: path)
            try produce(&output)
            try output.flush()
            // Keep the permissions of the file being replaced; a new file gets rw-r--r--.
            var existing = stat()
            let mode: UInt32 = stat(path, &existing) == 0 ? UInt32(existing.st_mode) & 0o7777 : 0o644
            _ = fchmod(fd, mode_t(mode))
            guard fsync(fd) == 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to flush the temporary file \(temporaryPath) to disk",
                                found: systemErrorDescription(code))
            }
            closed = true
            guard close(fd) == 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to close the temporary file \(temporaryPath)",
                                found: systemErrorDescription(code))
            }
            guard rename(temporaryPath, path) == 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to rename the temporary file \(temporaryPath) over the destination",
                                found: systemErrorDescription(code))
            }
        } catch {
            if !closed { _ = close(fd) }
            _ = unlink(temporaryPath)
            throw error
        }
        syncFolder(folder)
    }

    /// The folder part (or ".") and the last component of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        return (folder.isEmpty ? "/" : folder, name)
    }

    /// Flushes the folder entry so that the rename itself survives a crash (best effort: not
    /// every file system allows opening a folder).
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }
}

/// `write(2)` under one name on every platform.
@inline(__always)
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The system's message for an `errno` value, with its symbolic code where known ("Permission denied (EACCES)").
package func systemErrorDescription(_ code: Int32) -> String {
    let message = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    let names: [Int32: String] = [EACCES: "EACCES", ENOENT: "ENOENT", EISDIR: "EISDIR", ENOTDIR: "ENOTDIR",
                                  EROFS: "EROFS", ENOSPC: "ENOSPC", EEXIST: "EEXIST", EFBIG: "EFBIG",
                                  EPERM: "EPERM", ENOTEMPTY: "ENOTEMPTY", ENAMETOOLONG: "ENAMETOOLONG", EIO: "EIO"]
    if let name = names[code] { return "\(message) (\(name))" }
    return message
}

import Autograd
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reading a whole regular file into memory, with errors that name the path.
///
/// The buffer is as large as the file really is, so no header inside the file can make the
/// readers allocate more than the file's size at this step.
enum FileBytes {
    /// The bytes of the regular file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            throw DataError(.unreadable, path: path, expected: "a readable file",
                            found: systemErrorDescription(code))
        }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            throw DataError(.unreadable, path: path, expected: "a readable file", found: systemErrorDescription(code))
        }
        let type = UInt32(info.st_mode) & 0o170000
        guard type == 0o100000 else {
            throw DataError(.unreadable, path: path, expected: "a regular file",
                            found: type == 0o040000 ? "a directory" : "a special file (device, pipe or socket)")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(fd, base + done, size - done)
            }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw DataError(.unreadable, path: path, at: .byteOffset(done), expected: "\(size) readable bytes",
                                found: systemErrorDescription(code))
            }
            if n == 0 {
                // The file shrank while we read it: keep what is there; the format checks
                // will report the missing bytes.
                bytes.removeLast(size - done)
                break
            }
            done += n
        }
        return bytes
    }
}

/// `read(2)` under one name on every platform.
@inline(__always)
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

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
/// Only regular files are read (following symbolic links): a directory, a FIFO, a socket or a
/// device is refused before it is opened, and the file is opened non-blocking, so that a FIFO
/// with no writer cannot make a reader wait forever. The file is read to its end rather than to
/// the size `stat` reports, which is 0 for files such as `/proc/self/status`. The buffer is as
/// large as the file really is, so no header inside the file can make the readers allocate more
/// than the file's size at this step.
enum FileBytes {
    /// The bytes of the regular file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw DataError(.unreadable, path: path, expected: "a readable file", found: systemErrorDescription(code))
        }
        try requireRegular(info, path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw DataError(.unreadable, path: path, expected: "a readable file",
                            found: systemErrorDescription(code))
        }
        defer { _ = close(fd) }
        // The path may have been replaced between stat and open: check what was opened.
        guard fstat(fd, &info) == 0 else {
            let code = errno
            throw DataError(.unreadable, path: path, expected: "a readable file", found: systemErrorDescription(code))
        }
        try requireRegular(info, path)
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }

        let reported = max(Int(info.st_size), 0)
        var bytes = [UInt8](repeating: 0, count: reported)
        var done = 0
        // First the size stat reported, in place; then whatever follows (a file that grew, or
        // one that reports size 0), in chunks, until read(2) says the end is reached.
        while done < reported {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(fd, base + done, reported - done)
            }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw DataError(.unreadable, path: path, at: .byteOffset(done), expected: "\(reported) readable bytes",
                                found: systemErrorDescription(code))
            }
            if n == 0 {
                // The file shrank while we read it: keep what is there; the format checks
                // will report the missing bytes.
                bytes.removeLast(reported - done)
                return bytes
            }
            done += n
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(fd, base, buffer.count)
            }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw DataError(.unreadable, path: path, at: .byteOffset(bytes.count), expected: "the rest of the file",
                                found: systemErrorDescription(code))
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// Throws unless `info` describes a regular file, naming what it is instead.
    private static func requireRegular(_ info: stat, _ path: String) throws {
        let type = UInt32(info.st_mode) & UInt32(S_IFMT)
        guard type != UInt32(S_IFREG) else { return }
        let found: String
        switch type {
        case UInt32(S_IFDIR): found = "a directory"
        case UInt32(S_IFIFO): found = "a FIFO (named pipe)"
        case UInt32(S_IFSOCK): found = "a socket"
        case UInt32(S_IFCHR): found = "a character device"
        case UInt32(S_IFBLK): found = "a block device"
        default: found = "a special file"
        }
        throw DataError(.unreadable, path: path, expected: "a regular file", found: found)
    }
}

/// `read(2)` under one name on every platform.
@inline(__always)
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

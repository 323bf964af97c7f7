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
/// - The temporary file: on Linux, an unnamed file (`O_TMPFILE`) that gets a name only once
///   its bytes are on disk, just before the rename; a process killed while writing
///   (`kill -9`, out of memory) leaves nothing behind. Where the file system has no unnamed
///   files (or elsewhere than Linux), a hidden sibling `.name.tmp-XXXXXX` (for a name too long
///   for that, `.<hash of the name>.tmp-XXXXXX`), locked while in use; each save removes the
///   stale temporaries of its destination that killed saves left (those no process holds locked).
/// - A destination that is a symbolic link is written through: the link's target is
///   replaced and the link stays, as editors and SQLite do.
/// - The new file keeps the permissions of the file it replaces (a new file gets rw-r--r--).
///
/// Every writer of this library (`NPY`, `IDX`, `SafeTensors`, model saving) goes through it.
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

    /// Runs `produce` with a sink into a temporary file next to `path` (next to the file a
    /// symbolic link at `path` points to), then flushes the temporary file and renames it over
    /// that file. If `produce` throws, the temporary file is removed, `path` is untouched and the
    /// producer's error is rethrown.
    ///
    /// ```swift
    /// try AtomicFile.write(to: "/tmp/log.txt") { out in try out.write(Array("line\n".utf8)) }
    /// ```
    public static func write(to path: String, _ produce: (inout Output) throws -> Void) throws {
        try write(to: path, temporary: .automatic, produce)
    }

    /// Which temporary file a save writes (a choice for tests; saves use `.automatic`).
    package enum Temporary {
        /// Unnamed (`O_TMPFILE`) where the system allows it, else named.
        case automatic
        /// Always a named hidden sibling, as on systems without unnamed files.
        case named
    }

    /// ``write(to:_:)`` with the kind of temporary file chosen.
    package static func write(to path: String, temporary: Temporary, _ produce: (inout Output) throws -> Void) throws {
        guard !path.isEmpty else {
            throw DataError(.unwritable, path: path, expected: "a file path", found: "an empty path")
        }
        let destination = try followingLinks(path)
        let (folder, name) = split(destination)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw DataError(.unwritable, path: path, expected: "a path naming a file", found: "a folder path")
        }
        let through = destination == path ? nil : "through the symbolic link, to \(destination)"
        var file = try TemporaryFile.create(folder: folder, name: name, path: path, named: temporary == .named)
        do {
            var output = Output(fd: file.fd, temporaryPath: file.description, destination: path)
            try produce(&output)
            try output.flush()
            // Keep the permissions of the file being replaced; a new file gets rw-r--r--.
            var existing = stat()
            let mode: UInt32 = stat(destination, &existing) == 0 ? UInt32(existing.st_mode) & 0o7777 : 0o644
            _ = fchmod(file.fd, mode_t(mode))
            guard fsync(file.fd) == 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to flush the temporary file \(file.description) to disk",
                                found: systemErrorDescription(code), note: through)
            }
            let temporaryPath = try file.name(path: path)
            guard rename(temporaryPath, destination) == 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to rename the temporary file \(temporaryPath) over the destination",
                                found: systemErrorDescription(code), note: through)
            }
            file.named = nil   // it is the destination now
            file.close()
        } catch {
            file.discard()
            throw error
        }
        syncFolder(folder)
        removeStaleTemporaries(of: name, in: folder)
    }

    /// Whether saves into `folder` use unnamed temporary files (Linux with `O_TMPFILE` support
    /// in that file system, and `/proc` to name them).
    ///
    /// ```swift
    /// AtomicFile.usesUnnamedTemporaries(in: "/tmp")   // true on Linux with ext4, XFS, Btrfs or tmpfs
    /// ```
    package static func usesUnnamedTemporaries(in folder: String) -> Bool {
        #if os(Linux)
        guard access("/proc/self/fd", X_OK) == 0 else { return false }
        let fd = open(folder, openUnnamedTemporary | O_WRONLY | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else { return false }
        _ = systemClose(fd)
        return true
        #else
        return false
        #endif
    }

    /// The folder part (or ".") and the last component of a path.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        return (folder.isEmpty ? "/" : folder, name)
    }

    /// `path`, or the file the symbolic link at `path` leads to (through any chain of links;
    /// a link to a file not yet there leads to that file, which the save creates).
    static func followingLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFLNK) else { return current }
            guard let target = readLink(current) else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to read the symbolic link \(current)", found: systemErrorDescription(code))
            }
            current = target.hasPrefix("/") ? target : split(current).folder + "/" + target
        }
        throw DataError(.unwritable, path: path, expected: "a file, or a chain of at most 40 symbolic links to one",
                        found: "a loop or a longer chain of symbolic links (ELOOP)")
    }

    private static func readLink(_ path: String) -> String? {
        var size = 1024
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let n = buffer.withUnsafeMutableBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return readlink(path, base, size)
            }
            if n < 0 { return nil }
            if n < size { return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            size *= 2
        }
        return nil
    }

    /// Flushes the folder entry so that the rename itself survives a crash (best effort: not
    /// every file system allows opening a folder).
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    /// The start of the names of `name`'s temporary files: `.name.tmp-` when the whole
    /// temporary name fits in the folder's name limit, else `.<hash>.tmp-`.
    static func temporaryPrefix(for name: String, in folder: String) -> String {
        let limit = pathconf(folder, Int32(_PC_NAME_MAX))
        let maximum = limit > 0 ? limit : 255
        return name.utf8.count + 12 <= maximum ? ".\(name).tmp-" : hashedTemporaryPrefix(for: name)
    }

    /// `.<16 hex digits of the FNV-1a hash of the name>.tmp-`: short, and the same for every save of `name`.
    package static func hashedTemporaryPrefix(for name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return "." + String(repeating: "0", count: 16 - digits.count) + digits + ".tmp-"
    }

    /// Removes the temporary files of `name` in `folder` that saves killed mid-write left behind:
    /// those whose lock no process holds (a save holds its temporary file locked until it is
    /// renamed; the system releases the lock of a killed process).
    static func removeStaleTemporaries(of name: String, in folder: String) {
        let prefixes = [Array(".\(name).tmp-".utf8), Array(hashedTemporaryPrefix(for: name).utf8)]
        for entry in folderEntries(folder) {
            guard let prefix = prefixes.first(where: { entry.starts(with: $0) }), entry.count == prefix.count + 6,
                  entry[prefix.count...].allSatisfy(isTemporarySuffixByte) else { continue }
            let candidate = folder + "/" + String(decoding: entry, as: UTF8.self)
            let fd = open(candidate, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, UInt32(held.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG),
               flock(fd, LOCK_EX | LOCK_NB) == 0,
               lstat(candidate, &named) == 0, named.st_ino == held.st_ino, named.st_dev == held.st_dev {
                _ = unlink(candidate)
            }
            _ = close(fd)
        }
    }

    private static func isTemporarySuffixByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// The names in a folder, as bytes (empty when it cannot be listed).
    private static func folderEntries(_ folder: String) -> [[UInt8]] {
        guard let directory = opendir(folder) else { return [] }
        defer { _ = closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))))
                }
            }
            names.append(name)
        }
        return names
    }
}

/// A save's temporary file: its descriptor (locked while the save runs) and, once it has one,
/// its name.
struct TemporaryFile {
    var fd: Int32
    /// The name in the folder; `nil` while an unnamed file has none.
    var named: String?
    let folder: String
    let prefix: String
    var isOpen = true

    /// How the file appears in error messages.
    var description: String { named ?? "(unnamed, in the folder \(folder))" }

    /// An unnamed temporary file in `folder` where the system allows it (unless `named`), else
    /// a named one, locked against removal by other saves' cleanup.
    static func create(folder: String, name: String, path: String, named: Bool) throws -> TemporaryFile {
        let prefix = AtomicFile.temporaryPrefix(for: name, in: folder)
        #if os(Linux)
        if !named, access("/proc/self/fd", X_OK) == 0 {
            let fd = open(folder, openUnnamedTemporary | O_WRONLY | O_CLOEXEC, mode_t(0o600))
            if fd >= 0 {
                _ = flock(fd, LOCK_EX)
                return TemporaryFile(fd: fd, named: nil, folder: folder, prefix: prefix)
            }
        }
        #endif
        for _ in 0..<16 {
            var template = Array("\(folder)/\(prefix)XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemp(base)
            }
            guard fd >= 0 else {
                let code = errno
                throw DataError(.unwritable, path: path, expected: "to create a temporary file in the folder \(folder)",
                                found: systemErrorDescription(code))
            }
            let temporaryPath = template.withUnsafeBufferPointer { buffer -> String in
                guard let base = buffer.baseAddress else { return "" }
                return String(cString: base)
            }
            // Another save's cleanup may have removed it between mkstemp and the lock: check
            // that the name still leads to this file, else try again.
            var held = stat(), current = stat()
            if flock(fd, LOCK_EX) == 0, fstat(fd, &held) == 0, lstat(temporaryPath, &current) == 0,
               held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                return TemporaryFile(fd: fd, named: temporaryPath, folder: folder, prefix: prefix)
            }
            _ = systemClose(fd)
        }
        throw DataError(.unwritable, path: path, expected: "to create a temporary file in the folder \(folder)",
                        found: "each one removed by another process before it could be locked")
    }

    /// The file's name, giving an unnamed file one now (its bytes are complete and on disk).
    mutating func name(path: String) throws -> String {
        if let named { return named }
        #if os(Linux)
        var lastError: Int32 = 0
        for _ in 0..<16 {
            let candidate = folder + "/" + prefix + randomSuffix()
            if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, candidate, AT_SYMLINK_FOLLOW) == 0
                || linkat(fd, "", AT_FDCWD, candidate, linkEmptyPath) == 0 {
                named = candidate
                return candidate
            }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw DataError(.unwritable, path: path, expected: "to give the unnamed temporary file in the folder \(folder) a name",
                        found: systemErrorDescription(lastError))
        #else
        throw DataError(.unwritable, path: path, expected: "a named temporary file", found: "an unnamed one")
        #endif
    }

    mutating func close() {
        if isOpen { _ = systemClose(fd) }
        isOpen = false
    }

    /// Removes the file after a failure.
    mutating func discard() {
        close()
        if let named { _ = unlink(named) }
        named = nil
    }

    private func randomSuffix() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<6).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

#if os(Linux)
/// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`; `__O_TMPFILE` is 0o20000000 on every architecture
/// Swift runs on), spelled out because the C macro is not imported.
let openUnnamedTemporary: Int32 = 0o20000000 | O_DIRECTORY
/// `AT_EMPTY_PATH` (Linux), for `linkat` of a descriptor where `/proc/self/fd` cannot be linked.
let linkEmptyPath: Int32 = 0x1000
#endif

/// `close(2)` under one name on every platform.
@inline(__always)
func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
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

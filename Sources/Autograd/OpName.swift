import Foundation

/// An op's name as a tape node keeps it: one word, pointing at the name's UTF-8 bytes (ending
/// in a zero byte) in the program's constant strings, or, for a name made at run time (a
/// custom op's), in a table of such names that lives as long as the program.
///
/// A `String` field took two words of every node; a name is read only when the tape is printed
/// or an error message names the op.
@usableFromInline
struct OpName: ExpressibleByStringLiteral, CustomStringConvertible, @unchecked Sendable {
    @usableFromInline let utf8: UnsafePointer<CChar>

    /// A name written in the source (`"matmul"`).
    @inlinable init(stringLiteral name: StaticString) {
        // String literals are stored with a terminating zero byte.
        self.init(utf8: name.hasPointerRepresentation ? UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
                                                      : OpName.pointer(interning: name.description))
    }

    @inlinable init(utf8: UnsafePointer<CChar>) { self.utf8 = utf8 }

    /// A name made at run time, copied once into the table of names (each distinct name once).
    init(interning name: String) {
        self.init(utf8: OpName.pointer(interning: name))
    }

    @usableFromInline static func pointer(interning name: String) -> UnsafePointer<CChar> {
        table.pointer(for: name)
    }

    /// The name.
    @usableFromInline var string: String { String(cString: utf8) }
    @usableFromInline var description: String { string }

    /// The names made at run time, never freed (a program has a few: its custom ops' names).
    private static let table = NameTable()

    private final class NameTable: @unchecked Sendable {
        private let lock = NSLock()
        private var pointers: [String: UnsafePointer<CChar>] = [:]

        func pointer(for name: String) -> UnsafePointer<CChar> {
            lock.lock()
            defer { lock.unlock() }
            if let known = pointers[name] { return known }
            // The name up to a zero byte, as `string` reads it back.
            let bytes = Array(name.utf8.prefix { $0 != 0 })
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, byte) in bytes.enumerated() { copy[i] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            pointers[name] = UnsafePointer(copy)
            return UnsafePointer(copy)
        }
    }
}

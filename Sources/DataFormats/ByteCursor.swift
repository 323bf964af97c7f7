import Autograd

/// A read position in the bytes of a binary file; every read is bounds-checked and a short
/// read throws a ``DataError`` naming the file, the offset and what was being read.
struct ByteCursor {
    let bytes: [UInt8]
    let path: String?
    var offset = 0

    init(_ bytes: [UInt8], path: String?) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func error(_ kind: DataError.Kind, at position: Int? = nil, expected: String, found: String,
               note: String? = nil) -> DataError {
        DataError(kind, path: path, at: .byteOffset(position ?? offset), expected: expected, found: found, note: note)
    }

    /// Takes `count` bytes, or throws saying how many were left.
    mutating func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw error(.malformed, expected: "\(what) (\(count) bytes)",
                        found: remaining == 0 ? "end of file" : "only \(remaining) bytes before the end of the file")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func uint8(_ what: String) throws -> UInt8 {
        try take(1, what).first ?? 0
    }

    mutating func uint16LE(_ what: String) throws -> UInt16 {
        let s = try take(2, what)
        return s.reversed().reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func uint32LE(_ what: String) throws -> UInt32 {
        let s = try take(4, what)
        return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint32BE(_ what: String) throws -> UInt32 {
        let s = try take(4, what)
        return s.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64LE(_ what: String) throws -> UInt64 {
        let s = try take(8, what)
        return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// The element count of a tensor of `shape`, or `nil` when no tensor can have that shape (a
/// negative size, or a product of the nonzero sizes that overflows `Int`, which would overflow
/// the strides even of an empty tensor): the rule of ``Tensor/init(_:shape:)``.
func checkedElementCount(_ shape: [Int]) -> Int? {
    Shape.elementCount(shape)
}

/// The byte size of `count` elements of `width` bytes, or `nil` on overflow.
func checkedByteCount(_ count: Int, width: Int) -> Int? {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
    return overflow ? nil : bytes
}

/// Appends little-endian bytes of an integer.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    var v = value.littleEndian
    withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
}

/// Appends big-endian bytes of an integer.
func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    var v = value.bigEndian
    withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
}

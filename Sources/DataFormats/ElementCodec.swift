import Autograd

/// The element types the binary formats store, independent of how each format names them.
enum ElementKind: Sendable, Equatable {
    case float16, bfloat16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    var width: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }
}

/// Converting between raw element bytes and tensor scalars.
enum ElementCodec {
    /// Decodes `count` elements of `kind` starting at `start`. The caller has checked that the
    /// bytes are there.
    static func decode<Scalar: TensorScalar>(_ bytes: [UInt8], from start: Int, count: Int, kind: ElementKind,
                                             bigEndian: Bool, as: Scalar.Type = Scalar.self) -> [Scalar] {
        require(start >= 0 && count >= 0 && start + count * kind.width <= bytes.count,
                     "ElementCodec.decode: range not checked by the caller")
        guard count > 0 else { return [] }
        return bytes.withUnsafeBytes { raw -> [Scalar] in
            let base = UnsafeRawBufferPointer(rebasing: raw[start..<(start + count * kind.width)])
            func ints<T: FixedWidthInteger>(_ type: T.Type) -> [Scalar] {
                (0..<count).map { i in
                    let v = base.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                    return Scalar(bigEndian ? T(bigEndian: v) : T(littleEndian: v))
                }
            }
            switch kind {
            case .uint8: return base.map { Scalar($0) }
            case .int8: return base.map { Scalar(Int8(bitPattern: $0)) }
            case .bool: return base.map { $0 == 0 ? 0 : 1 }
            case .int16: return ints(Int16.self)
            case .uint16: return ints(UInt16.self)
            case .int32: return ints(Int32.self)
            case .uint32: return ints(UInt32.self)
            case .int64: return ints(Int64.self)
            case .uint64: return ints(UInt64.self)
            case .float32:
                return (0..<count).map { i in
                    let v = base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    return Scalar(Float(bitPattern: bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)))
                }
            case .float64:
                return (0..<count).map { i in
                    let v = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    return Scalar(Double(bitPattern: bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)))
                }
            case .float16:
                return (0..<count).map { i in
                    let v = base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                    return Scalar(halfToFloat(bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)))
                }
            case .bfloat16:
                return (0..<count).map { i in
                    let v = base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                    let bits = bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
                    return Scalar(Float(bitPattern: UInt32(bits) << 16))
                }
            }
        }
    }

    /// Decodes `count` little-endian 64-bit integers starting at `start`, exactly. The caller
    /// has checked that the bytes are there.
    static func decodeInt64(_ bytes: [UInt8], from start: Int, count: Int) -> [Int64] {
        require(start >= 0 && count >= 0 && start + count * 8 <= bytes.count,
                     "ElementCodec.decodeInt64: range not checked by the caller")
        guard count > 0 else { return [] }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start + $0 * 8, as: Int64.self)) }
        }
    }

    /// Encodes scalars as `kind`. Integer kinds need integral values in range: anything else
    /// throws ``DataError`` (`.invalidValue`) naming the element.
    static func encode<Scalar: TensorScalar>(_ scalars: [Scalar], kind: ElementKind, bigEndian: Bool,
                                             path: String?) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count * kind.width)
        func ints<T: FixedWidthInteger>(_ type: T.Type, _ name: String) throws {
            for (i, s) in scalars.enumerated() {
                guard let v = T(exactly: s) else {
                    throw DataError(.invalidValue, path: path, at: .element(i),
                                    expected: "an integer in \(T.min)...\(T.max) to store as \(name)", found: "\(s)")
                }
                if bigEndian { appendBigEndian(v, to: &out) } else { appendLittleEndian(v, to: &out) }
            }
        }
        switch kind {
        case .uint8: try ints(UInt8.self, "uint8")
        case .int8: try ints(Int8.self, "int8")
        case .int16: try ints(Int16.self, "int16")
        case .uint16: try ints(UInt16.self, "uint16")
        case .int32: try ints(Int32.self, "int32")
        case .uint32: try ints(UInt32.self, "uint32")
        case .int64: try ints(Int64.self, "int64")
        case .uint64: try ints(UInt64.self, "uint64")
        case .bool:
            for (i, s) in scalars.enumerated() {
                guard s == 0 || s == 1 else {
                    throw DataError(.invalidValue, path: path, at: .element(i), expected: "0 or 1 to store as bool", found: "\(s)")
                }
                out.append(s == 0 ? 0 : 1)
            }
        case .float32:
            for s in scalars {
                let bits = Float(s).bitPattern
                if bigEndian { appendBigEndian(bits, to: &out) } else { appendLittleEndian(bits, to: &out) }
            }
        case .float64:
            for s in scalars {
                let bits = Double(s).bitPattern
                if bigEndian { appendBigEndian(bits, to: &out) } else { appendLittleEndian(bits, to: &out) }
            }
        case .float16:
            for s in scalars {
                let bits = floatToHalf(Float(s))
                if bigEndian { appendBigEndian(bits, to: &out) } else { appendLittleEndian(bits, to: &out) }
            }
        case .bfloat16:
            for s in scalars {
                let bits = floatToBFloat16(Float(s))
                if bigEndian { appendBigEndian(bits, to: &out) } else { appendLittleEndian(bits, to: &out) }
            }
        }
        return out
    }
}

/// IEEE 754 binary16 bits to `Float` (exact). Written out by hand because `Float16` is not
/// available on every platform this package builds for (macOS on Intel).
func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = (h & 0x8000) != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 { return sign * Float(mantissa) * 0x1p-24 }
    if exponent == 31 {
        if mantissa == 0 { return sign * .infinity }
        return Float(bitPattern: UInt32(h & 0x8000) << 16 | 0x7F80_0000 | mantissa << 13)
    }
    return Float(bitPattern: UInt32(h & 0x8000) << 16 | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
}

/// `Float` to binary16 bits, rounding to nearest even; overflow gives infinity.
func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    if f.isNaN { return sign | 0x7E00 }
    let magnitude = abs(f)
    if magnitude >= 65520 { return sign | 0x7C00 }          // rounds to infinity
    if magnitude < 0x1p-14 {                                // subnormal half (or zero)
        let scaled = (magnitude * 0x1p24).rounded(.toNearestOrEven)
        return sign | UInt16(scaled)
    }
    let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
    var mantissa = bits & 0x7F_FFFF
    var half = UInt32(exponent) << 10 | mantissa >> 13
    mantissa &= 0x1FFF
    if mantissa > 0x1000 || (mantissa == 0x1000 && (half & 1) == 1) { half += 1 }
    return sign | UInt16(half)
}

/// `Float` to bfloat16 bits, rounding to nearest even.
func floatToBFloat16(_ f: Float) -> UInt16 {
    if f.isNaN { return UInt16(f.bitPattern >> 16) | 0x0040 }
    let bits = f.bitPattern
    let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}

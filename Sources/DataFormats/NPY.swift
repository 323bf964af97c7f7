import Autograd

/// NumPy's `.npy` format (versions 1.0, 2.0 and 3.0): the magic `\x93NUMPY`, a version, a
/// little-endian header length, a header that is a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the raw elements.
///
/// Reads C-order arrays of floats (`<f2`, `<f4`, `<f8`), integers (`i1`…`i8`, `u1`…`u8`) and
/// booleans into a `Float` or `Double` tensor; Fortran order, big-endian data and other
/// dtypes (strings, objects, complex, structured) are refused with a clear error. The data
/// size is checked against the file before anything is allocated. Writes files `numpy.load`
/// reads (version 1.0, header aligned to 64 bytes).
///
/// ```swift
/// try NPY.write(Tensor<Float>([1, 2, 3, 4, 5, 6], shape: [2, 3]), to: "/tmp/x.npy")
/// let x = try NPY.read(from: "/tmp/x.npy", as: Float.self)    // np.load("/tmp/x.npy") in Python
/// let y = try NPY.read(from: "labels.npy", as: Float.self)    // an int64 array, as Float
/// ```
public enum NPY {
    /// The dtypes this library reads and writes, with their NumPy descriptor.
    ///
    /// ```swift
    /// try NPY.write(labels, to: "/tmp/y.npy", dtype: .int64)
    /// ```
    public enum DType: String, Sendable, CaseIterable {
        /// Half-precision float, `<f2`.
        case float16 = "<f2"
        /// Single-precision float, `<f4` (what `Tensor<Float>` is written as).
        case float32 = "<f4"
        /// Double-precision float, `<f8` (what `Tensor<Double>` is written as).
        case float64 = "<f8"
        /// Signed 8-bit integer, `|i1`.
        case int8 = "|i1"
        /// Signed 16-bit integer, `<i2`.
        case int16 = "<i2"
        /// Signed 32-bit integer, `<i4`.
        case int32 = "<i4"
        /// Signed 64-bit integer, `<i8` (NumPy's default integer).
        case int64 = "<i8"
        /// Unsigned byte, `|u1`.
        case uint8 = "|u1"
        /// Unsigned 16-bit integer, `<u2`.
        case uint16 = "<u2"
        /// Unsigned 32-bit integer, `<u4`.
        case uint32 = "<u4"
        /// Unsigned 64-bit integer, `<u8`.
        case uint64 = "<u8"
        /// Boolean, `|b1` (read as 0 and 1).
        case bool = "|b1"

        var kind: ElementKind {
            switch self {
            case .float16: return .float16
            case .float32: return .float32
            case .float64: return .float64
            case .int8: return .int8
            case .int16: return .int16
            case .int32: return .int32
            case .int64: return .int64
            case .uint8: return .uint8
            case .uint16: return .uint16
            case .uint32: return .uint32
            case .uint64: return .uint64
            case .bool: return .bool
            }
        }

        /// The dtype a tensor of `Scalar` is written as by default: `<f4` or `<f8`.
        static func natural<Scalar: TensorScalar>(for: Scalar.Type) -> DType {
            Scalar.self == Float.self ? .float32 : .float64
        }
    }

    /// What a `.npy` header declares.
    ///
    /// ```swift
    /// let h = try NPY.header(of: bytes)
    /// h.dtype   // .float32
    /// h.shape   // [3, 4]
    /// ```
    public struct Header: Sendable, Equatable {
        /// The element type.
        ///
        /// ```swift
        /// try NPY.header(of: bytes).dtype      // .float32
        /// ```
        public let dtype: DType
        /// The size of each axis (`[]` for a 0-d array).
        ///
        /// ```swift
        /// try NPY.header(of: bytes).shape      // [3, 4]
        /// ```
        public let shape: [Int]
        /// The format version, (1, 0), (2, 0) or (3, 0).
        ///
        /// ```swift
        /// try NPY.header(of: bytes).version    // (1, 0)
        /// ```
        public let version: (major: Int, minor: Int)
        /// The offset of the first element.
        ///
        /// ```swift
        /// try NPY.header(of: bytes).dataOffset // 128
        /// ```
        public let dataOffset: Int

        /// Headers are equal when every field is.
        ///
        /// ```swift
        /// try NPY.header(of: a) == NPY.header(of: b)
        /// ```
        public static func == (a: Header, b: Header) -> Bool {
            a.dtype == b.dtype && a.shape == b.shape && a.version == b.version && a.dataOffset == b.dataOffset
        }
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // \x93NUMPY

    /// Reads a tensor from the `.npy` file at `path`, converting integers and booleans to `Scalar`.
    ///
    /// ```swift
    /// let w = try NPY.read(from: "weights.npy", as: Double.self)
    /// ```
    /// - Throws: `DataError` naming the file and the byte offset of the problem.
    public static func read<Scalar: TensorScalar>(from path: String, as type: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        try decode(FileBytes.read(path), path: path, as: type)
    }

    /// Parses and checks the header of `.npy` bytes, including that exactly the declared
    /// amount of data follows it.
    ///
    /// ```swift
    /// let h = try NPY.header(of: try NPY.encode(Tensor<Float>.zeros([2, 2])))   // shape [2, 2]
    /// ```
    public static func header(of bytes: [UInt8], path: String? = nil) throws -> Header {
        var cursor = ByteCursor(bytes, path: path)
        let head = try cursor.take(6, "the magic string \\x93NUMPY")
        guard Array(head) == magic else {
            throw cursor.error(.malformed, at: 0, expected: "the magic string \\x93NUMPY", found: hexForMessage(head))
        }
        let major = Int(try cursor.uint8("the major version"))
        let minor = Int(try cursor.uint8("the minor version"))
        guard (1...3).contains(major), minor == 0 else {
            throw cursor.error(.unsupported, at: 6, expected: "format version 1.0, 2.0 or 3.0", found: "\(major).\(minor)")
        }
        let headerLength = major == 1 ? Int(try cursor.uint16LE("the header length"))
                                      : Int(try cursor.uint32LE("the header length"))
        let headerStart = cursor.offset
        guard headerLength <= cursor.remaining else {
            throw cursor.error(.tooLarge, at: 8, expected: "a header of at most \(cursor.remaining) bytes (the rest of the file)",
                               found: "a declared header length of \(headerLength)")
        }
        let text = try cursor.take(headerLength, "the header")
        if major < 3, let i = text.firstIndex(where: { $0 >= 0x80 }) {
            throw cursor.error(.malformed, at: i, expected: "an ASCII header (version \(major).0)", found: "byte \(hexForMessage(text[i...].prefix(1)))")
        }
        let literal = try PythonLiteral.parse(text, path: path, base: headerStart)
        guard case .dict(let entries) = literal else {
            throw cursor.error(.malformed, at: headerStart, expected: "a dictionary header {'descr': …, 'fortran_order': …, 'shape': …}",
                               found: quoteForMessage(literal.pythonDescription))
        }
        var descr: PythonLiteral? = nil, fortran: PythonLiteral? = nil, shapeValue: PythonLiteral? = nil
        for (key, value) in entries {
            guard case .string(let name) = key else {
                throw cursor.error(.malformed, at: headerStart, expected: "string keys in the header",
                                   found: quoteForMessage(key.pythonDescription))
            }
            func set(_ slot: inout PythonLiteral?) throws {
                guard slot == nil else {
                    throw cursor.error(.malformed, at: headerStart, expected: "each key once in the header", found: "'\(name)' twice")
                }
                slot = value
            }
            switch name {
            case "descr": try set(&descr)
            case "fortran_order": try set(&fortran)
            case "shape": try set(&shapeValue)
            default:
                throw cursor.error(.malformed, at: headerStart, expected: "only the keys 'descr', 'fortran_order' and 'shape'",
                                   found: "the key \(quoteForMessage(name))")
            }
        }
        guard let descr, let fortran, let shapeValue else {
            let missing = [("descr", descr), ("fortran_order", fortran), ("shape", shapeValue)].filter { $0.1 == nil }.map { "'\($0.0)'" }
            throw cursor.error(.malformed, at: headerStart, expected: "the keys 'descr', 'fortran_order' and 'shape'",
                               found: "no \(missing.joined(separator: ", "))")
        }
        let dtype = try parseDescr(descr, cursor: cursor, at: headerStart)
        guard case .bool(let isFortran) = fortran else {
            throw cursor.error(.malformed, at: headerStart, expected: "'fortran_order' True or False",
                               found: quoteForMessage(fortran.pythonDescription))
        }
        guard case .tuple(let sizes) = shapeValue else {
            throw cursor.error(.malformed, at: headerStart, expected: "'shape' a tuple of integers",
                               found: quoteForMessage(shapeValue.pythonDescription))
        }
        var shape: [Int] = []
        for size in sizes {
            guard case .int(let n) = size, n >= 0 else {
                throw cursor.error(.malformed, at: headerStart, expected: "'shape' a tuple of non-negative integers",
                                   found: quoteForMessage(shapeValue.pythonDescription))
            }
            shape.append(n)
        }
        if isFortran && shape.filter({ $0 > 1 }).count > 1 {
            throw cursor.error(.unsupported, at: headerStart, expected: "C order ('fortran_order': False)",
                               found: "Fortran order", note: "save with np.ascontiguousarray(a) or np.save of a C-ordered copy")
        }
        guard let count = checkedElementCount(shape), let byteCount = checkedByteCount(count, width: dtype.kind.width) else {
            throw cursor.error(.tooLarge, at: headerStart, expected: "a shape whose element count fits in memory, zero-size axes aside (its strides multiply the other sizes)", found: "shape \(shape)")
        }
        guard byteCount <= cursor.remaining else {
            throw cursor.error(.tooLarge, expected: "the \(byteCount) bytes of data the header declares (shape \(shape), \(dtype.rawValue))",
                               found: "\(cursor.remaining) bytes before the end of the file")
        }
        guard byteCount == cursor.remaining else {
            throw cursor.error(.malformed, at: cursor.offset + byteCount,
                               expected: "the end of the file after \(byteCount) bytes of data (shape \(shape), \(dtype.rawValue))",
                               found: "\(cursor.remaining - byteCount) more bytes")
        }
        return Header(dtype: dtype, shape: shape, version: (major, minor), dataOffset: cursor.offset)
    }

    private static func parseDescr(_ descr: PythonLiteral, cursor: ByteCursor, at offset: Int) throws -> DType {
        let supported = "'<f2', '<f4', '<f8', '|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '<u8' or '|b1'"
        guard case .string(let text) = descr else {
            throw cursor.error(.unsupported, at: offset, expected: "'descr' one of \(supported)",
                               found: quoteForMessage(descr.pythonDescription), note: "structured dtypes are not supported")
        }
        var order: Character = "="
        var body = Substring(text)
        if let first = body.first, "<>|=".contains(first) {
            order = first
            body = body.dropFirst()
        }
        let table: [String: DType] = ["f2": .float16, "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16,
                                      "i4": .int32, "i8": .int64, "u1": .uint8, "u2": .uint16, "u4": .uint32,
                                      "u8": .uint64, "b1": .bool, "?": .bool]
        guard let dtype = table[String(body)] else {
            throw cursor.error(.unsupported, at: offset, expected: "'descr' one of \(supported)", found: quoteForMessage(text))
        }
        if order == ">" && dtype.kind.width > 1 {
            throw cursor.error(.unsupported, at: offset, expected: "little-endian data ('<')", found: "big-endian \(quoteForMessage(text))",
                               note: "convert with a.astype(a.dtype.newbyteorder('<'))")
        }
        return dtype
    }

    /// Parses `.npy` bytes held in memory; `path` is only used in error messages.
    ///
    /// ```swift
    /// let t = try NPY.decode(try NPY.encode(Tensor<Double>([1, 2])), as: Double.self)
    /// ```
    public static func decode<Scalar: TensorScalar>(_ bytes: [UInt8], path: String? = nil,
                                                    as type: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        let header = try header(of: bytes, path: path)
        let count = checkedElementCount(header.shape) ?? 0
        let values: [Scalar] = ElementCodec.decode(bytes, from: header.dataOffset, count: count,
                                                   kind: header.dtype.kind, bigEndian: false)
        return Tensor(values, shape: header.shape)
    }

    /// The header text NumPy writes: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func headerText(dtype: DType, shape: [Int]) -> String {
        let sizes = shape.map(String.init).joined(separator: ", ")
        let tuple = shape.count == 1 ? "(\(sizes),)" : "(\(sizes))"
        return "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(tuple), }"
    }

    /// The `.npy` bytes of `tensor` stored as `dtype` (by default `<f4` for `Float`, `<f8` for `Double`).
    ///
    /// ```swift
    /// let bytes = try NPY.encode(Tensor<Float>([1, 2, 3]))
    /// ```
    /// - Throws: `DataError` (`.invalidValue`) when an integer dtype cannot hold a value.
    public static func encode<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, dtype: DType? = nil,
                                                    path: String? = nil) throws -> [UInt8] {
        let dtype = dtype ?? .natural(for: Scalar.self)
        let data = try ElementCodec.encode(tensor.scalars, kind: dtype.kind, bigEndian: false, path: path)
        var text = Array(headerText(dtype: dtype, shape: tensor.shape).utf8)
        // Pad with spaces and end with a newline so that the data starts at a multiple of 64.
        let prefix = 10
        let major: UInt8 = (text.count + 1 + prefix + 63) / 64 * 64 - prefix > 65535 ? 2 : 1
        let lengthSize = major == 1 ? 2 : 4
        let total = (magic.count + 2 + lengthSize + text.count + 1 + 63) / 64 * 64
        text += [UInt8](repeating: 0x20, count: total - (magic.count + 2 + lengthSize + text.count + 1))
        text.append(0x0A)
        var out = magic + [major, 0]
        if major == 1 { appendLittleEndian(UInt16(text.count), to: &out) } else { appendLittleEndian(UInt32(text.count), to: &out) }
        out += text
        out += data
        return out
    }

    /// Writes `tensor` to `path` as a `.npy` file, atomically.
    ///
    /// ```swift
    /// try NPY.write(Tensor<Double>.identity(3), to: "/tmp/eye.npy")      // '<f8'
    /// try NPY.write(Tensor<Float>([0, 2, 1]), to: "/tmp/y.npy", dtype: .int64)
    /// ```
    public static func write<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, to path: String, dtype: DType? = nil) throws {
        let bytes = try encode(tensor, dtype: dtype, path: path)
        try AtomicFile.write(bytes, to: path)
    }
}

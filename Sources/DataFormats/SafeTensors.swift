import Autograd

/// The safetensors format of Hugging Face and PyTorch: an 8-byte little-endian header
/// length, a JSON header
/// `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "__metadata__": {"k": "v"}}`,
/// then the raw little-endian data of every tensor.
///
/// Reading checks everything Python's `safetensors` checks before allocating any tensor: the
/// header length against the file length (and a 100 MB cap), the JSON, every dtype, that each
/// tensor's byte range matches its shape, and that the ranges cover the data exactly with no
/// gap or overlap. Writing produces files `safetensors.safe_open` and
/// `safetensors.torch.load_file` read (header padded to 8 bytes, tensors sorted by name).
///
/// ```swift
/// try SafeTensors.write(["w": Tensor<Float>.ones([2, 3]), "b": Tensor<Float>.zeros([3])],
///                       metadata: ["format": "pt"], to: "/tmp/model.safetensors")
/// let file = try SafeTensors.read(from: "/tmp/model.safetensors", as: Float.self)
/// file["w"]?.shape    // [2, 3]
/// ```
public enum SafeTensors {
    /// Element types as the header names them. F32, F64, F16, BF16 and the integer types are
    /// read into `Float` or `Double`; F32 and F64 are what tensors are written as.
    ///
    /// ```swift
    /// try SafeTensors.write(["x": x], dtype: .F64, to: "/tmp/x.safetensors")
    /// ```
    public enum DType: String, Sendable, CaseIterable {
        /// 64-bit float.
        case F64
        /// 32-bit float.
        case F32
        /// IEEE half precision.
        case F16
        /// bfloat16 (the top half of a `Float`).
        case BF16
        /// Signed integers.
        case I64, I32, I16, I8
        /// Unsigned integers.
        case U64, U32, U16, U8
        /// Booleans, one byte each.
        case BOOL

        var kind: ElementKind {
            switch self {
            case .F64: return .float64
            case .F32: return .float32
            case .F16: return .float16
            case .BF16: return .bfloat16
            case .I64: return .int64
            case .I32: return .int32
            case .I16: return .int16
            case .I8: return .int8
            case .U64: return .uint64
            case .U32: return .uint32
            case .U16: return .uint16
            case .U8: return .uint8
            case .BOOL: return .bool
            }
        }
    }

    /// One tensor's entry in the header.
    ///
    /// ```swift
    /// for t in try SafeTensors.header(of: bytes).tensors { print(t.name, t.dtype, t.shape) }
    /// ```
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name.
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).tensors[0].name          // "bias"
        /// ```
        public let name: String
        /// The element type.
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).tensors[0].dtype         // .F32
        /// ```
        public let dtype: DType
        /// The size of each axis.
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).tensors[0].shape         // [10]
        /// ```
        public let shape: [Int]
        /// The byte range within the data section (after the header).
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).tensors[0].dataOffsets   // 0..<40
        /// ```
        public let dataOffsets: Range<Int>
    }

    /// A parsed and validated header.
    ///
    /// ```swift
    /// let h = try SafeTensors.header(of: bytes)
    /// h.metadata   // ["format": "pt"]
    /// ```
    public struct Header: Sendable, Equatable {
        /// The tensors in the order of their data.
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).tensors.map(\.name)      // ["bias", "weight"]
        /// ```
        public let tensors: [TensorInfo]
        /// The `__metadata__` strings (empty when there are none).
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).metadata    // ["format": "pt"]
        /// ```
        public let metadata: [String: String]
        /// The offset in the file where the data section starts (8 + header length).
        ///
        /// ```swift
        /// try SafeTensors.header(of: bytes).dataStart   // 8 + the header length
        /// ```
        public let dataStart: Int
    }

    /// Integers stored exactly as I64 (a step count, token ids): `Float` holds integers exactly
    /// only up to 2²⁴ and `Double` up to 2⁵³.
    ///
    /// ```swift
    /// try SafeTensors.write(["w": w], integers: ["step": .init([16_777_217], shape: [])], to: "/tmp/s.safetensors")
    /// ```
    public struct Integers: Sendable, Equatable {
        /// The values in row-major order.
        ///
        /// ```swift
        /// SafeTensors.Integers([1, 2, 3], shape: [3]).values   // [1, 2, 3]
        /// ```
        public let values: [Int64]
        /// The size of each axis (`[]` for a single number).
        ///
        /// ```swift
        /// SafeTensors.Integers([7], shape: []).shape   // []
        /// ```
        public let shape: [Int]

        /// Integers of a shape.
        ///
        /// ```swift
        /// let ids = SafeTensors.Integers([3, 1, 4, 1], shape: [2, 2])
        /// ```
        /// - Precondition: the count of `values` is the element count of `shape`.
        public init(_ values: [Int64], shape: [Int]) {
            require(Shape.elementCount(shape) == values.count,
                         "SafeTensors.Integers: \(values.count) values do not fill shape \(shape)")
            self.values = values
            self.shape = shape
        }
    }

    /// The tensors and metadata of a safetensors file.
    ///
    /// Names are compared by their bytes, as Python compares them: a file may hold "é" written
    /// as one code point and as "e" + a combining accent, two names Swift's `==` calls equal.
    /// ``names``, the subscript, ``dtype(of:)`` and ``integers(_:)`` tell them apart; the
    /// dictionaries ``tensors`` and ``dtypes``, keyed by `String`, hold the first of them.
    ///
    /// ```swift
    /// let file = try SafeTensors.read(from: "model.safetensors", as: Float.self)
    /// for name in file.names { print(name, file[name]?.shape ?? []) }
    /// ```
    public struct Contents<Scalar: TensorScalar>: Sendable {
        struct Entry: Sendable {
            let name: String
            let tensor: Tensor<Scalar>
            let dtype: DType
            /// The exact values of an I64 tensor.
            let integers: [Int64]?
        }

        let entries: [Entry]
        /// Entry positions by the UTF-8 bytes of their names.
        let positions: [[UInt8]: Int]

        /// The `__metadata__` strings.
        ///
        /// ```swift
        /// file.metadata["format"]   // "pt"
        /// ```
        public var metadata: [String: String]

        init(entries: [Entry], metadata: [String: String]) {
            self.entries = entries
            self.metadata = metadata
            var positions: [[UInt8]: Int] = [:]
            for (i, entry) in entries.enumerated() { positions[Array(entry.name.utf8)] = i }
            self.positions = positions
        }

        /// The names in the order of their data in the file.
        ///
        /// ```swift
        /// file.names   // ["bias", "weight"]
        /// ```
        public var names: [String] { entries.map(\.name) }

        /// The tensors by name (for two names equal as Strings but not as bytes, the first in the file).
        ///
        /// ```swift
        /// for (name, t) in file.tensors { print(name, t.shape) }
        /// ```
        public var tensors: [String: Tensor<Scalar>] {
            var out: [String: Tensor<Scalar>] = [:]
            for entry in entries where out[entry.name] == nil { out[entry.name] = entry.tensor }
            return out
        }

        /// The dtype each tensor had in the file (for two names equal as Strings but not as bytes, the first in the file).
        ///
        /// ```swift
        /// file.dtypes["weight"]   // .F16 for a half-precision checkpoint
        /// ```
        public var dtypes: [String: DType] {
            var out: [String: DType] = [:]
            for entry in entries where out[entry.name] == nil { out[entry.name] = entry.dtype }
            return out
        }

        /// The tensor with exactly this name (compared by bytes).
        ///
        /// ```swift
        /// let w = file["layer.weight"]
        /// ```
        public subscript(name: String) -> Tensor<Scalar>? { entry(name)?.tensor }

        /// The dtype the tensor with exactly this name had in the file.
        ///
        /// ```swift
        /// file.dtype(of: "weight")   // .F32
        /// ```
        public func dtype(of name: String) -> DType? { entry(name)?.dtype }

        /// The exact values of the tensor with this name when the file stores it as I64 (the
        /// subscript gives them converted to `Scalar`, which may round them); `nil` for other dtypes.
        ///
        /// ```swift
        /// file.integers("step")?.values   // [16777217]
        /// ```
        public func integers(_ name: String) -> Integers? {
            guard let entry = entry(name), let values = entry.integers else { return nil }
            return Integers(values, shape: entry.tensor.shape)
        }

        func entry(_ name: String) -> Entry? {
            positions[Array(name.utf8)].map { entries[$0] }
        }
    }

    /// The largest header accepted, as in Python's `safetensors` (100 MB).
    ///
    /// ```swift
    /// SafeTensors.maximumHeaderLength   // 100_000_000
    /// ```
    public static let maximumHeaderLength = 100_000_000

    /// Reads every tensor of the safetensors file at `path`, converted to `Scalar`.
    ///
    /// ```swift
    /// let file = try SafeTensors.read(from: "model.safetensors", as: Float.self)
    /// ```
    /// - Throws: `DataError` naming the file, the byte offset and, for a tensor entry, its name.
    public static func read<Scalar: TensorScalar>(from path: String, as type: Scalar.Type = Scalar.self) throws -> Contents<Scalar> {
        try decode(FileBytes.read(path), path: path, as: type)
    }

    /// Parses safetensors bytes held in memory; `path` is only used in error messages.
    ///
    /// ```swift
    /// let file = try SafeTensors.decode(try SafeTensors.encode(["x": Tensor<Double>([1, 2])]), as: Double.self)
    /// ```
    public static func decode<Scalar: TensorScalar>(_ bytes: [UInt8], path: String? = nil,
                                                    as type: Scalar.Type = Scalar.self) throws -> Contents<Scalar> {
        let header = try header(of: bytes, path: path)
        var entries: [Contents<Scalar>.Entry] = []
        for info in header.tensors {
            let count = checkedElementCount(info.shape) ?? 0
            let start = header.dataStart + info.dataOffsets.lowerBound
            let values: [Scalar] = ElementCodec.decode(bytes, from: start, count: count, kind: info.dtype.kind, bigEndian: false)
            let integers: [Int64]? = info.dtype == .I64 ? ElementCodec.decodeInt64(bytes, from: start, count: count) : nil
            entries.append(.init(name: info.name, tensor: Tensor(values, shape: info.shape), dtype: info.dtype, integers: integers))
        }
        return Contents(entries: entries, metadata: header.metadata)
    }

    /// Parses and validates the header of safetensors bytes (every check ``read(from:as:)``
    /// makes, without decoding any tensor).
    ///
    /// ```swift
    /// let h = try SafeTensors.header(of: bytes, path: "model.safetensors")
    /// ```
    public static func header(of bytes: [UInt8], path: String? = nil) throws -> Header {
        var cursor = ByteCursor(bytes, path: path)
        let declared = try cursor.uint64LE("the 8-byte little-endian header length")
        guard declared <= UInt64(maximumHeaderLength) else {
            throw cursor.error(.tooLarge, at: 0, expected: "a header length of at most \(maximumHeaderLength) bytes",
                               found: "\(declared)")
        }
        let headerLength = Int(declared)
        guard headerLength <= cursor.remaining else {
            throw cursor.error(.tooLarge, at: 0, expected: "a header length of at most \(cursor.remaining) (the rest of the file)",
                               found: "\(headerLength)")
        }
        let text = try cursor.take(headerLength, "the JSON header")
        guard text.first == UInt8(ascii: "{") else {
            throw cursor.error(.malformed, at: 8, expected: "a JSON header starting with '{'", found: hexForMessage(text))
        }
        guard String(bytes: text, encoding: .utf8) != nil else {
            throw cursor.error(.malformed, at: 8, expected: "a UTF-8 header", found: "bytes that are not UTF-8")
        }
        let json = try JSONValue.parse(text, path: path, base: 8)
        guard case .object(let members) = json else {
            throw cursor.error(.malformed, at: 8, expected: "a JSON object", found: json.shortDescription)
        }
        let dataStart = cursor.offset
        let dataLength = cursor.remaining
        var metadata: [String: String] = [:]
        var infos: [TensorInfo] = []
        for (name, value, offset) in members {
            func fail(_ expected: String, _ found: String, kind: DataError.Kind = .malformed) -> DataError {
                DataError(kind, path: path, at: .byteOffset(offset), expected: expected, found: found,
                          note: "tensor \(quoteForMessage(name, limit: 60))")
            }
            if name == "__metadata__" {
                if case .null = value { continue }
                guard case .object(let entries) = value else {
                    throw DataError(.malformed, path: path, at: .byteOffset(offset),
                                    expected: "\"__metadata__\" an object of strings", found: value.shortDescription)
                }
                for (key, v, keyOffset) in entries {
                    guard case .string(let s) = v else {
                        throw DataError(.malformed, path: path, at: .byteOffset(keyOffset),
                                        expected: "a string value for metadata key \(quoteForMessage(key))", found: v.shortDescription)
                    }
                    if let earlier = metadata.keys.first(where: { $0 == key }) {
                        // [String: String] cannot hold both: refuse rather than merge them.
                        throw DataError(.unsupported, path: path, at: .byteOffset(keyOffset),
                                        expected: "metadata keys that differ in more than Unicode normalization",
                                        found: "\(quoteForMessage(key)) after \(quoteForMessage(earlier)) (different bytes, equal as Swift strings)")
                    }
                    metadata[key] = s
                }
                continue
            }
            guard case .object(let fields) = value else { throw fail("an object {\"dtype\", \"shape\", \"data_offsets\"}", value.shortDescription) }
            var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
            for (key, v, _) in fields {
                switch key {
                case "dtype": dtypeValue = v
                case "shape": shapeValue = v
                case "data_offsets": offsetsValue = v
                default: continue   // ignored, as Python's safetensors does
                }
            }
            guard let dtypeValue, let shapeValue, let offsetsValue else {
                throw fail("the fields \"dtype\", \"shape\" and \"data_offsets\"", "only \(fields.map { quoteForMessage($0.key) }.joined(separator: ", "))")
            }
            guard case .string(let dtypeName) = dtypeValue else { throw fail("\"dtype\" a string", dtypeValue.shortDescription) }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("\"dtype\" one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))",
                           quoteForMessage(dtypeName), kind: .unsupported)
            }
            guard case .array(let sizes) = shapeValue else { throw fail("\"shape\" an array of integers", shapeValue.shortDescription) }
            var shape: [Int] = []
            for size in sizes {
                guard let n = size.nonNegativeInteger else { throw fail("\"shape\" an array of non-negative integers", size.shortDescription) }
                shape.append(n)
            }
            guard case .array(let bounds) = offsetsValue, bounds.count == 2,
                  let begin = bounds[0].nonNegativeInteger, let end = bounds[1].nonNegativeInteger else {
                throw fail("\"data_offsets\" two non-negative integers [begin, end]", offsetsValue.shortDescription)
            }
            guard begin <= end else { throw fail("\"data_offsets\" with begin ≤ end", "[\(begin), \(end)]") }
            guard end <= dataLength else {
                throw fail("\"data_offsets\" within the \(dataLength) bytes of data in the file", "[\(begin), \(end)]", kind: .tooLarge)
            }
            guard let count = checkedElementCount(shape), let byteCount = checkedByteCount(count, width: dtype.kind.width) else {
                throw fail("a shape whose element count fits in memory, zero-size axes aside (its strides multiply the other sizes)", "shape \(shape)", kind: .tooLarge)
            }
            guard byteCount == end - begin else {
                throw fail("\(byteCount) bytes for shape \(shape) of \(dtype.rawValue)", "data_offsets [\(begin), \(end)] (\(end - begin) bytes)")
            }
            infos.append(TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end))
        }
        // The byte ranges must tile the data section: sorted by offset, each starts where the last ended.
        let ordered = infos.enumerated().sorted {
            ($0.element.dataOffsets.lowerBound, $0.element.dataOffsets.upperBound, $0.offset)
                < ($1.element.dataOffsets.lowerBound, $1.element.dataOffsets.upperBound, $1.offset)
        }.map(\.element)
        var position = 0
        var previous: TensorInfo? = nil
        for info in ordered {
            if info.dataOffsets.lowerBound < position, let previous {
                throw DataError(.malformed, path: path, at: .byteOffset(dataStart + info.dataOffsets.lowerBound),
                                expected: "tensors whose data do not overlap",
                                found: "\(quoteForMessage(info.name)) [\(info.dataOffsets.lowerBound), \(info.dataOffsets.upperBound)) overlapping \(quoteForMessage(previous.name)) [\(previous.dataOffsets.lowerBound), \(previous.dataOffsets.upperBound))")
            }
            if info.dataOffsets.lowerBound > position {
                throw DataError(.malformed, path: path, at: .byteOffset(dataStart + position),
                                expected: "tensor data without gaps (the next tensor to start at data offset \(position))",
                                found: "\(quoteForMessage(info.name)) starting at \(info.dataOffsets.lowerBound)")
            }
            position = info.dataOffsets.upperBound
            previous = info
        }
        guard position == dataLength else {
            throw DataError(.malformed, path: path, at: .byteOffset(dataStart + position),
                            expected: "the end of the file after the \(position) bytes of tensor data",
                            found: "\(dataLength - position) more bytes")
        }
        return Header(tensors: ordered, metadata: metadata, dataStart: dataStart)
    }

    /// The safetensors bytes of named tensors, each stored as `dtype` (by default F32 for
    /// `Float`, F64 for `Double`), and of `integers`, stored as I64. Tensors are laid out sorted
    /// by name (by the names' UTF-8 bytes, which is Python's order).
    ///
    /// ```swift
    /// let bytes = try SafeTensors.encode(["x": Tensor<Float>([1, 2, 3])], metadata: ["format": "pt"])
    /// ```
    /// - Throws: `DataError` for the reserved name `__metadata__`, a name used both for a
    ///   tensor and for integers, or a value an integer dtype cannot hold.
    public static func encode<Scalar: TensorScalar>(_ tensors: [String: Tensor<Scalar>], metadata: [String: String] = [:],
                                                    dtype: DType? = nil, integers: [String: Integers] = [:],
                                                    path: String? = nil) throws -> [UInt8] {
        let dtype = dtype ?? (Scalar.self == Float.self ? .F32 : .F64)
        if tensors["__metadata__"] != nil || integers["__metadata__"] != nil {
            throw DataError(.invalidValue, path: path, expected: "tensor names other than the reserved \"__metadata__\"",
                            found: "a tensor named \"__metadata__\"")
        }
        let tensorNames = Set(tensors.keys.map { Array($0.utf8) })
        if let both = integers.keys.first(where: { tensorNames.contains(Array($0.utf8)) }) {
            throw DataError(.invalidValue, path: path, expected: "each name once",
                            found: "\(quoteForMessage(both)) both as a tensor and as integers")
        }
        let names = (Array(tensors.keys) + Array(integers.keys)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var entries: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0] ?? ""))" }
            entries.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var data: [UInt8] = []
        for name in names {
            let begin = data.count
            let shape: [Int], stored: DType
            if let tensor = tensors[name] {
                data += try ElementCodec.encode(tensor.scalars, kind: dtype.kind, bigEndian: false, path: path)
                (shape, stored) = (tensor.shape, dtype)
            } else if let values = integers[name] {
                for v in values.values { appendLittleEndian(v, to: &data) }
                (shape, stored) = (values.shape, .I64)
            } else {
                continue
            }
            let sizes = shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonQuoted(name)):{\"dtype\":\"\(stored.rawValue)\",\"shape\":[\(sizes)],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + data.count)
        appendLittleEndian(UInt64(header.count), to: &out)
        out += header
        out += data
        return out
    }

    /// Writes named tensors to `path` as a safetensors file, atomically.
    ///
    /// ```swift
    /// try SafeTensors.write(["embedding": Tensor<Float>.zeros([10, 4])], to: "/tmp/e.safetensors")
    /// ```
    /// - Throws: `DataError` as ``encode(_:metadata:dtype:integers:path:)`` does, or when the
    ///   file cannot be written (the previous file, if any, is then unchanged).
    public static func write<Scalar: TensorScalar>(_ tensors: [String: Tensor<Scalar>], metadata: [String: String] = [:],
                                                   dtype: DType? = nil, integers: [String: Integers] = [:],
                                                   to path: String) throws {
        let bytes = try encode(tensors, metadata: metadata, dtype: dtype, integers: integers, path: path)
        try AtomicFile.write(bytes, to: path)
    }
}

import Foundation

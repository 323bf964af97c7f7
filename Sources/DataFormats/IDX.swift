import Autograd

/// The IDX format of the MNIST files: a magic number `0x00 0x00 <type> <rank>`, one
/// big-endian 32-bit size per axis, then the elements, big-endian, in row-major order.
///
/// The declared size is checked against the file's length before anything is allocated, and
/// the file must hold exactly that many bytes. Gzip-compressed files (`.gz`, as MNIST is
/// distributed) are recognised and refused with a hint to decompress them first.
///
/// ```swift
/// let (images, labels) = try IDX.loadImagesAndLabels(images: "train-images-idx3-ubyte",
///                                                   labels: "train-labels-idx1-ubyte",
///                                                   scale: 1 / 255, as: Float.self)
/// images.shape   // [60000, 28, 28]
/// labels.shape   // [60000]
/// ```
public enum IDX {
    /// The element types IDX files declare in the third byte of the magic number.
    ///
    /// ```swift
    /// try IDX.write(labels, to: "labels.idx1-ubyte", as: .uint8)
    /// ```
    public enum ElementType: UInt8, Sendable, CaseIterable {
        /// Unsigned byte (0x08), the type of MNIST images and labels.
        case uint8 = 0x08
        /// Signed byte (0x09).
        case int8 = 0x09
        /// Signed 16-bit integer (0x0B).
        case int16 = 0x0B
        /// Signed 32-bit integer (0x0C).
        case int32 = 0x0C
        /// 32-bit float (0x0D).
        case float32 = 0x0D
        /// 64-bit float (0x0E).
        case float64 = 0x0E

        var kind: ElementKind {
            switch self {
            case .uint8: return .uint8
            case .int8: return .int8
            case .int16: return .int16
            case .int32: return .int32
            case .float32: return .float32
            case .float64: return .float64
            }
        }
    }

    /// What an IDX header declares.
    ///
    /// ```swift
    /// let header = try IDX.header(of: bytes)
    /// header.shape   // [10000, 28, 28]
    /// ```
    public struct Header: Sendable, Equatable {
        /// The element type.
        ///
        /// ```swift
        /// try IDX.header(of: bytes).elementType   // .uint8
        /// ```
        public let elementType: ElementType
        /// The size of each axis.
        ///
        /// ```swift
        /// try IDX.header(of: bytes).shape         // [60000, 28, 28]
        /// ```
        public let shape: [Int]
        /// The offset of the first element (4 + 4 × rank).
        ///
        /// ```swift
        /// try IDX.header(of: bytes).dataOffset    // 16 for a rank-3 file
        /// ```
        public let dataOffset: Int
    }

    /// Reads a tensor from the IDX file at `path`.
    ///
    /// ```swift
    /// let labels = try IDX.read(from: "t10k-labels-idx1-ubyte", as: Float.self)   // shape [10000]
    /// ```
    /// - Throws: `DataError` naming the file and the byte offset of the problem.
    public static func read<Scalar: TensorScalar>(from path: String, as type: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        try decode(FileBytes.read(path), path: path, as: type)
    }

    /// Parses and checks the header of IDX bytes without decoding the elements.
    ///
    /// ```swift
    /// let h = try IDX.header(of: [0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9])   // uint8, shape [2]
    /// ```
    public static func header(of bytes: [UInt8], path: String? = nil) throws -> Header {
        var cursor = ByteCursor(bytes, path: path)
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            throw cursor.error(.unsupported, at: 0, expected: "an uncompressed IDX file",
                               found: "a gzip-compressed file", note: "decompress it first, e.g. gunzip")
        }
        let magic = try cursor.take(4, "the magic number 0x00 0x00 <type> <rank>")
        guard magic[magic.startIndex] == 0, magic[magic.startIndex + 1] == 0 else {
            throw cursor.error(.malformed, at: 0, expected: "the magic number 0x00 0x00 <type> <rank>",
                               found: hexForMessage(magic))
        }
        let typeByte = magic[magic.startIndex + 2]
        guard let elementType = ElementType(rawValue: typeByte) else {
            throw cursor.error(.unsupported, at: 2,
                               expected: "an element type 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)",
                               found: hexForMessage(magic[(magic.startIndex + 2)...].prefix(1)))
        }
        let rank = Int(magic[magic.startIndex + 3])
        var shape: [Int] = []
        for axis in 0..<rank {
            shape.append(Int(try cursor.uint32BE("the size of axis \(axis) of \(rank)")))
        }
        let dataOffset = cursor.offset
        guard let count = checkedElementCount(shape), let byteCount = checkedByteCount(count, width: elementType.kind.width) else {
            throw cursor.error(.tooLarge, at: 4, expected: "a shape whose element count fits in memory, zero-size axes aside (its strides multiply the other sizes)", found: "shape \(shape)")
        }
        guard byteCount <= cursor.remaining else {
            throw cursor.error(.tooLarge, expected: "the \(byteCount) bytes of data the header declares (shape \(shape), \(elementType))",
                               found: "\(cursor.remaining) bytes before the end of the file")
        }
        guard byteCount == cursor.remaining else {
            throw cursor.error(.malformed, at: dataOffset + byteCount,
                               expected: "the end of the file after \(byteCount) bytes of data (shape \(shape), \(elementType))",
                               found: "\(cursor.remaining - byteCount) more bytes")
        }
        return Header(elementType: elementType, shape: shape, dataOffset: dataOffset)
    }

    /// Parses IDX bytes held in memory; `path` is only used in error messages.
    ///
    /// ```swift
    /// let t = try IDX.decode([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9], as: Float.self)   // [7, 9]
    /// ```
    public static func decode<Scalar: TensorScalar>(_ bytes: [UInt8], path: String? = nil,
                                                    as type: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        let header = try header(of: bytes, path: path)
        let count = checkedElementCount(header.shape) ?? 0
        let values: [Scalar] = ElementCodec.decode(bytes, from: header.dataOffset, count: count,
                                                   kind: header.elementType.kind, bigEndian: true)
        return Tensor(values, shape: header.shape)
    }

    /// The IDX bytes of `tensor` stored as `type`.
    ///
    /// ```swift
    /// let bytes = try IDX.encode(Tensor<Float>([7, 9]), as: .uint8)   // [0, 0, 8, 1, 0, 0, 0, 2, 7, 9]
    /// ```
    /// - Throws: `DataError` (`.invalidValue`) for a value the type cannot hold, or (`.unsupported`)
    ///   for a rank above 255 or a size above 2³² − 1.
    public static func encode<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, as type: ElementType,
                                                    path: String? = nil) throws -> [UInt8] {
        guard tensor.rank <= 255 else {
            throw DataError(.unsupported, path: path, expected: "at most 255 axes", found: "\(tensor.rank)")
        }
        var out: [UInt8] = [0, 0, type.rawValue, UInt8(tensor.rank)]
        for size in tensor.shape {
            guard let s = UInt32(exactly: size) else {
                throw DataError(.unsupported, path: path, expected: "axis sizes below 2^32", found: "shape \(tensor.shape)")
            }
            appendBigEndian(s, to: &out)
        }
        out += try ElementCodec.encode(tensor.scalars, kind: type.kind, bigEndian: true, path: path)
        return out
    }

    /// Writes `tensor` to `path` as an IDX file of element type `type`, atomically.
    ///
    /// ```swift
    /// try IDX.write(Tensor<Float>.zeros([2, 28, 28]), to: "/tmp/images.idx3-ubyte", as: .uint8)
    /// ```
    public static func write<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, to path: String,
                                                   as type: ElementType = .float32) throws {
        let bytes = try encode(tensor, as: type, path: path)
        try AtomicFile.write(bytes, to: path)
    }

    /// Loads an image file (rank ≥ 2, first axis = sample) and a label file (rank 1) and checks
    /// that they hold the same number of samples. Images are multiplied by `scale`
    /// (`1 / 255` maps MNIST bytes to [0, 1]).
    ///
    /// ```swift
    /// let (x, y) = try IDX.loadImagesAndLabels(images: "t10k-images-idx3-ubyte",
    ///                                          labels: "t10k-labels-idx1-ubyte", scale: 1 / 255, as: Float.self)
    /// ```
    /// - Throws: `DataError` naming the file at fault; `.mismatch` when the counts differ.
    public static func loadImagesAndLabels<Scalar: TensorScalar>(images imagesPath: String, labels labelsPath: String,
                                                                 scale: Scalar = 1, as type: Scalar.Type = Scalar.self)
        throws -> (images: Tensor<Scalar>, labels: Tensor<Scalar>) {
        let imageBytes = try FileBytes.read(imagesPath)
        let imageHeader = try header(of: imageBytes, path: imagesPath)
        guard imageHeader.shape.count >= 2 else {
            throw DataError(.mismatch, path: imagesPath, at: .byteOffset(3),
                            expected: "images of rank 2 or more [count, …]", found: "shape \(imageHeader.shape)")
        }
        let labelBytes = try FileBytes.read(labelsPath)
        let labelHeader = try header(of: labelBytes, path: labelsPath)
        guard labelHeader.shape.count == 1 else {
            throw DataError(.mismatch, path: labelsPath, at: .byteOffset(3),
                            expected: "labels of rank 1 [count]", found: "shape \(labelHeader.shape)")
        }
        guard labelHeader.shape[0] == imageHeader.shape[0] else {
            throw DataError(.mismatch, path: labelsPath, at: .byteOffset(4),
                            expected: "\(imageHeader.shape[0]) labels, one per image in \(imagesPath)",
                            found: "\(labelHeader.shape[0]) labels")
        }
        var x: Tensor<Scalar> = try decode(imageBytes, path: imagesPath)
        if scale != 1 { x = Tensor(x.scalars.map { $0 * scale }, shape: x.shape) }
        let y: Tensor<Scalar> = try decode(labelBytes, path: labelsPath)
        return (x, y)
    }
}

import XCTest
import Autograd
import DataFormats

final class NPYTests: TemporaryFolderTestCase {
    /// What `np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3) / 2)` writes, byte by byte.
    static let numpyFloat32: [UInt8] = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                                        data: IOTest.f32le([0, 0.5, 1, 1.5, 2, 2.5]))

    func testHandBuiltNumpyFloat32() throws {
        let bytes = Self.numpyFloat32
        XCTAssertEqual(bytes.count, 128 + 24)   // header padded to 128 bytes
        XCTAssertEqual(Array(bytes[0..<10]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0])
        XCTAssertEqual(bytes[127], 0x0A)
        let t = try NPY.decode(bytes, as: Float.self)
        XCTAssertEqual(t, Tensor<Float>([0, 0.5, 1, 1.5, 2, 2.5], shape: [2, 3]))
        let h = try NPY.header(of: bytes)
        XCTAssertEqual(h.dtype, .float32)
        XCTAssertEqual(h.dataOffset, 128)
        XCTAssertTrue(h.version == (1, 0))
        // Double tensors from float32 files (and the other way round) convert.
        XCTAssertEqual(try NPY.decode(bytes, as: Double.self), Tensor<Double>([0, 0.5, 1, 1.5, 2, 2.5], shape: [2, 3]))
    }

    func testOurEncodingIsByteForByteNumpys() throws {
        let ours = try NPY.encode(Tensor<Float>([0, 0.5, 1, 1.5, 2, 2.5], shape: [2, 3]))
        XCTAssertEqual(ours, Self.numpyFloat32)
        let vector = try NPY.encode(Tensor<Double>([1, 2, 3]))
        XCTAssertEqual(vector, IOTest.numpyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                                                data: IOTest.f64le([1, 2, 3])))
        let scalar = try NPY.encode(Tensor<Double>(7))
        XCTAssertEqual(scalar, IOTest.numpyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                                data: IOTest.f64le([7])))
    }

    func testVersions2And3AndHeaderVariants() throws {
        let v2 = IOTest.numpyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data: IOTest.f64le([1, -1]), major: 2)
        XCTAssertEqual(try NPY.decode(v2, as: Double.self), Tensor<Double>([1, -1]))
        XCTAssertTrue(try NPY.header(of: v2).version == (2, 0))
        let v3 = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: IOTest.f32le([3]), major: 3)
        XCTAssertEqual(try NPY.decode(v3, as: Float.self), Tensor<Float>([3]))
        // Python 2 longs, other key order, double quotes, no trailing comma, Fortran order of a vector.
        let py2 = IOTest.numpyFile(header: "{\"shape\": (2L, 1L), 'fortran_order': True, 'descr': '<f4'}", data: IOTest.f32le([4, 5]))
        XCTAssertEqual(try NPY.decode(py2, as: Float.self), Tensor<Float>([4, 5], shape: [2, 1]))
        let empty = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", data: [])
        XCTAssertEqual(try NPY.decode(empty, as: Float.self).shape, [0, 5])
    }

    func testIntegerLabelsAndOtherDtypes() throws {
        let int64 = IOTest.numpyFile(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }",
                                     data: [Int64(3), -1, 0, 9].flatMap { IOTest.le($0) })
        XCTAssertEqual(try NPY.decode(int64, as: Float.self), Tensor<Float>([3, -1, 0, 9]))
        let int32 = IOTest.numpyFile(header: "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                                     data: [Int32(-7), 70000].flatMap { IOTest.le($0) })
        XCTAssertEqual(try NPY.decode(int32, as: Double.self), Tensor<Double>([-7, 70000]))
        let uint8 = IOTest.numpyFile(header: "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", data: [0, 7, 255])
        XCTAssertEqual(try NPY.decode(uint8, as: Float.self), Tensor<Float>([0, 7, 255]))
        let bool = IOTest.numpyFile(header: "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", data: [1, 0])
        XCTAssertEqual(try NPY.decode(bool, as: Float.self), Tensor<Float>([1, 0]))
        // float16: 1, -2, 0.5, 65504, the smallest subnormal.
        let half = IOTest.numpyFile(header: "{'descr': '<f2', 'fortran_order': False, 'shape': (5,), }",
                                    data: [UInt16(0x3C00), 0xC000, 0x3800, 0x7BFF, 0x0001].flatMap { IOTest.le($0) })
        XCTAssertEqual(try NPY.decode(half, as: Float.self), Tensor<Float>([1, -2, 0.5, 65504, 0x1p-24]))
    }

    func testRoundTripFloatDoubleAndIntegerDtypes() throws {
        var rng = SeededGenerator(seed: 5)
        let xf = Tensor<Float>.randomNormal([3, 4, 2], using: &rng)
        try NPY.write(xf, to: path("f.npy"))
        IOTest.assertIdentical(try NPY.read(from: path("f.npy"), as: Float.self), xf)
        XCTAssertEqual(try NPY.header(of: FileManagerBytes.read(path("f.npy"))).dtype, .float32)
        let xd = Tensor<Double>.randomNormal([5], using: &rng)
        try NPY.write(xd, to: path("d.npy"))
        IOTest.assertIdentical(try NPY.read(from: path("d.npy"), as: Double.self), xd)
        let special = Tensor<Double>([.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude])
        try NPY.write(special, to: path("s.npy"))
        IOTest.assertIdentical(try NPY.read(from: path("s.npy"), as: Double.self), special)

        let labels = Tensor<Float>([0, 3, 9, 1])
        for dtype in NPY.DType.allCases where dtype != .bool {
            try NPY.write(labels, to: path("y.npy"), dtype: dtype)
            XCTAssertEqual(try NPY.read(from: path("y.npy"), as: Float.self), labels, "\(dtype)")
            XCTAssertEqual(try NPY.header(of: FileManagerBytes.read(path("y.npy"))).dtype, dtype)
        }
        XCTAssertEqual(IOTest.contents(of: folder), ["d.npy", "f.npy", "s.npy", "y.npy"])
    }

    // MARK: errors name the file and the byte offset

    func testBadMagicAndVersion() {
        var bytes = Self.numpyFloat32
        bytes[1] = UInt8(ascii: "X")
        IOTest.expectDataError(.malformed, mentions: ["a.npy", "byte 0", "\\x93NUMPY", "0x93 0x58"]) {
            _ = try NPY.decode(bytes, path: "a.npy", as: Float.self)
        }
        bytes = Self.numpyFloat32
        bytes[6] = 4
        IOTest.expectDataError(.unsupported, mentions: ["a.npy", "byte 6", "version 1.0, 2.0 or 3.0", "4.0"]) {
            _ = try NPY.decode(bytes, path: "a.npy", as: Float.self)
        }
    }

    func testHeaderLengthBeyondTheFile() {
        var bytes = Self.numpyFloat32
        bytes[8] = 0xFF; bytes[9] = 0xFF
        IOTest.expectDataError(.tooLarge, mentions: ["a.npy", "byte 8", "65535"]) {
            _ = try NPY.decode(bytes, path: "a.npy", as: Float.self)
        }
        var v2 = IOTest.numpyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data: IOTest.f64le([1, -1]), major: 2)
        v2.replaceSubrange(8..<12, with: IOTest.le(UInt32.max))
        IOTest.expectDataError(.tooLarge, mentions: ["byte 8", "4294967295"]) {
            _ = try NPY.decode(v2, path: "a.npy", as: Float.self)
        }
    }

    func testFortranOrderBigEndianAndUnsupportedDtypes() {
        let fortran = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: IOTest.f32le([0, 1, 2, 3, 4, 5]))
        IOTest.expectDataError(.unsupported, mentions: ["f.npy", "byte 10", "C order", "Fortran order"]) {
            _ = try NPY.decode(fortran, path: "f.npy", as: Float.self)
        }
        let big = IOTest.numpyFile(header: "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", data: IOTest.be(Double(1).bitPattern))
        IOTest.expectDataError(.unsupported, mentions: ["b.npy", "byte 10", "little-endian", "big-endian \">f8\""]) {
            _ = try NPY.decode(big, path: "b.npy", as: Float.self)
        }
        for descr in ["<U10", "<c16", "|O", "<M8[ns]", "<f16"] {
            let bytes = IOTest.numpyFile(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [])
            IOTest.expectDataError(.unsupported, mentions: ["u.npy", "'descr' one of", descr]) {
                _ = try NPY.decode(bytes, path: "u.npy", as: Float.self)
            }
        }
        let structured = IOTest.numpyFile(header: "{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }", data: [])
        IOTest.expectDataError(.unsupported, mentions: ["structured dtypes"]) {
            _ = try NPY.decode(structured, path: "s.npy", as: Float.self)
        }
    }

    func testMalformedHeaderDicts() {
        let cases: [(String, [String])] = [
            ("{'descr': '<f4', 'shape': (1,), }", ["no 'fortran_order'"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", ["only the keys", "\"extra\""]),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", ["each key once", "'descr' twice"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", ["'shape' a tuple", "[1]"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", ["'shape' a tuple", "1"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", ["non-negative"]),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", ["True or False"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", ["byte 128", "',' or '}'"]),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", ["','"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ["fits in 64 bits"]),
            ("['descr']", ["a dictionary header"]),
            ("{'descr': '<f4', 'fortran_order': Nope, 'shape': (1,)}", ["a Python literal", "Nope"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", ["the end of the header after the dictionary"]),
            (String(repeating: "(", count: 40), ["levels of nesting"]),
        ]
        for (header, mentions) in cases {
            let bytes = IOTest.numpyFile(header: header, data: IOTest.f32le([1]))
            IOTest.expectDataError(mentions: ["h.npy", "byte "] + mentions) {
                _ = try NPY.decode(bytes, path: "h.npy", as: Float.self)
            }
        }
    }

    func testDataShorterOrLongerThanDeclared() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
        IOTest.expectDataError(.tooLarge, mentions: ["d.npy", "byte 128", "32 bytes of data", "31 bytes before the end"]) {
            _ = try NPY.decode(IOTest.numpyFile(header: header, data: [UInt8](repeating: 0, count: 31)), path: "d.npy", as: Double.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["d.npy", "byte 160", "2 more bytes"]) {
            _ = try NPY.decode(IOTest.numpyFile(header: header, data: [UInt8](repeating: 0, count: 34)), path: "d.npy", as: Double.self)
        }
    }

    func testHugeShapeRefusedBeforeAllocating() {
        let before = IOTest.peakMemory()
        let huge = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", data: [1, 2, 3, 4])
        IOTest.expectDataError(.tooLarge, mentions: ["h.npy", "byte 128", "4398046511104 bytes", "4 bytes before the end"]) {
            _ = try NPY.decode(huge, path: "h.npy", as: Float.self)
        }
        let overflow = IOTest.numpyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4, 0), }", data: [])
        IOTest.expectDataError(.tooLarge, mentions: ["h.npy", "fits in memory"]) {
            _ = try NPY.decode(overflow, path: "h.npy", as: Float.self)
        }
        XCTAssertLessThan(IOTest.peakMemory() - before, 64 << 20)
    }

    func testWriterRejectsValuesTheDtypeCannotHold() {
        IOTest.expectDataError(.invalidValue, mentions: [path("y.npy"), "element 2", "-1.0"]) {
            try NPY.write(Tensor<Float>([0, 1, -1]), to: path("y.npy"), dtype: .uint8)
        }
        XCTAssertEqual(IOTest.contents(of: folder), [])
    }
}

/// Reads a file's bytes for header checks in tests.
enum FileManagerBytes {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.unreadable, path: path, expected: "a file", found: "nothing")
        }
        return [UInt8](data)
    }
}

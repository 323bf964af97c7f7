import XCTest
import Autograd
import DataFormats

final class IDXTests: TemporaryFolderTestCase {
    func testHandBuiltUByteMatrix() throws {
        // 0x00 0x00 0x08 0x02, dims 2 and 3 big-endian, then 6 bytes.
        let bytes: [UInt8] = [0, 0, 0x08, 2] + IOTest.be(UInt32(2)) + IOTest.be(UInt32(3)) + [0, 1, 2, 127, 128, 255]
        let t = try IDX.decode(bytes, as: Float.self)
        XCTAssertEqual(t, Tensor<Float>([0, 1, 2, 127, 128, 255], shape: [2, 3]))
        let h = try IDX.header(of: bytes)
        XCTAssertEqual(h.elementType, .uint8)
        XCTAssertEqual(h.dataOffset, 12)
    }

    func testHandBuiltSignedAndFloatTypes() throws {
        let int8: [UInt8] = [0, 0, 0x09, 1] + IOTest.be(UInt32(2)) + [0xFF, 0x80]
        XCTAssertEqual(try IDX.decode(int8, as: Double.self), Tensor<Double>([-1, -128]))
        let int16: [UInt8] = [0, 0, 0x0B, 1] + IOTest.be(UInt32(2)) + IOTest.be(Int16(-300)) + IOTest.be(Int16(1234))
        XCTAssertEqual(try IDX.decode(int16, as: Float.self), Tensor<Float>([-300, 1234]))
        let int32: [UInt8] = [0, 0, 0x0C, 1] + IOTest.be(UInt32(1)) + IOTest.be(Int32(-70000))
        XCTAssertEqual(try IDX.decode(int32, as: Double.self), Tensor<Double>([-70000]))
        let f32: [UInt8] = [0, 0, 0x0D, 1] + IOTest.be(UInt32(2)) + IOTest.be(Float(1.5).bitPattern) + IOTest.be(Float(-0.25).bitPattern)
        XCTAssertEqual(try IDX.decode(f32, as: Float.self), Tensor<Float>([1.5, -0.25]))
        let f64: [UInt8] = [0, 0, 0x0E, 1] + IOTest.be(UInt32(1)) + IOTest.be(Double.pi.bitPattern)
        XCTAssertEqual(try IDX.decode(f64, as: Double.self), Tensor<Double>([Double.pi]))
        // Rank 0: one element.
        XCTAssertEqual(try IDX.decode([0, 0, 0x08, 0, 42], as: Float.self), Tensor<Float>(42))
    }

    func testRoundTripEveryTypeFloatAndDouble() throws {
        let ints = Tensor<Double>([0, 1, 2, 100, 127, 5, 6, 7, 8, 9, 10, 11], shape: [2, 2, 3])
        for type in IDX.ElementType.allCases {
            let file = path("t-\(type).idx")
            try IDX.write(ints, to: file, as: type)
            XCTAssertEqual(try IDX.read(from: file, as: Double.self), ints, "\(type)")
            XCTAssertEqual(try IDX.read(from: file, as: Float.self), ints.converted(to: Float.self), "\(type)")
        }
        var rng = SeededGenerator(seed: 3)
        let xf = Tensor<Float>.randomNormal([4, 5], using: &rng)
        try IDX.write(xf, to: path("f.idx"), as: .float32)
        IOTest.assertIdentical(try IDX.read(from: path("f.idx"), as: Float.self), xf)
        let xd = Tensor<Double>.randomNormal([3, 2, 2], using: &rng)
        try IDX.write(xd, to: path("d.idx"), as: .float64)
        IOTest.assertIdentical(try IDX.read(from: path("d.idx"), as: Double.self), xd)
        XCTAssertFalse(IOTest.contents(of: folder).contains { $0.contains(".tmp-") })
    }

    func testEncodeIsExactlyTheMNISTLayout() throws {
        XCTAssertEqual(try IDX.encode(Tensor<Float>([7, 9]), as: .uint8), [0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9])
    }

    func testImagesAndLabelsArePaired() throws {
        let images = Tensor<Float>((0..<(3 * 4 * 4)).map { Float($0 % 256) }, shape: [3, 4, 4])
        let labels = Tensor<Float>([5, 0, 4])
        try IDX.write(images, to: path("images-idx3-ubyte"), as: .uint8)
        try IDX.write(labels, to: path("labels-idx1-ubyte"), as: .uint8)
        let (x, y) = try IDX.loadImagesAndLabels(images: path("images-idx3-ubyte"), labels: path("labels-idx1-ubyte"),
                                                 scale: 1 / 255, as: Float.self)
        XCTAssertEqual(x.shape, [3, 4, 4])
        XCTAssertEqual(x.scalars[47], 47 / 255)
        XCTAssertEqual(y, labels)

        try IDX.write(Tensor<Float>([1, 2]), to: path("short-labels"), as: .uint8)
        IOTest.expectDataError(.mismatch, mentions: [path("short-labels"), "3 labels, one per image in \(path("images-idx3-ubyte"))", "found 2 labels"]) {
            _ = try IDX.loadImagesAndLabels(images: path("images-idx3-ubyte"), labels: path("short-labels"), as: Float.self)
        }
        IOTest.expectDataError(.mismatch, mentions: [path("labels-idx1-ubyte"), "images of rank 2 or more"]) {
            _ = try IDX.loadImagesAndLabels(images: path("labels-idx1-ubyte"), labels: path("labels-idx1-ubyte"), as: Float.self)
        }
        IOTest.expectDataError(.mismatch, mentions: [path("images-idx3-ubyte"), "labels of rank 1"]) {
            _ = try IDX.loadImagesAndLabels(images: path("images-idx3-ubyte"), labels: path("images-idx3-ubyte"), as: Float.self)
        }
    }

    // MARK: errors name the file and the byte offset

    func testBadMagic() {
        IOTest.expectDataError(.malformed, mentions: ["x.idx", "byte 0", "magic number", "0x01 0x00 0x08 0x01"]) {
            _ = try IDX.decode([1, 0, 8, 1, 0, 0, 0, 0], path: "x.idx", as: Float.self)
        }
        IOTest.expectDataError(.unsupported, mentions: ["x.idx", "byte 2", "element type", "0x0A"]) {
            _ = try IDX.decode([0, 0, 0x0A, 1, 0, 0, 0, 0], path: "x.idx", as: Float.self)
        }
        IOTest.expectDataError(.unsupported, mentions: ["x.idx.gz", "byte 0", "gzip", "gunzip"]) {
            _ = try IDX.decode([0x1F, 0x8B, 8, 0, 0, 0], path: "x.idx.gz", as: Float.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["byte 0", "only 3 bytes"]) {
            _ = try IDX.decode([0, 0, 8], path: "x.idx", as: Float.self)
        }
    }

    func testTruncatedDimensions() {
        IOTest.expectDataError(.malformed, mentions: ["x.idx", "byte 8", "the size of axis 1 of 3", "only 2 bytes"]) {
            _ = try IDX.decode([0, 0, 8, 3, 0, 0, 0, 1, 0, 0], path: "x.idx", as: Float.self)
        }
    }

    func testDataShorterOrLongerThanDeclared() {
        let header: [UInt8] = [0, 0, 0x0D, 1] + IOTest.be(UInt32(3))
        IOTest.expectDataError(.tooLarge, mentions: ["x.idx", "byte 8", "12 bytes of data", "8 bytes before the end"]) {
            _ = try IDX.decode(header + [UInt8](repeating: 0, count: 8), path: "x.idx", as: Float.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["byte 20", "end of the file", "1 more bytes"]) {
            _ = try IDX.decode(header + [UInt8](repeating: 0, count: 13), path: "x.idx", as: Float.self)
        }
    }

    func testHugeDeclaredSizeIsRefusedBeforeAllocating() {
        // 2^40 float64 elements declared in a 20-byte file.
        let bytes: [UInt8] = [0, 0, 0x0E, 2] + IOTest.be(UInt32(1 << 20)) + IOTest.be(UInt32(1 << 20)) + [1, 2, 3, 4]
        let before = IOTest.peakMemory()
        IOTest.expectDataError(.tooLarge, mentions: ["huge.idx", "byte 12", "8796093022208 bytes", "4 bytes before the end"]) {
            _ = try IDX.decode(bytes, path: "huge.idx", as: Double.self)
        }
        // Sizes whose product overflows Int are refused too.
        let overflow: [UInt8] = [0, 0, 0x08, 4] + [UInt32](repeating: 0xFFFF_FFFF, count: 4).flatMap { IOTest.be($0) }
        IOTest.expectDataError(.tooLarge, mentions: ["byte 4", "fits in memory"]) {
            _ = try IDX.decode(overflow, path: "huge.idx", as: Float.self)
        }
        XCTAssertLessThan(IOTest.peakMemory() - before, 64 << 20)
    }

    func testWriterRejectsValuesTheTypeCannotHold() {
        IOTest.expectDataError(.invalidValue, mentions: [path("l.idx"), "element 1", "integer in 0...255", "300.0"]) {
            try IDX.write(Tensor<Float>([1, 300]), to: path("l.idx"), as: .uint8)
        }
        IOTest.expectDataError(.invalidValue, mentions: ["element 0", "0.5"]) {
            try IDX.write(Tensor<Double>([0.5]), to: path("l.idx"), as: .int32)
        }
        XCTAssertEqual(IOTest.contents(of: folder), [])
    }
}

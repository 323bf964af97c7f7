import XCTest
import Autograd
import DataFormats

final class SafeTensorsTests: TemporaryFolderTestCase {
    /// A file built by hand as `safetensors.torch.save_file({"bias": torch.tensor([1., -2.]),
    /// "weight": torch.arange(6.).reshape(2, 3)}, path, {"format": "pt"})` lays it out.
    static let handBuilt: [UInt8] = IOTest.safetensorsFile(
        json: #"{"__metadata__":{"format":"pt"},"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}"#,
        data: IOTest.f32le([1, -2]) + IOTest.f32le([0, 1, 2, 3, 4, 5]))

    func testHandBuiltFile() throws {
        let file = try SafeTensors.decode(Self.handBuilt, as: Float.self)
        XCTAssertEqual(file["bias"], Tensor<Float>([1, -2]))
        XCTAssertEqual(file["weight"], Tensor<Float>([0, 1, 2, 3, 4, 5], shape: [2, 3]))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.names, ["bias", "weight"])
        XCTAssertEqual(file.dtypes["weight"], .F32)
        let header = try SafeTensors.header(of: Self.handBuilt)
        XCTAssertEqual(header.dataStart, Self.handBuilt.count - 32)
        XCTAssertEqual(header.tensors.map(\.dataOffsets), [0..<8, 8..<32])
    }

    func testOurEncodingMatchesTheHandBuiltLayout() throws {
        let ours = try SafeTensors.encode(["weight": Tensor<Float>([0, 1, 2, 3, 4, 5], shape: [2, 3]), "bias": Tensor<Float>([1, -2])],
                                          metadata: ["format": "pt"])
        XCTAssertEqual(ours, Self.handBuilt)
        XCTAssertEqual((ours.count - 8) % 8, 0)
    }

    func testHalfBFloatIntegerAndBoolDtypes() throws {
        let json = #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},"# +
            #""i":{"dtype":"I64","shape":[2],"data_offsets":[10,26]},"u":{"dtype":"U8","shape":[2],"data_offsets":[26,28]},"# +
            #""t":{"dtype":"BOOL","shape":[2],"data_offsets":[28,30]},"d":{"dtype":"F64","shape":[],"data_offsets":[30,38]}}"#
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3555]      // 1, -2, 0.333251953125
        let bfloats: [UInt16] = [0x3F80, 0xC0A0]             // 1, -5
        let longs: [Int64] = [-3, 1 << 40]
        var data: [UInt8] = halves.flatMap { IOTest.le($0) }
        data += bfloats.flatMap { IOTest.le($0) }
        data += longs.flatMap { IOTest.le($0) }
        data += [200, 0, 1, 0]
        data += IOTest.f64le([2.5])
        let file = try SafeTensors.decode(IOTest.safetensorsFile(json: json, data: data), as: Double.self)
        XCTAssertEqual(file["h"], Tensor<Double>([1, -2, 0.333251953125]))
        XCTAssertEqual(file["b"], Tensor<Double>([1, -5]))
        XCTAssertEqual(file["i"], Tensor<Double>([-3, 1099511627776]))
        XCTAssertEqual(file["u"], Tensor<Double>([200, 0]))
        XCTAssertEqual(file["t"], Tensor<Double>([1, 0]))
        XCTAssertEqual(file["d"], Tensor<Double>(2.5))
        XCTAssertEqual(file.names, ["h", "b", "i", "u", "t", "d"])
    }

    func testUnknownEntryFieldsAreIgnoredAsInPython() throws {
        let bytes = IOTest.safetensorsFile(json: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":{"x":[1]}}}"#,
                                           data: IOTest.f32le([2]))
        XCTAssertEqual(try SafeTensors.decode(bytes, as: Float.self)["w"], Tensor<Float>([2]))
    }

    func testRoundTripFloatAndDouble() throws {
        var rng = SeededGenerator(seed: 9)
        let tensors: [String: Tensor<Float>] = [
            "layers.0.weight": .randomNormal([4, 3], using: &rng),
            "layers.0.bias": .randomNormal([4], using: &rng),
            "scalar": Tensor(3.5),
            "empty": .zeros([0, 7]),
            "naïve \"quoted\"\n名前": Tensor([.nan, .infinity, -0.0]),
        ]
        try SafeTensors.write(tensors, metadata: ["epoch": "3", "note": "ünïcode \"q\""], to: path("f.safetensors"))
        let file = try SafeTensors.read(from: path("f.safetensors"), as: Float.self)
        XCTAssertEqual(Set(file.tensors.keys), Set(tensors.keys))
        for (name, t) in tensors { IOTest.assertIdentical(file[name] ?? .zeros([1]), t) }
        XCTAssertEqual(file.metadata, ["epoch": "3", "note": "ünïcode \"q\""])

        let d: [String: Tensor<Double>] = ["x": .randomNormal([2, 2, 2], using: &rng), "y": Tensor([1e-300, 1e300])]
        try SafeTensors.write(d, to: path("d.safetensors"))
        let back = try SafeTensors.read(from: path("d.safetensors"), as: Double.self)
        for (name, t) in d { IOTest.assertIdentical(back[name] ?? .zeros([1]), t) }
        XCTAssertEqual(back.dtypes["x"], .F64)
        XCTAssertEqual(back.metadata, [:])
        // F64 written from Float, read as Double.
        try SafeTensors.write(["w": Tensor<Float>([0.1])], dtype: .F64, to: path("w.safetensors"))
        XCTAssertEqual(try SafeTensors.read(from: path("w.safetensors"), as: Double.self)["w"], Tensor<Double>([Double(Float(0.1))]))
        XCTAssertEqual(IOTest.contents(of: folder), ["d.safetensors", "f.safetensors", "w.safetensors"])
    }

    // MARK: errors name the file, the byte offset and the tensor

    private func expectError(_ json: String, data: [UInt8], _ kind: DataError.Kind, _ mentions: [String],
                             file: StaticString = #filePath, line: UInt = #line) {
        IOTest.expectDataError(kind, mentions: ["m.safetensors", "byte "] + mentions, file: file, line: line) {
            _ = try SafeTensors.decode(IOTest.safetensorsFile(json: json, data: data), path: "m.safetensors", as: Float.self)
        }
    }

    func testHeaderLengthChecks() {
        IOTest.expectDataError(.malformed, mentions: ["m.safetensors", "byte 0", "8-byte little-endian header length", "only 5 bytes"]) {
            _ = try SafeTensors.decode([1, 2, 3, 4, 5], path: "m.safetensors", as: Float.self)
        }
        IOTest.expectDataError(.tooLarge, mentions: ["byte 0", "at most 100000000", "1099511627776"]) {
            _ = try SafeTensors.decode(IOTest.le(UInt64(1) << 40) + Array("{}".utf8), path: "m.safetensors", as: Float.self)
        }
        IOTest.expectDataError(.tooLarge, mentions: ["byte 0", "at most 2 (the rest of the file)", "found 4096"]) {
            _ = try SafeTensors.decode(IOTest.le(UInt64(4096)) + Array("{}".utf8), path: "m.safetensors", as: Float.self)
        }
        IOTest.expectDataError(.tooLarge, mentions: ["18446744073709551615"]) {
            _ = try SafeTensors.decode(IOTest.le(UInt64.max) + Array("{}".utf8), path: "m.safetensors", as: Float.self)
        }
    }

    func testJSONErrors() {
        expectError(#"[1]"#, data: [], .malformed, ["byte 8", "starting with '{'"])
        expectError(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}"#, data: [0, 0, 0, 0], .malformed, ["a member name"])
        expectError(#"{"a":1,"a":2}"#, data: [], .malformed, ["each name once", "\"a\" twice"])
        expectError(#"{"a":"\x"}"#, data: [], .malformed, ["a valid escape"])
        expectError(#"{"a":"\ud800"}"#, data: [], .malformed, ["low surrogate"])
        expectError(#"{"a":01}"#, data: [], .malformed, ["leading zero"])
        expectError("{\"a\":\"tab\there\"}", data: [], .malformed, ["escaped control character"])
        expectError(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x"#, data: [0, 0, 0, 0], .malformed, ["end of the JSON header"])
        expectError("{\"a\":" + String(repeating: "[", count: 100), data: [], .malformed, ["levels of nesting"])
        IOTest.expectDataError(.malformed, mentions: ["byte 8", "UTF-8"]) {
            _ = try SafeTensors.decode(IOTest.le(UInt64(4)) + [0x7B, 0xFF, 0xFE, 0x7D], path: "m.safetensors", as: Float.self)
        }
    }

    func testEntryErrorsNameTheTensor() {
        expectError(#"{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, data: [0], .unsupported,
                    ["tensor \"w\"", "\"dtype\" one of F64, F32", "\"F8_E4M3\""])
        expectError(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0], .malformed,
                    ["tensor \"w\"", "non-negative integers", "1.5"])
        expectError(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0], .malformed, ["non-negative"])
        expectError(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: [0, 0, 0, 0], .malformed, ["[begin, end]"])
        expectError(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0], .malformed, ["begin ≤ end", "[4, 0]"])
        expectError(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0], .malformed,
                    ["tensor \"w\"", "8 bytes for shape [2] of F32", "(4 bytes)"])
        expectError(#"{"w":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0], .malformed, ["\"data_offsets\""])
        expectError(#"{"w":[1]}"#, data: [], .malformed, ["tensor \"w\"", "an object"])
        expectError(#"{"__metadata__":{"k":1}}"#, data: [], .malformed, ["string value for metadata key \"k\""])
        expectError(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0], .tooLarge,
                    ["tensor \"w\"", "within the 2 bytes of data"])
    }

    func testOffsetsMustTileTheData() {
        expectError(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: [UInt8](repeating: 0, count: 8), .malformed, ["overlap", "\"b\" [4, 8)", "\"a\" [0, 8)"])
        expectError(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                    data: [UInt8](repeating: 0, count: 8), .malformed, ["without gaps", "\"a\" starting at 4"])
        expectError(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                    data: [UInt8](repeating: 0, count: 6), .malformed, ["end of the file after the 4 bytes", "2 more bytes"])
    }

    func testHugeShapeRefusedBeforeAllocating() {
        let before = IOTest.peakMemory()
        // 2^40 elements declared, data_offsets consistent with them, a tiny file.
        expectError(#"{"w":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}"#, data: [0, 0, 0, 0],
                    .tooLarge, ["tensor \"w\"", "[0, 4398046511104]"])
        expectError(#"{"w":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                    .tooLarge, ["fits in memory"])
        expectError(#"{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,99999999999999999999999]}}"#, data: [0, 0, 0, 0],
                    .malformed, ["two non-negative integers"])
        XCTAssertLessThan(IOTest.peakMemory() - before, 64 << 20)
    }

    /// Python compares dict keys by code points, so PyTorch writes "é" (U+00E9) and "e" + U+0301
    /// as two tensors; they were refused as duplicates because Swift's `==` equates them.
    func testNamesAreComparedByTheirBytes() throws {
        let composed = "\u{e9}", decomposed = "e\u{301}"
        for json in [#"{"\u00e9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e\u0301":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                     "{\"\(composed)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"\(decomposed)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"] {
            let file = try SafeTensors.decode(IOTest.safetensorsFile(json: json, data: IOTest.f32le([1, 2])), as: Float.self)
            XCTAssertEqual(file.names.map { Array($0.utf8) }, [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
            XCTAssertEqual(file[composed], Tensor<Float>([1]))
            XCTAssertEqual(file[decomposed], Tensor<Float>([2]))
            XCTAssertEqual(file.dtypes.count, 1, "dtypes is keyed by String: the two names share one key")
            XCTAssertEqual(file.dtype(of: decomposed), .F32)
            XCTAssertNil(file["e"])
        }
        // Metadata is a [String: String], which cannot hold both: refused, not merged.
        expectError(#"{"__metadata__":{"\u00e9":"a","e\u0301":"b"}}"#, data: [], .unsupported, ["metadata keys", "different bytes"])
        // The same bytes twice is still a duplicate.
        expectError(#"{"\u00e9":1,"\u00e9":2}"#, data: [], .malformed, ["each name once", "twice"])
    }

    /// Integers written as I64 come back exactly (beyond what Float and Double hold), also
    /// when the file is read as Float.
    func testIntegersAreStoredExactlyAsI64() throws {
        let big: [Int64] = [(1 << 53) + 1, -((1 << 62) + 3), 16_777_217]
        let bytes = try SafeTensors.encode(["w": Tensor<Float>([0.5])], integers: ["ids": .init(big, shape: [3]), "step": .init([7], shape: [])])
        let file = try SafeTensors.decode(bytes, as: Float.self)
        XCTAssertEqual(file.names, ["ids", "step", "w"])
        XCTAssertEqual(file.dtype(of: "ids"), .I64)
        XCTAssertEqual(file.integers("ids"), SafeTensors.Integers(big, shape: [3]))
        XCTAssertEqual(file.integers("step"), SafeTensors.Integers([7], shape: []))
        XCTAssertEqual(file["ids"]?.shape, [3])
        XCTAssertNil(file.integers("w"), "only I64 tensors have exact integers")
        // An I64 tensor written by others is exact too.
        let other = IOTest.safetensorsFile(json: #"{"n":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: IOTest.le(Int64.max))
        XCTAssertEqual(try SafeTensors.decode(other, as: Double.self).integers("n")?.values, [Int64.max])
        IOTest.expectDataError(.invalidValue, mentions: ["\"w\" both as a tensor and as integers"]) {
            _ = try SafeTensors.encode(["w": Tensor<Float>([1])], integers: ["w": .init([1], shape: [1])])
        }
    }

    func testWriterRejectsTheReservedName() {
        IOTest.expectDataError(.invalidValue, mentions: [path("r.safetensors"), "__metadata__"]) {
            try SafeTensors.write(["__metadata__": Tensor<Float>([1])], to: path("r.safetensors"))
        }
        XCTAssertEqual(IOTest.contents(of: folder), [])
    }
}

import XCTest
import Layers

/// A small model made only of Parameters, so the test does not depend on other layers.
private struct TinyBlock<Scalar: TensorScalar>: Module {
    let weight: Parameter<Scalar>
    let bias: Parameter<Scalar>
    init(inputs: Int, outputs: Int, seed: UInt64) {
        weight = Parameter(.randomNormal([outputs, inputs], seed: seed))
        bias = Parameter(.randomNormal([outputs], seed: seed &+ 1))
    }
}

private struct TinyModel<Scalar: TensorScalar>: Module {
    let encoder: TinyBlock<Scalar>
    let heads: [TinyBlock<Scalar>]
    let scale: Parameter<Scalar>
    init(seed: UInt64, hidden: Int = 3) {
        encoder = TinyBlock(inputs: 4, outputs: hidden, seed: seed)
        heads = [TinyBlock(inputs: hidden, outputs: 2, seed: seed &+ 10), TinyBlock(inputs: hidden, outputs: 1, seed: seed &+ 20)]
        scale = Parameter(Tensor(Scalar(seed % 7)))
    }
}

/// The same parameters as TinyModel except one renamed, one missing, one new, one reshaped.
private struct OtherModel: Module {
    typealias Scalar = Float
    let encoder: TinyBlock<Float>          // weight [5, 4] instead of [3, 4]; bias [5] instead of [3]
    let heads: [TinyBlock<Float>]          // only heads.0, no heads.1
    let gain: Parameter<Float>             // named gain, not scale
    init() {
        encoder = TinyBlock(inputs: 4, outputs: 5, seed: 1)
        heads = [TinyBlock(inputs: 3, outputs: 2, seed: 2)]
        gain = Parameter(Tensor(1))
    }
}

/// One parameter named "é" (U+00E9), for names compared by their bytes.
private final class AccentedModel: Module {
    typealias Scalar = Float
    let accented = Parameter<Float>(Tensor([0]))
    var namedParameters: [(name: String, parameter: Parameter<Float>)] { [("\u{e9}", accented)] }
}

final class ModelIOTests: TemporaryFolderTestCase {
    /// A file with "é" and "e" + U+0301 (as PyTorch can write) has a tensor the model does not
    /// know, though Swift's `==` calls the two names equal: it is reported, not silently ignored.
    func testLoadComparesNamesByTheirBytes() throws {
        let json = #"{"\u00e9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e\u0301":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let file = path("accents.safetensors")
        try AtomicFile.write(IOTest.safetensorsFile(json: json, data: IOTest.f32le([1, 2])), to: file)
        let model = AccentedModel()
        XCTAssertThrowsError(try model.load(from: file)) { error in
            guard let mismatch = error as? ParameterMismatchError else { return XCTFail("\(error)") }
            XCTAssertEqual(mismatch.unexpected.map { Array($0.utf8) }, [[0x65, 0xCC, 0x81]])
            XCTAssertEqual(mismatch.missing, [])
        }
        XCTAssertEqual(model.accented.value, Tensor<Float>([0]))
        // With only the composed name, it loads.
        let exact = #"{"\u00e9":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        try AtomicFile.write(IOTest.safetensorsFile(json: exact, data: IOTest.f32le([5])), to: file)
        try model.load(from: file)
        XCTAssertEqual(model.accented.value, Tensor<Float>([5]))
    }

    private func values<M: Module>(_ model: M) -> [String: Tensor<M.Scalar>] {
        Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.detached()) })
    }

    func testNamesAreTheDottedPaths() {
        XCTAssertEqual(TinyModel<Float>(seed: 1).namedParameters.map(\.name),
                       ["encoder.weight", "encoder.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias", "scale"])
    }

    func testSaveLoadRoundTripFloatAndDouble() throws {
        let saved = TinyModel<Float>(seed: 1)
        try saved.save(to: path("tiny.safetensors"), metadata: ["epoch": "7"])
        let restored = TinyModel<Float>(seed: 99)
        XCTAssertNotEqual(values(restored), values(saved))
        let metadata = try restored.load(from: path("tiny.safetensors"))
        XCTAssertEqual(values(restored), values(saved))
        XCTAssertEqual(metadata, ["epoch": "7"])
        // The loaded values stay trainable leaves with their own gradient slots.
        XCTAssertTrue(restored.encoder.weight.value.isLeaf)

        let savedD = TinyModel<Double>(seed: 2)
        try savedD.save(to: path("tiny64.safetensors"))
        let file = try SafeTensors.read(from: path("tiny64.safetensors"), as: Double.self)
        XCTAssertEqual(file.dtypes["encoder.weight"], .F64)
        let restoredD = TinyModel<Double>(seed: 3)
        try restoredD.load(from: path("tiny64.safetensors"))
        XCTAssertEqual(values(restoredD), values(savedD))
        // A Double checkpoint loads into a Float model (converted).
        let restoredF = TinyModel<Float>(seed: 4)
        try restoredF.load(from: path("tiny64.safetensors"))
        XCTAssertEqual(values(restoredF)["encoder.weight"], savedD.encoder.weight.value.detached().converted(to: Float.self))
    }

    func testMismatchListsEveryDifferenceAndLoadsNothing() throws {
        try TinyModel<Float>(seed: 1).save(to: path("tiny.safetensors"))
        let other = OtherModel()
        let before = values(other)
        do {
            try other.load(from: path("tiny.safetensors"))
            XCTFail("expected a mismatch")
        } catch let error as ParameterMismatchError {
            XCTAssertEqual(error.path, path("tiny.safetensors"))
            XCTAssertEqual(error.missing, ["gain"])
            XCTAssertEqual(Set(error.unexpected), ["heads.1.weight", "heads.1.bias", "scale"])
            XCTAssertEqual(error.shapeMismatches, [
                .init(name: "encoder.weight", modelShape: [5, 4], fileShape: [3, 4]),
                .init(name: "encoder.bias", modelShape: [5], fileShape: [3]),
            ])
            let text = error.description
            for part in [path("tiny.safetensors"), "nothing was loaded", "missing from the file: gain", "not in the model:",
                         "heads.1.weight", "scale", "encoder.weight is [5, 4] in the model, [3, 4] in the file"] {
                XCTAssertTrue(text.contains(part), "\(part) not in:\n\(text)")
            }
        }
        // heads.0 matched by name and shape, but was not loaded either: nothing is.
        XCTAssertEqual(values(other), before)
    }

    func testShapeMismatchAloneLoadsNothing() throws {
        try TinyModel<Float>(seed: 1).save(to: path("tiny.safetensors"))
        let wider = TinyModel<Float>(seed: 5, hidden: 4)
        let before = values(wider)
        XCTAssertThrowsError(try wider.load(from: path("tiny.safetensors"))) { error in
            guard let e = error as? ParameterMismatchError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.missing, [])
            XCTAssertEqual(e.unexpected, [])
            XCTAssertEqual(e.shapeMismatches.map(\.name), ["encoder.weight", "encoder.bias", "heads.0.weight", "heads.1.weight"])
        }
        XCTAssertEqual(values(wider), before)
    }

    func testBadFilesLeaveTheModelUnchanged() throws {
        let model = TinyModel<Float>(seed: 1)
        let before = values(model)
        var bytes = try SafeTensors.encode(values(TinyModel<Float>(seed: 2)))
        bytes.removeLast(3)
        try AtomicFile.write(bytes, to: path("truncated.safetensors"))
        IOTest.expectDataError(.tooLarge, mentions: [path("truncated.safetensors"), "byte ", "tensor \"scale\""]) {
            try model.load(from: path("truncated.safetensors"))
        }
        IOTest.expectDataError(.unreadable, mentions: [path("absent.safetensors")]) {
            try model.load(from: path("absent.safetensors"))
        }
        XCTAssertEqual(values(model), before)
    }

    func testSaveIsAtomic() throws {
        let model = TinyModel<Float>(seed: 1)
        try model.save(to: path("m.safetensors"))
        let first = try FileManagerBytes.read(path("m.safetensors"))
        try FileManager.default.createDirectory(atPath: path("dir.safetensors"), withIntermediateDirectories: false)
        IOTest.expectDataError(.unwritable, mentions: [path("dir.safetensors")]) { try model.save(to: path("dir.safetensors")) }
        XCTAssertEqual(try FileManagerBytes.read(path("m.safetensors")), first)
        XCTAssertEqual(IOTest.contents(of: folder), ["dir.safetensors", "m.safetensors"])
    }
}

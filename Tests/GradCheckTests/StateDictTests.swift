import Foundation
import XCTest
import Layers
import Optim

/// The state dict and its files: PyTorch's layout written and read, files of the layout before
/// version 2 told apart and converted (never loaded transposed), `strict: false`, and the
/// listing of what a model expects.
final class StateDictTests: XCTestCase {
    struct Net: Layer {
        var hidden = Dense<Double>(inputs: 4, outputs: 3, activation: .tanh, seed: 1)
        var norm = BatchNorm1D<Double>(features: 3)
        var head = Dense<Double>(inputs: 3, outputs: 2, seed: 2)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { head(norm(hidden(x))) }
    }

    /// A model whose Dense weights are all square: the case shapes cannot tell.
    struct Square: Layer {
        var layer = Dense<Double>(inputs: 3, outputs: 3, seed: 5)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { layer(x) }
    }

    let x = Tensor<Double>.randomNormal([5, 4], seed: 9)

    func temporaryPath(_ name: String = "state") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).safetensors").path
    }

    /// The file a version before 2 wrote for `model`: every Dense weight as [inputs, outputs],
    /// no layout key (its metadata only what the caller gave).
    func writeOldFile<M: Module>(_ model: M, to path: String, metadata: [String: String] = [:]) throws where M.Scalar == Double {
        var tensors = model.stateDict
        for (name, tensor) in tensors where name.hasSuffix("weight") && tensor.rank == 2 && !name.contains("attn") {
            tensors[name] = tensor.transposed()
        }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    func testDenseWeightIsPyTorchsLayout() {
        let layer = Dense<Double>(inputs: 4, outputs: 3, seed: 1)
        XCTAssertEqual(layer.weight.shape, [3, 4])
        // y = x·Wᵀ + b, as nn.Linear.
        let expected = x.matmul(layer.weight.value.transposed()) + (layer.bias?.value ?? Tensor(0))
        XCTAssertEqual(layer(x).scalars, expected.scalars)
        // The same seed draws the same numbers as before version 2, transposed.
        var rng = SeededGenerator(seed: 1)
        let drawn = Initializer<Double>.xavierUniform()([4, 3], fans: Fans(fanIn: 4, fanOut: 3), using: &rng)
        XCTAssertEqual(layer.weight.value, drawn.transposed())
    }

    func testSaveWritesTheLayoutKeyAndCountsAsIntegers() throws {
        let net = Net()
        withLearningPhase(.training) { _ = net(x) }
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try net.save(to: path, metadata: ["epoch": "2"])
        let file = try SafeTensors.read(from: path, as: Double.self)
        XCTAssertEqual(file.metadata[Net.layoutMetadataKey], "pytorch")
        XCTAssertEqual(file.metadata["epoch"], "2")
        XCTAssertEqual(file.dtype(of: "norm.num_batches_tracked"), .I64)
        XCTAssertEqual(file.integers("norm.num_batches_tracked")?.values, [1])
        XCTAssertEqual(file["hidden.weight"]?.shape, [3, 4])
        let copy = Net()
        let metadata = try copy.load(from: path)
        XCTAssertEqual(metadata["epoch"], "2")
        XCTAssertEqual(withInference { copy(x) }.scalars, withInference { net(x) }.scalars)
        XCTAssertEqual(copy.norm.batchesTracked?.value.scalar, 1)
    }

    func testFileOfTheOldLayoutIsToldApartAndConverted() throws {
        let net = Net()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeOldFile(net, to: path)
        let copy = Net()
        let result = try copy.load(from: path, strict: true)
        XCTAssertEqual(result.layout, .beforeVersion2)
        XCTAssertEqual(withInference { copy(x) }.scalars, withInference { net(x) }.scalars, "converted as it loads, not transposed")
        XCTAssertEqual(copy.hidden.weight.value, net.hidden.weight.value)
        // Saved again, it is in PyTorch's layout and says so.
        try copy.save(to: path)
        XCTAssertEqual(try Net().load(from: path, strict: true).layout, .pytorch)
    }

    func testSquareWeightsOfTheOldLayoutLoadWhenTheLayoutIsGiven() throws {
        let square = Square()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeOldFile(square, to: path)
        // Without the key and with square weights only, the file reads as PyTorch's (documented):
        let guessed = Square()
        XCTAssertEqual(try guessed.load(from: path, strict: true).layout, .pytorch)
        XCTAssertEqual(guessed.layer.weight.value, square.layer.weight.value.transposed())
        // Told, it converts.
        let told = Square()
        try told.load(from: path, layout: .beforeVersion2)
        XCTAssertEqual(told(x[0..., 0..<3]).scalars, square(x[0..., 0..<3]).scalars)
    }

    func testUnknownLayoutKeyIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(Square().stateDict, metadata: [Square.layoutMetadataKey: "tensorflow"], to: path)
        XCTAssertThrowsError(try Square().load(from: path)) { error in
            XCTAssertTrue("\(error)".contains("tensorflow"), "\(error)")
        }
    }

    func testTransformerBlockUsesPyTorchsNamesAndReadsTheOldOnes() throws {
        let block = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16, seed: 3)
        let names = block.namedParameters.map(\.name)
        XCTAssertEqual(names, ["norm1.weight", "norm1.bias", "self_attn.in_proj_weight", "self_attn.in_proj_bias",
                               "self_attn.out_proj.weight", "self_attn.out_proj.bias", "norm2.weight", "norm2.bias",
                               "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"])
        XCTAssertEqual(block.linear1.weight.shape, [16, 8])
        // An old file: attention under "attention.", MLP weights [inputs, outputs].
        var old: [String: Tensor<Double>] = [:]
        for (name, tensor) in block.stateDict {
            let oldName = name.replacingOccurrences(of: "self_attn.", with: "attention.")
            old[oldName] = name.hasPrefix("linear") && name.hasSuffix("weight") ? tensor.transposed() : tensor
        }
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(old, to: path)
        let copy = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16, seed: 4)
        XCTAssertEqual(try copy.load(from: path, strict: true).layout, .beforeVersion2)
        let h = Tensor<Double>.randomNormal([2, 5, 8], seed: 1)
        XCTAssertEqual(copy(h, causal: true).scalars, block(h, causal: true).scalars)
    }

    func testLoadStateDictStrictAndNot() throws {
        let net = Net(), other = Net()
        other.hidden.weight.assign(Tensor.zeros([3, 4]))
        var state = net.stateDict
        XCTAssertEqual(Set(state.keys), ["hidden.weight", "hidden.bias", "norm.weight", "norm.bias", "norm.running_mean",
                                         "norm.running_var", "norm.num_batches_tracked", "head.weight", "head.bias"])
        state["head.weight"] = nil
        state["extra.weight"] = Tensor.zeros([1])
        XCTAssertThrowsError(try other.loadStateDict(state)) { error in
            let e = error as? ParameterMismatchError
            XCTAssertEqual(e?.missing, ["head.weight"])
            XCTAssertEqual(e?.unexpected, ["extra.weight"])
            XCTAssertTrue("\(error)".contains("the state dict"), "\(error)")
        }
        XCTAssertEqual(other.hidden.weight.value, Tensor.zeros([3, 4]), "strict: nothing loaded")
        let headBefore = other.head.weight.value
        let result = try other.loadStateDict(state, strict: false)
        XCTAssertEqual(result.missing, ["head.weight"])
        XCTAssertEqual(result.unexpected, ["extra.weight"])
        XCTAssertEqual(other.hidden.weight.value, net.hidden.weight.value)
        XCTAssertEqual(other.head.weight.value, headBefore, "a missing entry keeps its value")
        // A differing shape throws even when not strict, and loads nothing.
        state["hidden.bias"] = Tensor.zeros([4])
        let fresh = Net()
        let biasBefore = fresh.hidden.bias?.value
        XCTAssertThrowsError(try fresh.loadStateDict(state, strict: false)) { error in
            XCTAssertEqual((error as? ParameterMismatchError)?.shapeMismatches,
                           [.init(name: "hidden.bias", modelShape: [3], fileShape: [4])])
        }
        XCTAssertEqual(fresh.hidden.bias?.value, biasBefore)
    }

    func testNonStrictLoadFromAFile() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backbone = Dense<Double>(inputs: 4, outputs: 3, seed: 7)
        try SafeTensors.write(["hidden.weight": backbone.weight.value, "hidden.bias": backbone.bias?.value ?? Tensor(0)],
                              metadata: ["note": "backbone"], to: path)
        let net = Net()
        let result = try net.load(from: path, strict: false)
        XCTAssertEqual(result.missing, ["norm.weight", "norm.bias", "head.weight", "head.bias", "norm.running_mean",
                                        "norm.running_var", "norm.num_batches_tracked"])
        XCTAssertEqual(result.unexpected, [])
        XCTAssertEqual(result.metadata["note"], "backbone")
        XCTAssertEqual(net.hidden.weight.value, backbone.weight.value)
    }

    func testStateShapesListWhatTheModelExpects() {
        let shapes = Net().stateShapes
        XCTAssertEqual(shapes.map(\.description), [
            "hidden.weight [3, 4]", "hidden.bias [3]", "norm.weight [3]", "norm.bias [3]", "head.weight [2, 3]",
            "head.bias [2]", "norm.running_mean [3] (buffer)", "norm.running_var [3] (buffer)",
            "norm.num_batches_tracked [] (buffer)",
        ])
    }

    func testNamedParametersReadAsPyTorchsNamedParameters() {
        var total = 0.0
        var names: [String] = []
        for (name, p) in Net().namedParameters {
            names.append(name)
            total += p.value.sum().scalar * 0 + Double(p.value.count)
        }
        XCTAssertEqual(names, ["hidden.weight", "hidden.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"])
        XCTAssertEqual(total, 12 + 3 + 3 + 3 + 6 + 2)
    }

    func testCheckpointOfTheOldFormatResumesConverted() throws {
        // Train two steps, save, and rewrite the file as version 1 wrote it (format 1, Dense weights
        // and their Adam moments transposed): it must resume exactly as the version 2 file does.
        func model() -> Sequential<Double> {
            Sequential { Dense<Double>(inputs: 4, outputs: 5, activation: .tanh, seed: 1); Dense<Double>(inputs: 5, outputs: 2, seed: 2) }
        }
        let targets = Tensor<Double>.randomNormal([5, 2], seed: 3)
        func step(_ m: Sequential<Double>, _ adam: Adam<Double>) {
            m.zeroGrad()
            meanSquaredError(predicted: m(x), targets: targets).backward()
            adam.step()
        }
        let original = model()
        let adam = Adam(original, learningRate: 0.01)
        step(original, adam)
        step(original, adam)
        let path = temporaryPath("ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(original, optimizer: adam, epoch: 1, to: path)
        let file = try SafeTensors.read(from: path, as: Double.self)
        var tensors: [String: Tensor<Double>] = [:]
        for name in file.names where name != "optimizer/step" {
            guard let t = file[name] else { continue }
            tensors[name] = name.contains("weight") && t.rank == 2 ? t.transposed() : t
        }
        var metadata = file.metadata
        metadata["format"] = "autograd-checkpoint-1"
        try SafeTensors.write(tensors, metadata: metadata, integers: ["optimizer/step": .init([2], shape: [])], to: path)

        let resumed = model()
        let resumedAdam = Adam(resumed, learningRate: 0.01)
        try Checkpoint.load(into: resumed, optimizer: resumedAdam, from: path)
        XCTAssertEqual(resumed.parameters.map(\.value), original.parameters.map(\.value))
        step(original, adam)
        step(resumed, resumedAdam)
        XCTAssertEqual(resumed.parameters.map(\.value), original.parameters.map(\.value))
    }
}

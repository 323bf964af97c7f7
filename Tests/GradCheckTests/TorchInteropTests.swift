import Foundation
import XCTest
import Layers

/// Every layer loads a state dict that PyTorch wrote (`safetensors.torch.save_file(module.state_dict())`,
/// Tests/TorchFixtures, made by scripts/make_torch_layer_fixtures.py) with `load(from:)` as it is
/// (no layout argument, no renaming), and computes PyTorch's output and PyTorch's gradients of
/// `(output · probe).sum()` with respect to the input and to every parameter, in Double.
final class TorchInteropTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TorchFixtures").path

    /// The largest difference seen over all cases, printed at the end of each test for the notes.
    struct Check {
        var largest = 0.0
        mutating func compare(_ actual: Tensor<Double>?, _ expected: Tensor<Double>?, _ what: String,
                              file: StaticString = #filePath, line: UInt = #line) {
            guard let actual, let expected else {
                return XCTFail("\(what): missing (\(actual == nil ? "ours" : "PyTorch's"))", file: file, line: line)
            }
            XCTAssertEqual(actual.shape, expected.shape, what, file: file, line: line)
            let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            largest = max(largest, difference)
            XCTAssertLessThan(difference, 1e-10, "\(what): largest difference \(difference)", file: file, line: line)
        }
    }

    /// Loads `name`'s state dict into `model`, runs `forward` on the saved input, and compares the
    /// output and the gradients with PyTorch's.
    func check<M: Module>(_ name: String, _ model: M, inputIsIndices: Bool = false, file: StaticString = #filePath,
                          line: UInt = #line, _ forward: (Tensor<Double>) -> Tensor<Double>) throws -> Double
    where M.Scalar == Double {
        let result = try model.load(from: "\(Self.folder)/\(name).safetensors", strict: true)
        XCTAssertEqual(result.layout, .pytorch, "\(name): PyTorch's file read as PyTorch's layout", file: file, line: line)
        let io = try SafeTensors.read(from: "\(Self.folder)/\(name).io.safetensors", as: Double.self)
        guard let saved = io["input"], let probe = io["probe"] else { XCTFail("\(name): no input", file: file, line: line); return .nan }
        let input = inputIsIndices ? saved : saved.requiringGrad(named: "input")
        var check = Check()
        let output = withLearningPhase(.inference) { forward(input) }
        check.compare(output.detached(), io["output"], "\(name) output", file: file, line: line)
        (output * probe).sum().backward()
        if !inputIsIndices { check.compare(input.grad, io["grad.input"], "\(name) ∂/∂input", file: file, line: line) }
        for (parameterName, parameter) in model.namedParameters {
            check.compare(parameter.grad, io["grad.\(parameterName)"], "\(name) ∂/∂\(parameterName)", file: file, line: line)
        }
        let expectedGradients = io.names.filter { $0.hasPrefix("grad.") && $0 != "grad.input" }.count
        XCTAssertEqual(model.namedParameters.count, expectedGradients, "\(name): every PyTorch parameter is ours", file: file, line: line)
        return check.largest
    }

    func testLinear() throws {
        let square = Dense<Double>(inputs: 4, outputs: 4, seed: 1)
        var largest = try check("linear_square", square) { square($0) }
        let linear = Dense<Double>(inputs: 5, outputs: 3, seed: 1)
        largest = max(largest, try check("linear", linear) { linear($0) })
        let noBias = Dense<Double>(inputs: 5, outputs: 3, useBias: false, seed: 1)
        largest = max(largest, try check("linear_3d", noBias) { noBias($0) })
        print("TorchInteropTests linear: largest difference \(largest)")
    }

    func testConvolutions() throws {
        let conv1 = Conv1D<Double>(inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1, seed: 1)
        var largest = try check("conv1d", conv1) { conv1($0) }
        let conv2 = Conv2D<Double>(inChannels: 2, outChannels: 3, kernel: (3, 2), stride: (2, 1), padding: (1, 0), seed: 1)
        largest = max(largest, try check("conv2d", conv2) { conv2($0) })
        let grouped = Conv2D<Double>(inChannels: 4, outChannels: 6, kernel: (3, 3), padding: (1, 1), groups: 2, seed: 1)
        largest = max(largest, try check("conv2d_groups", grouped) { grouped($0) })
        print("TorchInteropTests convolutions: largest difference \(largest)")
    }

    func testNormalizations() throws {
        let bn1 = BatchNorm1D<Double>(features: 4)
        var largest = try check("batchnorm1d", bn1) { bn1($0) }
        XCTAssertEqual(bn1.batchesTracked?.value.scalar, 3, "num_batches_tracked (int64 in PyTorch's file)")
        let bn2 = BatchNorm2D<Double>(features: 3)
        largest = max(largest, try check("batchnorm2d", bn2) { bn2($0) })
        let layer = LayerNorm<Double>(normalizedShape: [5])
        largest = max(largest, try check("layernorm", layer) { layer($0) })
        let group = GroupNorm<Double>(groups: 2, channels: 4)
        largest = max(largest, try check("groupnorm", group) { group($0) })
        let rms = RMSNorm<Double>(normalizedShape: [5], eps: 1e-6)
        largest = max(largest, try check("rmsnorm", rms) { rms($0) })
        print("TorchInteropTests normalizations: largest difference \(largest)")
    }

    func testEmbedding() throws {
        let embedding = Embedding<Double>(count: 7, dimension: 3, seed: 1)
        let largest = try check("embedding", embedding, inputIsIndices: true) { embedding($0) }
        print("TorchInteropTests embedding: largest difference \(largest)")
    }

    func testRecurrent() throws {
        let rnn = RNN<Double>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 1)
        var largest = try check("rnn", rnn) { rnn($0) }
        let gru = GRU<Double>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 1)
        largest = max(largest, try check("gru", gru) { gru($0) })
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 1)
        largest = max(largest, try check("lstm", lstm) { lstm($0) })
        print("TorchInteropTests recurrent: largest difference \(largest)")
    }

    func testAttentionAndTransformer() throws {
        let attention = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 1)
        var largest = try check("mha", attention) { attention($0) }
        let causal = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 1)
        largest = max(largest, try check("mha_causal", causal) { causal($0, causal: true) })
        // The same causal mask given as PyTorch's boolean attn_mask.
        let hidden = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 1)
        let future = Tensor<Double>.triu(rows: 5, diagonal: 1)
        largest = max(largest, try check("mha_causal", hidden) { x in
            hidden(query: x, key: x, value: x, attentionMask: .hidden(future))
        })
        let block = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16, seed: 1)
        largest = max(largest, try check("transformer", block) { block($0, causal: true) })
        let post = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16, normFirst: false, seed: 1)
        largest = max(largest, try check("transformer_post", post) { post($0) })
        print("TorchInteropTests attention: largest difference \(largest)")
    }

    /// A file written here loads into PyTorch's module names unchanged: the names and shapes we
    /// save are exactly those of PyTorch's state dict, for every case.
    func testOurFilesHavePyTorchsNamesAndShapes() throws {
        let cases: [(String, any Module)] = [
            ("linear", Dense<Double>(inputs: 5, outputs: 3)), ("conv2d_groups", Conv2D<Double>(inChannels: 4, outChannels: 6, kernel: (3, 3), padding: (1, 1), groups: 2)),
            ("batchnorm2d", BatchNorm2D<Double>(features: 3)), ("lstm", LSTM<Double>(inputSize: 3, hiddenSize: 4, layers: 2)),
            ("transformer", TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16)),
        ]
        for (name, model) in cases {
            let torch = try SafeTensors.read(from: "\(Self.folder)/\(name).safetensors", as: Double.self)
            let ours = Dictionary(uniqueKeysWithValues: Self.shapes(model).map { ($0.name, $0.shape) })
            XCTAssertEqual(Set(ours.keys), Set(torch.names), name)
            for key in torch.names { XCTAssertEqual(ours[key], torch[key]?.shape, "\(name): \(key)") }
        }
    }

    static func shapes<M: Module>(_ model: M) -> [StateEntry] { model.stateShapes }
}

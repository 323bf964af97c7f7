import XCTest
import Foundation
import Layers

/// The Swift half of `scripts/check_layers_against_torch.py`: builds each new layer in Double,
/// saves its parameters (and buffers) with `save(to:)`, runs forward and backward on fixed
/// inputs and writes inputs, outputs, upstream gradients and every gradient (and batch norm's
/// running statistics after the step) to safetensors files, for PyTorch to rebuild the same layer
/// and compare. Skipped unless `LAYERS_TORCH_DIR` names a folder:
///
///     python3 scripts/check_layers_against_torch.py            # runs this test, then compares
///     LAYERS_TORCH_DIR=/tmp/t swift test --filter GradCheckTests.TorchComparisonExportTests
///     python3 scripts/check_layers_against_torch.py /tmp/t     # compares files written before
final class TorchComparisonExportTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        guard let folder = ProcessInfo.processInfo.environment["LAYERS_TORCH_DIR"], !folder.isEmpty else {
            throw XCTSkip("set LAYERS_TORCH_DIR to write the files scripts/check_layers_against_torch.py compares")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.folder = folder
    }

    /// Writes `<name>.params.safetensors` (the module before the step) and `<name>.data.safetensors`:
    /// `input/…`, `constant/…`, `output/…`, `upstream/…`, `grad_input/…`, `grad_param/…`, `after/…`
    /// (buffers after the step), with `metadata` (the layer's kind and settings) and the phase.
    func export<M: Module>(_ name: String, _ module: M, metadata: [String: String], phase: LearningPhase = .training,
                           inputs: [(String, Tensor<Double>)], constants: [(String, Tensor<Double>)] = [],
                           _ forward: ([Tensor<Double>]) -> [(String, Tensor<Double>)]) throws where M.Scalar == Double {
        try module.save(to: "\(folder)/\(name).params.safetensors")
        let leaves = inputs.map { $0.1.detached().requiringGrad() }
        let outputs = withLearningPhase(phase) { forward(leaves) }
        var tensors: [String: Tensor<Double>] = [:]
        var loss = Tensor<Double>(0)
        for (i, (outputName, output)) in outputs.enumerated() {
            let upstream = Tensor<Double>.randomNormal(output.shape, seed: 1000 + UInt64(i))
            tensors["output/\(outputName)"] = output.detached()
            tensors["upstream/\(outputName)"] = upstream
            loss = loss + (output * upstream).sum()
        }
        module.zeroGrad()
        loss.backward()
        for ((inputName, value), leaf) in zip(inputs, leaves) {
            tensors["input/\(inputName)"] = value
            let grad = try XCTUnwrap(leaf.grad, "\(name): no gradient for input \(inputName)")
            tensors["grad_input/\(inputName)"] = grad
        }
        for (constantName, value) in constants { tensors["constant/\(constantName)"] = value }
        for (parameterName, parameter) in module.namedParameters {
            tensors["grad_param/\(parameterName)"] = try XCTUnwrap(parameter.grad, "\(name): no gradient for \(parameterName)")
        }
        for (bufferName, buffer) in module.namedBuffers { tensors["after/\(bufferName)"] = buffer.value }
        var meta = metadata
        meta["phase"] = "\(phase)"
        meta["inputs"] = inputs.map(\.0).joined(separator: ",")
        meta["outputs"] = outputs.map(\.0).joined(separator: ",")
        try SafeTensors.write(tensors, metadata: meta, to: "\(folder)/\(name).data.safetensors")
    }

    func testExportEmbeddingAndNormalization() throws {
        let indices = Tensor<Double>([0, 6, 2, 2, 5, 1, 6, 6, 3, 2, 0, 4], shape: [3, 4])
        let embed = Embedding<Double>(count: 7, dimension: 5, seed: 1)
        try export("embedding", embed, metadata: ["kind": "embedding", "count": "7", "dimension": "5"],
                   inputs: [], constants: [("indices", indices)]) { _ in [("output", embed(indices))] }
        let padded = Embedding<Double>(count: 7, dimension: 5, paddingIndex: 2, seed: 2)
        try export("embedding_padding", padded, metadata: ["kind": "embedding", "count": "7", "dimension": "5",
                                                           "padding_idx": "2"],
                   inputs: [], constants: [("indices", indices)]) { _ in [("output", padded(indices))] }

        // Batch norm, with running statistics that are not the defaults before the step.
        func batchNorm1D(momentum: Double?, seed: UInt64) -> BatchNorm1D<Double> {
            let norm = BatchNorm1D<Double>(features: 3, momentum: momentum)
            norm.weight?.assign(.randomNormal([3], seed: seed))
            norm.bias?.assign(.randomNormal([3], seed: seed + 1))
            norm.runningMean?.assign(.randomNormal([3], seed: seed + 2))
            norm.runningVariance?.assign(.randomUniform([3], lower: 0.5, upper: 2, seed: seed + 3))
            norm.batchesTracked?.assign(Tensor(4))
            return norm
        }
        let bnShapes: [(String, [Int], Double?, LearningPhase)] = [
            ("batchnorm1d_nc_train", [6, 3], 0.1, .training), ("batchnorm1d_ncl_train", [4, 3, 5], 0.1, .training),
            ("batchnorm1d_ncl_cumulative", [4, 3, 5], nil, .training), ("batchnorm1d_ncl_eval", [4, 3, 5], 0.1, .inference),
        ]
        for (i, (name, shape, momentum, phase)) in bnShapes.enumerated() {
            let norm = batchNorm1D(momentum: momentum, seed: 10 + UInt64(10 * i))
            let x = Tensor<Double>.randomNormal(shape, seed: 5 + UInt64(i)) * 1.5 + 0.3
            try export(name, norm, metadata: ["kind": "batchnorm1d", "features": "3",
                                              "momentum": momentum.map { "\($0)" } ?? "none"],
                       phase: phase, inputs: [("x", x)]) { v in [("output", norm(v[0]))] }
        }
        for (name, phase) in [("batchnorm2d_train", LearningPhase.training), ("batchnorm2d_eval", .inference)] {
            let norm = BatchNorm2D<Double>(features: 4)
            norm.weight?.assign(.randomNormal([4], seed: 60))
            norm.bias?.assign(.randomNormal([4], seed: 61))
            norm.runningMean?.assign(.randomNormal([4], seed: 62))
            norm.runningVariance?.assign(.randomUniform([4], lower: 0.5, upper: 2, seed: 63))
            let x = Tensor<Double>.randomNormal([3, 4, 5, 2], seed: 64)
            try export(name, norm, metadata: ["kind": "batchnorm2d", "features": "4", "momentum": "0.1"],
                       phase: phase, inputs: [("x", x)]) { v in [("output", norm(v[0]))] }
        }

        let x = Tensor<Double>.randomNormal([3, 4, 6], seed: 70)
        for (name, shape) in [("layernorm_last", [6]), ("layernorm_last_two", [4, 6])] {
            let norm = LayerNorm<Double>(weight: .randomNormal(shape, seed: 71), bias: .randomNormal(shape, seed: 72))
            try export(name, norm, metadata: ["kind": "layernorm", "normalized_shape": shape.map(String.init).joined(separator: ",")],
                       inputs: [("x", x)]) { v in [("output", norm(v[0]))] }
        }
        let groupNorm = GroupNorm<Double>(groups: 3, weight: .randomNormal([6], seed: 73), bias: .randomNormal([6], seed: 74))
        try export("groupnorm", groupNorm, metadata: ["kind": "groupnorm", "groups": "3", "channels": "6"],
                   inputs: [("x", Tensor<Double>.randomNormal([2, 6, 5], seed: 75))]) { v in [("output", groupNorm(v[0]))] }
        for (name, eps) in [("rmsnorm_default_eps", nil), ("rmsnorm_eps", 1e-6)] as [(String, Double?)] {
            let norm = RMSNorm<Double>(weight: .randomNormal([6], seed: 76), eps: eps)
            try export(name, norm, metadata: ["kind": "rmsnorm", "normalized_shape": "6", "eps": eps.map { "\($0)" } ?? "none"],
                       inputs: [("x", x)]) { v in [("output", norm(v[0]))] }
        }
    }

    func testExportRecurrent() throws {
        func settings(_ kind: String, input: Int, hidden: Int, layers: Int, extra: [String: String] = [:]) -> [String: String] {
            ["kind": kind, "input_size": "\(input)", "hidden_size": "\(hidden)", "num_layers": "\(layers)"]
                .merging(extra) { $1 }
        }
        // Sequences of length 1 and > 1, one and two layers, with and without initial states.
        for (steps, layers, withState) in [(1, 1, false), (5, 2, true)] {
            let x = Tensor<Double>.randomNormal([3, steps, 4], seed: 80)
            let h0 = Tensor<Double>.randomNormal([layers, 3, 5], seed: 81), c0 = Tensor<Double>.randomNormal([layers, 3, 5], seed: 82)
            let suffix = "t\(steps)_l\(layers)"
            for nonlinearity in RNNNonlinearity.allCases {
                let rnn = RNN<Double>(inputSize: 4, hiddenSize: 5, layers: layers, nonlinearity: nonlinearity, seed: 83)
                try export("rnn_\(nonlinearity)_\(suffix)", rnn,
                           metadata: settings("rnn", input: 4, hidden: 5, layers: layers, extra: ["nonlinearity": "\(nonlinearity)"]),
                           inputs: withState ? [("x", x), ("h0", h0)] : [("x", x)]) { v in
                    let (output, final) = rnn(v[0], state: withState ? v[1] : nil)
                    return [("output", output), ("h_n", final)]
                }
            }
            let gru = GRU<Double>(inputSize: 4, hiddenSize: 5, layers: layers, seed: 84)
            try export("gru_\(suffix)", gru, metadata: settings("gru", input: 4, hidden: 5, layers: layers),
                       inputs: withState ? [("x", x), ("h0", h0)] : [("x", x)]) { v in
                let (output, final) = gru(v[0], state: withState ? v[1] : nil)
                return [("output", output), ("h_n", final)]
            }
            let lstm = LSTM<Double>(inputSize: 4, hiddenSize: 5, layers: layers, seed: 85)
            try export("lstm_\(suffix)", lstm, metadata: settings("lstm", input: 4, hidden: 5, layers: layers),
                       inputs: withState ? [("x", x), ("h0", h0), ("c0", c0)] : [("x", x)]) { v in
                let (output, final) = lstm(v[0], state: withState ? LSTMState(hidden: v[1], cell: v[2]) : nil)
                return [("output", output), ("h_n", final.hidden), ("c_n", final.cell)]
            }
        }
        let x = Tensor<Double>.randomNormal([3, 4], seed: 90)
        let h = Tensor<Double>.randomNormal([3, 5], seed: 91), c = Tensor<Double>.randomNormal([3, 5], seed: 92)
        let rnnCell = RNNCell<Double>(inputSize: 4, hiddenSize: 5, nonlinearity: .tanh, seed: 93)
        try export("rnncell", rnnCell, metadata: ["kind": "rnncell", "input_size": "4", "hidden_size": "5", "nonlinearity": "tanh"],
                   inputs: [("x", x), ("h", h)]) { v in [("h_next", rnnCell(v[0], state: v[1]))] }
        let gruCell = GRUCell<Double>(inputSize: 4, hiddenSize: 5, seed: 94)
        try export("grucell", gruCell, metadata: ["kind": "grucell", "input_size": "4", "hidden_size": "5"],
                   inputs: [("x", x), ("h", h)]) { v in [("h_next", gruCell(v[0], state: v[1]))] }
        let lstmCell = LSTMCell<Double>(inputSize: 4, hiddenSize: 5, seed: 95)
        try export("lstmcell", lstmCell, metadata: ["kind": "lstmcell", "input_size": "4", "hidden_size": "5"],
                   inputs: [("x", x), ("h", h), ("c", c)]) { v in
            let next = lstmCell(v[0], state: LSTMState(hidden: v[1], cell: v[2]))
            return [("h_next", next.hidden), ("c_next", next.cell)]
        }
    }

    func testExportAttention() throws {
        let x = Tensor<Double>.randomNormal([2, 5, 8], seed: 100)
        let padding = Tensor<Double>(rows: [[0, 0, 0, 1, 1], [0, 1, 0, 0, 0]])
        let cases: [(String, Bool, Tensor<Double>?)] = [("mha", false, nil), ("mha_causal", true, nil),
                                                        ("mha_causal_padding", true, padding)]
        for (name, causal, mask) in cases {
            let attention = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 101)
            // Non-zero biases, so that their gradients are compared too.
            attention.inputProjectionBias?.assign(.randomNormal([24], standardDeviation: 0.3, seed: 102))
            attention.outputProjectionBias?.assign(.randomNormal([8], standardDeviation: 0.3, seed: 103))
            try export(name, attention, metadata: ["kind": "multiheadattention", "dimension": "8", "heads": "2",
                                                   "causal": "\(causal)"],
                       inputs: [("x", x)], constants: mask.map { [("key_padding_mask", $0)] } ?? []) { v in
                [("output", attention(v[0], causal: causal, keyPaddingMask: mask))]
            }
        }
        for (name, causal, mask) in [("transformerblock", false, nil), ("transformerblock_causal_padding", true, padding)]
            as [(String, Bool, Tensor<Double>?)] {
            let block = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 12, seed: 104)
            block.norm1.weight?.assign(.randomNormal([8], seed: 105) * 0.2 + 1)
            block.norm2.bias?.assign(.randomNormal([8], standardDeviation: 0.2, seed: 106))
            block.attention.inputProjectionBias?.assign(.randomNormal([24], standardDeviation: 0.3, seed: 107))
            try export(name, block, metadata: ["kind": "transformerblock", "dimension": "8", "heads": "2", "hidden": "12",
                                               "causal": "\(causal)"],
                       inputs: [("x", x)], constants: mask.map { [("key_padding_mask", $0)] } ?? []) { v in
                [("output", block(v[0], causal: causal, keyPaddingMask: mask))]
            }
        }
    }
}

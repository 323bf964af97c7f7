import XCTest
import Layers
import Optim

/// A model prints as a summary (each layer, its output shape, its parameter count, the total),
/// never as its weights; large tensors print abbreviated as NumPy abbreviates them; evaluate's
/// metric is a plain Double when one was asked for.
final class ModelSummaryTests: XCTestCase {
    func testASequentialSummaryListsLayersShapesAndCounts() {
        let model = Sequential<Float> {
            Dense(inputs: 1000, outputs: 1000, activation: .relu, seed: 1)
            Dropout(rate: 0.5, seed: 2)
            Dense(inputs: 1000, outputs: 10, seed: 3)
        }
        let summary = model.summary(inputShape: [1, 1000])
        XCTAssertEqual(summary.rows.map(\.path), ["layers.0", "layers.1", "layers.2"])
        XCTAssertEqual(summary.rows.map(\.layer), ["Dense(1000→1000, relu)", "Dropout(rate 0.5)", "Dense(1000→10)"])
        XCTAssertEqual(summary.rows.map(\.outputShape), [[1, 1000], [1, 1000], [1, 10]])
        XCTAssertEqual(summary.rows.map(\.parameterCount), [1_001_000, 0, 10_010])
        XCTAssertEqual(summary.parameterCount, 1_011_010)
        XCTAssertEqual(summary.outputShape, [1, 10])
        let text = summary.description
        XCTAssertTrue(text.hasPrefix("Sequential<Float>: input [1, 1000] → output [1, 10]\n"), text)
        XCTAssertTrue(text.contains("layers.0  Dense(1000→1000, relu)"), text)
        XCTAssertTrue(text.hasSuffix("Total: 1,011,010 parameters (3.86 MB as Float)"), text)
        XCTAssertTrue(text.contains("1,001,000") && text.contains("10,010"), text)
        XCTAssertEqual(text.split(separator: "\n").count, 8, text)

        // print(model): the same table without shapes, and no weight in it.
        let printed = "\(model)"
        XCTAssertEqual(printed.split(separator: "\n").count, 8, printed)
        XCTAssertTrue(printed.contains("Total: 1,011,010 parameters"), printed)
        XCTAssertFalse(printed.contains("Output shape"), printed)
        let someWeight = Tensor<Float>(model.parameters[0].value.scalars[1]).description
        XCTAssertFalse(printed.contains(someWeight), "a weight (\(someWeight)) was printed:\n\(printed)")
        XCTAssertLessThan(printed.count, 1000)
    }

    struct Block: Layer {
        var dense: Dense<Double>
        var scale: Parameter<Double>
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { dense(x) * scale.value }
    }

    struct Classifier: Layer {
        var stem = Sequential<Double> { Dense(inputs: 6, outputs: 4, activation: .tanh, seed: 4); Dropout(rate: 0.3, seed: 9) }
        var blocks = [Block(dense: Dense(inputs: 4, outputs: 4, seed: 5), scale: Parameter(Tensor.ones([4]))),
                      Block(dense: Dense(inputs: 4, outputs: 4, useBias: false, seed: 6), scale: Parameter(Tensor.ones([4])))]
        var head: Dense<Double>? = Dense(inputs: 4, outputs: 3, seed: 7)
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            head!(blocks.reduce(stem(x)) { $1($0) })
        }
    }

    /// A model of one's own: every module by the name its parameters have, nested under its
    /// container; the model's output shape measured, the inner layers' shown as unknown; the run
    /// records nothing, and dropout neither drops nor draws from its generator.
    func testACustomModelsSummaryNamesModulesAsItsParameters() {
        let model = Classifier()
        let summary = model.summary(inputShape: [5, 6])
        XCTAssertEqual(summary.rows.map(\.path),
                       ["stem", "stem.layers.0", "stem.layers.1", "blocks.0", "blocks.0.dense", "blocks.1", "blocks.1.dense", "head"])
        XCTAssertEqual(summary.rows.map(\.depth), [0, 1, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual(summary.rows.map(\.layer),
                       ["Sequential", "Dense(6→4, tanh)", "Dropout(rate 0.3)", "Block", "Dense(4→4)", "Block", "Dense(4→4, no bias)",
                        "Dense(4→3)"])
        XCTAssertEqual(summary.rows.map(\.parameterCount), [28, 28, 0, 24, 20, 20, 16, 15])
        XCTAssertEqual(summary.parameterCount, 87)
        XCTAssertEqual(summary.parameterCount, model.parameterCount)
        XCTAssertEqual(summary.outputShape, [5, 3])
        XCTAssertTrue(summary.rows.allSatisfy { $0.outputShape == nil })
        // Every parameter's name starts with the path of a row.
        let paths = Set(summary.rows.map(\.path))
        for name in model.namedParameters.map(\.name) {
            XCTAssertTrue(paths.contains { name.hasPrefix($0 + ".") }, name)
        }
        let text = summary.description
        XCTAssertTrue(text.contains("\n  layers.0  Dense(6→4, tanh)"), text)
        XCTAssertTrue(text.contains("— : not measured"), text)
        XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil })
        // The summary's run left dropout's generator where it was.
        let dropout = model.stem.layers[1] as! Dropout<Double>
        XCTAssertEqual(dropout.sampleMask(shape: [64]), Dropout<Double>(rate: 0.3, seed: 9).sampleMask(shape: [64]))
        // A Sequential inside a Sequential gets the shapes of its own layers too.
        let nested = Sequential<Float> { Sequential<Float> { Dense(inputs: 3, outputs: 2, seed: 1); ReLU() }; Flatten() }
        XCTAssertEqual(nested.summary(inputShape: [4, 3]).rows.map(\.outputShape), [[4, 2], [4, 2], [4, 2], [4, 2]])
    }

    struct TinyGPT: Layer {
        var embedding = Embedding<Float>(count: 50, dimension: 16, seed: 1)
        var blocks = [TransformerBlock<Float>(dimension: 16, heads: 4, seed: 2)]
        var norm = LayerNorm<Float>(normalizedShape: [16])
        var recurrent = LSTM<Float>(inputSize: 16, hiddenSize: 8, layers: 2, seed: 3)
        var head = Dense<Float>(inputs: 8, outputs: 50, seed: 4)
        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
            head(recurrent(norm(blocks.reduce(embedding(x)) { $1($0) })))
        }
    }

    /// The newer layers print in one line; layers that give their parameters PyTorch's names
    /// (the recurrent layers, attention) appear under the same names in the summary.
    func testNewerLayersPrintInOneLineAndNestUnderTheirParametersNames() {
        let model = TinyGPT()
        let summary = model.summary(inputShape: [2, 5])
        XCTAssertEqual(summary.outputShape, [2, 5, 50])
        XCTAssertEqual(summary.parameterCount, model.parameterCount)
        XCTAssertEqual(summary.rows.map(\.path), ["embedding", "blocks.0", "blocks.0.norm1", "blocks.0.self_attn",
                                                  "blocks.0.self_attn.dropout", "blocks.0.norm2", "blocks.0.linear1",
                                                  "blocks.0.linear2", "blocks.0.dropout", "norm", "recurrent", "head"])
        XCTAssertEqual(summary.rows.first { $0.path == "blocks.0.self_attn" }?.layer, "MultiHeadAttention(16, 4 heads)")
        XCTAssertEqual(summary.rows.first { $0.path == "recurrent" }?.layer, "LSTM(16→8, 2 layers)")
        let paths = Set(summary.rows.map(\.path))
        for name in model.namedParameters.map(\.name) {
            XCTAssertTrue(paths.contains { name.hasPrefix($0 + ".") }, name)
        }
        XCTAssertEqual("\(Embedding<Float>(count: 1000, dimension: 64, paddingIndex: 0))", "Embedding(1000 × 64, padding 0)")
        XCTAssertEqual("\(GRU<Float>(inputSize: 8, hiddenSize: 32))", "GRU(8→32)")
        XCTAssertEqual("\(RNN<Float>(inputSize: 8, hiddenSize: 32, nonlinearity: .relu))", "RNN(8→32, relu)")
        XCTAssertEqual("\(LSTMCell<Float>(inputSize: 8, hiddenSize: 32))", "LSTMCell(8→32)")
        XCTAssertEqual("\(BatchNorm2D<Float>(features: 16))", "BatchNorm2D(16)")
        XCTAssertEqual("\(GroupNorm<Float>(groups: 4, channels: 16))", "GroupNorm(4 groups, 16 channels)")
        XCTAssertEqual("\(RMSNorm<Float>(normalizedShape: [64]))", "RMSNorm([64])")
        // A block prints as its table.
        XCTAssertTrue("\(model.blocks[0])".hasPrefix("TransformerBlock<Float>\nLayer"), "\(model.blocks[0])")
    }

    final class Chain: Module {
        typealias Scalar = Float
        let layer: Dense<Float>
        var next: Chain?
        init(_ layer: Dense<Float>) { self.layer = layer }
    }

    struct Twice: Layer {
        let first: Dense<Float>
        let second: Dense<Float>
        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { second(first(x)) }
    }

    /// A reference cycle between modules is listed once around (no endless recursion), and a
    /// layer used twice is marked as sharing the parameters of its first row; the total counts
    /// each parameter once.
    func testCyclesAndSharedLayersAreListedOnce() {
        let a = Chain(Dense(inputs: 1, outputs: 1, seed: 1)), b = Chain(Dense(inputs: 1, outputs: 1, seed: 2))
        a.next = b
        b.next = a
        let summary = a.summary()
        XCTAssertEqual(summary.rows.map(\.path), ["layer", "next", "next.layer", "next.next"])
        XCTAssertEqual(summary.rows.last?.layer, "Chain (listed above as the model)")
        XCTAssertEqual(summary.parameterCount, 4)
        XCTAssertTrue("\(a)".hasSuffix("Total: 4 parameters (16 B as Float)"), "\(a)")

        let layer = Dense<Float>(inputs: 2, outputs: 2, seed: 3)
        let twice = Twice(first: layer, second: layer).summary(inputShape: [1, 2])
        XCTAssertEqual(twice.rows.map(\.layer), ["Dense(2→2)", "Dense(2→2) (shares the parameters of first)"])
        XCTAssertEqual(twice.parameterCount, 6)
        XCTAssertEqual(twice.outputShape, [1, 2])
    }

    struct Gated: Layer {
        var w: Parameter<Double>
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    }

    func testLayersPrintInOneLineWithoutTheirWeights() {
        XCTAssertEqual("\(Dense<Float>(inputs: 784, outputs: 128, activation: .relu))", "Dense(784→128, relu)")
        XCTAssertEqual("\(Dense<Float>(inputs: 4, outputs: 3, useBias: false))", "Dense(4→3, no bias)")
        XCTAssertEqual("\(Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1)))",
                       "Conv2D(1→8, kernel 3×3, padding 1×1)")
        XCTAssertEqual("\(Conv2D<Float>(inChannels: 4, outChannels: 8, kernel: (3, 5), stride: (2, 2), groups: 2, useBias: false))",
                       "Conv2D(4→8, kernel 3×5, stride 2×2, groups 2, no bias)")
        XCTAssertEqual("\(MaxPool2D<Float>(kernel: 2))", "MaxPool2D(kernel 2×2, stride 2×2)")
        XCTAssertEqual("\(MaxPool2D<Float>(kernel: 3, stride: 1, padding: 1, dilation: 2))",
                       "MaxPool2D(kernel 3×3, stride 1×1, padding 1×1, dilation 2×2)")
        XCTAssertEqual("\(Conv2D<Float>(inChannels: 2, outChannels: 4, kernel: 3, padding: 2, dilation: 2))",
                       "Conv2D(2→4, kernel 3×3, padding 2×2, dilation 2×2)")
        XCTAssertEqual("\(Conv1D<Float>(inChannels: 16, outChannels: 32, kernel: 3, padding: 2, dilation: 2))",
                       "Conv1D(16→32, kernel 3, padding 2, dilation 2)")
        XCTAssertEqual("\(AvgPool2D<Float>(kernel: 3, stride: 1, padding: 1))", "AvgPool2D(kernel 3×3, stride 1×1, padding 1×1)")
        XCTAssertEqual("\(Dropout<Float>(rate: 0.2))", "Dropout(rate 0.2)")
        XCTAssertEqual("\(Flatten<Float>())", "Flatten")
        XCTAssertEqual("\(LeakyReLU<Float>(slope: 0.2))", "LeakyReLU(slope 0.2)")
        XCTAssertEqual("\(Softmax<Float>(axis: 1))", "Softmax(axis 1)")
        XCTAssertEqual("\(ReLU<Float>())", "ReLU")
        XCTAssertEqual("\(Gated(w: Parameter(Tensor.zeros([4]))))", "Gated(w [4])")
        let single = Dense<Float>(inputs: 3, outputs: 2).summary(inputShape: [7, 3])
        XCTAssertEqual(single.rows.map(\.layer), ["Dense(3→2)"])
        XCTAssertEqual(single.rows.map(\.outputShape), [[7, 2]])
        XCTAssertTrue(Classifier().summary().description.hasSuffix("Total: 87 parameters (696 B as Double)"))
        XCTAssertTrue(Sequential<Double> { Dense(inputs: 100, outputs: 100) }.summary().description
            .hasSuffix("Total: 10,100 parameters (78.9 KB as Double)"))
    }

    /// NumPy's text (np.array2string(a, separator=', '), pasted) for more than 1000 elements:
    /// the first and last three entries of every axis longer than six.
    func testLargeTensorsPrintAbbreviatedAsNumPyDoes() {
        XCTAssertEqual(Tensor<Float>.arange(1, 10_001).description, "[    1,     2,     3, ...,  9998,  9999, 10000]")
        let expected3D = """
        [[[   0,    1,    2, ...,   97,   98,   99],
          [ 100,  101,  102, ...,  197,  198,  199],
          [ 200,  201,  202, ...,  297,  298,  299],
          ...,
          [ 700,  701,  702, ...,  797,  798,  799],
          [ 800,  801,  802, ...,  897,  898,  899],
          [ 900,  901,  902, ...,  997,  998,  999]],

         [[1000, 1001, 1002, ..., 1097, 1098, 1099],
          [1100, 1101, 1102, ..., 1197, 1198, 1199],
          [1200, 1201, 1202, ..., 1297, 1298, 1299],
          ...,
          [1700, 1701, 1702, ..., 1797, 1798, 1799],
          [1800, 1801, 1802, ..., 1897, 1898, 1899],
          [1900, 1901, 1902, ..., 1997, 1998, 1999]]]
        """
        XCTAssertEqual(Tensor<Double>.arange(0, 2000).reshaped([2, 10, 100]).description, expected3D)
        let fourD = Tensor<Double>.arange(0, 12_000).reshaped([3, 4, 10, 100]).description
        XCTAssertTrue(fourD.hasPrefix("[[[[    0,     1,     2, ...,    97,    98,    99],\n"), fourD)
        XCTAssertTrue(fourD.contains("3999]]],\n\n\n [[[ 4000,"), fourD)
        XCTAssertTrue(fourD.hasSuffix("[11900, 11901, 11902, ..., 11997, 11998, 11999]]]]"), fourD)
        XCTAssertEqual(fourD.split(separator: "\n", omittingEmptySubsequences: false).count, 97)   // as NumPy
        // Ten million elements: only the 7·7·7 entries shown are formatted.
        let big = Tensor<Float>.zeros([1000, 100, 100]).description
        XCTAssertEqual(big.split(separator: "\n").count, 43)   // non-empty lines, as NumPy
        // Columns are as wide as the widest entry shown, not the widest entry (NumPy: [0, 0, 0, ..., 0, 0, 0]).
        var hidden = Tensor<Float>.zeros([2000])
        hidden[1000] = Tensor(123_456)
        XCTAssertEqual(hidden.description, "[0, 0, 0, ..., 0, 0, 0]")
        // 1000 elements are shown whole, as NumPy does.
        XCTAssertFalse(Tensor<Float>.arange(0, 1000).description.contains("..."))
    }

    func testEvaluateWithAMetricGivesADouble() {
        let model = Sequential<Double> { Dense(inputs: 2, outputs: 2, seed: 3) }
        let data = Dataset(inputs: Tensor<Double>(rows: [[1, 0], [0, 1], [1, 1], [0, 0]]), targets: Tensor([0, 1, 1, 0]))
        let lossFunction = { (logits: Tensor<Double>, labels: Tensor<Double>) in crossEntropy(logits: logits, labels: labels) }
        let (loss, accuracy) = evaluate(model, on: data, loss: lossFunction, metric: .accuracy)
        let plain: Double = accuracy
        let optionalForm: Metric<Double>? = .accuracy
        let same = evaluate(model, on: data, loss: lossFunction, metric: optionalForm)
        XCTAssertEqual(plain, same.metric)
        XCTAssertEqual(loss, same.loss)
        XCTAssertEqual("\(accuracy)", "\(same.metric ?? -1)")
        XCTAssertNil(evaluate(model, on: data, loss: lossFunction).metric)
    }
}

import XCTest
import Layers

/// Embedding: rows picked by index, the gradient scattered back to them (added for a repeated
/// index), the padding row left without gradient, PyTorch's initialization, and gradcheck with
/// respect to the table.
final class LayerEmbeddingTests: XCTestCase {
    let table = Tensor<Double>.randomNormal([5, 3], seed: 1)

    func testForwardPicksRows() {
        let embed = Embedding(weight: Tensor<Double>(rows: [[0, 0], [1, 2], [3, 4]]))
        XCTAssertEqual(embed(Tensor([2, 1, 2])), Tensor(rows: [[3, 4], [1, 2], [3, 4]]))
        let batch = embed(Tensor(rows: [[0, 1, 2], [2, 2, 1]]))
        XCTAssertEqual(batch.shape, [2, 3, 2])
        XCTAssertEqual(batch.scalars, [0, 0, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2])
        XCTAssertEqual(embed(Tensor(1)).shape, [2], "a single index gives one vector")
        XCTAssertEqual(embed.count, 3)
        XCTAssertEqual(embed.dimension, 2)
        XCTAssertEqual(embed.namedParameters.map(\.name), ["weight"])
    }

    func testGradientIsScatteredBackAndAddsForRepeatedIndices() {
        let embed = Embedding(weight: table)
        let indices = Tensor<Double>(rows: [[4, 0, 4], [1, 4, 0]])
        let upstream = Tensor<Double>.randomNormal([2, 3, 3], seed: 2)
        (embed(indices) * upstream).sum().backward()
        // By hand: row r's gradient is the sum of the upstream rows whose index is r.
        var expected = [Double](repeating: 0, count: 15)
        for (position, index) in indices.scalars.enumerated() {
            for j in 0..<3 { expected[Int(index) * 3 + j] += upstream.scalars[position * 3 + j] }
        }
        assertClose(embed.weight.grad?.scalars ?? [], expected, tolerance: 1e-15)
        XCTAssertEqual(Array(expected[6..<12]), [0, 0, 0, 0, 0, 0], "rows 2 and 3 are never picked")
    }

    func testGradcheckWithRespectToTheTable() {
        // Odd shapes, a batch of 3 sequences of 5, repeated indices.
        let indices = Tensor<Double>([0, 4, 4, 2, 1, 3, 3, 0, 2, 2, 1, 4, 0, 0, 3], shape: [3, 5])
        assertGradcheck([table], names: ["weight"], "Embedding") { v in Embedding(weight: v[0])(indices).tanh() }
        let report = gradgradcheck(inputs: [table], names: ["weight"]) { v in Embedding(weight: v[0])(indices).tanh() }
        XCTAssertTrue(report.passed, "\(report)")
        // With a padding index the padding row's value is output but deliberately not
        // differentiated; with those outputs masked out, every other row's gradient must be exact.
        let notPadding = Tensor<Double>(indices.scalars.map { $0 == 3 ? 0 : 1 }, shape: [3, 5, 1])
        assertGradcheck([table], names: ["weight"], "Embedding with a padding index") { v in
            Embedding(weight: v[0], paddingIndex: 3)(indices).sin() * notPadding
        }
    }

    func testPaddingRowStartsAtZeroAndGetsNoGradient() {
        let embed = Embedding<Double>(count: 6, dimension: 4, paddingIndex: 2, seed: 3)
        XCTAssertEqual(Array(embed.weight.value.scalars[8..<12]), [0, 0, 0, 0])
        XCTAssertTrue(embed.weight.value.scalars[0..<8].allSatisfy { $0 != 0 })
        // A padding row holding values (given explicitly) is output as it is, but never trained.
        let weights = Tensor<Double>.randomNormal([4, 2], seed: 4)
        let padded = Embedding(weight: weights, paddingIndex: 1)
        let indices = Tensor<Double>([1, 0, 1, 3])
        let y = padded(indices)
        XCTAssertEqual(Array(y.scalars[0..<2]), Array(weights.scalars[2..<4]), "the padding row's value is looked up")
        (y * y).sum().backward()
        let grad = padded.weight.grad?.scalars ?? []
        XCTAssertEqual(Array(grad[2..<4]), [0, 0], "the padding row gets no gradient")
        assertClose(Array(grad[0..<2]), weights.scalars[0..<2].map { 2 * $0 }, tolerance: 1e-15)
        assertClose(Array(grad[6..<8]), weights.scalars[6..<8].map { 2 * $0 }, tolerance: 1e-15)
        XCTAssertEqual(Array(grad[4..<6]), [0, 0])
    }

    func testInitializationIsStandardNormalAndSeeded() {
        let embed = Embedding<Double>(count: 200, dimension: 50, seed: 5)
        let values = embed.weight.value.scalars
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(std, 1, accuracy: 0.03)
        XCTAssertEqual(Embedding<Float>(count: 4, dimension: 2, seed: 9).weight.value,
                       Embedding<Float>(count: 4, dimension: 2, seed: 9).weight.value)
    }

    func testTrainsInAModel() {
        // Embedding → Dense learns to map each of 4 tokens to its own class.
        struct Model: Layer {
            let embed = Embedding<Double>(count: 4, dimension: 3, seed: 1)
            let head = Dense<Double>(inputs: 3, outputs: 4, seed: 2)
            func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { head(embed(x)) }
        }
        let model = Model()
        let tokens = Tensor<Double>([0, 1, 2, 3])
        XCTAssertEqual(model.namedParameters.map(\.name), ["embed.weight", "head.weight", "head.bias"])
        var losses: [Double] = []
        for _ in 0..<60 {
            let loss = crossEntropy(logits: model(tokens), labels: tokens)
            losses.append(loss.scalar)
            model.zeroGrad()
            loss.backward()
            withoutGradients { for p in model.parameters { if let g = p.grad { p.assign(p.value - g * 0.5) } } }
        }
        XCTAssertLessThan(losses.last ?? .infinity, 0.2 * losses[0], "losses \(losses.first ?? 0) → \(losses.last ?? 0)")
    }
}

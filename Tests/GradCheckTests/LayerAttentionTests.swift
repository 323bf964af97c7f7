import XCTest
import Foundation
import Layers

/// MultiHeadAttention and TransformerBlock: forward values against plain loops (heads, scaling,
/// causal and key-padding masks), PyTorch's names and initialization, dropout on the attention
/// weights in training only, a query that may attend to nothing, and gradcheck/gradgradcheck with
/// respect to the inputs and every parameter, with and without masks.
final class LayerAttentionTests: XCTestCase {
    /// y[b, i] = W_o · concat_h(Σ_j softmax_j(q_h[i]·k_h[j] / √d) v_h[j]) + b_o, by loops.
    func referenceAttention(_ attention: MultiHeadAttention<Double>, query: Tensor<Double>, key: Tensor<Double>,
                            causal: Bool, padding: Tensor<Double>?) -> [Double] {
        let e = attention.dimension, h = attention.heads, d = e / h
        let (batch, t, s) = (query.shape[0], query.shape[1], key.shape[1])
        let w = attention.inputProjectionWeight.value.scalars, bias = attention.inputProjectionBias?.value.scalars
        let wo = attention.outputProjectionWeight.value.scalars, bo = attention.outputProjectionBias?.value.scalars
        func project(_ x: Tensor<Double>, _ b: Int, _ position: Int, _ part: Int) -> [Double] {
            (0..<e).map { r in
                var sum = bias?[part * e + r] ?? 0
                for c in 0..<e { sum += w[(part * e + r) * e + c] * x.scalars[(b * x.shape[1] + position) * e + c] }
                return sum
            }
        }
        var out: [Double] = []
        for b in 0..<batch {
            let keys = (0..<s).map { project(key, b, $0, 1) }, values = (0..<s).map { project(key, b, $0, 2) }
            for i in 0..<t {
                let q = project(query, b, i, 0)
                var joined = [Double](repeating: 0, count: e)
                for head in 0..<h {
                    let range = (head * d)..<((head + 1) * d)
                    var scores: [Double] = (0..<s).map { j in
                        var dot = 0.0
                        for r in range { dot += q[r] * keys[j][r] }
                        return dot / Double(d).squareRoot()
                    }
                    for j in 0..<s where (causal && j > i) || (padding?.scalars[b * s + j] ?? 0) != 0 { scores[j] = -.infinity }
                    let top = scores.max() ?? 0
                    let exps = scores.map { top == -.infinity ? 0 : Foundation.exp($0 - top) }
                    let total = exps.reduce(0, +)
                    for j in 0..<s where total > 0 {
                        for r in range { joined[r] += exps[j] / total * values[j][r] }
                    }
                }
                for r in 0..<e {
                    var sum = bo?[r] ?? 0
                    for c in 0..<e { sum += wo[r * e + c] * joined[c] }
                    out.append(sum)
                }
            }
        }
        return out
    }

    func makeAttention(dimension: Int, heads: Int, seed: UInt64) -> MultiHeadAttention<Double> {
        MultiHeadAttention(inputProjectionWeight: .randomNormal([3 * dimension, dimension], standardDeviation: 0.5, seed: seed),
                           inputProjectionBias: .randomNormal([3 * dimension], standardDeviation: 0.3, seed: seed + 1),
                           outputProjectionWeight: .randomNormal([dimension, dimension], standardDeviation: 0.5, seed: seed + 2),
                           outputProjectionBias: .randomNormal([dimension], standardDeviation: 0.3, seed: seed + 3), heads: heads)
    }

    func testForwardAgainstLoops() {
        let attention = makeAttention(dimension: 6, heads: 3, seed: 1)
        let x = Tensor<Double>.randomNormal([2, 5, 6], seed: 5)
        let padding = Tensor<Double>(rows: [[0, 0, 0, 1, 1], [0, 1, 0, 0, 0]])
        assertClose(attention(x).scalars, referenceAttention(attention, query: x, key: x, causal: false, padding: nil),
                    tolerance: 1e-13, "no mask")
        assertClose(attention(x, causal: true).scalars, referenceAttention(attention, query: x, key: x, causal: true, padding: nil),
                    tolerance: 1e-13, "causal")
        assertClose(attention(x, causal: false, keyPaddingMask: padding).scalars,
                    referenceAttention(attention, query: x, key: x, causal: false, padding: padding), tolerance: 1e-13, "padding")
        assertClose(attention(x, causal: true, keyPaddingMask: padding).scalars,
                    referenceAttention(attention, query: x, key: x, causal: true, padding: padding), tolerance: 1e-13, "both")
        // Cross-attention: 5 queries over 3 keys.
        let memory = Tensor<Double>.randomNormal([2, 3, 6], seed: 6)
        assertClose(attention(query: x, key: memory, value: memory).scalars,
                    referenceAttention(attention, query: x, key: memory, causal: false, padding: nil), tolerance: 1e-13, "cross")
        // Causal: changing a later position leaves earlier outputs unchanged.
        var changed = x.scalars
        for c in 0..<6 { changed[4 * 6 + c] += 1 }
        let before = attention(x, causal: true), after = attention(Tensor(changed, shape: [2, 5, 6]), causal: true)
        XCTAssertEqual(Array(before.scalars[0..<24]), Array(after.scalars[0..<24]))
        XCTAssertNotEqual(Array(before.scalars[24..<30]), Array(after.scalars[24..<30]))
    }

    func testAQueryThatMayAttendToNothingGivesTheBiasAndNoNaN() {
        let attention = makeAttention(dimension: 4, heads: 2, seed: 10)
        let x = Tensor<Double>.randomNormal([2, 3, 4], seed: 11).requiringGrad()
        let everything = Tensor<Double>(rows: [[1, 1, 1], [0, 0, 1]])
        let y = attention(x, causal: false, keyPaddingMask: everything)
        XCTAssertEqual(Array(y.scalars[0..<12]), Array(repeating: attention.outputProjectionBias?.value.scalars ?? [], count: 3).flatMap { $0 })
        (y * y).sum().backward()
        XCTAssertTrue((x.grad?.scalars ?? []).allSatisfy(\.isFinite))
        XCTAssertTrue(attention.parameters.allSatisfy { $0.grad?.scalars.allSatisfy(\.isFinite) ?? false })
    }

    func testGradcheck() {
        let x = Tensor<Double>.randomNormal([2, 4, 6], seed: 20)
        let w = Tensor<Double>.randomNormal([18, 6], standardDeviation: 0.5, seed: 21)
        let b = Tensor<Double>.randomNormal([18], standardDeviation: 0.3, seed: 22)
        let wo = Tensor<Double>.randomNormal([6, 6], standardDeviation: 0.5, seed: 23)
        let bo = Tensor<Double>.randomNormal([6], standardDeviation: 0.3, seed: 24)
        let padding = Tensor<Double>(rows: [[0, 0, 1, 1], [0, 1, 0, 0]])
        let names = ["x", "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
        func layer(_ v: [Tensor<Double>]) -> MultiHeadAttention<Double> {
            MultiHeadAttention(inputProjectionWeight: v[1], inputProjectionBias: v[2], outputProjectionWeight: v[3],
                               outputProjectionBias: v[4], heads: 3)
        }
        assertGradcheck([x, w, b, wo, bo], names: names, "attention, no mask") { v in layer(v)(v[0]) }
        assertGradcheck([x, w, b, wo, bo], names: names, "attention, causal and padded") { v in
            layer(v)(v[0], causal: true, keyPaddingMask: padding)
        }
        // Second order with respect to the input and the projections (biases held constant, to keep it quick).
        let report = gradgradcheck(inputs: [x, w, wo], names: ["x", "in_proj_weight", "out_proj.weight"]) { v in
            layer([v[0], v[1], b, v[2], bo])(v[0], causal: true)
        }
        XCTAssertTrue(report.passed, "attention gradgradcheck\n\(report)")
        // Cross-attention, one head, gradients to the query and to the memory.
        let memory = Tensor<Double>.randomNormal([2, 3, 6], seed: 25)
        assertGradcheck([x, memory, w], names: ["query", "memory", "in_proj_weight"], "cross-attention") { v in
            MultiHeadAttention(inputProjectionWeight: v[2], outputProjectionWeight: wo, heads: 1)(query: v[0], key: v[1], value: v[1])
        }
    }

    func testNamesInitializationAndDropout() {
        let attention = MultiHeadAttention<Double>(dimension: 32, heads: 4, dropout: 0.5, seed: 1)
        XCTAssertEqual(attention.namedParameters.map(\.name), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        XCTAssertEqual(attention.namedParameters.map(\.parameter.shape), [[96, 32], [96], [32, 32], [32]])
        XCTAssertEqual(Array(attention.randomStates.keys), ["dropout.source"])
        let inBound = (6.0 / 128).squareRoot(), outBound = 1 / 32.0.squareRoot()
        let inValues = attention.inputProjectionWeight.value.scalars, outValues = attention.outputProjectionWeight.value.scalars
        XCTAssertTrue(inValues.allSatisfy { Swift.abs($0) <= inBound } && (inValues.max() ?? 0) > 0.9 * inBound)
        XCTAssertTrue(outValues.allSatisfy { Swift.abs($0) <= outBound } && (outValues.max() ?? 0) > 0.9 * outBound)
        XCTAssertEqual(attention.inputProjectionBias?.value, Tensor.zeros([96]))
        // Dropout acts on the attention weights while training only.
        let x = Tensor<Double>.randomNormal([2, 6, 32], seed: 2)
        let evaluated = withLearningPhase(.inference) { attention(x) }
        XCTAssertEqual(evaluated, withLearningPhase(.inference) { attention(x) })
        let trained1 = attention(x), trained2 = attention(x)
        XCTAssertNotEqual(trained1, evaluated)
        XCTAssertNotEqual(trained1, trained2, "each training call draws a new mask")
        let noDropout = MultiHeadAttention<Double>(dimension: 32, heads: 4, seed: 1)
        XCTAssertEqual(noDropout(x), withLearningPhase(.inference) { noDropout(x) })
        XCTAssertEqual(noDropout(x), evaluated, "same seed, same weights")
    }

    func testTransformerBlockComposesItsLayers() {
        let block = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 12, seed: 3)
        XCTAssertEqual(block.namedParameters.map(\.name), [
            "norm1.weight", "norm1.bias", "self_attn.in_proj_weight", "self_attn.in_proj_bias",
            "self_attn.out_proj.weight", "self_attn.out_proj.bias", "norm2.weight", "norm2.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
        ])
        XCTAssertEqual(Set(block.randomStates.keys), ["self_attn.dropout.source", "dropout.source"])
        XCTAssertEqual(TransformerBlock<Float>(dimension: 64, heads: 4, seed: 1).parameterCount, 49_984)
        let x = Tensor<Double>.randomNormal([2, 5, 8], seed: 4)
        let h = x + block.attention(block.norm1(x), causal: true)
        let expected = h + block.linear2(block.linear1(block.norm2(h)).gelu())
        assertClose(block(x, causal: true).scalars, expected.scalars, tolerance: 1e-14)
        XCTAssertNotEqual(block(x, causal: true), block(x))
    }

    func testTransformerBlockGradcheck() {
        let e = 4, hidden = 6
        let inputs: [Tensor<Double>] = [
            .randomNormal([2, 3, e], seed: 30),
            .randomNormal([e], seed: 31) * 0.3 + 1, .randomNormal([e], standardDeviation: 0.3, seed: 32),
            .randomNormal([3 * e, e], standardDeviation: 0.5, seed: 33), .randomNormal([3 * e], standardDeviation: 0.3, seed: 34),
            .randomNormal([e, e], standardDeviation: 0.5, seed: 35), .randomNormal([e], standardDeviation: 0.3, seed: 36),
            .randomNormal([e], seed: 37) * 0.3 + 1, .randomNormal([e], standardDeviation: 0.3, seed: 38),
            .randomNormal([hidden, e], standardDeviation: 0.5, seed: 39), .randomNormal([hidden], standardDeviation: 0.3, seed: 40),
            .randomNormal([e, hidden], standardDeviation: 0.5, seed: 41), .randomNormal([e], standardDeviation: 0.3, seed: 42),
        ]
        let names = ["x", "norm1.weight", "norm1.bias", "self_attn.in_proj_weight", "self_attn.in_proj_bias",
                     "self_attn.out_proj.weight", "self_attn.out_proj.bias", "norm2.weight", "norm2.bias",
                     "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
        let padding = Tensor<Double>(rows: [[0, 0, 1], [0, 0, 0]])
        func block(_ v: [Tensor<Double>]) -> TransformerBlock<Double> {
            TransformerBlock(norm1: LayerNorm(weight: v[1], bias: v[2]),
                             attention: MultiHeadAttention(inputProjectionWeight: v[3], inputProjectionBias: v[4],
                                                           outputProjectionWeight: v[5], outputProjectionBias: v[6], heads: 2),
                             norm2: LayerNorm(weight: v[7], bias: v[8]),
                             linear1: Dense(weight: v[9], bias: v[10]), linear2: Dense(weight: v[11], bias: v[12]))
        }
        assertGradcheck(inputs, names: names, "TransformerBlock, causal and padded") { v in
            block(v)(v[0], causal: true, keyPaddingMask: padding)
        }
        // Second order with respect to the input and one weight of each part (the rest held constant).
        let second = [0, 3, 7, 9]
        let report = gradgradcheck(inputs: second.map { inputs[$0] }, names: second.map { names[$0] }) { v in
            var all = inputs
            for (slot, index) in second.enumerated() { all[index] = v[slot] }
            return block(all)(all[0], causal: true)
        }
        XCTAssertTrue(report.passed, "TransformerBlock gradgradcheck\n\(report)")
        // Post-norm (PyTorch's default norm_first=False) with a ReLU MLP and an additive attention
        // mask [batch·heads, T, S] of finite biases.
        let bias = Tensor<Double>.randomNormal([4, 3, 3], standardDeviation: 0.5, seed: 43)
        assertGradcheck(inputs, names: names, "TransformerBlock post-norm, relu, additive mask") { v in
            let b = block(v)
            let post = TransformerBlock(norm1: b.norm1, attention: b.attention, norm2: b.norm2, linear1: b.linear1,
                                        linear2: b.linear2, normFirst: false, activation: .relu)
            return post(v[0], causal: false, attentionMask: .additive(bias))
        }
    }
}

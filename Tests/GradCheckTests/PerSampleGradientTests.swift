import XCTest
import Layers
import Optim

/// Per-sample gradients: the vectorized pass (one forward, one backward of the batch) equals each
/// example alone through forward and backward, in Double to 1e-12, for every built-in layer with
/// a batched rule; the loop covers any other model; norms and DP-SGD clipping and noise.
final class PerSampleGradientTests: XCTestCase {
    typealias Loss = @Sendable (Tensor<Double>, Tensor<Double>) -> Tensor<Double>

    static let crossEntropyLoss: Loss = { crossEntropy(logits: $0, labels: $1, reduction: .none) }
    /// ½ Σ (ŷ − y)² per example, over every axis but the batch.
    static let squaredLoss: Loss = { p, t in
        let d = p - t
        return d.rank == 1 ? d * d * 0.5 : (d * d * 0.5).sum(axes: Array(1..<d.rank))
    }

    func testMLPWithTanhAndReLUIsVectorizedAndEqualsTheLoop() {
        let model = Sequential<Double> {
            Dense(inputs: 5, outputs: 8, activation: .tanh, biasInitializer: .normal(mean: 0, scale: 0.5), seed: 1)
            Dense(inputs: 8, outputs: 6, activation: .relu, biasInitializer: .normal(mean: 0, scale: 0.5), seed: 2)
            Dense(inputs: 6, outputs: 4, useBias: false, seed: 3)
            Dense(inputs: 4, outputs: 3, seed: 4)
        }
        let x = Tensor<Double>.randomNormal([7, 5], seed: 5)
        let labels = Tensor<Double>([0, 2, 1, 1, 0, 2, 2])
        assertMatchesLoop(model, x, labels, Self.crossEntropyLoss, expecting: .vectorized, "MLP")
    }

    func testDenseOnThreeDimensionalInputsSumsOverTime() {
        // [batch, time, features]: grad_W[b] = Σ_t g[b, t]ᵀ a[b, t].
        let model = Sequential<Double> {
            Dense(inputs: 3, outputs: 6, activation: .tanh, biasInitializer: .normal(mean: 0, scale: 0.5), seed: 1)
            Dense(inputs: 6, outputs: 2, useBias: false, seed: 2)
        }
        let x = Tensor<Double>.randomNormal([4, 5, 3], seed: 3)
        let y = Tensor<Double>.randomNormal([4, 5, 2], seed: 4)
        assertMatchesLoop(model, x, y, Self.squaredLoss, expecting: .vectorized, "Dense on [batch, time, features]")
        // A single layer is a model too.
        let single = Dense<Double>(inputs: 3, outputs: 2, activation: .sigmoid, seed: 5)
        assertMatchesLoop(single, x, y, Self.squaredLoss, expecting: .vectorized, "a lone Dense")
    }

    func testSmallCNNWithPoolingIsVectorizedAndEqualsTheLoop() {
        let model = Sequential<Double> {
            Conv2D(inChannels: 2, outChannels: 4, kernel: (3, 3), padding: (1, 1),
                   biasInitializer: .normal(mean: 0, scale: 0.3), seed: 1)
            ReLU()
            MaxPool2D(kernel: (2, 2))
            Conv2D(inChannels: 4, outChannels: 4, kernel: (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2),
                   groups: 2, seed: 2)
            Tanh()
            Flatten()
            Dense(inputs: 4 * 2 * 1, outputs: 3, seed: 3)
        }
        let x = Tensor<Double>.randomNormal([5, 2, 6, 6], seed: 4)
        let labels = Tensor<Double>([2, 0, 1, 2, 1])
        assertMatchesLoop(model, x, labels, Self.crossEntropyLoss, expecting: .vectorized, "CNN")
    }

    func testConv1DIsVectorizedAndEqualsTheLoop() {
        let model = Sequential<Double> {
            Conv1D(inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1, dilation: 2,
                   biasInitializer: .normal(mean: 0, scale: 0.3), seed: 1)
            Tanh()
            Conv1D(inChannels: 4, outChannels: 2, kernel: 2, groups: 2, useBias: false, seed: 2)
        }
        let x = Tensor<Double>.randomNormal([4, 3, 9], seed: 3)
        let y = Tensor<Double>.randomNormal([4, 2, 3], seed: 4)
        assertMatchesLoop(model, x, y, Self.squaredLoss, expecting: .vectorized, "Conv1D")
    }

    func testEmbeddingAndDenseAreVectorizedAndEqualTheLoop() {
        // Repeated indices add up within an example; the padding row gets no gradient.
        let model = Sequential<Double> {
            Embedding(count: 7, dimension: 4, paddingIndex: 0, seed: 1)
            Dense(inputs: 4, outputs: 5, activation: .tanh, seed: 2)
            Flatten()
            Dense(inputs: 3 * 5, outputs: 3, seed: 3)
        }
        let indices = Tensor<Double>(rows: [[1, 5, 5], [0, 2, 6], [3, 3, 3], [0, 0, 4], [6, 1, 2]])
        let labels = Tensor<Double>([0, 1, 2, 1, 0])
        let perSample = assertMatchesLoop(model, indices, labels, Self.crossEntropyLoss, expecting: .vectorized, "Embedding")
        XCTAssertEqual(perSample["layers.0.weight"]?[0..., 0].abs().max().scalar, 0, "the padding row's gradient")
    }

    func testNormalizationsAreVectorizedAndEqualTheLoop() {
        var rng = SeededGenerator(seed: 9)
        let layerNorm = Sequential<Double> {
            Dense(inputs: 4, outputs: 6, seed: 1)
            LayerNorm(weight: Tensor.randomNormal([6], using: &rng), bias: Tensor.randomNormal([6], using: &rng))
            Tanh()
            RMSNorm(weight: Tensor.randomNormal([6], using: &rng))
            Dense(inputs: 6, outputs: 3, seed: 2)
        }
        let x = Tensor<Double>.randomNormal([5, 4], seed: 3)
        let labels = Tensor<Double>([0, 1, 2, 1, 0])
        assertMatchesLoop(layerNorm, x, labels, Self.crossEntropyLoss, expecting: .vectorized, "LayerNorm and RMSNorm")

        // LayerNorm over the features of [batch, time, features].
        let sequenceNorm = Sequential<Double> {
            LayerNorm(weight: Tensor.randomNormal([2, 3], using: &rng), bias: Tensor.randomNormal([2, 3], using: &rng))
        }
        let sequence = Tensor<Double>.randomNormal([3, 4, 2, 3], seed: 4)
        assertMatchesLoop(sequenceNorm, sequence, Tensor.randomNormal([3, 4, 2, 3], seed: 5), Self.squaredLoss,
                          expecting: .vectorized, "LayerNorm over two axes")

        // GroupNorm and BatchNorm (inference: running statistics) in a CNN.
        let cnn = Sequential<Double> {
            Conv2D(inChannels: 2, outChannels: 4, kernel: (3, 3), padding: (1, 1), seed: 6)
            GroupNorm(groups: 2, weight: Tensor.randomNormal([4], using: &rng), bias: Tensor.randomNormal([4], using: &rng))
            ReLU()
            BatchNorm2D(weight: Tensor.randomNormal([4], using: &rng), bias: Tensor.randomNormal([4], using: &rng),
                        runningMean: Tensor.randomNormal([4], using: &rng),
                        runningVariance: Tensor.randomUniform([4], lower: 0.5, upper: 2, using: &rng))
            Flatten()
            Dense(inputs: 4 * 4 * 4, outputs: 2, seed: 7)
        }
        let images = Tensor<Double>.randomNormal([3, 2, 4, 4], seed: 8)
        _ = withLearningPhase(.inference) {
            assertMatchesLoop(cnn, images, Tensor([1, 0, 1]), Self.crossEntropyLoss, expecting: .vectorized,
                              "GroupNorm and BatchNorm2D in inference")
        }
    }

    func testALayerUsedTwiceAddsBothUses() {
        // The same Dense (one weight, one bias) at two places: each example's gradient is the sum of both uses.
        let shared = Dense<Double>(inputs: 4, outputs: 4, activation: .tanh, biasInitializer: .normal(mean: 0, scale: 0.5), seed: 1)
        let model = Sequential<Double> {
            shared
            ReLU()
            shared
            Dense(inputs: 4, outputs: 2, seed: 2)
        }
        XCTAssertEqual(model.namedParameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"])
        let x = Tensor<Double>.randomNormal([5, 4], seed: 3)
        assertMatchesLoop(model, x, Tensor.randomNormal([5, 2], seed: 4), Self.squaredLoss, expecting: .vectorized, "shared layer")
    }

    func testTheVectorizedPassRunsTheModelOnceForTheWholeBatch() {
        // A would-be loop in disguise would run the layers once per example.
        let model = Sequential<Double> {
            Dense(inputs: 3, outputs: 4, activation: .relu, seed: 1)
            Dense(inputs: 4, outputs: 2, seed: 2)
        }
        var calls: [[Int]] = []
        let handle = model.registerForwardHook { _, _, output in
            calls.append(output.shape)
            return nil
        }
        let x = Tensor<Double>.randomNormal([16, 3], seed: 3)
        let g = perSampleGradients(of: model, inputs: x, targets: Tensor.randomNormal([16, 2], seed: 4),
                                   loss: Self.squaredLoss)
        handle.remove()
        XCTAssertEqual(g.strategy, .vectorized)
        XCTAssertEqual(calls, [[16, 4], [16, 2]], "one forward pass of the batch")
        let loop = perSampleGradients(of: model, inputs: x, targets: Tensor.randomNormal([16, 2], seed: 4),
                                      strategy: .loop, loss: Self.squaredLoss)
        for ((name, a), (_, b)) in zip(g.gradients, loop.gradients) {
            XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-12, name)
        }
    }

    struct Gated: Layer {
        let inner = Dense<Double>(inputs: 3, outputs: 4, seed: 11)
        let gate: Parameter<Double>
        init() { gate = Parameter(Tensor<Double>.randomNormal([4], seed: 12)) }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { (inner(x) * gate.value.sigmoid()).tanh() }
    }

    func testCustomModelsWithTheirOwnParametersFallBackToTheLoop() {
        let x = Tensor<Double>.randomNormal([4, 3], seed: 1)
        let y = Tensor<Double>.randomNormal([4, 4], seed: 2)
        let custom = assertMatchesLoop(Gated(), x, y, Self.squaredLoss, expecting: .loop, "a custom model")
        XCTAssertEqual(custom.fallbackReason, "the model (Gated) has parameters but no batched per-sample rule")

        // Inside a Sequential, the reason names the layer by its path.
        let nested = Sequential<Double> { Dense(inputs: 3, outputs: 3, seed: 3); Gated() }
        let result = assertMatchesLoop(nested, x, y, Self.squaredLoss, expecting: .loop, "Gated in a Sequential")
        XCTAssertEqual(result.fallbackReason, "layers.1 (Gated) has parameters but no batched per-sample rule")
    }

    func testNormsEqualTheLoopsNorms() {
        let model = Sequential<Double> {
            Conv1D(inChannels: 2, outChannels: 3, kernel: 3, seed: 1)
            Flatten()
            Dense(inputs: 3 * 4, outputs: 2, activation: .tanh, seed: 2)
        }
        let x = Tensor<Double>.randomNormal([6, 2, 6], seed: 3)
        let y = Tensor<Double>.randomNormal([6, 2], seed: 4)
        let norms = perSampleGradients(of: model, inputs: x, targets: y, loss: Self.squaredLoss).norms
        let reference = loopReference(model, x, y, Self.squaredLoss)
        XCTAssertEqual(norms.shape, [6])
        for b in 0..<6 {
            let squared = reference.values.reduce(0.0) { $0 + ($1[b] * $1[b]).sum().scalar }
            XCTAssertEqual(norms[b].scalar, squared.squareRoot(), accuracy: 1e-12, "example \(b)")
        }
    }

    func testDPSGDClipsEveryExampleAndItsNoiseRepeatsWithTheSeed() throws {
        let model = Sequential<Double> {
            Dense(inputs: 4, outputs: 5, activation: .tanh, seed: 1)
            Dense(inputs: 5, outputs: 3, seed: 2)
        }
        let x = Tensor<Double>.randomNormal([8, 4], seed: 3) * 3
        let labels = Tensor<Double>([0, 1, 2, 0, 1, 2, 0, 1])
        let perSample = perSampleGradients(of: model, inputs: x, targets: labels, loss: Self.crossEntropyLoss)
        let clipNorm = 0.5
        XCTAssertGreaterThan(perSample.norms.max().scalar, clipNorm, "the test needs examples above the clip norm")

        var first = SeededGenerator(seed: 42), again = SeededGenerator(seed: 42), other = SeededGenerator(seed: 43)
        let update = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 1.1, using: &first)
        let repeated = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 1.1, using: &again)
        let different = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 1.1, using: &other)
        XCTAssertTrue(update.clippedNorms.scalars.allSatisfy { $0 <= clipNorm }, "\(update.clippedNorms)")
        XCTAssertEqual(update.norms.scalars, perSample.norms.scalars)
        for ((name, a), ((_, b), (_, c))) in zip(update.gradients, zip(repeated.gradients, different.gradients)) {
            XCTAssertEqual(a.scalars, b.scalars, "\(name): the same seed gives the same noise")
            XCTAssertNotEqual(a.scalars, c.scalars, "\(name): another seed gives other noise")
        }

        // The clipped examples recomputed by hand: each example's gradient scaled, its norm ≤ C,
        // and without noise the update is their mean.
        let clean = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 0, using: &first)
        var squaredNorms = [Double](repeating: 0, count: 8)
        for (name, g) in perSample.gradients {
            var mean = Tensor<Double>.zeros(Array(g.shape.dropFirst()))
            for b in 0..<8 {
                let factor = min(1, clipNorm / (perSample.norms[b].scalar + 1e-6))
                let clipped = g[b] * factor
                squaredNorms[b] += (clipped * clipped).sum().scalar
                mean = mean + clipped / 8
            }
            XCTAssertLessThanOrEqual((try XCTUnwrap(clean[name]) - mean).abs().max().scalar, 1e-15, name)
        }
        XCTAssertTrue(squaredNorms.allSatisfy { $0.squareRoot() <= clipNorm }, "\(squaredNorms)")

        // The noise: N(0, σ²C²) per element, divided by the batch.
        let noise = (try XCTUnwrap(update["layers.0.weight"]) - (try XCTUnwrap(clean["layers.0.weight"]))) * 8
        var replay = SeededGenerator(seed: 42)
        let expected = Tensor<Double>.randomNormal([5, 4], standardDeviation: 1.1 * clipNorm, using: &replay)
        XCTAssertLessThanOrEqual((noise - expected).abs().max().scalar, 1e-12)

        // Applied through an optimizer: SGD moves each weight by −lr · the noisy gradient.
        let before = model.parameters.map(\.value.scalars)
        update.assign(to: model)
        SGD(model, learningRate: 0.1).step()
        for ((parameter, old), (_, g)) in zip(zip(model.parameters, before), update.gradients) {
            let moved = zip(old, parameter.value.scalars).map { $1 - $0 }
            XCTAssertEqual(moved.count, g.count)
            for (m, gi) in zip(moved, g.scalars) { XCTAssertEqual(m, -0.1 * gi, accuracy: 1e-15) }
        }
    }

    /// privateGradients (ghost norms and one weighted product for Dense, per-sample gradients for
    /// the other layers) equals perSampleGradients(…).privatized(…) with the same seed.
    func testPrivateGradientsWithoutPerSampleWeightsEqualThePrivatizedPerSampleGradients() throws {
        let shared = Dense<Double>(inputs: 8, outputs: 8, activation: .tanh, seed: 30)
        let cases: [(String, any Layer<Double>, Tensor<Double>, Tensor<Double>, Loss)] = [
            ("MLP", Sequential<Double> {
                Dense(inputs: 5, outputs: 8, activation: .relu, biasInitializer: .normal(mean: 0, scale: 0.5), seed: 1)
                Dense(inputs: 8, outputs: 3, useBias: false, seed: 2)
            }, Tensor.randomNormal([9, 5], seed: 3) * 2, Tensor([0, 1, 2, 0, 1, 2, 0, 1, 2]), Self.crossEntropyLoss),
            ("Dense over steps (Gram products)", Sequential<Double> {
                Dense(inputs: 8, outputs: 8, activation: .tanh, seed: 4)
                Dense(inputs: 8, outputs: 2, seed: 5)          // 3 steps · 10 > 16: per-sample weights
            }, Tensor.randomNormal([4, 3, 8], seed: 6), Tensor.randomNormal([4, 3, 2], seed: 7), Self.squaredLoss),
            ("a layer used twice", Sequential<Double> { shared; shared; Dense(inputs: 8, outputs: 1, seed: 8) },
             Tensor.randomNormal([5, 8], seed: 9), Tensor.randomNormal([5, 1], seed: 10), Self.squaredLoss),
            ("CNN", Sequential<Double> {
                Conv2D(inChannels: 1, outChannels: 2, kernel: (3, 3), seed: 11)
                Flatten()
                Dense(inputs: 2 * 3 * 3, outputs: 2, seed: 12)
            }, Tensor.randomNormal([3, 1, 5, 5], seed: 13), Tensor([1, 0, 1]), Self.crossEntropyLoss),
            ("custom (loop)", Gated(), Tensor.randomNormal([4, 3], seed: 14), Tensor.randomNormal([4, 4], seed: 15),
             Self.squaredLoss),
        ]
        for (name, model, x, y, loss) in cases {
            let perSample = perSampleGradients(of: model, inputs: x, targets: y, loss: loss)
            let clipNorm = 0.5 * perSample.norms.max().scalar      // some examples clipped, some not
            var first = SeededGenerator(seed: 7), second = SeededGenerator(seed: 7)
            let expected = perSample.privatized(clipNorm: clipNorm, noiseMultiplier: 0.8, using: &first)
            let direct = privateGradients(of: model, inputs: x, targets: y, clipNorm: clipNorm, noiseMultiplier: 0.8,
                                          using: &second, loss: loss)
            XCTAssertEqual(first, second, "\(name): the same draws")
            XCTAssertLessThanOrEqual((direct.norms - expected.norms).abs().max().scalar, 1e-12, name)
            XCTAssertTrue(direct.clippedNorms.scalars.allSatisfy { $0 <= clipNorm }, name)
            XCTAssertEqual(direct.gradients.map(\.name), expected.gradients.map(\.name), name)
            for ((parameter, a), (_, b)) in zip(direct.gradients, expected.gradients) {
                XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-12, "\(name): \(parameter)")
            }
            XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil }, "\(name): .grad was touched")
        }
    }

    func testFloatModelsAgreeWithTheLoopToFloatRounding() {
        let model = Sequential<Float> {
            Dense(inputs: 6, outputs: 8, activation: .relu, seed: 1)
            Dense(inputs: 8, outputs: 3, seed: 2)
        }
        let x = Tensor<Float>.randomNormal([10, 6], seed: 3)
        let labels = Tensor<Float>([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
        let loss: (Tensor<Float>, Tensor<Float>) -> Tensor<Float> = { crossEntropy(logits: $0, labels: $1, reduction: .none) }
        let fast = perSampleGradients(of: model, inputs: x, targets: labels, loss: loss)
        let loop = perSampleGradients(of: model, inputs: x, targets: labels, strategy: .loop, loss: loss)
        XCTAssertEqual(fast.strategy, .vectorized)
        XCTAssertEqual(loop.strategy, .loop)
        for ((name, a), (_, b)) in zip(fast.gradients, loop.gradients) {
            XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-5, name)
        }
        // The per-sample gradients add up to the ordinary gradient of the summed loss.
        loss(model(x), labels).sum().backward()
        for ((name, total), parameter) in zip(fast.summed, model.parameters) {
            XCTAssertLessThanOrEqual((total - (parameter.grad ?? total)).abs().max().scalar, 1e-5, name)
        }
    }
    /// docs/UserGuide.md, "Per-sample gradients and DP-SGD", as written there.
    func testUserGuideSnippet() throws {
        let mlp = Sequential<Double> { Dense(inputs: 4, outputs: 8, activation: .tanh, seed: 1); Dense(inputs: 8, outputs: 3, seed: 2) }
        let x = Tensor<Double>.randomNormal([5, 4], seed: 3), labels = Tensor<Double>([0, 2, 1, 1, 0])
        let perSample = perSampleGradients(of: mlp, inputs: x, targets: labels) { logits, labels in
            crossEntropy(logits: logits, labels: labels, reduction: .none)
        }
        XCTAssertEqual(perSample["layers.0.weight"]?.shape, [5, 8, 4])
        XCTAssertEqual(perSample.strategy, .vectorized)
        XCTAssertEqual(perSample.norms.shape, [5])

        var noise = SeededGenerator(seed: 42)
        let update = perSample.privatized(clipNorm: 1.0, noiseMultiplier: 1.1, using: &noise)
        XCTAssertEqual(update.clippedNorms.shape, [5])
        XCTAssertTrue(update.clippedNorms.scalars.allSatisfy { $0 <= 1.0 })
        let before = try XCTUnwrap(mlp.parameter(named: "layers.1.bias")).value.scalars
        update.assign(to: mlp)
        SGD(mlp, learningRate: 0.1).step()
        let after = try XCTUnwrap(mlp.parameter(named: "layers.1.bias")).value.scalars
        let g = try XCTUnwrap(update["layers.1.bias"]).scalars
        for i in 0..<3 { XCTAssertEqual(after[i], before[i] - 0.1 * g[i], accuracy: 1e-15) }
        XCTAssertTrue(update.description.hasPrefix("DP-SGD gradient: clip norm 1.0, noise multiplier 1.1"), update.description)

        // privateGradients: the same step from the same seed, without the per-sample weights. (The
        // snippet runs after the SGD step here, so it is compared with privatized at the new weights.)
        var seed = SeededGenerator(seed: 42), again = SeededGenerator(seed: 42)
        let step = privateGradients(of: mlp, inputs: x, targets: labels, clipNorm: 1.0, noiseMultiplier: 1.1,
                                    using: &seed) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
        let reference = perSampleGradients(of: mlp, inputs: x, targets: labels) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
            .privatized(clipNorm: 1.0, noiseMultiplier: 1.1, using: &again)
        for ((name, a), (_, b)) in zip(step.gradients, reference.gradients) {
            XCTAssertLessThanOrEqual((a - b).abs().max().scalar, 1e-12, name)
        }
        step.assign(to: mlp)
        XCTAssertTrue(perSample.description.hasPrefix("per-sample gradients (vectorized) of 5 examples: layers.0.weight [5, 8, 4]"),
                      perSample.description)
    }
}

/// The per-sample tests' comparison with the loop, shared by their test classes.
extension XCTestCase {
    /// The reference: each example alone through forward, its loss's backward() into `.grad`.
    func loopReference<M: Layer>(_ model: M, _ x: Tensor<Double>, _ y: Tensor<Double>, _ loss: PerSampleGradientTests.Loss)
    -> [String: [Tensor<Double>]] where M.Scalar == Double {
        var out: [String: [Tensor<Double>]] = [:]
        for b in 0..<x.shape[0] {
            model.zeroGrad()
            loss(model(x[b..<(b + 1)]), y[b..<(b + 1)]).sum().backward()
            for (name, p) in model.namedParameters {
                out[name, default: []].append(p.grad ?? Tensor.zeros(p.shape))
            }
        }
        model.zeroGrad()
        return out
    }

    /// Per-sample gradients equal to the reference loop's, and which strategy gave them.
    @discardableResult
    func assertMatchesLoop<M: Layer>(_ model: M, _ x: Tensor<Double>, _ y: Tensor<Double>, _ loss: @escaping PerSampleGradientTests.Loss,
                                     expecting strategy: PerSampleStrategy, _ message: String,
                                     file: StaticString = #filePath, line: UInt = #line) -> PerSampleGradients<Double>
    where M.Scalar == Double {
        let perSample = perSampleGradients(of: model, inputs: x, targets: y, loss: loss)
        XCTAssertEqual(perSample.strategy, strategy, "\(message): \(perSample.fallbackReason ?? "")", file: file, line: line)
        let reference = loopReference(model, x, y, loss)
        XCTAssertEqual(perSample.gradients.map(\.name), model.namedParameters.map(\.name), message, file: file, line: line)
        for (name, g) in perSample.gradients {
            let parameterShape = model.parameter(named: name)?.shape ?? []
            XCTAssertEqual(g.shape, [x.shape[0]] + parameterShape, "\(message): \(name)", file: file, line: line)
            for b in 0..<x.shape[0] {
                guard let expected = reference[name]?[b] else {
                    XCTFail("\(message): no reference gradient for \(name)", file: file, line: line)
                    return perSample
                }
                let got = g[b]
                let scale = max(1, expected.abs().max().scalar)
                let difference = (got - expected).abs().max().scalar
                XCTAssertLessThanOrEqual(difference, 1e-12 * scale, "\(message): \(name), example \(b)", file: file, line: line)
            }
        }
        // No side effect on the model's gradients.
        XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil }, "\(message): .grad was touched", file: file, line: line)
        return perSample
    }
}

import XCTest
import Layers

/// Parameter discovery by reflection (nested structs, arrays, optionals, dictionaries, classes,
/// shared layers, stored constants), Sequential in both forms, and the activation layers.
final class LayerModuleTests: XCTestCase {
    struct Block: Layer {
        var dense: Dense<Double>
        var norm: Dense<Double>?
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            let h = dense(x).relu()
            return norm.map { $0(h) } ?? h
        }
    }

    struct Model: Layer {
        var stem = Conv2D<Double>(inChannels: 1, outChannels: 2, kernel: 3, padding: 1, seed: 1)
        var blocks: [Block] = [
            Block(dense: Dense(inputs: 8, outputs: 8, seed: 2), norm: nil),
            Block(dense: Dense(inputs: 8, outputs: 8, seed: 3), norm: Dense(inputs: 8, outputs: 8, useBias: false, seed: 4)),
        ]
        var heads: [String: Dense<Double>] = ["b": Dense(inputs: 8, outputs: 1, seed: 5), "a": Dense(inputs: 8, outputs: 2, seed: 6)]
        var extra: Dense<Double>? = nil
        let scale = Tensor<Double>.full([8], 0.5)           // a constant, not a parameter
        let note = "not a parameter"
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            var h = stem(x).maxPool2D(kernel: (2, 2)).flattened(from: 1) * scale
            for block in blocks { h = block(h) }
            return heads["a"].map { $0(h) } ?? h
        }
    }

    func testNamesOfANestedModel() {
        let model = Model()
        XCTAssertEqual(model.namedParameters.map(\.name), [
            "stem.weight", "stem.bias",
            "blocks.0.dense.weight", "blocks.0.dense.bias",
            "blocks.1.dense.weight", "blocks.1.dense.bias", "blocks.1.norm.weight",
            "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias",
        ])
        // stem 18 + 2, blocks 72 + 72 + 64, heads.a 16 + 2, heads.b 8 + 1
        XCTAssertEqual(model.parameterCount, 255)
        XCTAssertTrue(model.parameter(named: "blocks.1.norm.weight") === model.blocks[1].norm?.weight)
        XCTAssertNil(model.parameter(named: "scale"))
        var withExtra = model
        withExtra.extra = Dense(inputs: 1, outputs: 1, seed: 7)
        XCTAssertEqual(withExtra.namedParameters.last?.name, "extra.bias")
    }

    /// Layers that list their own children (no reflection inside them) give the names reflection
    /// gave, with and without their optional parameters, nested, and `zeroGrad()` reaches them.
    func testLayersListingTheirOwnChildrenKeepTheirNames() throws {
        struct Net: Layer {
            var embed = Embedding<Double>(weight: .zeros([5, 4]), paddingIndex: 0)
            var layerNorm = LayerNorm<Double>(normalizedShape: [4])
            var plainNorm = LayerNorm<Double>(normalizedShape: [4], elementwiseAffine: false)
            var rms = RMSNorm<Double>(normalizedShape: [4])
            var groups = GroupNorm<Double>(groups: 2, channels: 4, affine: true)
            var bare = GroupNorm<Double>(groups: 2, channels: 4, affine: false)
            var head = Dense<Double>(inputs: 4, outputs: 2, useBias: false, seed: 1)
            func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { head(rms(layerNorm(embed(x)))) }
        }
        let net = Net()
        XCTAssertEqual(net.namedParameters.map(\.name), [
            "embed.weight", "layerNorm.weight", "layerNorm.bias", "rms.weight",
            "groups.weight", "groups.bias", "head.weight",
        ])
        (net(Tensor([1, 2, 3])).sum()).backward()
        XCTAssertNotNil(net.embed.weight.grad)
        net.zeroGrad()
        XCTAssertTrue(net.parameters.allSatisfy { $0.grad == nil })
    }

    func testGradientsReachEveryUsedParameter() {
        let model = Model()
        let loss = model(Tensor.randomNormal([2, 1, 4, 4], seed: 8)).squared().sum()
        loss.backward()
        for (name, p) in model.namedParameters {
            let used = !name.hasPrefix("heads.b")
            XCTAssertEqual(p.grad != nil, used, "\(name): gradient \(used ? "missing" : "unexpected")")
        }
        model.zeroGrad()
        XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil })
    }

    final class Node: Module {
        typealias Scalar = Float
        let layer: Dense<Float>
        var next: Node?
        init(_ layer: Dense<Float>) { self.layer = layer }
    }

    class Base: Module {
        typealias Scalar = Float
        let base = Dense<Float>(inputs: 1, outputs: 1, seed: 1)
    }
    final class Derived: Base {
        let own = Dense<Float>(inputs: 1, outputs: 1, useBias: false, seed: 2)
        lazy var later = Dense<Float>(inputs: 1, outputs: 1, useBias: false, seed: 3)
    }

    func testClassesCyclesSharingAndLazy() {
        let a = Node(Dense(inputs: 1, outputs: 1, seed: 1)), b = Node(Dense(inputs: 1, outputs: 1, seed: 2))
        a.next = b
        b.next = a                                           // a cycle: followed once
        XCTAssertEqual(a.namedParameters.map(\.name), ["layer.weight", "layer.bias", "next.layer.weight", "next.layer.bias"])
        struct Shared: Module {
            typealias Scalar = Float
            let first: Dense<Float>
            let second: Dense<Float>
        }
        let layer = Dense<Float>(inputs: 2, outputs: 2, seed: 3)
        XCTAssertEqual(Shared(first: layer, second: layer).namedParameters.map(\.name), ["first.weight", "first.bias"])
        let derived = Derived()
        XCTAssertEqual(derived.namedParameters.map(\.name), ["own.weight", "base.weight", "base.bias"])
        _ = derived.later
        XCTAssertEqual(derived.namedParameters.map(\.name), ["own.weight", "later.weight", "base.weight", "base.bias"])
    }

    func testSequentialBuilderAndArrayForms() {
        let deep = true
        let built = Sequential<Double> {
            Dense(inputs: 3, outputs: 4, activation: .tanh, seed: 1)
            ReLU()
            if deep { Dense(inputs: 4, outputs: 4, seed: 2) } else { Identity() }
            for i in 0..<2 { Dense(inputs: 4, outputs: 4, activation: .sigmoid, seed: UInt64(10 + i)) }
            LeakyReLU(slope: 0.1)
            Dense(inputs: 4, outputs: 2, seed: 3)
            Softmax()
        }
        XCTAssertEqual(built.count, 8)
        XCTAssertEqual(built.namedParameters.map(\.name).first, "layers.0.weight")
        XCTAssertEqual(built.namedParameters.count, 10)
        let array = Sequential<Double>([Dense(inputs: 3, outputs: 2, seed: 1), Tanh(), Dense(inputs: 2, outputs: 1, seed: 2)])
        XCTAssertEqual(array.namedParameters.map(\.name),
                       ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let x = Tensor<Double>.randomNormal([5, 3], seed: 4)
        let y = built(x)
        XCTAssertEqual(y.shape, [5, 2])
        assertClose(y.sum(axes: [1]).scalars, [Double](repeating: 1, count: 5), tolerance: 1e-12)
        // The same computation by hand.
        let d0 = built.layers[0] as? Dense<Double>
        XCTAssertNotNil(d0)
        let manual = array.layers[2](array.layers[1](array.layers[0](x)))
        XCTAssertEqual(array(x), manual)
        XCTAssertEqual(Sequential<Double>([])(x), x)
        assertGradcheck([x], names: ["x"], "Sequential") { built($0[0]) }
        var appended = array
        appended.append(Sigmoid())
        XCTAssertEqual(appended.count, 4)
        XCTAssertEqual(array.count, 3)
    }

    func testSequentialOfSequentialNamesAndNesting() {
        let inner = Sequential<Float> { Dense(inputs: 2, outputs: 2, seed: 1); ReLU() }
        let outer = Sequential<Float> { inner; Dense(inputs: 2, outputs: 1, seed: 2) }
        XCTAssertEqual(outer.namedParameters.map(\.name),
                       ["layers.0.layers.0.weight", "layers.0.layers.0.bias", "layers.1.weight", "layers.1.bias"])
    }

    func testActivationLayersMatchActivationValues() {
        let x = Tensor<Double>.randomNormal([3, 4], seed: 12)
        XCTAssertEqual(Identity()(x), x)
        XCTAssertEqual(ReLU()(x), x.relu())
        XCTAssertEqual(Sigmoid()(x), x.sigmoid())
        XCTAssertEqual(Tanh()(x), x.tanh())
        XCTAssertEqual(LeakyReLU()(x), x.leakyRelu(slope: 0.01))
        XCTAssertEqual(LeakyReLU(slope: 0.3)(x), x.leakyRelu(slope: 0.3))
        XCTAssertEqual(Softmax()(x), x.softmax(axis: -1))
        XCTAssertEqual(LogSoftmax(axis: 0)(x), x.logSoftmax(axis: 0))
        XCTAssertEqual(Activation.leakyRelu()(Tensor<Double>([-2])).scalar, -0.02, accuracy: 1e-15)
        XCTAssertEqual(Activation.sigmoid(Tensor<Double>([0])).scalar, 0.5)
        XCTAssertEqual("\(Activation.leakyRelu(slope: 0.2))", "leakyRelu(slope: 0.2)")
        for activation in Activation.allDefaults where activation != .identity {
            assertGradcheck([x], names: ["x"], "Activation \(activation)") { activation($0[0]) }
        }
        let layers: [(String, any Layer<Double>)] = [("ReLU", ReLU()), ("Sigmoid", Sigmoid()), ("Tanh", Tanh()),
            ("LeakyReLU", LeakyReLU(slope: 0.2)), ("Softmax", Softmax()), ("LogSoftmax", LogSoftmax())]
        for (name, layer) in layers {
            assertGradcheck([x], names: ["x"], name) { layer($0[0]) }
            XCTAssertTrue(layer.namedParameters.isEmpty)
        }
    }
}

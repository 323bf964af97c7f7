import Autograd
import Foundation
import Layers
import Optim
import XCTest
@testable import Examples

/// Every code block of docs/Backpropagation.md, docs/TrainYourFirstModel.md,
/// docs/VerifyYourDerivation.md, docs/WatchingANetworkTrain.md and the training half of docs/UserGuide.md, compiled here with
/// the numbers the docs quote checked. Blocks appear in the order of the docs; keep them in step.
final class DocsTutorialTests: XCTestCase {
    /// DOCS_FULL=1 runs the tutorial's training with the docs' epoch counts (the numbers quoted there).
    static let full = ProcessInfo.processInfo.environment["DOCS_FULL"] != nil

    static func digitsPath() throws -> String { try ExampleData.locate("data/digits.csv") }

    // MARK: docs/Backpropagation.md

    func testBackpropExample1() throws {
        let image = Tensor<Double>(rows: [[2, 1, 3, 3], [1, 6, 2, 5], [1, 4, 5, 2], [6, 6, 5, 3]])
        let x = image.reshaped([1, 1, 4, 4]).requiringGrad(named: "image")
        let filter = Tensor<Double>([0, 1, 2, 1, 0, 1, 2, 1, 0], shape: [1, 1, 3, 3]).requiringGrad(named: "filter")
        let conv = Conv2D(weight: filter, padding: (1, 1))     // cross-correlation, no bias
        let pool = MaxPool2D<Double>(kernel: 2)                  // 2×2 windows, stride 2
        let convolved = conv(x)                                  // [1, 1, 4, 4]
        let pooled = pool(convolved)                             // [1, 1, 2, 2]
        let loss = pooled.sum()
        let g = try gradients(of: loss, wrt: [convolved, x, filter])

        XCTAssertEqual(convolved.detached().scalars, [2, 13, 18, 12, 11, 16, 33, 17, 23, 34, 35, 23, 15, 25, 18, 7])
        XCTAssertEqual(pooled.detached().scalars, [16, 33, 34, 35])
        XCTAssertEqual(g[0].scalars, [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0])
        XCTAssertEqual(g[1].scalars, [0, 1, 3, 2, 1, 2, 4, 3, 3, 4, 2, 1, 2, 3, 1, 0])
        XCTAssertEqual(g[2].scalars, [10, 12, 13, 12, 17, 14, 17, 20, 15])

        let report = gradcheck(inputs: [image.reshaped([1, 1, 4, 4]), filter.detached()], names: ["image", "filter"]) { v in
            MaxPool2D(kernel: 2)(Conv2D(weight: v[1], padding: (1, 1))(v[0])).sum()
        }
        XCTAssertTrue(report.passed, "\(report)")
    }

    struct TinyCNN: Layer {
        let conv: Conv2D<Double>
        let output: Dense<Double>
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> {
            output(conv(x).relu().flattened(from: 1))        // [1, 1, 4, 4] → [1, 1, 2, 2] → [1, 4] → [1, 1]
        }
    }

    func testBackpropExample2() {
        let x = Tensor<Double>([1.0, -0.5, 0.2, 0.7,
                                0.3, 0.8, -2.1, -0.4,
                                -0.6, 0.2, 0.9, -0.3,
                                1.5, 0.9, 0.1, 1.4], shape: [1, 1, 4, 4])
        let net = TinyCNN(conv: Conv2D(weight: Tensor([0.6, -0.4, 0.3, 0.9], shape: [1, 1, 2, 2]), stride: (2, 2)),
                          output: Dense(weight: Tensor([0.7, -0.5, 0.8, 0.4], shape: [1, 4])))
        let loss = l2Loss(predicted: net(x), targets: Tensor([0.5], shape: [1, 1]))   // ½(out − t)²
        loss.backward()
        let dW = net.output.weight.grad     // [[3.32143, 0, 1.69166, 4.02285]]
        let dK = net.conv.weight.grad       // [[[[1.19654, -0.63953], [2.99135, 3.79592]]]]

        let expectedDense = [3.32143, 0, 1.69166, 4.02285], expectedKernel = [1.19654, -0.63953, 2.99135, 3.79592]
        for (a, b) in zip(dW?.scalars ?? [], expectedDense) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        for (a, b) in zip(dK?.scalars ?? [], expectedKernel) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(loss.scalar, 0.5 * 2.063 * 2.063, accuracy: 1e-12)
        // The same numbers as the example's tape column.
        for (a, b) in zip(CNNGradients.tape(.relu), expectedDense + expectedKernel) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    func testBackpropExample3() {
        let f: (Tensor<Double>) -> Tensor<Double> = { v in
            let x = v[0], y = v[1]
            return x * x * y + x * y * y - 6 * x * y
        }
        let g = gradient(of: f, at: Tensor([1, 3]))      // [-3, 1]
        let h = hessian(of: f, at: Tensor([1, 3]))       // [[6, 2], [2, 2]]
        let m = hessian(of: f, at: Tensor([2, 2]))       // [[4, 2], [2, 4]]
        XCTAssertEqual(g, Tensor([-3, 1]))
        XCTAssertEqual(h, Tensor(rows: [[6, 2], [2, 2]]))
        XCTAssertEqual(m, Tensor(rows: [[4, 2], [2, 4]]))
        XCTAssertEqual(f(Tensor([2, 2])).scalar, -8)

        // Under the hood: a backward pass that records itself, then a backward pass through it.
        let v = Tensor<Double>([1, 3]).requiringGrad(named: "v")
        let grad = try? gradients(of: f(v), wrt: [v], createGraph: true)[0]   // [-3, 1], on the tape
        let row0 = try? gradients(of: grad![0], wrt: [v])[0]                      // ∂(∂f/∂x)/∂v = [6, 2]
        XCTAssertEqual(grad?.detached(), Tensor([-3, 1]))
        XCTAssertEqual(row0, Tensor([6, 2]))

        let points = HessianExample.criticalPoints()
        XCTAssertEqual(points.map(\.point), [[0, 0], [0, 6], [2, 2], [6, 0]])
        XCTAssertEqual(points.map(\.kind), ["saddle point", "saddle point", "local minimum", "saddle point"])
        XCTAssertEqual(points.map(\.determinant), [-36, -36, 12, -36])
    }

    func testBackpropWatchItHappen() throws {
        // The docs' relative path, written in a temporary folder.
        let folder = try temporaryFolder(self), cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }

        let a = Tensor<Double>(2).requiringGrad(named: "a")
        let b = Tensor<Double>(-3).requiringGrad(named: "b")
        let c = Tensor<Double>(10).requiringGrad(named: "c")
        let d = a * b + c
        let loss = d * d                                   // L = (a·b + c)² = 16
        try loss.writeHTML(to: "tape.html", title: "L = (a·b + c)²")

        XCTAssertEqual(loss.scalar, 16)
        let page = try ParsedSVG(contentsOf: folder + "/tape.html")
        XCTAssertEqual(page.all("text", class: "val").map(\.text), ["2", "−3", "10", "−6", "4", "16"])
        let steps = page.elements.filter { $0.name == "li" }.count
        XCTAssertEqual(steps, 8)
        let text = try String(contentsOfFile: folder + "/tape.html", encoding: .utf8)
        for line in ["∂L/∂t2 += ∂L/∂t3 · t2 = 1 · 4 = 4", "∂L/∂t1 += ∂L/∂t2 · 1 = 8 · 1 = 8",
                     "∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24", "∂L/∂b += ∂L/∂t1 · a = 8 · 2 = 16"] {
            XCTAssertTrue(text.contains(line), line)
        }
        XCTAssertNil(a.grad, "the page leaves .grad alone")
    }

    // MARK: docs/TrainYourFirstModel.md

    struct DigitNet: Layer {
        var conv1 = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: 3, padding: 1, seed: 1)
        var conv2 = Conv2D<Float>(inChannels: 8, outChannels: 16, kernel: 3, padding: 1, seed: 2)
        var pool = MaxPool2D<Float>(kernel: 2)
        var head = Dense<Float>(inputs: 16 * 4 * 4, outputs: 10, seed: 3)

        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
            let h = pool(conv1(x).relu())                         // [n, 8, 8, 8] → [n, 8, 4, 4]
            return head(conv2(h).relu().flattened(from: 1))       // [n, 16, 4, 4] → [n, 256] → [n, 10]
        }
    }

    func digitsSplit(path: String) throws -> (Dataset<Float>, Dataset<Float>, Dataset<Float>) {
        let table = try CSVReader(labelColumn: .name("label")).read(from: path, as: Float.self)
        let n = table.features.shape[0]                            // 1797 images, 64 pixels each, 0…16
        let images = (table.features / 16).reshaped([n, 1, 8, 8])   // NCHW, scaled to [0, 1]
        let data = Dataset(inputs: images, targets: table.labels!)  // labels 0…9, shape [1797]
        let (train, validation, test) = data.split(training: 0.7, validation: 0.15, seed: 42)
        return (train, validation, test)
    }

    func testTrainYourFirstModelSummary() {
        _ = Printed.take()
        print(DigitNet().summary(inputShape: [1, 1, 8, 8]))
        XCTAssertEqual(Printed.take().joined(separator: "\n"), """
            DigitNet: input [1, 1, 8, 8] → output [1, 10]
            Layer                                          Output shape   Parameters
            ────────────────────────────────────────────────────────────────────────
            conv1  Conv2D(1→8, kernel 3×3, padding 1×1)    —                      80
            conv2  Conv2D(8→16, kernel 3×3, padding 1×1)   —                   1,168
            pool   MaxPool2D(kernel 2×2, stride 2×2)       —                       0
            head   Dense(256→10)                           —                   2,570
            ────────────────────────────────────────────────────────────────────────
            Total: 3,818 parameters (14.9 KB as Float)
            — : not measured (the layer runs inside its container's callAsFunction)
            """)
    }

    func testTrainYourFirstModelWithFit() throws {
        let (train, validation, test) = try digitsSplit(path: Self.digitsPath())
        let epochs = Self.full ? 15 : 2

        let model = DigitNet()
        print(model.parameterCount)                                 // 3818
        XCTAssertEqual(Printed.take().last, "3818")
        let lossFunction = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels) }
        let history = fit(model, optimizer: Adam(model, learningRate: 1e-3), loss: lossFunction,
                          training: train, validation: validation, epochs: epochs, batchSize: 32,
                          metric: .accuracy, output: Self.full ? .plain : .silent)
        let (testLoss, testAccuracy) = evaluate(model, on: test, loss: lossFunction, metric: .accuracy)
        print(history.validationMetric.last!, testLoss, testAccuracy)

        XCTAssertEqual(model.parameterCount, 3818)
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "head.weight", "head.bias"])
        XCTAssertEqual(history.epochs, epochs)
        XCTAssertGreaterThan(testAccuracy, Self.full ? 0.95 : 0.5)

        let folder = try temporaryFolder(self)
        try model.save(to: folder + "/digitnet.safetensors")
        let copy = DigitNet()
        try copy.load(from: folder + "/digitnet.safetensors")
        let again = evaluate(copy, on: test, loss: lossFunction, metric: .accuracy)
        XCTAssertEqual(again.metric, testAccuracy)
    }

    func testTrainYourFirstModelByHand() throws {
        let (train, _, test) = try digitsSplit(path: Self.digitsPath())
        let epochs = Self.full ? 15 : 2

        let model = DigitNet()
        let optimizer = Adam(model, learningRate: 1e-3)
        for epoch in 0..<epochs {
            for (x, y) in train.batches(size: 32, shuffleSeed: UInt64(epoch)) {
                let loss = crossEntropy(logits: model(x), labels: y)
                model.zeroGrad()
                loss.backward()
                optimizer.step()
            }
            let logits = withInference { model(test.inputs) }
            print("epoch \(epoch + 1): test accuracy \(accuracy(logits: logits, labels: test.targets))")
        }
        let final = accuracy(logits: withInference { model(test.inputs) }, labels: test.targets)
        XCTAssertGreaterThan(final, Self.full ? 0.95 : 0.5)
        // The guide's idiom is what `evaluate` computes.
        let lossFunction = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels) }
        XCTAssertEqual(evaluate(model, on: test, loss: lossFunction, metric: .accuracy).metric, final)
    }

    func testEvaluationIdiomTurnsDropoutOff() {
        // The manual loop's evaluation with a dropout layer: withInference equals `evaluate`,
        // withoutGradients alone does not (dropout still drops).
        let model = Sequential<Float> {
            Dense(inputs: 64, outputs: 32, activation: .relu, seed: 1)
            Dropout(rate: 0.3, seed: 2)
            Dense(inputs: 32, outputs: 10, seed: 3)
        }
        let x = Tensor<Float>.randomNormal([50, 64], seed: 4), labels = Tensor<Float>((0..<50).map { Float($0 % 10) })
        let lossFunction = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels) }
        let (expected, _) = evaluate(model, on: Dataset(inputs: x, targets: labels), loss: lossFunction)
        XCTAssertEqual(Double(lossFunction(withInference { model(x) }, labels).scalar), expected, accuracy: 1e-6)
        XCTAssertNotEqual(Double(lossFunction(withoutGradients { model(x) }, labels).scalar), expected, accuracy: 1e-6)
    }

    // MARK: docs/VerifyYourDerivation.md

    func testVerifyDerivation() throws {
        let x = Tensor<Double>(rows: [[0.5, -1.0], [2.0, 0.25], [-0.3, 0.7]])   // 3 samples, 2 features
        let y = Tensor<Double>(rows: [[1.0], [0.0], [1.0]])
        let w = Tensor<Double>(rows: [[0.3], [0.8]])

        func network(_ v: [Tensor<Double>], _ step: DerivationSteps) -> Tensor<Double> {
            let z = step("z", x.matmul(v[0]))          // z = x·w
            let a = step("a", z.sigmoid())             // a = σ(z)
            return 0.5 * (a - y).squared().sum()       // L = ½ Σ (a − y)²
        }

        let right = checkDerivation(at: [w], names: ["w"], function: network) { _, forward in
            let a = forward["a"]!
            let dA = a - y                             // ∂L/∂a = a − y
            let dZ = dA * a * (1 - a)                  // ∂L/∂z = ∂L/∂a · σ'(z), σ' = a(1 − a)
            return ["a": dA, "z": dZ, "w": x.transposed().matmul(dZ)]     // ∂L/∂w = xᵀ · ∂L/∂z
        }
        print(right)

        let wrong = checkDerivation(at: [w], names: ["w"], function: network) { _, forward in
            let a = forward["a"]!
            let dA = a - y
            let dZ = dA                                // forgot σ'(z)
            return ["a": dA, "z": dZ, "w": x.transposed().matmul(dZ)]
        }
        print(wrong)
        print(wrong.firstWrong!.name)                  // z
        XCTAssertEqual(Printed.take().last, "z")

        XCTAssertTrue(right.passed)
        XCTAssertFalse(wrong.passed)
        XCTAssertEqual(wrong.firstWrong?.name, "z")
        XCTAssertEqual(wrong.items.map(\.verdict), [.exact, .wrong, .wrong])
        XCTAssertEqual(right.description, """
            derivation OK: every given gradient agrees with the tape
              ∂L/∂a [3, 1]: exact
              ∂L/∂z [3, 1]: exact
              ∂L/∂w [2, 1]: exact
            """)

        // Names and shapes are checked too.
        let typo = checkDerivation(at: [w], names: ["w"], function: network) { _, forward in
            let a = forward["a"]!
            let dZ = (a - y) * a * (1 - a)
            return ["dz": dZ, "W": x.transposed().matmul(dZ)]       // meant "z" and "w"
        }
        print(typo)
        print(typo.passed)                                          // false
        XCTAssertEqual(Printed.take().last, "false")
        XCTAssertFalse(typo.passed)
        XCTAssertEqual(typo.description, """
            derivation NOT CHECKED: the hand gradients use names that are neither an input nor a step
              unknown: dz, W; known: a, z, w (dz: did you mean z? W: did you mean w?)
              ∂L/∂a [3, 1]: not given
              ∂L/∂z [3, 1]: not given
              ∂L/∂w [2, 1]: not given
            """)

        let b = Tensor<Double>([0.1])
        let withBias = checkDerivation(at: [w, b], names: ["w", "b"], function: { v, step in
            let z = step("z", x.matmul(v[0]) + v[1])
            let a = step("a", z.sigmoid())
            return 0.5 * (a - y).squared().sum()
        }, hand: { _, forward in
            let a = forward["a"]!
            let dA = a - y
            let dZ = dA * a * (1 - a)
            return ["a": dA, "z": dZ, "w": x.transposed().matmul(dZ), "b": dZ.sum(axes: [1])]   // should be axes: [0]
        })
        print(withBias)
        XCTAssertEqual(withBias.description, """
            derivation WRONG: the first step that disagrees, walking back from the loss, is ∂L/∂b
              ∂L/∂a [3, 1]: exact
              ∂L/∂z [3, 1]: exact
              ∂L/∂w [2, 1]: exact
              ∂L/∂b [1]: wrong: the hand gradient has shape [3], but 'b' has shape [1] (a sum over the wrong axis?)
            """)

        // Worked example 5: the diagonal-only softmax derivative.
        let logits = Tensor<Double>([2.0, 1.0, 0.1])
        let target = Tensor<Double>([0, 1, 0])
        let softmaxCheck = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            let p = step("p", v[0].softmax())
            return -(target * p.log()).sum()                     // cross-entropy with a one-hot target
        }, hand: { _, forward in
            let p = forward["p"]!
            let dP = -target / p                                  // ∂L/∂p
            return ["p": dP, "logits": dP * p * (1 - p)]          // WRONG: keeps only the diagonal of ∂p/∂a
        })
        print(softmaxCheck)
        XCTAssertEqual(softmaxCheck.firstWrong?.name, "logits")
        let fixed = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            -(target * step("p", v[0].softmax()).log()).sum()
        }, hand: { _, forward in
            ["logits": forward["p"]! - target]                    // right: p − y
        })
        XCTAssertTrue(fixed.passed, "\(fixed)")

        // The docs' relative path, written in a temporary folder.
        let folder = try temporaryFolder(self), cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        try softmaxCheck.writeHTML(to: "softmax-derivation.html")
        let page = try String(contentsOfFile: folder + "/softmax-derivation.html", encoding: .utf8)
        XCTAssertTrue(page.contains("class=\"node value leaf mark-wrong first-wrong\" id=\"v0\" data-name=\"logits\""))
        XCTAssertTrue(page.contains("class=\"node value result mark-exact\" id=\"v1\" data-name=\"p\""))
    }

    // MARK: docs/BackpropNinja.md

    /// Every block of docs/BackpropNinja.md in order (the data file located from the package),
    /// then: the same batch, parameters, loss and hand gradients as `Examples backprop-ninja`,
    /// bit for bit, and the tables the tutorial quotes are the example's.
    func testBackpropNinjaTutorial() throws {
        if ProcessInfo.processInfo.environment["AUTOGRAD_BLAS"] != nil {
            // The tutorial quotes the printed differences between hand and tape gradients (6.94e-18, …),
            // whose last digits follow the products' order of summation: a platform BLAS sums in its own.
            throw XCTSkip("the tutorial's quoted rounding differences are checked in the default build, not with a platform BLAS")
        }
        let words = try String(contentsOfFile: ExampleData.locate("data/names.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        let letters = Array(".abcdefghijklmnopqrstuvwxyz")              // token 0 is ".", then a…z
        let order = shuffledIndices(words.count, seed: 42)
        let trainingWords = order[..<Int(0.8 * Double(words.count))].map { words[$0] }
        var contexts: [[Int]] = [], nextCharacters: [Int] = []
        for word in trainingWords {
            var context = [0, 0, 0]
            for character in word + "." {
                let token = letters.firstIndex(of: character) ?? 0
                contexts.append(context)
                nextCharacters.append(token)
                context = Array(context.dropFirst()) + [token]
            }
        }
        var batchGenerator = SeededGenerator(seed: 43)
        let rows = (0..<32).map { _ in Int(batchGenerator.next().multipliedFullWidth(by: UInt64(contexts.count)).high) }
        let X = Tensor<Double>(rows.flatMap { contexts[$0].map(Double.init) }, shape: [32, 3])   // [n, 3] tokens
        let Y = Tensor<Double>(rows.map { Double(nextCharacters[$0]) })                          // [n] next tokens

        var generator = SeededGenerator(seed: 42)
        let C = Tensor<Double>.randomNormal([27, 10], using: &generator)
        let W1 = Tensor<Double>.randomNormal([30, 200], using: &generator) * ((5.0 / 3) / 30.0.squareRoot())
        let b1 = Tensor<Double>.randomNormal([200], using: &generator) * 0.1     // useless before batch norm: see below
        let bngain = Tensor<Double>.randomNormal([1, 200], using: &generator) * 0.1 + 1
        let bnbias = Tensor<Double>.randomNormal([1, 200], using: &generator) * 0.1
        let W2 = Tensor<Double>.randomNormal([200, 27], using: &generator) * 0.1
        let b2 = Tensor<Double>.randomNormal([27], using: &generator) * 0.1
        let parameters = [C, W1, b1, bngain, bnbias, W2, b2]
        let parameterNames = ["C", "W1", "b1", "bngain", "bnbias", "W2", "b2"]

        let n = 32.0
        func forward(_ p: [Tensor<Double>], _ step: (String, Tensor<Double>) -> Tensor<Double>) -> Tensor<Double> {
            let (C, W1, b1, bngain, bnbias, W2, b2) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
            let emb = step("emb", Embedding(weight: C)(X))                            // [32, 3, 10]
            let embcat = step("embcat", emb.reshaped([32, 30]))                       // the three vectors side by side
            let hprebn = step("hprebn", embcat.matmul(W1) + b1)                       // [32, 200]
            let bnmeani = step("bnmeani", 1 / n * hprebn.sum(axes: [0], keepDims: true))
            let bndiff = step("bndiff", hprebn - bnmeani)
            let bndiff2 = step("bndiff2", bndiff.squared())
            let bnvar = step("bnvar", 1 / (n - 1) * bndiff2.sum(axes: [0], keepDims: true))   // Bessel's correction
            let bnvarInv = step("bnvar_inv", (bnvar + 1e-5).pow(-0.5))
            let bnraw = step("bnraw", bndiff * bnvarInv)
            let hpreact = step("hpreact", bngain * bnraw + bnbias)
            let h = step("h", hpreact.tanh())
            let logits = step("logits", h.matmul(W2) + b2)                            // [32, 27]
            let logitMaxes = step("logit_maxes", logits.max(axes: [1], keepDims: true))
            let normLogits = step("norm_logits", logits - logitMaxes)
            let counts = step("counts", normLogits.exp())
            let countsSum = step("counts_sum", counts.sum(axes: [1], keepDims: true))
            let countsSumInv = step("counts_sum_inv", countsSum.pow(-1))
            let probs = step("probs", counts * countsSumInv)
            let logprobs = step("logprobs", probs.log())
            return -logprobs.gather(axis: 1, indices: Y.unsqueezed(at: 1)).mean()    // −mean of logprobs[i, yᵢ]
        }

        var f: [String: Tensor<Double>] = [:]                                         // every step's value, by name
        let loss = forward(parameters) { name, value in f[name] = value; return value }
        print(loss)                                                                   // 3.750753068505…

        let probs = f["probs"]!, counts = f["counts"]!, countsSum = f["counts_sum"]!, countsSumInv = f["counts_sum_inv"]!
        let logits = f["logits"]!
        var picked = [Double](repeating: 0, count: 32 * 27)
        for (i, y) in Y.scalars.enumerated() { picked[i * 27 + Int(y)] = -1 / n }
        let dlogprobs = Tensor<Double>(picked, shape: [32, 27])
        let dprobs = 1 / probs * dlogprobs                                        // log: 1/x
        let dcountsSumInv = (counts * dprobs).sum(axes: [1], keepDims: true)      // broadcast along the row: sum it
        let dcountsSum = -countsSum.pow(-2) * dcountsSumInv                       // x⁻¹: −x⁻²
        let dcounts = countsSumInv * dprobs + Tensor.ones(like: counts) * dcountsSum   // two uses: probs and the sum
        let dnormLogits = counts * dcounts                                        // exp: its own value
        let dlogitMaxes = (-dnormLogits).sum(axes: [1], keepDims: true)           // ≈ 0
        var winners = [Double](repeating: 0, count: 32 * 27)
        for (i, j) in logits.argmax(axis: 1).scalars.enumerated() { winners[i * 27 + Int(j)] = 1 }
        let dlogits = dnormLogits + Tensor(winners, shape: [32, 27]) * dlogitMaxes    // two uses: directly and through the max

        let h = f["h"]!
        let dh = dlogits.matmul(W2.transposed())
        let dW2 = h.transposed().matmul(dlogits)
        let db2 = dlogits.sum(axes: [0])
        let dhpreact = (1 - h.squared()) * dh

        let bnraw = f["bnraw"]!, bnvarInv = f["bnvar_inv"]!, bnvar = f["bnvar"]!, bndiff = f["bndiff"]!
        let dbngain = (bnraw * dhpreact).sum(axes: [0], keepDims: true)
        let dbnbias = dhpreact.sum(axes: [0], keepDims: true)
        let dbnraw = bngain * dhpreact
        let dbnvarInv = (bndiff * dbnraw).sum(axes: [0], keepDims: true)
        let dbnvar = -0.5 * (bnvar + 1e-5).pow(-1.5) * dbnvarInv
        let dbndiff2 = 1 / (n - 1) * Tensor.ones(like: bndiff) * dbnvar            // Bessel's correction
        let dbndiff = bnvarInv * dbnraw + 2 * bndiff * dbndiff2
        let dbnmeani = (-dbndiff).sum(axes: [0], keepDims: true)
        let dhprebn = dbndiff + 1 / n * Tensor.ones(like: bndiff) * dbnmeani

        let embcat = f["embcat"]!
        let dembcat = dhprebn.matmul(W1.transposed())
        let dW1 = embcat.transposed().matmul(dhprebn)
        let db1 = dhprebn.sum(axes: [0])
        let demb = dembcat.reshaped([32, 3, 10])
        var rowsOfC = [Double](repeating: 0, count: 27 * 10)
        for (position, token) in X.scalars.enumerated() {
            for d in 0..<10 { rowsOfC[Int(token) * 10 + d] += demb.scalars[position * 10 + d] }
        }
        let dC = Tensor<Double>(rowsOfC, shape: [27, 10])

        let hand: [String: Tensor<Double>] = [
            "logprobs": dlogprobs, "probs": dprobs, "counts_sum_inv": dcountsSumInv, "counts_sum": dcountsSum,
            "counts": dcounts, "norm_logits": dnormLogits, "logit_maxes": dlogitMaxes, "logits": dlogits,
            "h": dh, "hpreact": dhpreact, "bnraw": dbnraw, "bnvar_inv": dbnvarInv, "bnvar": dbnvar,
            "bndiff2": dbndiff2, "bndiff": dbndiff, "bnmeani": dbnmeani, "hprebn": dhprebn,
            "embcat": dembcat, "emb": demb,
            "C": dC, "W1": dW1, "b1": db1, "bngain": dbngain, "bnbias": dbnbias, "W2": dW2, "b2": db2,
        ]
        let report = checkDerivation(at: parameters, names: parameterNames, atol: 1e-12, rtol: 1e-9,
                                     function: { v, step in forward(v) { step($0, $1) } },
                                     hand: { _, _ in hand })
        print(report.passed)                  // true
        print(report.items.count)             // 26: 19 steps and 7 parameters

        var slipped = hand
        slipped["bndiff2"] = 1 / n * Tensor.ones(like: bndiff) * dbnvar             // should be 1 / (n - 1)
        let wrong = checkDerivation(at: parameters, names: parameterNames, atol: 1e-12, rtol: 1e-9,
                                    function: { v, step in forward(v) { step($0, $1) } },
                                    hand: { _, _ in slipped })
        print(wrong.firstWrong!.name)         // bndiff2

        var oneHot = [Double](repeating: 0, count: 32 * 27)
        for (i, y) in Y.scalars.enumerated() { oneHot[i * 27 + Int(y)] = 1 }
        let dlogitsAtOnce = (logits.softmax(axis: 1) - Tensor(oneHot, shape: [32, 27])) / n
        let dhpreactAtOnce = (1 - h.squared()) * dlogitsAtOnce.matmul(W2.transposed())
        let dhprebnAtOnce = bngain * bnvarInv / n
            * (n * dhpreactAtOnce - dhpreactAtOnce.sum(axes: [0], keepDims: true)
               - n / (n - 1) * bnraw * (dhpreactAtOnce * bnraw).sum(axes: [0], keepDims: true))
        let compact = checkDerivation(at: parameters, names: parameterNames, atol: 1e-12, rtol: 1e-9,
                                      function: { v, step in forward(v) { step($0, $1) } },
                                      hand: { _, _ in ["logits": dlogitsAtOnce, "hpreact": dhpreactAtOnce, "hprebn": dhprebnAtOnce] })
        print(compact.passed)                 // true: all three within 1e-16 relative of the tape

        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertEqual(report.items.count, 26)
        XCTAssertEqual(wrong.firstWrong?.name, "bndiff2")
        XCTAssertTrue(compact.passed, "\(compact)")
        XCTAssertEqual(compact.items.filter { $0.verdict != .notGiven }.count, 3)
        XCTAssertLessThan(dlogitMaxes.scalars.map(Swift.abs).max() ?? 1, 1e-16, "0 up to rounding, of the order of 1e-17")
        XCTAssertGreaterThan(dlogitMaxes.scalars.map(Swift.abs).max() ?? 0, 0, "not exactly 0, as the tutorial says")
        XCTAssertLessThan(db1.scalars.map(Swift.abs).max() ?? 1, 1e-15, "a bias before batch norm gets no gradient")

        // The example's problem and derivation are the tutorial's.
        let config = BackpropNinja.Config()
        let problem = BackpropNinja.problem(config, names: try NamesData())
        XCTAssertEqual(problem.contexts, X)
        XCTAssertEqual(problem.targets, Y)
        XCTAssertEqual(problem.parameters, parameters)
        XCTAssertEqual(BackpropNinja.parameterNames, parameterNames)
        XCTAssertEqual(loss.scalar, 3.750753068505, accuracy: 1e-12)
        let exampleHand = BackpropNinja.handGradients(parameters, f, contexts: X, targets: Y)
        XCTAssertEqual(Set(exampleHand.keys), Set(hand.keys))
        for (name, value) in hand { XCTAssertEqual(exampleHand[name], value, name) }
        let exampleSlipped = BackpropNinja.handGradients(parameters, f, contexts: X, targets: Y, bessel: false)
        XCTAssertEqual(exampleSlipped["bndiff2"], slipped["bndiff2"])

        // The tables quoted in the tutorial are the example's output, line for line.
        let tables = try capturingOutput { try BackpropNinja.run(config, names: try NamesData()) }.output
        let quoted = Set(try doc(named: "BackpropNinja.md").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let printed = tables.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let reportLines = printed.filter { $0.hasPrefix("∂L/∂") || $0.hasPrefix("→") || $0.hasPrefix("The slip") || $0.hasPrefix("gradient") }
        let inDoc = reportLines.filter { quoted.contains($0) }
        XCTAssertGreaterThanOrEqual(inDoc.count, 26 + 1 + 10 + 2, "the right run's table and the wrong run's excerpt")
        for line in quoted where line.hasPrefix("∂L/∂") && line.contains("[") {
            XCTAssertTrue(printed.contains(line), "the tutorial quotes a row the example does not print: \(line)")
        }
    }

    /// The text of docs/NAME.
    func doc(named name: String) throws -> String {
        try String(contentsOfFile: ExampleData.packageRoot + "/docs/" + name, encoding: .utf8)
    }

    // MARK: docs/WatchingANetworkTrain.md

    func makemoreMLP(gain: Double, batchNorm: Bool, seed: UInt64 = 42) -> Sequential<Float> {
        var rng = SeededGenerator(seed: seed)
        var layers: [any Layer<Float>] = [Embedding(weight: Tensor<Float>.randomNormal([27, 10], using: &rng)), Flatten()]
        var fanIn = 30
        for _ in 0..<5 {
            let w = Tensor<Float>.randomNormal([fanIn, 100], using: &rng) * Float(gain / Double(fanIn).squareRoot())
            if batchNorm {
                layers += [Dense(weight: w.transposed()), BatchNorm1D(features: 100)]     // no bias: BatchNorm removes it
            } else {
                layers.append(Dense(weight: w.transposed(), bias: Tensor<Float>.zeros([100])))
            }
            layers.append(Tanh())
            fanIn = 100
        }
        // The last layer starts small (its weights, or its BatchNorm's gain, × 0.1): nearly uniform first guesses.
        let w = Tensor<Float>.randomNormal([100, 27], using: &rng) / 10
        if batchNorm {
            layers += [Dense(weight: w.transposed()),
                       BatchNorm1D(weight: Tensor<Float>.full([27], 0.1), bias: Tensor<Float>.zeros([27]),
                                   runningMean: Tensor<Float>.zeros([27]), runningVariance: Tensor<Float>.ones([27]))]
        } else {
            layers.append(Dense(weight: (w * 0.1).transposed(), bias: Tensor<Float>.zeros([27])))
        }
        return Sequential(layers)
    }

    /// The batches of `Examples diagnostics`: 32 random training contexts per step, drawn with seed 43.
    func makemoreBatches() throws -> (Int) -> (Tensor<Float>, Tensor<Float>) {
        let names = try NamesData(seed: 42)
        let training = names.contexts(names.training, block: 3)
        var generator = SeededGenerator(seed: 43)
        return { _ in
            let rows = NamesData.batchIndices(32, below: training.next.count, using: &generator)
            return (Tensor<Float>(rows.flatMap { r in training.contexts.scalars[(r * 3)..<((r + 1) * 3)] }, shape: [32, 3]),
                    Tensor<Float>(rows.map { training.next.scalars[$0] }))
        }
    }

    func testWatchingANetworkTrain() throws {
        // The page's network is the example's, parameter for parameter, in every setting.
        for setting in DiagnosticsExample.settings {
            let mine = makemoreMLP(gain: setting.gain, batchNorm: setting.batchNorm)
            let example = DiagnosticsExample.model(setting, DiagnosticsExample.Config(), vocabulary: 27)
            XCTAssertEqual(mine.namedParameters.map(\.name), example.namedParameters.map(\.name), setting.name)
            XCTAssertEqual(mine.parameters.map(\.value.scalars), example.parameters.map(\.value.scalars), setting.name)
        }
        let batch = try makemoreBatches()
        let steps = Self.full ? 2000 : 20
        _ = Printed.take()

        let model = makemoreMLP(gain: 5.0 / 3, batchNorm: false)
        let sgd = SGD(model, learningRate: 0.1)
        let diagnostics = TrainingDiagnostics(model, every: 10)      // steps 0, 10, 20, …
        for step in 0..<steps {
            let (x, y) = batch(step)                                  // 32 contexts [32, 3] and their next characters [32]
            let loss = crossEntropy(logits: model(x), labels: y)
            model.zeroGrad()
            loss.backward()
            diagnostics.step(sgd)                                     // instead of sgd.step()
        }
        diagnostics.detach()

        let start = diagnostics.records[0]                           // step 0: the network as initialised
        for layer in start.layers where layer.kind == .tanh {
            print(layer.name, layer.saturation ?? 0, layer.activations.standardDeviation,
                  layer.gradients?.standardDeviation ?? 0)
        }
        let ratios = diagnostics.updateRatios(of: "layers.2.weight")  // [(step, log₁₀ ratio)] of the first linear layer

        let printed = Printed.take()
        XCTAssertEqual(printed.count, 5)
        XCTAssertTrue(printed.first?.hasPrefix("layer 3 (Tanh) 0.14375 0.7197") ?? false, "\(printed)")
        XCTAssertTrue(printed.first?.contains(" 0.000385") ?? false, "\(printed)")
        XCTAssertEqual(ratios.map(\.step), Array(stride(from: 0, to: steps, by: 10)))
        XCTAssertEqual(diagnostics.records.count, steps / 10)

        // The page's first table (step 0 does not depend on the run's length), for every setting.
        let table: [String: [[Double]]] = [
            "kaiming": [[14.4, 7.4, 6.5, 6.7, 5.6], [0.72, 0.67, 0.66, 0.66, 0.66], [0.39, 0.36, 0.34, 0.32, 0.30]],
            "large-gain": [[77.0, 80.6, 77.5, 80.5, 78.5], [0.94, 0.95, 0.94, 0.95, 0.95], [6.47, 3.08, 1.41, 0.65, 0.30]],
            "small-gain": [[0, 0, 0, 0, 0], [0.37, 0.17, 0.09, 0.04, 0.02], [0.02, 0.04, 0.07, 0.15, 0.30]],
            "batchnorm": [[5.1, 3.5, 3.8, 3.6, 2.8], [0.62, 0.63, 0.64, 0.63, 0.64], [0.99, 0.76, 0.67, 0.55, 0.50]],
            "batchnorm-large-gain": [[5.1, 3.5, 3.8, 3.6, 2.8], [0.62, 0.63, 0.64, 0.63, 0.64], [0.99, 0.76, 0.67, 0.55, 0.50]],
        ]
        var config = DiagnosticsExample.Config()
        config.steps = 1
        let names = try NamesData(seed: 42)
        for setting in DiagnosticsExample.settings {
            let outcome = DiagnosticsExample.train(setting, config, names: names)
            let tanh = outcome.initialTanh
            let quoted = try XCTUnwrap(table[setting.slug])
            for i in 0..<5 {
                XCTAssertEqual(100 * (tanh[i].saturation ?? -1), quoted[0][i], accuracy: 0.05, setting.name)
                XCTAssertEqual(tanh[i].activations.standardDeviation, quoted[1][i], accuracy: 0.005, setting.name)
                XCTAssertEqual(1000 * (tanh[i].gradients?.standardDeviation ?? -1), quoted[2][i], accuracy: 0.005, setting.name)
            }
            // "the hidden layers begin near 10⁻³·³ …, the last layer near 10⁻⁰·⁶" (gain 5/3)
            if setting.slug == "kaiming" {
                let first = outcome.records[0].updates.filter { $0.shape.count == 2 }.map(\.log10Ratio)
                XCTAssertEqual(first.count, 7)
                for r in first[1..<6] { XCTAssertEqual(r, -3.3, accuracy: 0.25) }
                XCTAssertEqual(first[6], -0.6, accuracy: 0.15)
            }
            // BatchNorm: "c² = 25 times smaller, 1.4 decades" at the first step.
            if setting.slug == "batchnorm-large-gain" {
                let big = outcome.records[0].updates.filter { $0.shape.count == 2 }.map(\.log10Ratio)
                let normal = DiagnosticsExample.train(DiagnosticsExample.settings[3], config, names: names)
                    .records[0].updates.filter { $0.shape.count == 2 }.map(\.log10Ratio)
                for i in 1..<6 { XCTAssertEqual(normal[i] - big[i], log10(25), accuracy: 0.01) }
            }
        }
        if Self.full {
            XCTAssertEqual(ratios.last?.step, 1990)
            XCTAssertEqual(ratios.last?.log10Ratio ?? 0, -2.35, accuracy: 0.005)
        }
    }

    /// The page's `fit(…, diagnostics:)` block, on the first 640 contexts (20 batches) unless
    /// DOCS_FULL asks for the whole epoch.
    func testWatchingANetworkTrainWithFit() throws {
        let names = try NamesData(seed: 42)
        var contexts = names.contexts(names.training, block: 3)        // every training context [n, 3] and its next character [n]
        let n = Self.full ? contexts.next.count : 640
        contexts = (contexts.contexts[0..<n], contexts.next[0..<n])
        let training = Dataset(inputs: contexts.contexts, targets: contexts.next)
        let model = makemoreMLP(gain: 5.0 / 3, batchNorm: false)
        let diagnostics = TrainingDiagnostics(model, every: 10)
        fit(model, optimizer: SGD(model, learningRate: 0.1), loss: { crossEntropy(logits: $0, labels: $1) },
            training: training, epochs: 1, batchSize: 32, output: .silent, diagnostics: diagnostics)
        diagnostics.detach()
        let steps = diagnostics.records.map(\.step)                     // [0, 10, 20, …]: one record per 10 batches

        let batches = (n + 31) / 32
        XCTAssertEqual(steps, Array(stride(from: 0, to: batches, by: 10)))
        XCTAssertEqual(diagnostics.stepCount, batches)
        // Step 0 is the network as initialised, on a shuffled batch: its first tanh layer is
        // about as saturated as on the page's batch (14.4%).
        let firstTanh = try XCTUnwrap(diagnostics.records.first?.layers.first { $0.kind == .tanh })
        XCTAssertEqual(firstTanh.saturation ?? -1, 0.144, accuracy: 0.08)
        XCTAssertEqual(diagnostics.records.first?.updates.count, model.parameters.count)
    }

    // MARK: docs/UserGuide.md, the training half

    func testUserGuideLayers() {
        let mlp = Sequential<Float> {
            Dense(inputs: 64, outputs: 32, activation: .relu, weightInitializer: .heNormal(), seed: 1)
            Dropout(rate: 0.1)
            Dense(inputs: 32, outputs: 10, seed: 2)
        }
        let names = mlp.namedParameters.map(\.name)   // ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
        let count = mlp.parameterCount                 // 2410
        let logits = mlp(Tensor<Float>.zeros([5, 64]))                 // [5, 10], dropout active, recorded
        let evaluation = withInference { mlp(Tensor<Float>.zeros([5, 64])) }   // dropout off, nothing recorded
        XCTAssertEqual(names, ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        XCTAssertEqual(count, 2410)
        XCTAssertEqual(logits.shape, [5, 10])
        XCTAssertTrue(logits.requiresGrad)
        XCTAssertEqual(evaluation.shape, [5, 10])
        XCTAssertFalse(evaluation.requiresGrad)

        _ = Printed.take()
        print(mlp.summary(inputShape: [1, 64]))
        XCTAssertEqual(Printed.take().joined(separator: "\n"), """
            Sequential<Float>: input [1, 64] → output [1, 10]
            Layer                          Output shape   Parameters
            ────────────────────────────────────────────────────────
            layers.0  Dense(64→32, relu)   [1, 32]             2,080
            layers.1  Dropout(rate 0.1)    [1, 32]                 0
            layers.2  Dense(32→10)         [1, 10]               330
            ────────────────────────────────────────────────────────
            Total: 2,410 parameters (9.41 KB as Float)
            """)

        let conv = Conv2D(weight: Tensor<Double>([0, 1, 2, 1, 0, 1, 2, 1, 0], shape: [1, 1, 3, 3]), padding: (1, 1))
        let dense = Dense(weight: Tensor<Double>(rows: [[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, -0.5, 0]), activation: .tanh)
        XCTAssertEqual(MaxPool2D(kernel: 2)(conv(WorkedCNN.image.reshaped([1, 1, 4, 4]))).scalars, [16, 33, 34, 35])
        XCTAssertEqual(dense(Tensor([1, 0])).scalars, [Foundation.tanh(1.5), Foundation.tanh(2.5), Foundation.tanh(5)])

        // A custom layer, proved by gradcheck.
        let x = Tensor<Double>.randomNormal([3, 4], seed: 1)
        let w = Tensor<Double>.randomNormal([4], seed: 2)
        let report = gradcheck(inputs: [x, w], names: ["x", "w"]) { v in Gated(v[1])(v[0]) }
        XCTAssertTrue(report.passed, "\(report)")      // true: ∂/∂x and ∂/∂w through Gated's own callAsFunction
        // Had the initializer copied, w would be reported as not connected.
        let copied = gradcheck(inputs: [x, w], names: ["x", "w"]) { v in CopyingGated(v[1])(v[0]) }
        XCTAssertFalse(copied.passed)
        XCTAssertTrue(copied.description.contains("w is not connected to the output"), copied.description)
    }

    struct Gated: Layer {
        var w: Parameter<Double>
        init(_ w: Tensor<Double>) { self.w = Parameter(w) }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    }

    struct CopyingGated: Layer {
        var w: Parameter<Double>
        init(_ w: Tensor<Double>) { self.w = Parameter(copying: w) }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    }

    func testUserGuideLosses() {
        let scores = Tensor<Float>(rows: [[2, 0.5, -1], [0, 3, 0.2]])
        let labels = Tensor<Float>([0, 1])
        let ce = crossEntropy(logits: scores, labels: labels)                          // 0.1731
        let mse = meanSquaredError(predicted: Tensor<Float>([1, 2]), targets: Tensor([0, 0]))   // 2.5
        let l2 = l2Loss(predicted: Tensor<Float>([1, 2]), targets: Tensor([0, 0]))              // 2.5
        let acc = accuracy(logits: scores, labels: labels)                              // 1.0
        XCTAssertEqual(ce.scalar, 0.1731, accuracy: 1e-4)
        XCTAssertEqual(mse.scalar, 2.5)
        XCTAssertEqual(l2.scalar, 2.5)
        XCTAssertEqual(acc, 1.0)
    }

    func testUserGuideOptimizers() {
        let model = Dense<Float>(inputs: 4, outputs: 3, seed: 1)
        let sgd = SGD(model, learningRate: 0.1)
        let momentum = SGD(model, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
        let rmsprop = RMSProp(model, learningRate: 1e-3)
        let adagrad = Adagrad(model, learningRate: 0.05)
        let adam = Adam(model, learningRate: 1e-3)
        let adamw = AdamW(model, learningRate: 1e-3, weightDecay: 0.01)

        let x = Tensor<Float>.ones([2, 4]), y = Tensor<Float>([0, 2])
        let loss = crossEntropy(logits: model(x), labels: y)
        model.zeroGrad()
        loss.backward()
        let norm = clipGradientNorm(model.parameters, maxNorm: 1.0)     // optional; returns the norm before clipping
        adam.step()
        XCTAssertEqual(adam.stepCount, 1)
        let saved = adam.state                                           // for checkpoints: "step", "weight.expAvg", …
        XCTAssertEqual(saved["step"]?.scalar, 1)
        XCTAssertNotNil(saved["weight.expAvg"])
        XCTAssertTrue(norm > 0)
        XCTAssertEqual([sgd.stepCount, momentum.stepCount, rmsprop.stepCount, adagrad.stepCount, adamw.stepCount], [0, 0, 0, 0, 0])
    }

    func testUserGuideSchedules() {
        let step = StepDecay(initial: 0.1, stepSize: 100, factor: 0.5)      // 0.1, halved every 100 steps
        let exponential = ExponentialDecay(initial: 0.1, rate: 0.99)        // 0.1 · 0.99^step
        let timeBased = TimeBasedDecay(initial: 0.1, decay: 0.01)           // 0.1 / (1 + 0.01 · step)
        let cosine = CosineAnnealing(initial: 1e-3, minimum: 1e-5, steps: 1000)
        let warm = LinearWarmup(steps: 100, wrapping: cosine)               // ramps up first, then cosine
        let custom = CustomSchedule { step in step < 500 ? 0.1 : 0.01 }
        let scheduled = Adam(Dense<Float>(inputs: 4, outputs: 3, seed: 1), learningRate: warm)
        XCTAssertEqual(step.learningRate(at: 250), 0.025, accuracy: 1e-15)
        XCTAssertEqual(exponential.learningRate(at: 2), 0.1 * 0.99 * 0.99, accuracy: 1e-15)
        XCTAssertEqual(timeBased.learningRate(at: 100), 0.05, accuracy: 1e-15)
        XCTAssertEqual(cosine.learningRate(at: 1000), 1e-5, accuracy: 1e-15)
        XCTAssertLessThan(warm.learningRate(at: 10), warm.learningRate(at: 99))
        XCTAssertEqual(custom.learningRate(at: 600), 0.01)
        XCTAssertLessThan(scheduled.learningRate, 1e-3)
    }

    func testUserGuideTrainingAndSaving() throws {
        var rng = SeededGenerator(seed: 3)
        let inputs = Tensor<Float>.randomNormal([200, 2], using: &rng)
        let targets = Tensor<Float>(inputs.rows.map { $0[0] * $0[1] > 0 ? 1 : 0 })     // XOR of the signs
        let data = Dataset(inputs: inputs, targets: targets)
        let (train, validation, test) = data.split(training: 0.7, validation: 0.15, seed: 1)

        let net = Sequential<Float> {
            Dense(inputs: 2, outputs: 16, activation: .tanh, seed: 4)
            Dense(inputs: 16, outputs: 2, seed: 5)
        }
        let lossFunction = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels) }
        let history = fit(net, optimizer: Adam(net, learningRate: 0.01), loss: lossFunction,
                          training: train, validation: validation, epochs: 60, batchSize: 16, metric: .accuracy,
                          earlyStopping: EarlyStopping(patience: 10), output: .silent)
        let last = history.validationMetric.last       // the validation accuracy after the last epoch run
        let best = history.bestEpoch                   // the epoch with the lowest validation loss (0-based)
        let csv = history.csv                          // epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds
        let (testLoss, testAccuracy) = evaluate(net, on: test, loss: lossFunction, metric: .accuracy)
        print("test accuracy \(testAccuracy)")   // a Double: with a metric asked for, evaluate's is not optional
        XCTAssertEqual(Printed.take().last, "test accuracy \(testAccuracy)")
        XCTAssertFalse("\(testAccuracy)".contains("Optional"))
        XCTAssertNotNil(last)
        XCTAssertNotNil(best)
        XCTAssertTrue(csv.hasPrefix("epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds\n"), csv)
        XCTAssertTrue(testLoss.isFinite)
        XCTAssertGreaterThan(testAccuracy, 0.85, "\(history.validationMetric)")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("net-\(UUID().uuidString).safetensors").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        try net.save(to: path, metadata: ["epochs": "\(history.epochs)"])
        let restored = Sequential<Float> {
            Dense(inputs: 2, outputs: 16, activation: .tanh)
            Dense(inputs: 16, outputs: 2)
        }
        let metadata = try restored.load(from: path)       // ["epochs": "…"]; same predictions as net
        XCTAssertEqual(metadata, ["epochs": "\(history.epochs)"])
        XCTAssertEqual(withoutGradients { restored(test.inputs) }, withoutGradients { net(test.inputs) })

        let adam = Adam(net, learningRate: 1e-3)
        try SafeTensors.write(adam.state, metadata: [:], to: path)

        let backbone = Sequential<Float> { Dense(inputs: 2, outputs: 16, activation: .tanh) }
        let result = try restored.loadStateDict(backbone.stateDict, strict: false)
        XCTAssertEqual(result.missing, ["layers.1.weight", "layers.1.bias"])
        XCTAssertEqual(restored.stateShapes.first?.description, "layers.0.weight [16, 2]")
        XCTAssertEqual(restored.layers[0].namedParameters[0].parameter.value, backbone.layers[0].namedParameters[0].parameter.value)
    }

    // MARK: README.md, the layers/optimizers/fit block

    func testReadmeTraining() throws {
        let epochs = Self.full ? 30 : 3
        let model = Sequential<Float> {
            Dense(inputs: 64, outputs: 128, activation: .relu, seed: 1)
            Dense(inputs: 128, outputs: 10, seed: 2)
        }
        let table = try CSVReader(labelColumn: .name("label")).read(from: Self.digitsPath(), as: Float.self)
        let data = Dataset(inputs: table.features / 16, targets: table.labels!)
        let (train, validation, test) = data.split(training: 0.7, validation: 0.15, seed: 42)
        let lossFunction = { (logits: Tensor<Float>, labels: Tensor<Float>) in crossEntropy(logits: logits, labels: labels) }
        let history = fit(model, optimizer: Adam(model, learningRate: 1e-3), loss: lossFunction,
                          training: train, validation: validation, epochs: epochs, metric: .accuracy, output: .silent)
        let (testLoss, testAccuracy) = evaluate(model, on: test, loss: lossFunction, metric: .accuracy)  // about 0.97
        let path = try temporaryFolder(self) + "/digits.safetensors"
        try model.save(to: path)
        if Self.full { print("README block: test accuracy \(testAccuracy), loss \(testLoss)") }
        print(model.summary(inputShape: [1, 64]))      // each layer, its output shape and parameter count
        let summary = Printed.take().joined(separator: "\n")
        XCTAssertTrue(summary.contains("layers.0  Dense(64→128, relu)   [1, 128]"), summary)
        XCTAssertTrue(summary.contains("Total: 9,610 parameters"), summary)
        XCTAssertEqual(history.epochs, epochs)
        XCTAssertGreaterThan(testAccuracy, Self.full ? 0.96 : 0.8)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        // The README's PyTorch line: a state dict with PyTorch's names (here only the first layer's,
        // as a backbone would be) loads with strict: false, listing what it did not hold.
        let pytorchPath = try temporaryFolder(self) + "/from-pytorch.safetensors"
        try SafeTensors.write(["layers.0.weight": Tensor<Float>.zeros([128, 64]), "layers.0.bias": Tensor<Float>.zeros([128])],
                              to: pytorchPath)
        let result = try model.load(from: pytorchPath, strict: false)   // result.missing, result.unexpected
        XCTAssertEqual(result.missing, ["layers.1.weight", "layers.1.bias"])
        XCTAssertEqual(result.unexpected, [])
        XCTAssertEqual(model.layers[0].namedParameters.first?.parameter.value, Tensor.zeros([128, 64]))
    }

    // MARK: docs/ForwardAndReverseMode.md

    func testForwardAndReverseModePage() throws {
        let page = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/ExamplesTests/DocsTutorialTests.swift",
                                                                             with: "docs/ForwardAndReverseMode.md"), encoding: .utf8)
        XCTAssertTrue(page.contains("let alongX = jvp(of: f, at: x, along: Tensor([1, 0])).derivative"))
        let x = Tensor<Double>([2, 3])                                     // (x, y)
        let f: (Tensor<Double>) -> Tensor<Double> = { v in v[0] * v[1] + v[0].sin() }
        let alongX = jvp(of: f, at: x, along: Tensor([1, 0])).derivative   // 2.583853: forward, ∂z/∂x
        let alongY = jvp(of: f, at: x, along: Tensor([0, 1])).derivative   // 2: a second forward pass
        let both = gradient(of: f, at: x)                                  // [2.583853, 2]: one reverse pass
        let curve: (Tensor<Double>) -> Tensor<Double> = { t in Tensor.concatenate([t.cos(), t.sin(), t], axis: 0) }
        let velocity = jacobian(of: curve, at: Tensor([0.5]))              // [3, 1]: one forward pass (mode .automatic)
        XCTAssertEqual(alongX.scalar, 3 + Foundation.cos(2.0), accuracy: 1e-15)
        XCTAssertEqual(String(format: "%.6f", alongX.scalar), "2.583853")
        XCTAssertEqual(alongY.scalar, 2, accuracy: 1e-15)
        XCTAssertEqual(both.scalars[0], alongX.scalar, accuracy: 1e-15)
        XCTAssertEqual(both.scalars[1], 2, accuracy: 1e-15)
        XCTAssertEqual(velocity.shape, [3, 1])
        XCTAssertEqual(velocity.scalars[0], -Foundation.sin(0.5), accuracy: 1e-15)
        XCTAssertEqual(velocity.scalars[1], Foundation.cos(0.5), accuracy: 1e-15)
        // The tables' numbers.
        for number in ["0.909297", "6.909297", "−0.416147", "2.583853"] { XCTAssertTrue(page.contains(number), number) }
        XCTAssertEqual(String(format: "%.6f", Foundation.sin(2.0)), "0.909297")
        XCTAssertEqual(String(format: "%.6f", 6 + Foundation.sin(2.0)), "6.909297")
        XCTAssertEqual(String(format: "%.6f", Foundation.cos(2.0)), "-0.416147")
    }
}

import Foundation
import XCTest
import Foundation
import Autograd
import Layers

/// The snippets of README.md and docs/UserGuide.md, compiled and with their numbers checked,
/// so that the documentation cannot drift from the library.
final class DocsTests: XCTestCase {
    func testReadmeTour() throws {
        let x = Tensor<Double>([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let w = Tensor<Double>.randomNormal([3, 2], seed: 42).requiringGrad(named: "w")
        let b = Tensor<Double>.zeros([2]).requiringGrad(named: "b")
        let loss = (x.matmul(w) + b).tanh().squared().mean()
        loss.backward()
        XCTAssertEqual(w.grad?.shape, [3, 2])
        XCTAssertEqual(b.grad?.shape, [2])
        let printed: Any = w.grad ?? "no gradient yet"            // what print(w.grad ?? "no gradient yet") prints
        XCTAssertEqual("\(printed)", w.grad!.description)
        let before: Any = x.detached().requiringGrad().grad ?? "no gradient yet"
        XCTAssertEqual("\(before)", "no gradient yet")

        let column = x[0..., 1]                        // [2, 5]
        let lastRow = x[-1]                            // [4, 5, 6]
        let reversed = x[.ellipsis, .stride(by: -1)]   // x[..., ::-1]
        XCTAssertEqual(column.scalars, [2, 5])
        XCTAssertEqual(lastRow.scalars, [4, 5, 6])
        XCTAssertEqual(reversed.scalars, [3, 2, 1, 6, 5, 4])

        let h = x.matmul(w)
        let g = try gradients(of: h.relu().sum(), wrt: [h, w])
        XCTAssertEqual(g[0], h.detached().constantStep())
        XCTAssertEqual(g[1].shape, [3, 2])

        let f: (Tensor<Double>) -> Tensor<Double> = { v in v[0] * v[0] * v[1] + v[0] * v[1] * v[1] - 6 * v[0] * v[1] }
        XCTAssertEqual(hessian(of: f, at: Tensor([2, 2])), Tensor([4, 2, 2, 4], shape: [2, 2]))

        let report = gradcheck(inputs: [x, w.detached()], names: ["x", "w"]) { $0[0].matmul($0[1]).sigmoid() }
        XCTAssertTrue(report.passed, "\(report)")
        XCTAssertTrue(report.description.hasPrefix("gradcheck PASSED"))

        func softplus(_ x: Tensor<Double>) -> Tensor<Double> {
            let value = withoutGradients { (x.exp() + 1).log() }
            return Tensor.customOp("softplus", inputs: [x], value: value) { upstream, inputs, _ in
                [upstream * inputs[0].sigmoid()]
            }
        }
        let sp = gradcheck(inputs: [Tensor<Double>.randomNormal([2, 3], seed: 3)]) { softplus($0[0]) }
        XCTAssertTrue(sp.passed, "\(sp)")
        XCTAssertTrue(loss.tape.description.contains("matmul"))
        XCTAssertTrue(loss.graphviz().hasPrefix("digraph"))

        let y = (x.matmul(w) + b).tanh().sum()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("DocsTests-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try y.writeHTML(to: path)
        let page = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(page.contains("data-name=\"w\"") && page.contains("data-name=\"b\""))
        XCTAssertFalse(page.contains("freed"), "the page of a graph that backward has not freed")
    }

    func testReadmeCheckingSection() throws {
        let x = Tensor<Double>(rows: [[0.5, -1.0], [2.0, 0.25]]), y = Tensor<Double>(rows: [[1.0], [0.0]])
        let w = Tensor<Double>(rows: [[0.3], [0.8]])
        let report = checkDerivation(at: [w], names: ["w"]) { v, step in
            let z = step("z", x.matmul(v[0]))
            let a = step("a", z.sigmoid())
            return 0.5 * (a - y).squared().sum()
        } hand: { v, forward in
            guard let a = forward["a"] else { return [:] }
            let dZ = (a - y) * a * (1 - a)
            return ["a": a - y, "z": dZ, "w": x.transposed().matmul(dZ)]
        }
        XCTAssertTrue(report.passed, "\(report)")
        let loss = (w.requiringGrad() * 2).sum()
        XCTAssertNoThrow(try checkingNumerics { loss.backward() })
    }

    func testUserGuideTensors() {
        XCTAssertEqual(Tensor<Double>.arange(0, 5), Tensor([0, 1, 2, 3, 4]))
        XCTAssertEqual(Tensor<Double>.identity(3).scalars, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(Tensor<Float>.randomNormal([2, 3], seed: 7), Tensor<Float>.randomNormal([2, 3], seed: 7))
        var rng = SeededGenerator(seed: 7)
        let u = Tensor<Float>.randomUniform([4], lower: -1, upper: 1, using: &rng)
        XCTAssertTrue(u.scalars.allSatisfy { $0 >= -1 && $0 < 1 })
        XCTAssertEqual((Tensor<Double>.zeros([3, 1]) + Tensor<Double>.ones([1, 4])).shape, [3, 4])
        XCTAssertEqual(Tensor<Double>([1, 2, 3, 4], shape: [2, 2]).description, "[[1, 2],\n [3, 4]]")
        XCTAssertEqual(Tensor<Double>.arange(1, 10_001).description, "[    1,     2,     3, ...,  9998,  9999, 10000]")
    }

    func testUserGuideIndexing() {
        let m = Tensor<Double>.arange(0, 12).reshaped([3, 4])
        XCTAssertEqual(m[0..., 1].scalars, [1, 5, 9])
        XCTAssertEqual(m[0, 1..<3].scalars, [1, 2])
        XCTAssertEqual(m[.ellipsis, -1].scalars, [3, 7, 11])
        XCTAssertEqual(m[.stride(by: 2), .stride(by: -1)], Tensor(rows: [[3, 2, 1, 0], [11, 10, 9, 8]]))
        XCTAssertEqual(m[index: 1, 2], 6.0)
        // The table's rows.
        XCTAssertEqual([m[0].shape, m[-1].shape, m[0..., 1].shape, m[0, 1..<3].shape, m[0, 1...2].shape],
                       [[4], [4], [3], [2], [2]])
        XCTAssertEqual([m[1...].shape, m[..<2].shape, m[(-2)...].shape], [[2, 4], [2, 4], [2, 4]])
        XCTAssertEqual(m[.stride(from: 0, to: 3, by: 2)], m[.stride(by: 2)])
        XCTAssertEqual(m[.stride(by: 2)].shape, [2, 4])
        XCTAssertEqual(m[.stride(by: -1)][0], m[2])
        XCTAssertEqual([m[.newAxis].shape, m[0..., .newAxis].shape], [[1, 3, 4], [3, 1, 4]])
        XCTAssertEqual(m[1, 2].scalar, 6)

        var grid = Tensor<Float>.zeros([3, 4])
        grid[0, 1..<3] = Tensor([7, 8])          // [[0, 7, 8, 0], …]
        grid[0..., 0] = Tensor(1)                // the first column set to 1
        XCTAssertEqual(grid.scalars, [1, 7, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0])

        // Advanced indexing.
        let t = Tensor<Double>(rows: [[1, -2, 3], [-4, 5, -6]])
        XCTAssertEqual(t[mask: t .> 0].scalars, [1, 3, 5])
        XCTAssertEqual(t[at: Tensor([1, 1, 0])].shape, [3, 3])
        XCTAssertEqual(t[at: Tensor([2]), axis: 1], Tensor(rows: [[3], [-6]]))
        XCTAssertEqual(t.gather(axis: 1, indices: Tensor(rows: [[2], [0]])), Tensor(rows: [[3], [-4]]))
        var u = t
        u[mask: u .< 0] = Tensor(0)              // [[1, 0, 3], [0, 5, 0]]    u[u < 0] = 0
        XCTAssertEqual(u, Tensor(rows: [[1, 0, 3], [0, 5, 0]]))
    }

    func testUserGuideAttentionMaskAndWeights() {
        let attention = MultiHeadAttention<Double>(dimension: 8, heads: 2, seed: 1)
        let x = Tensor<Double>.randomNormal([2, 5, 8], seed: 2)
        let local = Tensor<Double>((0..<25).map { abs($0 / 5 - $0 % 5) > 1 ? 1 : 0 }, shape: [5, 5])   // keys within 1 position
        let (y, weights) = attention.outputAndWeights(query: x, key: x, value: x, attentionMask: .hidden(local))
        XCTAssertEqual(weights.shape, [2, 5, 5])
        XCTAssertEqual(y, attention(query: x, key: x, value: x, attentionMask: .hidden(local)))
        for row in 0..<10 {
            let values = Array(weights.scalars[row * 5..<(row + 1) * 5])
            XCTAssertEqual(values.reduce(0, +), 1, accuracy: 1e-12)
            let i = row % 5
            for j in 0..<5 where abs(i - j) > 1 { XCTAssertEqual(values[j], 0) }
        }
        // Per head, and an additive mask of −∞ is the same as hiding.
        let perHead = attention.outputAndWeights(query: x, key: x, value: x, attentionMask: .hidden(local), averageHeads: false).weights
        XCTAssertEqual(perHead.shape, [2, 2, 5, 5])
        XCTAssertEqual(perHead.mean(axes: [1]), weights)
        let additive = local.scalars.map { $0 == 1 ? -Double.infinity : 0 }
        XCTAssertEqual(attention(query: x, key: x, value: x, attentionMask: .additive(Tensor(additive, shape: [5, 5]))), y)
        // A [batch·heads, T, S] mask: each sequence and head its own; gradcheck through the masked weights.
        let perSequence = Tensor<Double>((0..<100).map { ($0 * 7) % 5 == 0 && $0 % 5 != $0 / 5 % 5 ? 1 : 0 }, shape: [4, 5, 5])
        let w = attention.inputProjectionWeight.value
        assertGradcheck([x, w], names: ["x", "in_proj_weight"], "attention with a [batch·heads, T, S] mask, weights") { v in
            let a = MultiHeadAttention(inputProjectionWeight: v[1], inputProjectionBias: attention.inputProjectionBias?.value,
                                       outputProjectionWeight: attention.outputProjectionWeight.value,
                                       outputProjectionBias: attention.outputProjectionBias?.value, heads: 2)
            let (out, wts) = a.outputAndWeights(query: v[0], key: v[0], value: v[0], attentionMask: .hidden(perSequence))
            return out.sum() + (wts * wts).sum()
        }
    }

    func testUserGuideFastGradcheckAndForwardMode() {
        let model = TransformerBlock<Double>(dimension: 32, heads: 4, seed: 1)
        let x = Tensor<Double>.randomNormal([2, 8, 32], seed: 2)
        let values = [x] + model.parameters.map(\.value)
        let report = gradcheck(inputs: values, names: ["x"] + model.namedParameters.map(\.name), fastMode: true) { v in
            TransformerBlock(norm1: LayerNorm(weight: v[1], bias: v[2]),
                             attention: MultiHeadAttention(inputProjectionWeight: v[3], inputProjectionBias: v[4],
                                                           outputProjectionWeight: v[5], outputProjectionBias: v[6], heads: 4),
                             norm2: LayerNorm(weight: v[7], bias: v[8]),
                             linear1: Dense(weight: v[9], bias: v[10]), linear2: Dense(weight: v[11], bias: v[12]))(v[0], causal: true)
        }
        XCTAssertTrue(report.passed, "\(report)")
        let (y, dy) = jvp(of: { $0.sin() * $0 }, at: Tensor<Double>([1, 2]), along: Tensor([1, 0]))
        XCTAssertEqual(y.scalars, [Foundation.sin(1.0), 2 * Foundation.sin(2.0)])
        XCTAssertEqual(dy.scalars[0], Foundation.cos(1.0) + Foundation.sin(1.0), accuracy: 1e-15)
        XCTAssertEqual(dy.scalars[1], 0)
        let tall = jacobian(of: { x in Tensor.concatenate([x.sin(), x.cos(), x * x], axis: 0) }, at: Tensor<Double>([0.5, 1]))
        XCTAssertEqual(tall.shape, [6, 2])
    }

    func testUserGuideRetainGradAndHooks() throws {
        let guide = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/GradCheckTests/DocsTests.swift", with: "docs/UserGuide.md"), encoding: .utf8)
        XCTAssertTrue(guide.contains("let clip = hidden.registerHook { g in g.clamped(lower: -0.5, upper: 0.5) }"))
        let w = Tensor<Double>(rows: [[0.5, -1], [2, 0.25]]).requiringGrad(named: "w")
        let hidden = Tensor<Double>(rows: [[1, 2]]).matmul(w)
        hidden.retainGrad()
        let clip = hidden.registerHook { g in g.clamped(lower: -0.5, upper: 0.5) }   // replaces ∂L/∂hidden
        hidden.tanh().sum().backward()
        let t = hidden.detached().tanh()
        let clipped = (1 - t * t).clamped(lower: -0.5, upper: 0.5)
        XCTAssertEqual(hidden.grad, clipped)
        XCTAssertEqual(w.grad, Tensor<Double>(rows: [[1], [2]]).matmul(clipped))
        clip.remove()
    }

    func testUserGuideOpsForTodaysModels() {
        let x = Tensor<Double>([-2, -0.5, 0.5, 1.5])
        let g = x.gelu()
        XCTAssertEqual(g.scalars[3], 1.5 * 0.5 * (1 + Foundation.erf(1.5 / 2.0.squareRoot())), accuracy: 1e-15)
        let others = [x.silu(), x.mish(), x.softplus(), x.elu(alpha: 1), x.selu(), x.hardtanh(min: -1, max: 1)]
        let special = [x.erf(), x.erfc(), x.expm1(), (x + 3).log1p(), (x + 3).rsqrt()]
        XCTAssertEqual(others[5], Tensor([-1, -0.5, 0.5, 1]))
        XCTAssertEqual(special[3].scalars[0], Foundation.log(2), accuracy: 1e-15)
        XCTAssertTrue((others + special).allSatisfy { $0.shape == [4] && $0.scalars.allSatisfy(\.isFinite) })

        let scores = Tensor<Double>.randomNormal([2, 4, 4], seed: 1)
        let weights = scores.masked(where: Tensor.triu(rows: 4, diagonal: 1), fill: -.infinity).softmax()
        XCTAssertEqual(weights[0][0], Tensor([1, 0, 0, 0]))
        let (q, k, v) = (Tensor<Float>.randomNormal([2, 5, 12], seed: 2), Tensor<Float>.randomNormal([2, 5, 12], seed: 3),
                         Tensor<Float>.randomNormal([2, 5, 12], seed: 4))
        let s = Tensor.headScores(queries: q, keys: k, heads: 3) / 2
        let out = Tensor.headOutputs(weights: s.softmax(), values: v, heads: 3)
        XCTAssertEqual(s.shape, [2, 3, 5, 5])
        XCTAssertEqual(out.shape, [2, 5, 12])

        let sums = Tensor<Double>([1, 2, 3, 4]).cumulativeSum(axis: 0)
        XCTAssertEqual(sums, Tensor([1, 3, 6, 10]))
        let signal = Tensor<Float>.randomNormal([1, 2, 16], seed: 5)
        let filters = Tensor<Float>.randomNormal([4, 2, 3], seed: 6)
        let causal = signal.padded([(0, 0), (0, 0), (4, 0)]).conv1d(filters, dilation: 2)
        let pooled = causal.maxPool1D(kernel: 2)
        XCTAssertEqual(causal.shape, [1, 4, 16])
        XCTAssertEqual(pooled.shape, [1, 4, 8])
        let image = Tensor<Float>.randomNormal([1, 3, 9, 9], seed: 7)
        let wide = image.conv2d(Tensor.randomNormal([8, 3, 3, 3], seed: 8), padding: (2, 2), dilation: (2, 2))
        XCTAssertEqual(wide.shape, [1, 8, 9, 9])
    }

    func testUserGuideGradients() {
        let x = Tensor<Double>([1, 2, 3]).requiringGrad(named: "x")
        let y = (x * x).sum()
        y.backward()
        XCTAssertEqual(x.grad, Tensor([2, 4, 6]))
        let printed: Any = x.grad ?? "no gradient yet"            // print(x.grad ?? "no gradient yet")
        XCTAssertEqual("\(printed)", "[2, 4, 6]")
        if let g = x.grad { XCTAssertEqual("\(g)", "[2, 4, 6]") }
        let none: Any = Tensor<Double>(1).requiringGrad().grad ?? "no gradient yet"
        XCTAssertEqual("\(none)", "no gradient yet")
    }

    func testUserGuideUpdatingAParameterByHand() {
        var w = Tensor<Double>([0.5, -1]).requiringGrad(named: "w")
        let x = Tensor<Double>([1, 2])
        for _ in 0..<50 {
            let loss = ((w * x).sum() - 3).squared()
            w.zeroGrad()
            loss.backward()
            if let g = w.grad { w.data -= 0.05 * g }                  // micrograd's p.data -= lr * p.grad
        }
        XCTAssertEqual((w * x).sum().scalar, 3, accuracy: 1e-3)
        let before = w
        withoutGradients { if let g = w.grad { w -= 0.05 * g } }   // PyTorch's torch.no_grad(): w -= lr * w.grad
        XCTAssertEqual(w, withoutGradients { before - 0.05 * (before.grad ?? Tensor([0, 0])) })
        w.assign(w.detached() * 0.5)                               // any new value of the same shape
        w.data[0] = Tensor(1)                                      // one element, through a subscript
        XCTAssertEqual(w[index: 0], 1)
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.name, "w")
    }

    func testUserGuideSecondDerivatives() {
        let f: (Tensor<Double>) -> Tensor<Double> = { v in v[0] * v[0] * v[1] + v[0] * v[1] * v[1] - 6 * v[0] * v[1] }
        XCTAssertEqual(gradient(of: f, at: Tensor([2, 2])), Tensor([0, 0]))
        XCTAssertEqual(hessian(of: f, at: Tensor([2, 2])), Tensor([4, 2, 2, 4], shape: [2, 2]))
        XCTAssertEqual(hessianVectorProduct(of: f, at: Tensor([2, 2]), vector: Tensor([1, 0])), Tensor([4, 2]))
        XCTAssertEqual(jacobian(of: { $0.softmax() }, at: Tensor<Double>([1, 2, 3])).shape, [3, 3])
    }

    func testUserGuideGradcheck() {
        let x = Tensor<Double>.randomNormal([2, 3], seed: 1)
        let w = Tensor<Double>.randomNormal([3, 4], seed: 2)
        let report = gradcheck(inputs: [x, w], names: ["x", "w"]) { $0[0].matmul($0[1]).tanh() }
        XCTAssertTrue(report.passed, "\(report)")
    }

    func testUserGuideTape() {
        let a = Tensor<Double>(2).requiringGrad(named: "a")
        let b = Tensor<Double>(-3).requiringGrad(named: "b")
        let loss = (a * b + 10).squared()
        XCTAssertEqual(loss.tape.description, """
            a = leaf  [] 2
            b = leaf  [] -3
            t1 = multiply(a, b)  [] -6
            t2 = add(t1, const)  [] 4
            t3 = multiply(t2, t2)  [] 16
            """)
        var steps: [ChainRuleStep] = []
        let dot = loss.graphviz()
        loss.backward { steps.append($0) }
        XCTAssertEqual(steps.first?.description, "∂L/∂t3 = 1\n  → ∂L/∂t2 += 4\n  → ∂L/∂t2 += 4")
        XCTAssertEqual(a.grad?.scalar, -24)
        XCTAssertTrue(dot.contains("multiply"))
    }
}

private extension Tensor {
    /// 1 where positive, else 0: relu's derivative, written independently of the engine's rule.
    func constantStep() -> Tensor { Tensor(scalars.map { $0 > 0 ? 1 : 0 }, shape: shape) }
}

/// docs/Conventions.md exists, is linked from the README and the user's guide, and names the
/// test that asserts its rows and the script that prints PyTorch's column.
final class ConventionsPageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The README is written for users: no dates of development stages, no words about the
    /// project's own planning (issues, sessions, targets, earlier versions).
    func testReadmeSpeaksToUsers() throws {
        let readme = try read("README.md")
        for phrase in ["issue's targets", "speed issue", "session", "Earlier figures", "before the packed", "used to be in",
                       "µs target", "(target "] {
            XCTAssertFalse(readme.contains(phrase), "README.md mentions '\(phrase)'")
        }
        // The one date a user needs is when the benchmark's figures were measured (with the
        // machine and PyTorch's version beside it); no other part of the README is dated.
        let dates = try NSRegularExpression(pattern: "(measured on )?20[0-9]{2}-[01][0-9]-[0-3][0-9]")
        let benchmark = readme.range(of: "## Benchmark").map { readme.index(after: $0.lowerBound) }
        let section = benchmark.flatMap { start in
            start..<(readme.range(of: "\n## ", range: start..<readme.endIndex)?.lowerBound ?? readme.endIndex)
        }
        let found = dates.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)).compactMap { match in
            Range(match.range, in: readme).flatMap { range -> String? in
                let isMeasurementDate = match.range(at: 1).location != NSNotFound && section?.contains(range.lowerBound) == true
                return isMeasurementDate ? nil : String(readme[range])
            }
        }
        XCTAssertEqual(found, [], "README.md dates something other than the benchmark's measurement")
    }

    func testConventionsPageIsLinkedAndBacked() throws {
        let page = try read("docs/Conventions.md")
        XCTAssertTrue(try read("README.md").contains("](docs/Conventions.md)"))
        XCTAssertTrue(try read("docs/UserGuide.md").contains("](Conventions.md)"))
        XCTAssertTrue(page.contains("ConventionsTests.swift"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("scripts/conventions_pytorch.py").path))
        // One row per convention the library chose, each with both columns.
        for topic in ["clamped", "maximum", "max(axes:)", "maxPool2D", "logSumExp", "reduction: .mean", "axes: []",
                      "0-d tensor", "softmax"] {
            XCTAssertTrue(page.contains(topic), "docs/Conventions.md has no row for \(topic)")
        }
    }
}

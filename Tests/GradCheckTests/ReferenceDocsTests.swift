import Foundation
import XCTest
import Layers
import Optim

/// The API reference's catalogs (Sources/<Module>/<Module>.docc) and the code of its "Coming from
/// PyTorch" page, compiled and run here; scripts/build_docs.sh builds the site and checks that
/// every public symbol is documented.
final class ReferenceDocsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    func testEveryLibraryModuleHasACatalogWithAnOverviewAndTopics() throws {
        for module in ["Autograd", "DataFormats", "Layers", "Optim"] {
            let page = try read("Sources/\(module)/\(module).docc/\(module).md")
            XCTAssertTrue(page.hasPrefix("# ``\(module)``\n"), module)
            XCTAssertTrue(page.contains("## Overview"), module)
            XCTAssertGreaterThanOrEqual(page.components(separatedBy: "\n### ").count - 1, 3, "\(module): topic groups")
        }
        let script = try read("scripts/build_docs.sh")
        XCTAssertTrue(script.contains("swift-symbolgraph-extract") && script.contains("docc"))
        XCTAssertTrue(try read(".gitignore").contains("docs-site/"))
    }

    /// The page answers each idiom the issue lists: with this library's way or "not yet".
    func testComingFromPyTorchMapsEveryIdiom() throws {
        let page = try read("Sources/Autograd/Autograd.docc/ComingFromPyTorch.md")
        let rows = page.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for idiom in ["torch.manual_seed", ".item()", "torch.no_grad()", "model.eval()", "zero_grad()", "state_dict()",
                      "load_state_dict", "x[:, 0]", "DataLoader", "retain_grad()", "register_hook", "torch.where",
                      "x > 0", "torch.gather", "x[mask]", "strict=False", "register_forward_hook", "batch_first"] {
            guard let row = rows.first(where: { $0.split(separator: "|").first?.contains(idiom) ?? false }) else {
                XCTFail("no row for \(idiom)")
                continue
            }
            XCTAssertGreaterThanOrEqual(row.split(separator: "|").count, 2, "\(idiom): no answer")
        }
        XCTAssertFalse(rows.contains { $0.contains("not yet") }, "every idiom has an answer now")
    }

    func testComingFromPyTorchMasksPositionsAndHooks() throws {
        let page = try read("Sources/Autograd/Autograd.docc/ComingFromPyTorch.md")
        XCTAssertTrue(page.contains("let positive = t[mask: t .> 0]"))
        let t = Tensor<Double>(rows: [[1, -2, 3], [-4, 5, -6]]).requiringGrad(named: "t")
        let positive = t[mask: t .> 0]                   // t[t > 0]                     [1, 3, 5]
        let rows = t[at: Tensor([1, 1, 0])]              // t[torch.tensor([1, 1, 0])]   shape [3, 3]
        let picked = t.gather(axis: 1, indices: Tensor(rows: [[2], [0]]))   // torch.gather(t, 1, idx)  [[3], [-4]]
        let h = (positive.sum() + rows.sum() + picked.sum()) * 2
        h.retainGrad()                                   // h.retain_grad()
        var seen: [Double] = []
        h.registerHook { g in seen.append(g.scalar); return nil }
        h.backward()
        XCTAssertEqual(positive.scalars, [1, 3, 5])
        XCTAssertEqual(rows.shape, [3, 3])
        XCTAssertEqual(picked.scalars, [3, -4])
        XCTAssertEqual(seen, [1])
        XCTAssertEqual(h.grad?.scalar, 1)
        // Each element: 2·(1 if positive) + 2·(times its row is picked: row 0 once, row 1 twice) + 2·(1 if gathered).
        XCTAssertEqual(t.grad?.scalars, [4, 2, 6, 6, 6, 4])
    }

    func testComingFromPyTorchTrainingStep() {
        var rng = SeededGenerator(seed: 5)
        let inputs = Tensor<Float>.randomNormal([64, 4], using: &rng)
        let labels = Tensor<Float>(inputs.rows.map { $0[0] > 0 ? ($0[1] > 0 ? 2 : 1) : 0 })
        let data = Dataset(inputs: inputs, targets: labels), test = data

        DefaultGenerator.seed(0)
        let model = Sequential<Float> {
            Dense(inputs: 4, outputs: 8, activation: .relu)
            Dense(inputs: 8, outputs: 3)
        }
        let optimizer = Adam(model, learningRate: 1e-3)
        for (x, y) in data.batches(size: 32, shuffleSeed: 0) {
            let loss = crossEntropy(logits: model(x), labels: y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        let p = withInference { model(test.inputs) }
        XCTAssertEqual(p.shape, [64, 3])
        XCTAssertFalse(p.requiresGrad)
        // torch.manual_seed: the same seed, the same initial weights.
        DefaultGenerator.seed(0)
        let again = Dense<Float>(inputs: 4, outputs: 8)
        DefaultGenerator.seed(0)
        XCTAssertEqual(Dense<Float>(inputs: 4, outputs: 8).weight.value, again.weight.value)
    }

    func testComingFromPyTorchIndexingAndTable() throws {
        let x = Tensor<Float>.arange(0, 24).reshaped([2, 3, 4])
        let column = x[0..., 0]          // x[:, 0]        shape [2, 4]
        let last = x[.ellipsis, -1]      // x[..., -1]     shape [2, 3]
        let every2 = x[0, .stride(by: 2)] // x[0, ::2]     shape [2, 4]
        let one = x[index: 1, 2, 3]      // x[1, 2, 3].item()
        XCTAssertEqual([column.shape, last.shape, every2.shape], [[2, 4], [2, 3], [2, 4]])
        XCTAssertEqual(one, 23)
        XCTAssertEqual(x[1, 2, 3].scalar, 23)
        XCTAssertEqual(x[.stride(by: 2)].shape, [1, 3, 4])
        XCTAssertEqual(x[.newAxis].shape, [1, 2, 3, 4])

        // retain_grad's stand-in: the gradient with respect to an intermediate tensor.
        let w = Tensor<Double>([1, 2]).requiringGrad(named: "w")
        let hidden = w * 3
        let loss = hidden.squared().sum()
        let g = try gradients(of: loss, wrt: [hidden])
        XCTAssertEqual(g[0].scalars, [6, 12])
        // register_hook's stand-in: every chain-rule step is seen as it is applied.
        var steps: [ChainRuleStep] = []
        let y = (w * w).sum()
        y.backward(trace: { steps.append($0) })
        XCTAssertFalse(steps.isEmpty)
        // state_dict: parameters by name, saved and loaded; an optimizer's state.
        let model = Sequential<Float> { Dense(inputs: 2, outputs: 2, seed: 1) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let copy = Sequential<Float> { Dense(inputs: 2, outputs: 2, seed: 2) }
        _ = try copy.load(from: path)
        XCTAssertEqual(copy.parameters[0].value, model.parameters[0].value)
        let adam = Adam(model, learningRate: 0.1)
        XCTAssertNoThrow(try adam.loadState(adam.state))
    }
}

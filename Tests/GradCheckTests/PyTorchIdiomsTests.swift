import Foundation
import XCTest
import Autograd
import Layers

/// PyTorch's idioms: boolean-mask and integer-tensor indexing and `gather` (values as PyTorch
/// computes them, gradcheck and gradgradcheck), `register_hook` and `retain_grad` with PyTorch's
/// ordering, softplus's threshold, and their misuse messages.
final class PyTorchIdiomsTests: XCTestCase {
    let x = Tensor<Double>(rows: [[1, -2, 3, 0.5], [-4, 5, -6, 2], [0.25, -1, 7, -3]])

    // MARK: Indexing

    func testMaskReadsAsPyTorch() {
        // torch: x[x > 0] → tensor([1.0, 3.0, 0.5, 5.0, 2.0, 0.25, 7.0])
        XCTAssertEqual(x[mask: x .> 0].scalars, [1, 3, 0.5, 5, 2, 0.25, 7])
        XCTAssertEqual(x[mask: x .> 0].shape, [7])
        // A mask over the leading axis picks rows: x[torch.tensor([True, False, True])]
        let rows = x[mask: Tensor([1, 0, 1])]
        XCTAssertEqual(rows.shape, [2, 4])
        XCTAssertEqual(rows.scalars, [1, -2, 3, 0.5, 0.25, -1, 7, -3])
        XCTAssertEqual(x[mask: Tensor<Double>.zeros([3, 4])].shape, [0])
    }

    func testMaskReadIsDifferentiable() {
        let mask = x .> 0
        assertGradcheck([x], names: ["x"], "x[mask]") { v in v[0][mask: mask].squared() * Tensor([1, 2, 3, 4, 5, 6, 7]) }
        let rowMask = Tensor<Double>([0, 1, 1])
        assertGradcheck([x], names: ["x"], "x[row mask]") { v in v[0][mask: rowMask].tanh() }
        let report = gradgradcheck(inputs: [x], names: ["x"]) { v in v[0][mask: mask].squared().squared().sum() }
        XCTAssertTrue(report.passed, "\(report)")
        // The gradient reaches exactly the selected elements.
        let leaf = x.requiringGrad(named: "x")
        leaf[mask: mask].sum().backward()
        XCTAssertEqual(leaf.grad?.scalars, mask.scalars)
    }

    func testMaskWriteFollowsTheSubscriptRules() {
        var plain = x
        plain[mask: plain .< 0] = Tensor(0)                  // x[x < 0] = 0
        XCTAssertEqual(plain, x.relu())
        var rows = x
        rows[mask: Tensor([1, 0, 1])] = Tensor([9, 8, 7, 6])  // each selected row set to [9, 8, 7, 6]
        XCTAssertEqual(rows.scalars, [9, 8, 7, 6, -4, 5, -6, 2, 9, 8, 7, 6])
        // Into a leaf inside withoutGradients: it stays the leaf and counts the update.
        var w = x.requiringGrad(named: "w")
        withoutGradients { w[mask: Tensor([0, 1, 0])] = Tensor(1) }
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.scalars[4..<8], [1, 1, 1, 1])
        // Into a recorded result: recorded, the gradient to the value inside and the tensor outside.
        let mask = x .> 2
        let values = Tensor<Double>([10, 20, 30])
        assertGradcheck([x, values], names: ["x", "values"], "y[mask] = values") { v in
            var y = v[0] * 2
            y[mask: mask] = v[1]
            return y.squared()
        }
    }

    func testIntegerTensorIndexingAndGather() {
        // torch: x[torch.tensor([2, 0, 2])] and x[:, torch.tensor([3, 1])]
        XCTAssertEqual(x[at: Tensor([2, 0, 2])].scalars, [0.25, -1, 7, -3, 1, -2, 3, 0.5, 0.25, -1, 7, -3])
        XCTAssertEqual(x[at: Tensor([3, 1]), axis: 1].scalars, [0.5, -2, 2, 5, -3, -1])
        // torch.gather(x, 1, torch.tensor([[0, 0], [3, 1], [2, 2]])) → [[1, 1], [2, 5], [7, 7]]
        let picked = x.gather(axis: 1, indices: Tensor(rows: [[0, 0], [3, 1], [2, 2]]))
        XCTAssertEqual(picked.shape, [3, 2])
        XCTAssertEqual(picked.scalars, [1, 1, 2, 5, 7, 7])
        // torch.gather(x, 0, torch.tensor([[2, 1, 0, 0]])) → [[0.25, 5, 3, 0.5]]
        XCTAssertEqual(x.gather(axis: 0, indices: Tensor(rows: [[2, 1, 0, 0]])).scalars, [0.25, 5, 3, 0.5])
        assertGradcheck([x], names: ["x"], "x[at: idx]") { v in v[0][at: Tensor([2, 0, 2])].squared() }
        assertGradcheck([x], names: ["x"], "x[at: idx, axis: 1]") { v in v[0][at: Tensor(rows: [[3, 1], [1, 1]]), axis: 1].tanh() }
        assertGradcheck([x], names: ["x"], "gather axis 1") { v in v[0].gather(axis: 1, indices: Tensor(rows: [[0, 0], [3, 1], [2, 2]])).squared().squared() }
        assertGradcheck([x], names: ["x"], "gather axis 0") { v in v[0].gather(axis: 0, indices: Tensor(rows: [[2, 1, 0, 0], [0, 0, 1, 2]])).exp() }
        let report = gradgradcheck(inputs: [x], names: ["x"]) { v in v[0].gather(axis: 1, indices: Tensor(rows: [[1], [0], [3]])).squared().squared().sum() }
        XCTAssertTrue(report.passed, "\(report)")
        // Writing slices by position.
        var t = x
        t[at: Tensor([0, 2])] = Tensor(0)
        XCTAssertEqual(t.scalars, [0, 0, 0, 0, -4, 5, -6, 2, 0, 0, 0, 0])
        let columns = Tensor<Double>(rows: [[1], [2], [3]])
        assertGradcheck([x, columns], names: ["x", "columns"], "y[at: idx, axis: 1] = v") { v in
            var y = v[0].sin()
            y[at: Tensor([1]), axis: 1] = v[1]
            return y
        }
    }

    // MARK: Hooks and retained gradients

    func testRetainGradFillsANonLeafsGrad() {
        let w = Tensor<Double>(rows: [[0.5, -1], [2, 0.25]]).requiringGrad(named: "w")
        let input = Tensor<Double>(rows: [[1, 2]])
        let h = input.matmul(w)
        XCTAssertFalse(h.retainsGrad)
        h.retainGrad()
        XCTAssertTrue(h.retainsGrad)
        XCTAssertNil(h.grad)
        h.tanh().sum().backward(retainGraph: true)
        let t = h.detached().tanh()
        XCTAssertEqual(h.grad?.scalars ?? [], (1 - t * t).scalars)
        // Accumulates across passes, as a leaf's gradient does; cleared with zeroGrad.
        h.tanh().sum().backward()
        XCTAssertEqual(h.grad?.scalars ?? [], (2 * (1 - t * t)).scalars)
        h.zeroGrad()
        XCTAssertNil(h.grad)
    }

    func testHooksSeeAndReplaceTheGradientInPyTorchsOrder() {
        let x = Tensor<Double>([1, 2, 3]).requiringGrad(named: "x")
        let h = x * 2
        var seen: [[Double]] = []
        h.retainGrad()
        h.registerHook { g in seen.append(g.scalars); return nil }       // watches
        h.registerHook { g in g * 10 }                                    // replaces
        h.registerHook { g in seen.append(g.scalars); return nil }       // sees the replacement
        (h * h).sum().backward()
        XCTAssertEqual(seen, [[4, 8, 12], [40, 80, 120]])
        // retain_grad stores the gradient after the hooks (PyTorch 2's order), and the replaced
        // gradient is what flows on to x.
        XCTAssertEqual(h.grad?.scalars, [40, 80, 120])
        XCTAssertEqual(x.grad?.scalars, [80, 160, 240])
    }

    func testHookOnALeafAndRemoval() {
        let w = Tensor<Double>([1, -1]).requiringGrad(named: "w")
        let handle = w.registerHook { g in g.clamped(lower: -0.5, upper: 0.5) }
        (w * Tensor([3, -0.25])).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [0.5, -0.25])
        handle.remove()
        w.zeroGrad()
        (w * Tensor([3, -0.25])).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [3, -0.25])
    }

    func testHooksRunInGradientsOfWithoutStoringAnything() throws {
        let x = Tensor<Double>([1, 2]).requiringGrad(named: "x")
        let h = x.exp()
        h.retainGrad()
        var calls = 0
        h.registerHook { g in calls += 1; return g * 0 }
        let g = try gradients(of: h.sum(), wrt: [x])
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(g[0].scalars, [0, 0])
        XCTAssertNil(h.grad, "gradients(of:wrt:) stores no gradient")
        XCTAssertNil(x.grad)
    }

    func testHookWithCreateGraphGivesSecondDerivativesOfTheReplacedGradient() throws {
        let x = Tensor<Double>([0.5, 1.5]).requiringGrad(named: "x")
        let y = x.squared()
        y.registerHook { g in g * 3 }          // ∂L/∂y scaled by 3
        let g = try gradients(of: y.sum(), wrt: [x], createGraph: true)[0]   // 3 · 2x
        XCTAssertEqual(g.scalars, [3, 9])
        let second = try gradients(of: g.sum(), wrt: [x])[0]
        XCTAssertEqual(second.scalars, [6, 6])
    }

    func testSequentialForwardHooksWatchAndReplaceOutputs() {
        let model = Sequential<Double> {
            Dense(inputs: 4, outputs: 3, seed: 1)
            Tanh()
            Dense(inputs: 3, outputs: 2, seed: 2)
        }
        let input = Tensor<Double>.randomNormal([5, 4], seed: 3)
        var seen: [(Int, String, [Int])] = []
        let watch = model.registerForwardHook { index, layer, output in
            seen.append((index, "\(type(of: layer))", output.shape))
            return nil
        }
        let plain = model(input)
        XCTAssertEqual(seen.map(\.0), [0, 1, 2])
        XCTAssertEqual(seen.map(\.1), ["Dense<Double>", "Tanh<Double>", "Dense<Double>"])
        XCTAssertEqual(seen.map(\.2), [[5, 3], [5, 3], [5, 2]])
        // A hook that replaces the tanh's output changes what the next layer sees; copies share hooks.
        let copy = model
        let zero = copy.registerForwardHook { index, _, output in index == 1 ? output * 0 : nil }
        XCTAssertEqual(model(input), model.layers[2](Tensor<Double>.zeros([5, 3])))
        zero.remove()
        watch.remove()
        seen.removeAll()
        XCTAssertEqual(model(input), plain)
        XCTAssertTrue(seen.isEmpty)
        // A hook can ask for the gradient of an activation.
        var hidden: Tensor<Double>?
        let grab = model.registerForwardHook { index, _, output in
            if index == 1 { output.retainGrad(); hidden = output }
            return nil
        }
        model(input).sum().backward()
        XCTAssertEqual(hidden?.grad?.shape, [5, 3])
        grab.remove()
        XCTAssertTrue(model.parameters.count == 4, "the hooks hold no parameters")
    }

    // MARK: softplus

    func testSoftplusThresholdComputesAsPyTorch() {
        let z = Tensor<Double>([-3, 0, 19.5, 20.5, 40])
        // torch.nn.functional.softplus(z) (threshold 20): the last two are z itself.
        let torchLike = z.softplus(threshold: 20)
        XCTAssertEqual(torchLike.scalars[3], 20.5)
        XCTAssertEqual(torchLike.scalars[4], 40)
        XCTAssertEqual(torchLike.scalars[2], z.softplus().scalars[2])
        // Its gradient is exactly 1 above the threshold (PyTorch's), σ(x) below.
        let leaf = z.requiringGrad()
        leaf.softplus(threshold: 20).sum().backward()
        XCTAssertEqual(leaf.grad?.scalars[3], 1)
        // σ(19.5) = 0.99999999660173219205… (mpmath), correctly rounded 0.9999999966017322 (the
        // vectorised sigmoid's value; libm's 1/(1 + exp(−19.5)) is one ulp below).
        XCTAssertEqual(leaf.grad?.scalars[2] ?? 0, 0.9999999966017322, accuracy: 1e-16)
        // The default keeps log(1 + e^x) everywhere (more accurate): not x at 20.5.
        XCTAssertNotEqual(z.softplus().scalars[3], 20.5)
        // With beta, the switch is where beta·x exceeds the threshold.
        XCTAssertEqual(Tensor<Double>([11]).softplus(beta: 2, threshold: 20).scalar, 11)
        assertGradcheck([Tensor([-1.5, 0.3, 2])], names: ["x"], "softplus(threshold:)") { v in v[0].softplus(beta: 2, threshold: 3) }
    }

    // MARK: Messages, each watched in a child process (the trap ends it)

    static let roleKey = "AUTOGRAD_IDIOMS_TRAP_CASE"

    static let trapCases: [String: (run: @Sendable () -> Void, expected: [String])] = [
        "mask of the wrong shape": ({ _ = Tensor<Float>.zeros([2, 3])[mask: Tensor.ones([3])] },
                                    ["a mask of shape [3] is not the shape of a tensor of shape [2, 3] nor of its leading axes"]),
        "position out of range": ({ _ = Tensor<Float>.zeros([2, 3]).gather(axis: 1, indices: Tensor(rows: [[0, 5]])) },
                                  ["gather: index 5.0 at position 1 of indices [1, 2] is out of range 0..<3"]),
        "position not whole": ({ _ = Tensor<Float>.zeros([2, 3]).gather(axis: 1, indices: Tensor(rows: [[0, 1.5]])) },
                               ["is not a whole number"]),
        "repeated position in a write": ({ var t = Tensor<Float>.zeros([3]); t[at: Tensor([1, 1])] = Tensor(2) },
                                         ["index 1.0 repeats in indices [2]"]),
        "hook on a plain tensor": ({ _ = Tensor<Float>.zeros([2]).registerHook { _ in nil } },
                                   ["registerHook: the tensor of shape [2] does not require gradients"]),
        "mask write into a leaf": ({ var w = Tensor<Float>.zeros([2]).requiringGrad(named: "w"); w[mask: Tensor([1, 0])] = Tensor(1) },
                                   ["the tensor 'w' is a leaf that requires gradients"]),
    ]

    func testMisuseTrapsWithAMessage() throws {
        try runTrapCases(Self.trapCases, roleKey: Self.roleKey, test: "GradCheckTests.PyTorchIdiomsTests/testMisuseTrapsWithAMessage")
    }
}

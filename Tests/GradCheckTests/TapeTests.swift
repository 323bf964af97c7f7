import XCTest
import Foundation
import Autograd

/// The tape and the backward pass: accumulation, the functional API, recording control,
/// released graphs and the errors, double backward, very deep graphs, threads, the trace,
/// the printed tape and the DOT export.
final class TapeTests: XCTestCase {
    typealias T = Tensor<Double>

    // MARK: Accumulation

    func testTensorUsedTwiceAccumulates() {
        let a = T([1, -2, 3]).requiringGrad(named: "a")
        (a * a).sum().backward()
        XCTAssertEqual(a.grad, T([2, -4, 6]))
        let b = T([1, -2, 3]).requiringGrad(named: "b")
        (b + b).sum().backward()
        XCTAssertEqual(b.grad, T([2, 2, 2]))
        // Used along two paths of different lengths: d/dc (c·c + exp(c)) = 2c + exp(c).
        let c = T([0.5, 1]).requiringGrad()
        (c * c + c.exp()).sum().backward()
        GradTest.assertClose(c.grad, T([1 + Foundation.exp(0.5), 2 + Foundation.exp(1)]))
        // Copies of a leaf share its gradient slot.
        let d = T([1, 2]).requiringGrad()
        let alias = d
        (alias * 3).sum().backward()
        XCTAssertEqual(d.grad, T([3, 3]))
    }

    /// A thousand intermediate gradients waiting at once (each term is recorded before the sums that
    /// use it, so it comes out of the walk last), each reached twice: the walk's pending-gradient
    /// storage grows, reuses its slots and adds up every contribution, in both backward paths.
    func testThousandsOfGradientsPendingAtOnce() throws {
        let x = T(0.5).requiringGrad(named: "x")
        let constants = (0..<1000).map { T(Double($0 % 7) - 3) }
        let terms = constants.map { x * $0 }
        var total = T(0)
        for t in terms { total = total + (t + t * t) }
        // d/dx Σ (c·x + c²x²) = Σ (c + 2c²x)
        let expected = constants.reduce(0) { $0 + $1.scalar + 2 * $1.scalar * $1.scalar * 0.5 }
        let viaTargets = try gradients(of: total, wrt: [x], retainGraph: true)
        XCTAssertEqual(viaTargets[0].scalar, expected, accuracy: 1e-9)
        total.backward()
        XCTAssertEqual(try XCTUnwrap(x.grad).scalar, expected, accuracy: 1e-9)
    }

    /// The walk goes from a node straight on to its input, past the waiting list, when that input
    /// is new and numbered above every waiting node. Graphs where that choice is right and where it
    /// must not be taken (the input still waits for another contribution): the gradients are the
    /// closed forms and bit for bit those of the targeted walk, which always uses the waiting list.
    func testWalkTakesAnInputStraightOnOnlyWhenItsGradientIsComplete() throws {
        let b = 1.25
        func check(_ name: String, _ expected: Double?, _ build: (T) -> T) throws {
            let x = T(0.75).requiringGrad(named: "x")
            let root = build(x)
            let targeted = try gradients(of: root, wrt: [x], retainGraph: true)[0].scalar
            // Thrown, not trapped: a node run twice finds its graph freed by its first run.
            try root.tryBackward()
            let walked = try XCTUnwrap(x.grad).scalar
            if let expected {
                XCTAssertEqual(walked, expected, accuracy: 1e-12 * abs(expected), name)
            }
            XCTAssertEqual(walked.bitPattern, targeted.bitPattern, "\(name): \(walked) vs \(targeted)")
        }
        // Two new inputs, the second numbered higher (taken straight on), both reaching y.
        try check("diamond", 2 * (3 + 5)) { x in
            let y = x * T(2.0)
            return y * T(3.0) + y * T(5.0)
        }
        // The same, inputs in the other order: neither is taken straight on past the other.
        try check("diamond, other order", 2 * (3 + 5)) { x in
            let y = x * T(2.0)
            let first = y * T(3.0)
            let second = y * T(5.0)
            return second + first
        }
        // One result as both inputs: its two contributions are added before it runs.
        try check("square of a result", 8 * 0.75) { x in
            let y = x * T(2.0)
            return y * y
        }
        // A long chain whose early link is also read at the end: the chain is walked straight on
        // down to that link, which waits for both contributions.
        try check("chain with a shortcut", pow(b, 100) + pow(b, 10)) { x in
            var y = x
            var early = x
            for step in 1...100 {
                y = y * T(b)
                if step == 10 { early = y }
            }
            return y + early
        }
        // A result read by a later op and by an earlier-numbered branch of the root.
        try check("late reader", 2 * 3 + 2 * 7 * 11) { x in
            let y = x * T(2.0)
            let branch = y * T(3.0)
            let late = (y * T(7.0)) * T(11.0)
            return branch + late
        }
        // A three-input op reading one result twice, another new input between the two readings.
        try check("repeated input of a three-input op", 2 + 3 + 2) { x in
            let y = x * T(2.0), z = x * T(3.0)
            return T.customOp("sum3", inputs: [y, z, y], value: withoutGradients { y + z + y }) { g, _, _ in [g, g, g] }
        }
        // One result read by three ops whose gradients cancel unless added in the same order.
        try check("three readers, order of the sums", nil) { x in
            let y = x * T(1.0)
            return (y * T(1e16) + y * T(1.0)) + y * T(-1e16)
        }
    }

    /// Along a chain taken straight on, a hook on a link runs once, with the link's whole gradient;
    /// `createGraph` records the walk for a second derivative; Float walks the same way.
    func testChainTakenStraightOnKeepsHooksCreateGraphAndFloat() throws {
        let b = 1.25
        let x = T(0.75).requiringGrad(named: "x")
        var y = x
        var watched = x
        for step in 1...40 {
            y = y * T(b)
            if step == 20 { watched = y }
        }
        var seen: [Double] = []
        let handle = watched.registerHook { g in seen.append(g.scalar); return nil }
        try (y + watched).tryBackward()
        handle.remove()
        XCTAssertEqual(seen.count, 1)
        XCTAssertEqual(seen.first ?? .nan, pow(b, 20) + 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(x.grad).scalar, pow(b, 40) + pow(b, 20), accuracy: 1e-9)

        // y = x²¹ by a chain of products with x itself: dy/dx = 21x²⁰, d²y/dx² = 420x¹⁹.
        let u = T(1.1).requiringGrad(named: "u")
        var power = u
        for _ in 1...20 { power = power * u }
        try power.tryBackward(createGraph: true)
        let first = try XCTUnwrap(u.grad)
        XCTAssertEqual(first.scalar, 21 * pow(1.1, 20), accuracy: 1e-9)
        let second = try gradients(of: first, wrt: [u])[0].scalar
        XCTAssertEqual(second, 420 * pow(1.1, 19), accuracy: 1e-8)

        let xf = Tensor<Float>(0.75).requiringGrad(named: "xf")
        var yf = xf
        var early = xf
        for step in 1...60 {
            yf = yf * Tensor<Float>(1.01)
            if step == 30 { early = yf }
        }
        let root = yf + early
        let targeted = try gradients(of: root, wrt: [xf], retainGraph: true)[0].scalar
        try root.tryBackward()
        let walked = try XCTUnwrap(xf.grad).scalar
        XCTAssertEqual(walked.bitPattern, targeted.bitPattern)
        XCTAssertEqual(Double(walked), pow(1.01, 60) + pow(1.01, 30), accuracy: 1e-4)
    }

    /// A hook that lists the tape while backward runs (to print it, step by step) walks the graph
    /// the backward pass is walking: the gradients are those of a pass without the hook.
    func testHookListingTheTapeDuringBackwardChangesNoGradient() {
        func run(listing: Bool) -> Double {
            let x = T(0.7).requiringGrad(named: "x")
            let a = x * x, b = x.exp()
            let c = a * b + a.sin()                 // a reaches c twice: its gradient waits for two contributions
            let d = c * c + b
            if listing {
                _ = c.registerHook { g in
                    XCTAssertFalse(d.tape.description.isEmpty)
                    XCTAssertFalse(a.tape.description.isEmpty)
                    return nil
                }
            }
            d.backward()
            return x.grad?.scalar ?? .nan
        }
        XCTAssertEqual(run(listing: true), run(listing: false))
    }

    /// A hook that runs another backward pass through the same graph while backward runs — the
    /// HTML page (a traced pass) of a long graph, `gradients(of:wrt:)` — leaves the outer pass's
    /// gradients as they are without the hook (it once read slots it never handed out).
    func testHookRunningAnotherBackwardPassChangesNoGradient() throws {
        func run(_ hook: ((T, T) throws -> Void)?) throws -> Double {
            let x = T(0.7).requiringGrad(named: "x")
            let a = x * x, b = x.exp()
            let c = a * b + a.sin()
            let d = c * c + b
            let y = T(0.3).requiringGrad(named: "y")
            var z = y
            for _ in 0..<300 { z = z.sin() }
            let probe = z + a                      // a far down probe's own listing
            if let hook {
                // b's rule runs while a's gradient waits for its second contribution.
                _ = b.registerHook { _ in
                    do { try hook(probe, a) } catch { XCTFail("\(error)") }
                    return nil
                }
            }
            d.backward()
            return try XCTUnwrap(x.grad).scalar
        }
        let expected = try run(nil)
        XCTAssertEqual(try run { probe, _ in XCTAssertFalse(probe.html().isEmpty) }, expected)
        XCTAssertEqual(try run { probe, a in
            XCTAssertEqual(try gradients(of: probe, wrt: [a], retainGraph: true)[0].scalar, 1)
        }, expected)
    }

    func testGradAccumulatesAcrossBackwardCallsUntilZeroed() {
        let x = T([1, 2, 3]).requiringGrad(named: "x")
        XCTAssertNil(x.grad)
        (x * x).sum().backward()
        (x * 10).sum().backward()
        XCTAssertEqual(x.grad, T([12, 14, 16]))
        x.zeroGrad()
        XCTAssertNil(x.grad)
        x.sum().backward()
        XCTAssertEqual(x.grad, T([1, 1, 1]))
    }

    func testBackwardWithUpstreamAndFromALeaf() throws {
        let x = T([1, 2]).requiringGrad()
        (x * x).backward(upstream: T([3, -1]))
        XCTAssertEqual(x.grad, T([6, -4]))
        // backward on the leaf itself adds the upstream.
        let y = T(2).requiringGrad()
        y.backward()
        XCTAssertEqual(y.grad, T(1))
        XCTAssertTrue(y.isLeaf)
        XCTAssertFalse((y * 2).isLeaf)
        XCTAssertNil((y * 2).grad, "non-leaves keep no gradient")
    }

    // MARK: Functional API

    func testGradientsOfWrtLeavesAndIntermediatesLeavesGradUntouched() throws {
        let w = T([1, 2]).requiringGrad(named: "w"), b = T(0.5).requiringGrad(named: "b")
        let h = w * w                       // an intermediate tensor
        let loss = (h * 3).sum() + b
        let g = try gradients(of: loss, wrt: [w, b, h], retainGraph: true)
        XCTAssertEqual(g[0], T([6, 12]))
        XCTAssertEqual(g[1], T(1))
        XCTAssertEqual(g[2], T([3, 3]), "gradient with respect to an intermediate tensor")
        XCTAssertNil(w.grad)
        XCTAssertNil(b.grad)
        // A leaf the output does not depend on gets zeros; a plain tensor is not part of any graph.
        let unused = T([1, 2, 3]).requiringGrad()
        let z = try gradients(of: loss, wrt: [unused], retainGraph: true)
        XCTAssertEqual(z, [T.zeros([3])])
        XCTAssertThrowsError(try gradients(of: loss, wrt: [unused, T([5])], retainGraph: true)) { error in
            XCTAssertEqual(error as? AutogradError, .notPartOfGraph(index: 1, shape: [1]))
        }
        // With respect to the output itself: the upstream.
        XCTAssertEqual(try gradients(of: h, wrt: [h], upstream: T([5, 7]), retainGraph: true), [T([5, 7])])
        // The graph was retained: backward still works and fills .grad.
        loss.backward()
        XCTAssertEqual(w.grad, T([6, 12]))
    }

    func testValueWithGradient() {
        let (value, gradient) = valueWithGradient(at: T([1, 2, 3])) { x in (x * x).sum() }
        XCTAssertEqual(value, T(14))
        XCTAssertEqual(gradient, T([2, 4, 6]))
        XCTAssertFalse(value.requiresGrad)
        let (v2, g2) = valueWithGradient(at: [T([1, 2]), T(3)]) { xs in (xs[0] * xs[1]).sum() }
        XCTAssertEqual(v2, T(9))
        XCTAssertEqual(g2, [T([3, 3]), T(3)])
        // A function that ignores its input has a zero gradient.
        XCTAssertEqual(valueWithGradient(at: T([1, 2])) { _ in T(7) }.gradient, T([0, 0]))
        // Works inside withoutGradients too (it turns recording back on for the body).
        let inside = withoutGradients { valueWithGradient(at: T(3)) { $0 * $0 } }
        XCTAssertEqual(inside.gradient, T(6))
    }

    // MARK: Recording control

    func testWithoutGradientsRecordsNothing() {
        let x = T([1, 2]).requiringGrad(named: "x")
        XCTAssertTrue(isRecordingGradients)
        let y = withoutGradients { () -> T in
            XCTAssertFalse(isRecordingGradients)
            let nested = withoutGradients { x * 2 }
            XCTAssertFalse(isRecordingGradients, "still off after a nested block")
            return (x * x + nested).exp()
        }
        XCTAssertTrue(isRecordingGradients)
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.tape.entries.isEmpty)
        XCTAssertEqual(y, (T([1, 2]) * T([1, 2]) + T([2, 4])).exp())
        XCTAssertThrowsError(try y.tryBackward()) { error in
            XCTAssertEqual(error as? AutogradError, .doesNotRequireGrad(shape: [2]))
        }
    }

    func testDetachedStopsGradients() {
        let x = T([1, 2, 3]).requiringGrad(named: "x")
        let y = (x * x.detached()).sum()      // d/dx = x (the detached factor is a constant)
        y.backward()
        XCTAssertEqual(x.grad, T([1, 2, 3]))
        XCTAssertFalse(x.detached().requiresGrad)
        XCTAssertEqual(x.detached(), x)
        XCTAssertFalse((x.detached() * 2).requiresGrad)
    }

    // MARK: Errors

    func testSecondBackwardThroughReleasedGraphThrows() {
        let x = T(3).requiringGrad(named: "x")
        let y = x * x
        y.backward()
        XCTAssertThrowsError(try y.tryBackward()) { error in
            XCTAssertEqual(error as? AutogradError, .graphReleased(op: "multiply"))
            XCTAssertTrue("\(error)".contains("retainGraph"), "\(error)")
            XCTAssertTrue("\(error)".contains("multiply"), "\(error)")
        }
        XCTAssertThrowsError(try gradients(of: y, wrt: [x])) { error in
            XCTAssertEqual(error as? AutogradError, .graphReleased(op: "multiply"))
        }
        XCTAssertEqual(x.grad, T(6), "the failed passes added nothing")
        XCTAssertTrue(y.tape.description.contains("(freed)"), y.tape.description)
    }

    func testRetainGraphAllowsSecondBackward() throws {
        let x = T(3).requiringGrad(named: "x")
        let y = x * x * x
        y.backward(retainGraph: true)
        try y.tryBackward()
        XCTAssertEqual(x.grad, T(54))
    }

    func testMisuseErrors() {
        let x = T([1, 2]).requiringGrad()
        XCTAssertThrowsError(try (x * 2).tryBackward()) { error in
            XCTAssertEqual(error as? AutogradError, .nonScalarWithoutUpstream(shape: [2]))
            XCTAssertTrue("\(error)".contains("upstream"), "\(error)")
            XCTAssertTrue("\(error)".contains(".sum()"), "\(error)")
        }
        XCTAssertThrowsError(try T([1, 2]).tryBackward(upstream: T([1, 1]))) { error in
            XCTAssertEqual(error as? AutogradError, .doesNotRequireGrad(shape: [2]))
            XCTAssertTrue("\(error)".contains("requiringGrad"), "\(error)")
        }
        XCTAssertThrowsError(try (x * 2).tryBackward(upstream: T([1, 1, 1]))) { error in
            XCTAssertEqual(error as? AutogradError, .upstreamShapeMismatch(tensor: [2], upstream: [3]))
            XCTAssertTrue("\(error)".contains("[3]") && "\(error)".contains("[2]"), "\(error)")
        }
        XCTAssertThrowsError(try gradients(of: T(1), wrt: [x])) { error in
            XCTAssertEqual(error as? AutogradError, .doesNotRequireGrad(shape: []))
        }
        XCTAssertNil(x.grad, "nothing was accumulated")
    }

    // MARK: Higher order

    func testDoubleBackwardOfCube() throws {
        for v in [-1.5, 0.5, 2.0] {
            let x = T(v).requiringGrad(named: "x")
            let y = x * x * x
            let dy = try gradients(of: y, wrt: [x], createGraph: true)[0]
            XCTAssertEqual(dy.scalar, 3 * v * v, accuracy: 1e-12)
            XCTAssertTrue(dy.requiresGrad, "createGraph records the backward pass")
            let d2y = try gradients(of: dy, wrt: [x], createGraph: true)[0]
            XCTAssertEqual(d2y.scalar, 6 * v, accuracy: 1e-12)
            let d3y = try gradients(of: d2y, wrt: [x])[0]
            XCTAssertEqual(d3y.scalar, 6, accuracy: 1e-12)
        }
        // The same through backward(createGraph:): x.grad is itself differentiable.
        let x = T(2).requiringGrad(named: "x")
        x.pow(3).backward(createGraph: true)
        let grad = try XCTUnwrap(x.grad)
        XCTAssertEqual(grad.scalar, 12)
        XCTAssertEqual(try gradients(of: grad, wrt: [x])[0].scalar, 12, "d²/dx² x³ = 6x = 12")
        // Without createGraph the gradient is a plain tensor.
        let z = T(2).requiringGrad()
        (z * z * z).backward()
        XCTAssertEqual(z.grad?.requiresGrad, false)
    }

    // MARK: Deep graphs

    func testMillionOpChainBackpropagatesAndIsFreedWithoutStackOverflow() throws {
        let n = 1_000_000, b = 1.0000001
        let factor = T(b)
        let x0 = T(1).requiringGrad(named: "x0")
        var x = x0
        for _ in 0..<n { x = x * factor }
        let expected = Foundation.pow(b, Double(n))
        XCTAssertEqual(x.scalar, expected, accuracy: expected * 1e-9)
        // Retaining the graph leaves it whole, so that dropping it below exercises the
        // release of a million linked nodes that no backward pass has freed.
        let g = try gradients(of: x, wrt: [x0], retainGraph: true)[0]
        XCTAssertEqual(g.scalar, expected, accuracy: expected * 1e-9)
        x = x0                              // drops the graph: the release must be iterative
        XCTAssertEqual(x.scalar, 1)
    }

    // MARK: Threads

    func testGraphsOnTwoThreadsMatchSequentialResults() {
        @Sendable func run(_ seed: UInt64) -> [Double] {
            let w = GradTest.normal([4, 3], seed: seed).requiringGrad(named: "w")
            let x = GradTest.normal([5, 4], seed: seed + 100)
            var loss = T(0)
            for _ in 0..<20 { loss = loss + x.matmul(w).tanh().squared().mean() }
            loss.backward()
            return (w.grad?.scalars ?? []) + [loss.scalar]
        }
        let sequential = [run(1), run(2)]
        final class Results: @unchecked Sendable {
            var values: [[Double]] = [[], []]
            let lock = NSLock()
        }
        let results = Results()
        let group = DispatchGroup()
        for i in 0..<2 {
            let thread = Thread {
                for _ in 0..<5 {
                    let r = run(UInt64(i + 1))
                    results.lock.lock()
                    if results.values[i].isEmpty || results.values[i] == r { results.values[i] = r } else { results.values[i] = [.nan] }
                    results.lock.unlock()
                }
                group.leave()
            }
            group.enter()
            thread.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(results.values[0], sequential[0])
        XCTAssertEqual(results.values[1], sequential[1])
        XCTAssertEqual(sequential[0].count, 13)
    }

    // MARK: Inspection

    func testTraceReceivesChainRuleSteps() {
        let a = T(2).requiringGrad(named: "a"), b = T(-3).requiringGrad(named: "b")
        // L = t3 = t2·t2 with t2 = t1 + a, t1 = a·b: L = 16, dL/dt2 = 2·t2 = -8,
        // dL/da = -8·b + -8 = 16, dL/db = -8·a = -16.
        let loss = (a * b + a).squared()
        var steps: [ChainRuleStep] = []
        loss.backward { steps.append($0) }
        XCTAssertEqual(a.grad, T(16))
        XCTAssertEqual(b.grad, T(-16))
        XCTAssertEqual(steps.map(\.op), ["t3", "t2", "t1"], "steps run from the loss back to the leaves")
        XCTAssertEqual(steps[0].upstream, "1")
        XCTAssertEqual(steps[0].contributions.map(\.input), ["t2", "t2"])
        XCTAssertEqual(steps[0].contributions.map(\.gradient), ["-4", "-4"], "t2·t2 sends t2 to each side")
        XCTAssertEqual(steps[1].upstream, "-8")
        XCTAssertEqual(steps[1].contributions.map(\.gradient), ["-8", "-8"])
        XCTAssertEqual(steps[1].contributions.map(\.input), ["t1", "a"])
        XCTAssertEqual(steps[2].contributions.map(\.input), ["a", "b"])
        XCTAssertEqual(steps[2].contributions.map(\.gradient), ["24", "-16"])
        XCTAssertTrue(steps[2].description.contains("∂L/∂a += 24"), steps[2].description)
    }

    func testTapeListingAndGraphviz() {
        let x = T([1, 2]).requiringGrad(named: "x"), w = T(3).requiringGrad(named: "w")
        let y = (x * w).relu().sum()
        let tape = y.tape
        XCTAssertEqual(tape.entries.map(\.op), ["leaf", "leaf", "multiply", "relu", "sum"])
        XCTAssertEqual(tape.entries.map(\.name), ["x", "w", "t1", "t2", "t3"])
        XCTAssertEqual(tape.entries[2].inputs, ["x", "w"])
        XCTAssertEqual(tape.entries[4].attributes, "axes: [0]")
        XCTAssertEqual(tape.entries[4].shape, [])
        XCTAssertEqual(tape.description, """
            x = leaf  [2] [1, 2] [2]
            w = leaf  [] 3
            t1 = multiply(x, w)  [2] [3, 6] [2]
            t2 = relu(t1)  [2] [3, 6] [2]
            t3 = sum(t2) {axes: [0]}  [] 9
            """)
        // Constants appear as "const"; a custom op appears under its own name.
        let c = T.customOp("twice", inputs: [x], value: withoutGradients { x * 2 }) { g, _, _ in [g * 2] } + T([1, 1])
        XCTAssertEqual(c.tape.entries.last?.inputs, ["t1", "const"])
        XCTAssertEqual(c.tape.entries.map(\.op), ["leaf", "twice", "add"])
        let dot = y.graphviz()
        XCTAssertTrue(dot.hasPrefix("digraph"), dot)
        for name in ["multiply", "relu", "sum", "\"x\"", "\"w\"", "->"] { XCTAssertTrue(dot.contains(name), "\(name) in\n\(dot)") }
        y.backward()
        XCTAssertTrue(y.graphviz().contains("grad"), "leaves show their gradient after backward")
        XCTAssertEqual(T(1).graphviz(), "digraph tape {\n}\n")
        XCTAssertTrue(T(1).tape.entries.isEmpty)
    }
}

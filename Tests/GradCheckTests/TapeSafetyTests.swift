import Foundation
import XCTest
import Autograd
import Layers
import Optim

/// The tape refuses what would give a silently wrong gradient, and the hand-written update
/// loops of micrograd and PyTorch work as their users write them.
final class TapeSafetyTests: XCTestCase {
    typealias T = Tensor<Double>

    // MARK: Gradients with respect to a tensor outside the graph

    func testGradientWithRespectToATensorOutsideTheGraphThrows() {
        let x = T([1, 2, 3]).requiringGrad(named: "x")
        let c = T([3, 3, 3])                      // a constant: not part of any graph
        let y = (x * c).sum()
        XCTAssertThrowsError(try gradients(of: y, wrt: [x, c])) { error in
            XCTAssertEqual(error as? AutogradError, .notPartOfGraph(index: 1, shape: [3]))
            XCTAssertTrue("\(error)".contains("not part of the graph"), "\(error)")
            XCTAssertTrue("\(error)".contains("requiringGrad()"), "\(error)")
        }
        // A leaf of another graph that y does not depend on keeps its documented zero gradient.
        let unused = T([5]).requiringGrad()
        XCTAssertEqual(try gradients(of: y, wrt: [x, unused], retainGraph: true), [c, T([0])])
    }

    // MARK: In-place updates between forward and backward

    func testAssignBetweenForwardAndBackwardIsRefused() {
        var w = T([1, 2]).requiringGrad(named: "w")
        let x = T([3, 4])
        let loss = (w * x).sum()
        w.assign(T([10, 20]))
        XCTAssertThrowsError(try loss.tryBackward()) { error in
            XCTAssertEqual(error as? AutogradError, .modifiedAfterUse(tensor: "the leaf 'w'", op: "multiply (t1)"))
            XCTAssertTrue("\(error)".contains("modified in place"), "\(error)")
        }
        XCTAssertNil(w.grad, "nothing was accumulated")
        // A forward pass after the update is fine, and sees the new values.
        (w * x).sum().backward()
        XCTAssertEqual(w.grad, x)
    }

    func testOptimizerStepBetweenForwardAndBackwardIsRefused() {
        let model = Dense<Double>(inputs: 3, outputs: 2, seed: 1)
        let optimizer = SGD(model, learningRate: 0.1)
        let x = T.randomNormal([4, 3], seed: 2)
        let first = model(x).squared().sum()
        first.backward()
        let second = model(x).squared().sum()      // read the weights as they are now
        optimizer.step()                           // …then changed them
        XCTAssertThrowsError(try second.tryBackward()) { error in
            guard case .modifiedAfterUse(let tensor, let op)? = error as? AutogradError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(tensor.contains("weight") || tensor.contains("bias") || tensor.contains("leaf"), tensor)
            XCTAssertFalse(op.isEmpty)
        }
    }

    // MARK: The hand-written update loops

    /// micrograd's loop, written in Swift: `p.data += -lr * p.grad`.
    func testMicrogradStyleLoopKeepsTheParameterALeaf() {
        var w = T([0.5, -1]).requiringGrad(named: "w")
        let x = T([1, 2]), target = 3.0
        var losses: [Double] = []
        for _ in 0..<50 {
            let loss = ((w * x).sum() - target).squared()
            losses.append(loss.scalar)
            w.zeroGrad()
            loss.backward()
            if let g = w.grad { w.data -= 0.05 * g }
        }
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.name, "w")
        XCTAssertLessThan(losses.last ?? .infinity, 1e-6)
        XCTAssertEqual((w * x).sum().scalar, target, accuracy: 1e-3)
    }

    /// The same loop with `w -= …` while recording: the update is recorded (as `w = w - …`), and the
    /// pass that reaches it after it was freed says so — not "use retainGraph".
    func testRecordedCompoundUpdateOfALeafIsExplained() {
        var w = T([0.5, -1]).requiringGrad(named: "w")
        let x = T([1, 2])
        var failure: Error?
        for _ in 0..<3 {
            let loss = ((w * x).sum() - 3).squared()
            w.zeroGrad()
            do { try loss.tryBackward() } catch { failure = error; break }
            if let g = w.grad { w -= 0.05 * g } else { w -= T([0, 0]) }
        }
        guard let failure else { return XCTFail("a later pass reaches the freed update") }
        XCTAssertEqual(failure as? AutogradError, .recordedUpdateReleased(tensor: "the leaf 'w'", op: "-"))
        let text = "\(failure)"
        XCTAssertTrue(text.contains("withoutGradients { w -= lr * g }") && text.contains("w.data -= lr * g"), text)
        XCTAssertFalse(text.contains("retainGraph"), text)
    }

    /// PyTorch's idiom: the update inside `withoutGradients` (`torch.no_grad()`).
    func testUpdateInsideWithoutGradientsKeepsTheParameterALeaf() {
        var w = T([2]).requiringGrad(named: "w")
        (w * w).sum().backward()
        withoutGradients { if let g = w.grad { w -= 0.25 * g } }
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w, T([1]))
        w.zeroGrad()
        (w * w).sum().backward()
        XCTAssertEqual(w.grad, T([2]))
    }

    func testCompoundAssignmentOnANonLeafIsRecorded() throws {
        let x = T([1, 2]).requiringGrad()
        var h = x * 3
        h += x                     // h = 3x + x: recorded, so ∂h/∂x = 4
        h.sum().backward()
        XCTAssertEqual(x.grad, T([4, 4]))
        // Outside withoutGradients a compound assignment on a copy of a leaf records, as Swift's value
        // semantics say (`var y = x; y += b` is `y = y + b`): gradcheck's functions rely on it.
        let leaf = T([1, 2]).requiringGrad()
        var y = leaf
        y *= T(3)
        XCTAssertFalse(y.isLeaf)
        y.sum().backward()
        XCTAssertEqual(leaf.grad, T([3, 3]))
        var inPlace = T([1, 2]).requiringGrad()
        withoutGradients { inPlace -= T(1) }
        XCTAssertEqual(inPlace, T([0, 1]))
        XCTAssertTrue(inPlace.isLeaf)
    }

    /// The mistake the old message answered with "retainGraph": `w = w - …` makes w a result.
    func testReleasedGraphMessageNamesTheRecordedUpdate() {
        var w = T([1]).requiringGrad(named: "w")
        let original = w
        var failure: Error?
        for _ in 0..<3 {
            do { try (w * w).sum().tryBackward() } catch { failure = error; break }
            w = w - 0.1 * (original.grad ?? T([0]))      // recorded: w is a result, no longer a leaf
        }
        XCTAssertFalse(w.isLeaf)
        guard let failure else { return XCTFail("the third pass should reach a freed node") }
        XCTAssertEqual(failure as? AutogradError, .graphReleased(op: "subtract"))
        XCTAssertTrue("\(failure)".contains("w -= …") && "\(failure)".contains("keeps it a leaf"), "\(failure)")
    }

    // MARK: checkingNumerics

    func testNonFiniteParameterIsReportedWhereItEnters() {
        let w = T([1, .nan, 3]).requiringGrad(named: "w")
        let x = T([1, 1, 1])
        XCTAssertThrowsError(try checkingNumerics { (x * w).sum() }) { error in
            guard let e = error as? NumericsError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.op, "multiply")
            XCTAssertEqual(e.nonFiniteInput, 1)
            XCTAssertEqual(e.nonFiniteInputDescription, "the leaf 'w'")
            XCTAssertEqual(e.nanCount, 1)
            XCTAssertEqual(e.firstIndex, [1])
            XCTAssertTrue(e.description.contains("already held 1 NaN"), e.description)
        }
        // Data that is not a parameter: named as such.
        XCTAssertThrowsError(try checkingNumerics { T([.infinity]).exp() }) { error in
            let e = error as? NumericsError
            XCTAssertEqual(e?.nonFiniteInput, 0)
            XCTAssertEqual(e?.infinityCount, 1)
            XCTAssertTrue(e?.nonFiniteInputDescription?.contains("does not require gradients") ?? false)
        }
    }

    func testBackwardReportSaysWhereTheForwardOpWasCalled() {
        let x = T([0, 4]).requiringGrad(named: "x")
        XCTAssertThrowsError(try checkingNumerics { x.sqrt().sum().backward() }) { error in
            guard let e = error as? NumericsError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.backwardOf, "sqrt (t1)")
            XCTAssertFalse(e.forwardCallStack.isEmpty, e.description)
            XCTAssertTrue(e.description.contains("was called in the forward pass"), e.description)
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/addr2line") {
                // Resolved to this file and the line of the forward call above.
                XCTAssertTrue(e.forwardCallStack.contains { $0.contains("TapeSafetyTests.swift") }, e.description)
            }
        }
    }

    /// A scope open on one thread neither checks nor slows the ops of another.
    func testScopeOnOneThreadLeavesOtherThreadsAlone() {
        let inside = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        var otherResult: Double = 0
        let thread = Thread {
            _ = try? checkingNumerics {
                inside.signal()
                done.wait()
            }
        }
        thread.start()
        inside.wait()
        // This thread is outside any scope: a NaN flows as usual, nothing is reported here…
        otherResult = T([-1]).log().scalar
        XCTAssertTrue(otherResult.isNaN)
        XCTAssertNoThrow(try checkingNumerics { T([2]).exp() })
        done.signal()
        // …and the other thread's scope saw nothing of it.
        XCTAssertThrowsError(try checkingNumerics { T([-1]).log() })
    }
}

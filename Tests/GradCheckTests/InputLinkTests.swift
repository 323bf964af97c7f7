import XCTest
@testable import Autograd
#if canImport(Glibc)
import Glibc
#endif

/// A node reads an input that is another op's result from that op's node, and holds only the
/// values of constants, leaves and results of released nodes (see `Node.link0`). These tests
/// cover what that changes: where the values and the leaf versions are found, and what happens
/// when the producing node's values were freed by a pass through another graph.
final class InputLinkTests: XCTestCase {
    typealias T = Tensor<Double>

    func testLinkedHeldAndConstantInputsAreReadBackAsTheyWere() throws {
        let w = T([1, 2, 3]).requiringGrad(named: "w")
        let c = T([4, 5, 6])
        let y = w * 2                          // y's node: leaf input 0 held, constant input 1 held (extras)
        let z = y * c                          // linked input 0 (y's output), constant input 1 held
        let u = c * y                          // constant input 0 held, linked input 1
        guard let yNode = y.node, let zNode = z.node, let uNode = u.node else { return XCTFail("not recorded") }
        XCTAssertEqual(yNode.inputs.map(\.scalars), [[1, 2, 3], [2]])
        XCTAssertEqual(zNode.inputs.map(\.scalars), [[2, 4, 6], [4, 5, 6]])
        XCTAssertEqual(uNode.inputs.map(\.scalars), [[4, 5, 6], [2, 4, 6]])
        XCTAssertEqual(zNode.inputs.map(\.shape), [[3], [3]])
        XCTAssertTrue(zNode.inputNode(0) === yNode)
        XCTAssertNil(zNode.inputNode(1))
        XCTAssertTrue(zNode.readsOutput(ofInput: 0))
        XCTAssertFalse(zNode.readsOutput(ofInput: 1))
        (z.sum() + u.sum()).backward()
        XCTAssertEqual(w.grad?.scalars, [16, 20, 24])
    }

    /// The three places a first or second input's leaf version is kept: the node (input 0, or
    /// input 1 beside a linked input 0) and the extras (input 1 beside a held input 0).
    static var leafPlacements: [(name: String, op: (T, T, T) -> T)] { [
        ("leaf input 0", { w, _, c in w * c }),
        ("leaf input 1 beside a result", { w, leaf, _ in (leaf * 1) * w }),
        ("leaf input 1 beside a constant", { w, _, c in c * w }),
        ("leaf input 1 beside a leaf", { w, leaf, _ in leaf * w }),
    ] }

    func testALeafChangedInPlaceAfterUseIsRefusedWhereverItsVersionIsKept() {
        for (name, op) in Self.leafPlacements {
            var w = T([1, 2]).requiringGrad(named: "w")
            let leaf = T([3, 4]).requiringGrad(), c = T([3, 4])
            let loss = op(w, leaf, c).sum()
            w.data = T([5, 6])
            XCTAssertThrowsError(try loss.tryBackward(), name) { error in
                guard case .modifiedAfterUse(let tensor, _)? = error as? AutogradError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(tensor, "the leaf 'w'", name)
            }
        }
    }

    func testALeafChangedInPlaceBeforeUseIsAccepted() throws {
        // Versions recorded when the op ran (not 0): a leaf updated only before its use is fine.
        for (name, op) in Self.leafPlacements {
            var w = T([1, 2]).requiringGrad(named: "w")
            var leaf = T([3, 4]).requiringGrad()
            w.data = T([5, 6])
            leaf.data = T([3, 4])
            w.data = T([1, 2])
            let loss = op(w, leaf, T([3, 4])).sum()
            XCTAssertNoThrow(try loss.tryBackward(), name)
            XCTAssertEqual(w.grad?.scalars, [3, 4], name)
        }
    }

    func testAResultRecordedAfterItsNodeWasReleasedIsHeldByValue() throws {
        let x = T([1, 2, 3]).requiringGrad()
        let y = x * 2
        y.sum().backward()                     // releases y's node (its output is dropped)
        XCTAssertTrue(y.node?.isReleased ?? false)
        let g = try gradients(of: (y * y).sum(), wrt: [y])
        XCTAssertEqual(g[0].scalars, [4, 8, 12])
    }

    func testAResultWhoseNodeWasReleasedByAnotherGraphIsRefusedNotMisread() throws {
        let x = T([1, 2, 3]).requiringGrad()
        let y = x.exp()
        let other = y.sum(), square = (y * y).sum()
        try other.tryBackward()                // frees y's node, which the product reads y from
        XCTAssertThrowsError(try gradients(of: square, wrt: [y])) { error in
            XCTAssertEqual(error as? AutogradError, .graphReleased(op: "exp"))
        }
        // Kept with retainGraph, the same gradient is there.
        let x2 = T([1, 2, 3]).requiringGrad()
        let y2 = x2.exp()
        let other2 = y2.sum(), square2 = (y2 * y2).sum()
        try other2.tryBackward(retainGraph: true)
        XCTAssertEqual(try gradients(of: square2, wrt: [y2])[0].scalars, y2.scalars.map { 2 * $0 })
    }

    func testBackwardThroughAResultWhoseNodeWasReleasedByAnotherGraphIsRefused() throws {
        let x = T([1, 2, 3]).requiringGrad()
        let y = x.exp()                        // named in the error: not the product's own op
        let square = (y * y).sum()
        try y.sum().tryBackward()              // frees y's node
        XCTAssertThrowsError(try square.tryBackward()) { error in
            XCTAssertEqual(error as? AutogradError, .graphReleased(op: "exp"))
        }
    }

    func testAFusedLoopWritingIntoAResultCutsItOffItsNode() {
        var y = T([1, 2]).requiringGrad() * 3
        y.withUnsafeMutableScalars { $0[0] = 9 }
        XCTAssertNil(y.node)
    }

    #if canImport(Glibc)
    func testANodeFitsInAMallocBlockOf128Bytes() {
        // 120 usable bytes: the block of 128 that keeps a 10⁶-op scalar chain near 150 MiB.
        let y = T(1).requiringGrad() * 2
        guard let node = y.node else { return XCTFail("not recorded") }
        // malloc.h is not in the Glibc module: found at run time.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else {
            return XCTFail("glibc without malloc_usable_size")
        }
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        let usableSize = unsafeBitCast(symbol, to: UsableSize.self)
        XCTAssertLessThanOrEqual(usableSize(Unmanaged.passUnretained(node).toOpaque()), 120)
    }
    #endif
}

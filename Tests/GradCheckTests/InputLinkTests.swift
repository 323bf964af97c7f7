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

    func testALeafChangedInPlaceIsRefusedWhereverItsVersionIsKept() {
        // A leaf as input 0, as input 1 beside a linked input, and as input 1 beside a constant
        // (whose version is kept in the node's extras).
        let cases: [(T, T) -> T] = [{ w, c in w * c }, { w, c in (c * 1) * w }, { w, c in c * w }]
        for (index, op) in cases.enumerated() {
            var w = T([1, 2]).requiringGrad(named: "w")
            let c = T([3, 4]).requiringGrad()
            let loss = op(w, c).sum()
            w.data = T([5, 6])
            XCTAssertThrowsError(try loss.tryBackward(), "case \(index)") { error in
                guard case .modifiedAfterUse(let tensor, _)? = error as? AutogradError else {
                    return XCTFail("case \(index): \(error)")
                }
                XCTAssertEqual(tensor, "the leaf 'w'")
            }
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
        let y = x * 2
        let other = y.sum(), square = (y * y).sum()
        try other.tryBackward()                // frees y's node, which the product reads y from
        XCTAssertThrowsError(try gradients(of: square, wrt: [y])) { error in
            XCTAssertEqual(error as? AutogradError, .graphReleased(op: "multiply"))
        }
        // Kept with retainGraph, the same gradient is there.
        let x2 = T([1, 2, 3]).requiringGrad()
        let y2 = x2 * 2
        let other2 = y2.sum(), square2 = (y2 * y2).sum()
        try other2.tryBackward(retainGraph: true)
        XCTAssertEqual(try gradients(of: square2, wrt: [y2])[0].scalars, [4, 8, 12])
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

import Foundation
import XCTest
import Autograd

/// Subscripts as in NumPy and PyTorch (mlx-swift's spelling): every reading form against the
/// values NumPy 2.4 gives for the same index (printed by NumPy, pasted here), gradchecked in
/// Double on odd shapes; writing through a subscript into plain tensors, leaves and recorded
/// results; the messages of bad subscripts.
final class IndexingTests: XCTestCase {
    /// x = np.arange(24.).reshape(2, 3, 4)
    let x = Tensor<Double>.arange(0, 24).reshaped([2, 3, 4])

    private func expect(_ y: Tensor<Double>, _ shape: [Int], _ values: [Double], _ form: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(y.shape, shape, form, file: file, line: line)
        XCTAssertEqual(y.scalars, values, form, file: file, line: line)
    }

    func testReadingFormsGiveNumPysValues() {
        expect(x[0..., 1], [2, 4], [4, 5, 6, 7, 16, 17, 18, 19], "x[:, 1]")
        expect(x[0, 1..<3], [2, 4], [4, 5, 6, 7, 8, 9, 10, 11], "x[0, 1:3]")
        expect(x[-1], [3, 4], Array(12...23).map(Double.init), "x[-1]")
        expect(x[.ellipsis, -2], [2, 3], [2, 6, 10, 14, 18, 22], "x[..., -2]")
        expect(x[1, .ellipsis, 1...2], [3, 2], [13, 14, 17, 18, 21, 22], "x[1, ..., 1:3]")
        expect(x[.stride(by: 2)], [1, 3, 4], Array(0...11).map(Double.init), "x[::2]")
        expect(x[0..., .stride(by: -1), .stride(from: 3, to: 0, by: -2)], [2, 3, 2],
               [11, 9, 7, 5, 3, 1, 23, 21, 19, 17, 15, 13], "x[:, ::-1, 3:0:-2]")
        expect(x[.newAxis, 1, .newAxis, ..<2], [1, 1, 2, 4], [12, 13, 14, 15, 16, 17, 18, 19], "x[None, 1, None, :2]")
        expect(x[(-2)..., ...(-2), 2], [2, 2], [2, 6, 14, 18], "x[-2:, :-1, 2]")
        expect(x[1, 2, 3], [], [23], "x[1, 2, 3]")
        expect(x[0..., 1...], [2, 2, 4], [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23], "x[:, 1:]")
        expect(x[.stride(from: -1, by: -1), 0], [2, 4], [12, 13, 14, 15, 0, 1, 2, 3], "x[::-1, 0]")
        expect(x[0, .stride(from: 2, to: 2)], [0, 4], [], "x[0, 2:2]")
        expect(x[indices: [0..., 0..., -1]], [2, 3], [3, 7, 11, 15, 19, 23], "x[:, :, -1]")
        expect(x[.ellipsis], [2, 3, 4], x.scalars, "x[...]")
        XCTAssertEqual(Tensor<Double>(5)[.newAxis].shape, [1])
        XCTAssertEqual(Tensor<Double>(5)[.ellipsis].shape, [])
    }

    /// The two subscripts that existed before (an integer, a `Range`) give what they gave, and
    /// record the same ops.
    func testTheEarlierSubscriptsKeepTheirMeaning() {
        let w = x.requiringGrad(named: "w")
        let row = w[1], rows = w[0..<1]
        XCTAssertEqual(row.scalars, Array(12...23).map(Double.init))
        XCTAssertEqual(rows.shape, [1, 3, 4])
        XCTAssertEqual(row.tape.entries.map(\.op), ["leaf", "slice", "reshape"])
        XCTAssertEqual(rows.tape.entries.map(\.op), ["leaf", "slice"])
        XCTAssertEqual(w[-2..<(-1)].scalars, Array(0...11).map(Double.init), "negative bounds count from the end")
    }

    /// Every reading form is a composition of slice, reverse and reshape: gradcheck (and
    /// gradgradcheck of a product, whose second derivative goes through the rules' own rules)
    /// in Double on a tensor of odd sizes.
    func testEveryReadingFormIsDifferentiable() {
        let t = GradTest.normal([3, 5, 4], seed: 3)
        let forms: [(String, (Tensor<Double>) -> Tensor<Double>)] = [
            ("x[:, 1]", { $0[0..., 1] }),
            ("x[0, 1:4]", { $0[0, 1..<4] }),
            ("x[-1]", { $0[-1] }),
            ("x[..., -2]", { $0[.ellipsis, -2] }),
            ("x[1, ..., 1:3]", { $0[1, .ellipsis, 1...2] }),
            ("x[::2]", { $0[.stride(by: 2)] }),
            ("x[::-1, 1:, 3:0:-2]", { $0[.stride(by: -1), 1..., .stride(from: 3, to: 0, by: -2)] }),
            ("x[-1::-2, ::-3]", { $0[.stride(from: -1, by: -2), .stride(by: -3)] }),
            ("x[None, 1, None, :3]", { $0[.newAxis, 1, .newAxis, ..<3] }),
            ("x[-2:, :-1, 2]", { $0[(-2)..., ...(-2), 2] }),
            ("x[2, 4, 0]", { $0[2, 4, 0] }),
        ]
        for (form, read) in forms {
            let report = GradTest.check([t], names: ["x"]) { read($0[0]) }
            XCTAssertFalse(report.description.isEmpty, form)
            GradTest.checkSecond([t], names: ["x"]) { v in (read(v[0]) * read(v[0]).sin()).sum() }
        }
    }

    func testWritingIntoAPlainTensor() {
        var m = Tensor<Double>.zeros([3, 4])
        m[0, 1..<3] = Tensor([7, 8])
        XCTAssertEqual(m.scalars, [0, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        m[0..., 0] = Tensor(1)
        XCTAssertEqual(m.scalars, [1, 7, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        m[2, .stride(by: -1)] = Tensor([1, 2, 3, 4])
        XCTAssertEqual(m.scalars, [1, 7, 8, 0, 1, 0, 0, 0, 4, 3, 2, 1])
        m[.newAxis, 1, .stride(by: 2)] = Tensor([5, 6])
        XCTAssertEqual(m.scalars, [1, 7, 8, 0, 5, 0, 6, 0, 4, 3, 2, 1])
        m[.ellipsis, -1] = Tensor([9])
        XCTAssertEqual(m.scalars, [1, 7, 8, 9, 5, 0, 6, 9, 4, 3, 2, 9])
        m[(-1)..., 1..<3] = Tensor([3, 4], shape: [1, 1, 2])   // leading 1s of the value dropped
        XCTAssertEqual(m.scalars, [1, 7, 8, 9, 5, 0, 6, 9, 4, 3, 4, 9])
        m[1] = m[0]
        XCTAssertEqual(m[1].scalars, [1, 7, 8, 9])
        m[0, 2..<2] = Tensor([Double]())                        // an empty region: nothing changes
        XCTAssertFalse(m.requiresGrad)
        // A copy made before the write keeps its values (value semantics).
        let before = m
        m[0, 0] = Tensor(100)
        XCTAssertEqual(before[index: 0, 0], 1)
        XCTAssertEqual(m[index: 0, 0], 100)
    }

    /// Inside withoutGradients, or through `.data` anywhere, a leaf is written in place and
    /// stays that leaf; the write counts as an in-place update, so a backward pass through an
    /// op that read the old values is refused instead of using them.
    func testWritingIntoALeafKeepsTheLeaf() throws {
        var w = Tensor<Double>.zeros([2, 3]).requiringGrad(named: "w")
        let before = (w * w).sum()
        withoutGradients { w[0, 1...] = Tensor([1, 2]) }
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.name, "w")
        XCTAssertEqual(w.scalars, [0, 1, 2, 0, 0, 0])
        XCTAssertThrowsError(try before.tryBackward()) { error in
            XCTAssertTrue("\(error)".contains("w"), "\(error)")
        }
        w.data[1, .stride(by: -1)] = Tensor([3, 4, 5])
        XCTAssertTrue(w.isLeaf)
        XCTAssertEqual(w.scalars, [0, 1, 2, 5, 4, 3])
        let loss = (w * w).sum()
        loss.backward()
        XCTAssertEqual(w.grad?.scalars, [0, 2, 4, 10, 8, 6])
    }

    /// Writing into a recorded result while recording records it: the result equals the tensor
    /// with the region replaced, and the gradient reaches the tensor outside the region and the
    /// written value inside it (gradcheck with respect to both, negative step included).
    func testWritingIntoARecordedResultIsDifferentiable() {
        let a = GradTest.normal([3, 5], seed: 11), b = GradTest.normal([2, 2], seed: 12)
        func f(_ v: [Tensor<Double>]) -> Tensor<Double> {
            var y = v[0].sin()
            y[.stride(from: 2, by: -2), .stride(from: 4, to: 0, by: -2)] = v[1] * 3
            y[1, 0] = v[1][0, 0]
            return y
        }
        let y = f([a, b])
        XCTAssertEqual(y[index: 2, 4], 3 * b[index: 0, 0], accuracy: 1e-15)
        XCTAssertEqual(y[index: 0, 0], sin(a[index: 0, 0]), accuracy: 1e-15)
        XCTAssertEqual(y[index: 1, 0], b[index: 0, 0])
        GradTest.check([a, b], names: ["a", "b"], f)
        GradTest.checkSecond([a, b], names: ["a", "b"]) { v in (f(v) * f(v)).sum() }
        // A plain tensor receiving a value that requires gradients becomes a recorded result.
        let v = Tensor<Double>([1, 2]).requiringGrad(named: "v")
        var plain = Tensor<Double>.zeros([2, 2])
        plain[1] = v
        (plain * plain).sum().backward()
        XCTAssertEqual(v.grad?.scalars, [2, 4])
    }

    // MARK: Messages of bad subscripts, each watched in a child process (the trap ends it)

    static let roleKey = "AUTOGRAD_INDEXING_TRAP_CASE"

    static let trapCases: [String: (run: @Sendable () -> Void, expected: [String])] = [
        "index out of range": ({ _ = Tensor<Float>.zeros([2, 3])[0..., 3] },
                               ["subscript [0..., 3] of a tensor of shape [2, 3]: index 3 is out of range for axis 1 of size 3",
                                "-3...2"]),
        "too many indices": ({ _ = Tensor<Float>.zeros([2, 3])[0, 1, 2] },
                             ["subscript [0, 1, 2] of a tensor of shape [2, 3]: 3 indices for 2 axes"]),
        "two ellipses": ({ _ = Tensor<Float>.zeros([2, 3])[.ellipsis, 0, .ellipsis] },
                         ["at most one .ellipsis"]),
        "zero step": ({ _ = Tensor<Float>.zeros([4])[.stride(by: 0)] }, ["the step of .stride(by: 0) on axis 0 is 0"]),
        "bound out of range": ({ _ = Tensor<Float>.zeros([4, 2])[1..<7] },
                               ["the end 7 of 1..<7 is out of range for axis 0 of size 4 (valid: -4...4)"]),
        "value of the wrong shape": ({ var m = Tensor<Float>.zeros([3, 4]); m[0, 1..<3] = Tensor([1, 2, 3]) },
                                     ["subscript assignment [0, 1..<3] of a tensor of shape [3, 4]: a value of shape [3] "
                                      + "does not broadcast to the selected region of shape [2]"]),
        "leaf written while recording": ({ var w = Tensor<Float>.zeros([2, 2]).requiringGrad(named: "w"); w[0] = Tensor([1, 2]) },
                                         ["subscript assignment [0]: the tensor 'w' is a leaf that requires gradients",
                                          "withoutGradients", "w.data[0] = value"]),
    ]

    func testBadSubscriptsTrapWithAMessage() throws {
        try runTrapCases(Self.trapCases, roleKey: Self.roleKey, test: "GradCheckTests.IndexingTests/testBadSubscriptsTrapWithAMessage")
    }
}

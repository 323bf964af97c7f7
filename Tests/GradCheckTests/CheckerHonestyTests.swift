import XCTest
import Autograd
import Layers

/// The checkers never say OK for what they did not check: checkDerivation with misspelt names,
/// with nothing to compare, with a wrong-shaped hand gradient; gradcheck through a layer that is
/// not connected to its input; the report's heading.
final class CheckerHonestyTests: XCTestCase {
    let x = Tensor<Double>(rows: [[0.5, -1.0], [2.0, 0.25], [-0.3, 0.7]])
    let y = Tensor<Double>(rows: [[1.0], [0.0], [1.0]])
    let w = Tensor<Double>(rows: [[0.3], [0.8]])

    func network(_ v: [Tensor<Double>], _ step: DerivationSteps) -> Tensor<Double> {
        let a = step("a", x.matmul(v[0]).sigmoid())
        return 0.5 * (a - y).squared().sum()
    }

    // MARK: checkDerivation

    func testUnknownNamesFailTheCheckAndAreListedBesideTheKnownOnes() {
        // The forward marks `a`, the input is `w`; the hand closure says "dz" and "W".
        let report = checkDerivation(at: [w], names: ["w"], function: network) { _, forward in
            guard let a = forward["a"] else { return [:] }
            let dZ = (a - self.y) * a * (1 - a)
            return ["dz": dZ, "W": self.x.transposed().matmul(dZ)]
        }
        XCTAssertFalse(report.passed, "\(report)")
        XCTAssertEqual(report.unknownNames, ["dz", "W"])
        XCTAssertEqual(report.knownNames, ["a", "w"])
        XCTAssertEqual(report.comparedCount, 0)
        let text = report.description
        XCTAssertFalse(text.contains("derivation OK"), text)
        XCTAssertTrue(text.contains("unknown: dz, W; known: a, w"), text)
        XCTAssertTrue(text.contains("W: did you mean w?"), text)
    }

    func testOneUnknownNameFailsEvenWhenTheOthersAgree() {
        let report = checkDerivation(at: [w], names: ["w"], function: network) { _, forward in
            guard let a = forward["a"] else { return [:] }
            let dA = a - self.y
            return ["a": dA, "dw": self.x.transposed().matmul(dA * a * (1 - a))]
        }
        XCTAssertEqual(report.items.first?.verdict, .exact)
        XCTAssertNil(report.firstWrong)
        XCTAssertFalse(report.passed, "\(report)")
        XCTAssertTrue(report.description.contains("dw: did you mean w?"), report.description)
    }

    func testAReportThatComparedNothingDoesNotPass() {
        let report = checkDerivation(at: [w], names: ["w"], function: network) { _, _ in [:] }
        XCTAssertTrue(report.items.allSatisfy { $0.verdict == .notGiven })
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.description.hasPrefix("derivation NOT CHECKED"), report.description)
    }

    func testAWrongShapedHandGradientIsAWrongStepAndTheCheckGoesOn() {
        // b2 has shape [3]; summing over the wrong axis gives shape [4].
        let h = Tensor<Double>.randomNormal([4, 3], seed: 1)
        let b2 = Tensor<Double>([0.1, -0.2, 0.3])
        let report = checkDerivation(at: [b2], names: ["b2"], function: { v, step in
            let z = step("z", h + v[0])
            return (z * z).sum() * 0.5
        }, hand: { _, forward in
            guard let z = forward["z"] else { return [:] }
            return ["z": z, "b2": z.sum(axes: [1])]       // should be z.sum(axes: [0])
        })
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.items.map(\.verdict), [.exact, .wrong])
        XCTAssertEqual(report.firstWrong?.name, "b2")
        XCTAssertEqual(report.firstWrong?.handShape, [4])
        XCTAssertEqual(report.firstWrong?.shape, [3])
        XCTAssertTrue(report.description.contains("the hand gradient has shape [4], but 'b2' has shape [3]"),
                      report.description)
    }

    // MARK: gradcheck

    /// A custom layer written the natural way: its initializer takes a tensor.
    struct Gated: Layer {
        var w: Parameter<Double>
        init(_ w: Tensor<Double>) { self.w = Parameter(w) }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    }

    /// The same layer with a copying initializer, spelt out.
    struct CopyingGated: Layer {
        var w: Parameter<Double>
        init(_ w: Tensor<Double>) { self.w = Parameter(copying: w) }
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { x * w.value.sigmoid() }
    }

    func testACustomLayerBuiltTheNaturalWayPassesGradcheck() {
        let x = Tensor<Double>.randomNormal([3, 5], seed: 2), w = Tensor<Double>.randomNormal([5], seed: 3)
        let report = gradcheck(inputs: [x, w], names: ["x", "w"]) { Gated($0[1])($0[0]) }
        XCTAssertTrue(report.passed, "\(report)")
        // The parameter is the leaf it was given: gradients reach it.
        let leaf = w.requiringGrad()
        Gated(leaf)(x).sum().backward()
        XCTAssertNotNil(leaf.grad)
        // A plain tensor still becomes a leaf of its own.
        let plain = Parameter(w)
        XCTAssertTrue(plain.value.isLeaf)
        (plain.value * 2).sum().backward()
        XCTAssertEqual(plain.grad, Tensor([2, 2, 2, 2, 2]))
    }

    func testAnInputThatIsNotConnectedIsNamedWithTheUsualCauses() {
        let x = Tensor<Double>.randomNormal([3, 5], seed: 2), w = Tensor<Double>.randomNormal([5], seed: 3)
        let report = gradcheck(inputs: [x, w], names: ["x", "w"]) { CopyingGated($0[1])($0[0]) }
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.inputs.map(\.notConnected), [false, true])
        let text = report.description
        XCTAssertTrue(text.contains("w is not connected to the output"), text)
        XCTAssertTrue(text.contains("Parameter(copying:)") && text.contains("withoutGradients") && text.contains("detached()"),
                      text)
        // detached() on the way is found the same way.
        let cut = gradcheck(inputs: [x], names: ["x"]) { $0[0].detached().tanh() }
        XCTAssertEqual(cut.inputs.first?.notConnected, true, "\(cut)")
        // An input the output really does not depend on is not flagged.
        let unused = gradcheck(inputs: [x, w], names: ["x", "w"]) { $0[0].tanh() }
        XCTAssertTrue(unused.passed, "\(unused)")
        XCTAssertEqual(unused.inputs.map(\.notConnected), [false, false])
    }

    func testTheReportSaysWhichCheckRanAndCallsAZeroDimensionalOutputAScalar() {
        let x = Tensor<Double>.randomNormal([2, 3], seed: 4)
        let first = gradcheck(inputs: [x]) { $0[0].tanh().sum() }
        XCTAssertTrue(first.description.hasPrefix("gradcheck PASSED — scalar output"), first.description)
        XCTAssertEqual(first.check, "gradcheck")
        let second = gradgradcheck(inputs: [x]) { $0[0].tanh() }
        XCTAssertTrue(second.passed, "\(second)")
        XCTAssertEqual(second.check, "gradgradcheck")
        XCTAssertTrue(second.description.hasPrefix("gradgradcheck PASSED — 6 first derivatives"), second.description)
        let matrix = gradcheck(inputs: [x]) { $0[0].tanh() }
        XCTAssertTrue(matrix.description.hasPrefix("gradcheck PASSED — output [2, 3]"), matrix.description)
    }
}

import XCTest
import Autograd

/// `take(_:axis:)`: slices picked by index along any axis (an embedding's rows), values against
/// direct loops, gradients and second derivatives by finite differences, repeated indices.
final class TakeGradTests: XCTestCase {
    typealias T = Tensor<Double>

    func testValuesAlongEveryAxis() {
        let x = T((0..<60).map(Double.init), shape: [3, 4, 5])
        let indices = T(rows: [[2, 0], [2, 3]])                         // [2, 2], an index repeated
        for axis in 0..<3 {
            let size = x.shape[axis]
            let pick = T(indices.scalars.map { Double(Int($0) % size) }, shape: [2, 2])
            let out = x.take(pick, axis: axis)
            var expectedShape = x.shape
            expectedShape.replaceSubrange(axis...axis, with: [2, 2])
            XCTAssertEqual(out.shape, expectedShape)
            // Element by element, against the definition.
            var position = [Int](repeating: 0, count: out.rank)
            for flat in 0..<out.count {
                var rest = flat
                for d in stride(from: out.rank - 1, through: 0, by: -1) { position[d] = rest % out.shape[d]; rest /= out.shape[d] }
                var source = Array(position[..<axis])
                source.append(Int(pick[index: position[axis], position[axis + 1]]))
                source += position[(axis + 2)...]
                XCTAssertEqual(out.scalars[flat], x[index: source[0], source[1], source[2]])
            }
        }
        XCTAssertEqual(x.take(T([1, 0]), axis: -1).shape, [3, 4, 2])
        XCTAssertEqual(x.take(T(2), axis: 1), x.slice(axis: 1, 2..<3).squeezed(at: 1), "a 0-d index drops the axis")
        XCTAssertEqual(Tensor<Float>(rows: [[1, 2], [3, 4]]).take(Tensor([1, 1, 0])), Tensor<Float>(rows: [[3, 4], [3, 4], [1, 2]]))
    }

    func testGradientsAddUpOverRepeatedIndices() {
        let table = T.randomNormal([5, 3], seed: 1).requiringGrad()
        table.take(T([4, 1, 4, 4])).sum().backward()
        XCTAssertEqual(table.grad, T([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 3, 3, 3], shape: [5, 3]))
    }

    func testGradcheck() {
        let x = T.randomNormal([4, 3, 5], seed: 2)
        for (axis, indices) in [(0, T(rows: [[3, 0, 3], [1, 1, 2]])), (1, T([2, 0])), (-1, T([4, 4, 0, 1]))] {
            GradTest.check([x], names: ["x"]) { $0[0].take(indices, axis: axis).squared() }
            GradTest.checkSecond([x], names: ["x"]) { $0[0].take(indices, axis: axis).squared() }
        }
    }
}

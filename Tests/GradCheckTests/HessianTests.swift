import XCTest
import Autograd

/// Worked example 3: f(x, y) = x²y + xy² − 6xy. Its gradient and Hessian by reverse over
/// reverse, exact at the critical points, their classification, Newton's method finding
/// them, and Hessian-vector products.
final class HessianTests: XCTestCase {
    typealias T = Tensor<Double>

    /// f of a point v = [x, y].
    let f: (T) -> T = { v in
        let (x, y) = (v[0], v[1])
        return x * x * y + x * y * y - 6 * x * y
    }

    func expectedGradient(_ x: Double, _ y: Double) -> T { T([2 * x * y + y * y - 6 * y, x * x + 2 * x * y - 6 * x]) }

    func expectedHessian(_ x: Double, _ y: Double) -> T {
        T(rows: [[2 * y, 2 * x + 2 * y - 6], [2 * x + 2 * y - 6, 2 * x]])
    }

    enum Kind: Equatable { case minimum, maximum, saddle, degenerate }

    func classify(_ h: T) -> (kind: Kind, determinant: Double) {
        let det = h[index: 0, 0] * h[index: 1, 1] - h[index: 0, 1] * h[index: 1, 0]
        if det < 0 { return (.saddle, det) }
        if det == 0 { return (.degenerate, det) }
        return (h[index: 0, 0] > 0 ? .minimum : .maximum, det)
    }

    func testGradientAndHessianExactAtCriticalPoints() {
        let expected: [(point: (Double, Double), kind: Kind, det: Double, value: Double)] = [
            ((0, 0), .saddle, -36, 0), ((0, 6), .saddle, -36, 0), ((6, 0), .saddle, -36, 0), ((2, 2), .minimum, 12, -8),
        ]
        for e in expected {
            let p = T([e.point.0, e.point.1])
            let label = "at \(e.point)"
            XCTAssertEqual(f(p).scalar, e.value, label)
            XCTAssertEqual(gradient(of: f, at: p), T([0, 0]), label)
            let h = hessian(of: f, at: p)
            XCTAssertEqual(h, expectedHessian(e.point.0, e.point.1), label)
            let (kind, det) = classify(h)
            XCTAssertEqual(kind, e.kind, label)
            XCTAssertEqual(det, e.det, label)
        }
        XCTAssertEqual(hessian(of: f, at: T([2, 2])), T(rows: [[4, 2], [2, 4]]))
    }

    func testGradientAndHessianAwayFromCriticalPoints() {
        for (x, y) in [(1.0, 3.0), (-2.5, 0.5), (4.0, -1.25)] {
            let p = T([x, y])
            GradTest.assertClose(gradient(of: f, at: p), expectedGradient(x, y), accuracy: 1e-12)
            GradTest.assertClose(hessian(of: f, at: p), expectedHessian(x, y), accuracy: 1e-12)
        }
        XCTAssertEqual(gradient(of: f, at: T([1, 3])), T([-3, 1]))
        // gradcheck and gradgradcheck of f itself.
        let p = T([1.5, -0.7])
        GradTest.check([p], names: ["v"]) { f($0[0]) }
        GradTest.checkSecond([p], names: ["v"]) { f($0[0]) }
    }

    func testMixedPartialsWithTwoScalarLeaves() throws {
        // The same Hessian with x and y as separate leaves and explicit createGraph passes.
        let x = T(2).requiringGrad(named: "x"), y = T(2).requiringGrad(named: "y")
        let value = x * x * y + x * y * y - 6 * x * y
        let g = try gradients(of: value, wrt: [x, y], createGraph: true)
        XCTAssertEqual(g.map(\.scalar), [0, 0])
        let row0 = try gradients(of: g[0], wrt: [x, y], retainGraph: true)
        let row1 = try gradients(of: g[1], wrt: [x, y])
        XCTAssertEqual(row0.map(\.scalar), [4, 2])
        XCTAssertEqual(row1.map(\.scalar), [2, 4])
    }

    func testNewtonsMethodFindsAndClassifiesTheCriticalPoints() {
        // Newton steps p ← p − H⁻¹∇f from a start near each critical point.
        let starts: [((Double, Double), (Double, Double), Kind)] = [
            ((0.3, -0.2), (0, 0), .saddle), ((0.2, 5.6), (0, 6), .saddle),
            ((5.7, 0.3), (6, 0), .saddle), ((1.6, 2.5), (2, 2), .minimum),
        ]
        for (start, target, kind) in starts {
            var p = T([start.0, start.1])
            for _ in 0..<30 {
                let g = gradient(of: f, at: p), h = hessian(of: f, at: p)
                let (a, b, c, d) = (h[index: 0, 0], h[index: 0, 1], h[index: 1, 0], h[index: 1, 1])
                let det = a * d - b * c
                let step = T([(d * g.scalars[0] - b * g.scalars[1]) / det, (a * g.scalars[1] - c * g.scalars[0]) / det])
                p = p - step
            }
            XCTAssertEqual(p.scalars[0], target.0, accuracy: 1e-10, "from \(start)")
            XCTAssertEqual(p.scalars[1], target.1, accuracy: 1e-10, "from \(start)")
            XCTAssertEqual(classify(hessian(of: f, at: p)).kind, kind, "from \(start)")
        }
    }

    func testHessianVectorProductEqualsHTimesV() {
        let vectors = [T([1, 0]), T([0, 1]), T([1, -2]), T([0.3, 0.7])]
        for (x, y) in [(0.0, 0.0), (0.0, 6.0), (6.0, 0.0), (2.0, 2.0), (1.0, -3.0)] {
            let p = T([x, y])
            let h = expectedHessian(x, y)
            for v in vectors {
                let hv = hessianVectorProduct(of: f, at: p, vector: v)
                GradTest.assertClose(hv, h.matmul(v), accuracy: 1e-12, "at (\(x), \(y)), v = \(v)")
            }
        }
        XCTAssertEqual(hessianVectorProduct(of: f, at: T([2, 2]), vector: T([1, -2])), T([0, -6]))
    }

    func testHessianOfAQuadraticFormAndOfSeparableFunctions() {
        // ½ xᵀAx with symmetric A has Hessian A; Σ exp(x) has Hessian diag(exp(x)).
        let a = T(rows: [[2, -1, 0.5], [-1, 3, 0], [0.5, 0, 1]])
        let q: (T) -> T = { x in 0.5 * x.matmul(a.matmul(x)) }
        let x = T([0.3, -1, 2])
        GradTest.assertClose(hessian(of: q, at: x), a, accuracy: 1e-12)
        GradTest.assertClose(gradient(of: q, at: x), a.matmul(x), accuracy: 1e-12)
        let e = hessian(of: { $0.exp().sum() }, at: x)
        var diagonal = [Double](repeating: 0, count: 9)
        for i in 0..<3 { diagonal[i * 4] = Foundation.exp(x.scalars[i]) }
        GradTest.assertClose(e, T(diagonal, shape: [3, 3]), accuracy: 1e-12)
        GradTest.assertClose(hessianVectorProduct(of: q, at: x, vector: T([1, 2, 3])), a.matmul(T([1, 2, 3])), accuracy: 1e-12)
    }

    func testJacobianShapeAndValues() {
        // J of x ↦ W x + x² (elementwise) is W + diag(2x); output shape + input shape.
        let w = T(rows: [[1, 2, 3], [4, 5, 6]])
        let j = jacobian(of: { w.matmul($0) + $0[0..<2] * $0[0..<2] }, at: T([1, -1, 2]))
        XCTAssertEqual(j, T(rows: [[3, 2, 3], [4, 3, 6]]))
        XCTAssertEqual(jacobian(of: { $0 * 2 }, at: T.zeros([2, 2])).shape, [2, 2, 2, 2])
        XCTAssertEqual(jacobian(of: { _ in T([1, 2]) }, at: T([3])), T.zeros([2, 1]))
    }
}

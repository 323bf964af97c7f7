import XCTest
import Foundation
import Autograd

/// sin and cos: values, gradients and second derivatives by finite differences, in Float too.
final class TrigonometricGradTests: XCTestCase {
    typealias T = Tensor<Double>

    func testValues() {
        let x = T([0, .pi / 6, .pi / 2, .pi, -1.25])
        for (got, want) in zip(x.sin().scalars, x.scalars.map { Foundation.sin($0) }) { XCTAssertEqual(got, want, accuracy: 1e-15) }
        for (got, want) in zip(x.cos().scalars, x.scalars.map { Foundation.cos($0) }) { XCTAssertEqual(got, want, accuracy: 1e-15) }
        // Float runs its own compiled loop.
        let f = Tensor<Float>([0.5, -2]).sin()
        XCTAssertEqual(f.scalars[0], Foundation.sin(Float(0.5)), accuracy: 1e-7)
        XCTAssertEqual(f.scalars[1], Foundation.sin(Float(-2)), accuracy: 1e-7)
    }

    func testGradients() {
        let x = GradTest.normal([3, 5], seed: 7) * 2
        GradTest.check([x], names: ["x"]) { $0[0].sin() }
        GradTest.check([x], names: ["x"]) { $0[0].cos() }
        GradTest.checkSecond([x], names: ["x"]) { $0[0].sin() }
        GradTest.checkSecond([x], names: ["x"]) { $0[0].cos() }
        // Through a transposed input and composed: d/dx sin(x)·cos(x) = cos 2x.
        let y = GradTest.normal([5, 3], seed: 8)
        GradTest.check([y], names: ["y"]) { $0[0].transposed().sin() * $0[0].transposed().cos() }
        let leaf = y.requiringGrad()
        (leaf.sin() * leaf.cos()).sum().backward()
        let want = (y * 2).cos()
        for (got, expected) in zip(leaf.grad?.scalars ?? [], want.scalars) { XCTAssertEqual(got, expected, accuracy: 1e-14) }
        XCTAssertEqual(leaf.grad?.count, 15)
    }
}

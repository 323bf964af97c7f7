import XCTest
import Autograd
import Layers

/// Dense on inputs of rank 3 and more multiplies every position as a row of one product
/// (`timesTransposed`): the values are the batched product's bit for bit (the GPT bench's shapes,
/// Float), gradcheck and gradgradcheck hold for the input, weight and bias in Double, and the
/// gradients agree with the batched product's (whose weight gradient was summed over the batch
/// afterwards) to rounding.
final class DenseOneProductTests: XCTestCase {
    func testValuesAreTheBatchedProducts() {
        for (shape, outputs) in [([32, 16, 64], 256), ([32, 16, 256], 64), ([32, 16, 64], 27), ([2, 3, 4, 5], 7)] {
            let inputs = shape[shape.count - 1]
            let x = Tensor<Float>.randomNormal(shape, seed: 1)
            let w = Tensor<Float>.randomNormal([outputs, inputs], seed: 2), b = Tensor<Float>.randomNormal([outputs], seed: 3)
            let batched = x.matmul(w, transposeA: false, transposeB: true) + b
            XCTAssertEqual(Dense(weight: w, bias: b)(x).scalars, batched.scalars, "\(shape) → \(outputs)")
        }
    }

    func testGradients() {
        for shape in [[2, 3, 4], [2, 1, 3, 4]] {
            let inputs = [GradTest.normal(shape, seed: 4), GradTest.normal([5, 4], seed: 5), GradTest.normal([5], seed: 6)]
            let names = ["x", "weight", "bias"]
            GradTest.check(inputs, names: names) { Dense(weight: $0[1], bias: $0[2], activation: .tanh)($0[0]) }
            GradTest.checkSecond(inputs, names: names) { Dense(weight: $0[1], bias: $0[2], activation: .tanh)($0[0]) }
        }
    }

    func testGradientsAgreeWithTheBatchedProduct() throws {
        let x = GradTest.normal([8, 6, 5], seed: 7).requiringGrad()
        let w = GradTest.normal([4, 5], seed: 8).requiringGrad(), b = GradTest.normal([4], seed: 9).requiringGrad()
        let u = GradTest.normal([8, 6, 4], seed: 10)
        let one = try gradients(of: Dense(weight: w, bias: b)(x), wrt: [x, w, b], upstream: u)
        let batched = try gradients(of: x.matmul(w, transposeA: false, transposeB: true) + b, wrt: [x, w, b], upstream: u)
        for (a, c) in zip(one, batched) {
            XCTAssertEqual(a.shape, c.shape)
            XCTAssertLessThan(zip(a.scalars, c.scalars).map { abs($0 - $1) }.max() ?? .infinity, 1e-12)
        }
    }
}

import XCTest
import Autograd
import Layers
import Optim

/// `step()` runs Adam as one fused pass; the op-by-op form (used when the update itself is
/// differentiated) must give the same bits, step after step, with and without AMSGrad.
final class OptimFusedAdamTests: XCTestCase {
    func check<S: TensorScalar>(_: S.Type, amsgrad: Bool, weightDecay: Double, file: StaticString = #filePath, line: UInt = #line) {
        let model = Dense<S>(inputs: 5, outputs: 3, seed: 3)
        let adam = Adam(model, learningRate: 0.01, weightDecay: weightDecay, amsgrad: amsgrad)
        let weight = model.namedParameters[0].parameter
        var opState: [String: Tensor<S>] = [:]
        var opValue = weight.value.detached()
        let x = Tensor<S>.randomNormal([4, 5], seed: 9)
        for _ in 0..<4 {
            model.zeroGrad()
            model(x).squared().sum().backward()
            guard let gradient = weight.grad else { return XCTFail("no gradient", file: file, line: line) }
            // The op form: a value that requires gradients makes the update record.
            opValue = adam.update(opValue.requiringGrad(), gradient: gradient, state: &opState,
                                  learningRate: Tensor(S(0.01))).detached()
            adam.step()
            XCTAssertEqual(weight.value.scalars, opValue.scalars, "parameter", file: file, line: line)
            for key in ["expAvg", "expAvgSq"] + (amsgrad ? ["maxExpAvgSq"] : []) {
                XCTAssertEqual(adam.parameterState[0][key]?.scalars, opState[key]?.scalars, key, file: file, line: line)
            }
            // The next op-form step starts from the same value as the fused one.
            opValue = weight.value.detached()
        }
    }

    func testFusedStepEqualsTheOpFormBitForBit() {
        for amsgrad in [false, true] {
            for decay in [0, 0.1] {
                check(Float.self, amsgrad: amsgrad, weightDecay: decay)
                check(Double.self, amsgrad: amsgrad, weightDecay: decay)
            }
        }
    }
}

import Foundation
import XCTest
import Optim

/// Each learning-rate schedule's value at chosen steps, from its formula, and an optimizer
/// consulting its schedule at every step.
final class ScheduleTests: XCTestCase {
    func testConstant() {
        XCTAssertEqual(0.1.learningRate(at: 0), 0.1)
        XCTAssertEqual(0.1.learningRate(at: 12345), 0.1)
        XCTAssertEqual(ConstantLearningRate(0.3).learningRate(at: 7), 0.3)
    }

    func testTimeBasedDecay() {
        let schedule = TimeBasedDecay(initial: 0.1, decay: 0.5)
        XCTAssertEqual(schedule.learningRate(at: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 2), 0.05, accuracy: 1e-15)       // 0.1 / (1 + 1)
        XCTAssertEqual(schedule.learningRate(at: 10), 0.1 / 6, accuracy: 1e-15)   // 0.1 / (1 + 5)
    }

    func testStepDecay() {
        let schedule = StepDecay(initial: 0.1, stepSize: 10, factor: 0.5)
        XCTAssertEqual(schedule.learningRate(at: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 9), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 10), 0.05, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 25), 0.025, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 30), 0.0125, accuracy: 1e-15)
    }

    func testExponentialDecay() {
        let schedule = ExponentialDecay(initial: 0.1, rate: 0.5)
        XCTAssertEqual(schedule.learningRate(at: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 1), 0.05, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 3), 0.0125, accuracy: 1e-15)
        XCTAssertEqual(ExponentialDecay(initial: 2, rate: 0.9).learningRate(at: 2), 1.62, accuracy: 1e-15)
    }

    func testCosineAnnealing() {
        let schedule = CosineAnnealing(initial: 0.1, minimum: 0.01, steps: 100)
        XCTAssertEqual(schedule.learningRate(at: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 25), 0.01 + 0.09 * (1 + 0.5.squareRoot()) / 2, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 50), 0.055, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 75), 0.01 + 0.09 * (1 - 0.5.squareRoot()) / 2, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 100), 0.01, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 1000), 0.01, accuracy: 1e-15, "stays at the minimum")
    }

    func testLinearWarmupWrappingCosine() {
        let schedule = LinearWarmup(steps: 4, wrapping: CosineAnnealing(initial: 0.1, steps: 100))
        XCTAssertEqual(schedule.learningRate(at: 0), 0.025, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 1), 0.05, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 3), 0.1, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(at: 4), 0.1, accuracy: 1e-15)     // cosine step 0
        XCTAssertEqual(schedule.learningRate(at: 54), 0.05, accuracy: 1e-15)   // cosine step 50
        XCTAssertEqual(schedule.learningRate(at: 104), 0, accuracy: 1e-15)     // cosine step 100
        XCTAssertEqual(LinearWarmup(steps: 0, wrapping: 0.2).learningRate(at: 0), 0.2)
    }

    func testCustomSchedule() {
        let schedule = CustomSchedule { step in step < 100 ? 0.1 : 0.01 }
        XCTAssertEqual(schedule.learningRate(at: 99), 0.1)
        XCTAssertEqual(schedule.learningRate(at: 100), 0.01)
    }

    func testOptimizerConsultsItsScheduleAtEveryStep() {
        // A linear loss c·θ has the constant gradient c, so each SGD step moves θ by −lr(t)·c.
        let c: [Double] = [1, -2]
        let w = Parameter(Tensor<Double>([0, 0]))
        let schedule = StepDecay(initial: 0.1, stepSize: 2, factor: 0.5)
        let sgd = SGD(ParameterList([w]), learningRate: schedule)
        var rates: [Double] = []
        for t in 0..<5 {
            XCTAssertEqual(sgd.learningRate, schedule.learningRate(at: t))
            rates.append(sgd.learningRate)
            let before = w.value.scalars
            w.zeroGrad()
            (Tensor(c) * w.value).sum().backward()
            sgd.step()
            let moved = zip(w.value.scalars, before).map { $0 - $1 }
            assertOptimClose(moved, c.map { -schedule.learningRate(at: t) * $0 }, accuracy: 1e-15)
        }
        XCTAssertEqual(rates, [0.1, 0.1, 0.05, 0.05, 0.025])
        // Replacing the schedule takes effect at the next step.
        sgd.schedule = 1.0
        XCTAssertEqual(sgd.learningRate, 1.0)
    }
}

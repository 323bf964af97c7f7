import XCTest
import Optim

/// Mini-batch iteration (every sample once per pass, seeded shuffling, last partial batch kept
/// or dropped) and seeded train/validation/test splits.
final class TrainingBatchesTests: XCTestCase {
    // Sample i: input row [2i, 2i + 1], target i.
    static let inputs = Tensor<Double>.arange(0, 20).reshaped([10, 2])
    static let targets = Tensor<Double>.arange(0, 10)

    func testEverySampleExactlyOnceAndPairsStayTogether() {
        let batches = Batches(inputs: Self.inputs, targets: Self.targets, batchSize: 3, shuffleSeed: 42)
        XCTAssertEqual(batches.count, 4)
        var seen: [Double] = []
        var sizes: [Int] = []
        for (x, y) in batches {
            sizes.append(x.shape[0])
            XCTAssertEqual(x.shape[1], 2)
            XCTAssertEqual(y.shape, [x.shape[0]])
            for (row, t) in zip(x.rows, y.scalars) { XCTAssertEqual(row, [2 * t, 2 * t + 1]) }
            seen += y.scalars
        }
        XCTAssertEqual(sizes, [3, 3, 3, 1], "the last partial batch is kept")
        XCTAssertEqual(seen.sorted(), (0..<10).map(Double.init))
        XCTAssertNotEqual(seen, (0..<10).map(Double.init), "shuffled")
    }

    func testDropLastLeavesOutThePartialBatch() {
        let batches = Batches(inputs: Self.inputs, targets: Self.targets, batchSize: 3, shuffleSeed: 42, dropLast: true)
        XCTAssertEqual(batches.count, 3)
        let seen = batches.flatMap { $0.targets.scalars }
        XCTAssertEqual(seen.count, 9)
        XCTAssertEqual(Set(seen).count, 9, "no sample twice")
        let kept = Batches(inputs: Self.inputs, targets: Self.targets, batchSize: 3, shuffleSeed: 42)
        XCTAssertEqual(seen, Array(kept.flatMap { $0.targets.scalars }.prefix(9)), "the same order, minus the tail")
        XCTAssertEqual(Batches(inputs: Self.inputs, targets: Self.targets, batchSize: 5, dropLast: true).count, 2)
    }

    func testSeedsFixTheOrder() {
        func order(_ seed: UInt64?) -> [Double] {
            Batches(inputs: Self.inputs, targets: Self.targets, batchSize: 4, shuffleSeed: seed).flatMap { $0.targets.scalars }
        }
        XCTAssertEqual(order(7), order(7))
        XCTAssertNotEqual(order(7), order(8))
        XCTAssertEqual(order(nil), (0..<10).map(Double.init), "no seed: in order")
        XCTAssertEqual(shuffledIndices(10, seed: 7).map(Double.init), order(7))
        XCTAssertEqual(shuffledIndices(1000, seed: 3).sorted(), Array(0..<1000))
    }

    func testHigherRankInputs() {
        let images = Tensor<Float>.arange(0, 48).reshaped([6, 2, 2, 2])
        let labels = Tensor<Float>.arange(0, 6).reshaped([6, 1])
        let batches = Batches(inputs: images, targets: labels, batchSize: 4, shuffleSeed: 1)
        let (x, y) = batches[0]
        XCTAssertEqual(x.shape, [4, 2, 2, 2])
        XCTAssertEqual(y.shape, [4, 1])
        for i in 0..<4 {
            let sample = Int(y.scalars[i])
            XCTAssertEqual(Array(x.scalars[(i * 8)..<(i * 8 + 8)]), (0..<8).map { Float(sample * 8 + $0) })
        }
        XCTAssertEqual(batches[1].inputs.shape, [2, 2, 2, 2])
    }

    func testSplitSizesAreDisjointAndSeeded() {
        let data = Dataset(inputs: Tensor<Double>.arange(0, 100).reshaped([100, 1]), targets: Tensor<Double>.arange(0, 100))
        let (train, validation, test) = data.split(training: 0.7, validation: 0.15, seed: 5)
        XCTAssertEqual([train.count, validation.count, test.count], [70, 15, 15])
        let all = train.targets.scalars + validation.targets.scalars + test.targets.scalars
        XCTAssertEqual(all.sorted(), (0..<100).map(Double.init), "every sample in exactly one set")
        XCTAssertEqual(train.inputs.scalars, train.targets.scalars, "inputs and targets stay paired")
        let again = data.split(training: 0.7, validation: 0.15, seed: 5)
        XCTAssertEqual(again.test.targets, test.targets)
        let other = data.split(training: 0.7, validation: 0.15, seed: 6)
        XCTAssertNotEqual(other.training.targets, train.targets)
        let odd = Dataset(inputs: Tensor<Double>.zeros([11, 2]), targets: Tensor<Double>.zeros([11])).split(training: 0.5, validation: 0.5, seed: 1)
        XCTAssertEqual(odd.training.count + odd.validation.count + odd.test.count, 11)
        XCTAssertEqual(odd.test.count, 0)
    }

    func testDatasetBatchesAndSamples() {
        let data = Dataset(inputs: Self.inputs, targets: Self.targets)
        XCTAssertEqual(data.count, 10)
        XCTAssertEqual(data.samples(at: [3, 1]).targets, Tensor([3, 1]))
        XCTAssertEqual(data.samples(at: [3, 1]).inputs, Tensor(rows: [[6, 7], [2, 3]]))
        XCTAssertEqual(data.batches(size: 4).count, 3)
        XCTAssertEqual(data.shuffled(seed: 9).targets.scalars.sorted(), (0..<10).map(Double.init))
    }
}

import Autograd
import DataFormats
import Foundation
import XCTest
@testable import Examples

/// `mnist`: the loader on small IDX files written here (MNIST itself cannot be downloaded in CI),
/// and the message when the files are missing.
final class MNISTLoaderTests: XCTestCase {
    func testLoaderReadsTinyIDXFilesAndTrains() throws {
        let folder = try temporaryFolder(self)
        try writeTinyMNIST(to: folder, train: 240, test: 60)
        let (training, test) = try MNISTExample.load(from: folder)
        XCTAssertEqual(training.inputs.shape, [240, 100])
        XCTAssertEqual(test.inputs.shape, [60, 100])
        XCTAssertEqual(training.targets.scalars.prefix(12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        XCTAssertTrue(training.inputs.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(training.inputs.scalars.max() ?? 0, 254 / 255, accuracy: 1e-6)
        let limited = try MNISTExample.load(from: folder, limit: 50, images: true)
        XCTAssertEqual(limited.training.inputs.shape, [50, 1, 10, 10])

        var config = MNISTExample.Config()
        (config.epochs, config.verbose, config.network.learningRate) = (15, false, 1e-2)
        let outcome = MNISTExample.train(config, training: training, test: test)
        XCTAssertEqual(outcome.counts.training + outcome.counts.validation, 240)
        XCTAssertEqual(outcome.counts.test, 60)
        XCTAssertGreaterThan(outcome.testAccuracy, 0.9, "the classes are a lit row each: easy")
    }

    func testDottedFileNamesAreFoundToo() throws {
        let folder = try temporaryFolder(self)
        try writeTinyMNIST(to: folder, train: 20, test: 10, dotted: true)
        XCTAssertEqual(try MNISTExample.locate(in: folder).map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["train-images.idx3-ubyte", "train-labels.idx1-ubyte", "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"])
    }

    func testMissingFilesAreNamedWithTheFolder() throws {
        let folder = try temporaryFolder(self)
        XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/t10k-images-idx3-ubyte.gz", contents: Data([0x1f, 0x8b])))
        XCTAssertThrowsError(try MNISTExample.load(from: folder)) { error in
            let message = "\(error)"
            for name in MNISTExample.fileNames { XCTAssertTrue(message.contains(name), message) }
            XCTAssertTrue(message.contains(URL(fileURLWithPath: folder).standardizedFileURL.path), message)
            XCTAssertTrue(message.contains("gunzip"), message)
            XCTAssertTrue(message.contains("--data"), message)
        }
    }
}

/// n images of side×side bytes: image i of class i % 10 lights up row (i % 10) with values 0…255.
func writeTinyMNIST(to folder: String, train: Int, test: Int, side: Int = 10, dotted: Bool = false) throws {
    func images(_ n: Int) -> (Tensor<Float>, Tensor<Float>) {
        var pixels = [Float](repeating: 0, count: n * side * side)
        for i in 0..<n {
            let row = i % 10
            for c in 0..<side { pixels[i * side * side + row * side + c] = Float(155 + (i * 7 + c * 11) % 100) }
        }
        return (Tensor(pixels, shape: [n, side, side]), Tensor((0..<n).map { Float($0 % 10) }))
    }
    let name: (String) -> String = { dotted ? $0.replacingOccurrences(of: "-idx", with: ".idx") : $0 }
    let (trainX, trainY) = images(train), (testX, testY) = images(test)
    try IDX.write(trainX, to: folder + "/" + name("train-images-idx3-ubyte"), as: .uint8)
    try IDX.write(trainY, to: folder + "/" + name("train-labels-idx1-ubyte"), as: .uint8)
    try IDX.write(testX, to: folder + "/" + name("t10k-images-idx3-ubyte"), as: .uint8)
    try IDX.write(testY, to: folder + "/" + name("t10k-labels-idx1-ubyte"), as: .uint8)
}

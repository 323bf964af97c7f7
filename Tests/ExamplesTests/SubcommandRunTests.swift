import Foundation
import XCTest
@testable import Examples

/// Every subcommand, run through the command line parser with fast settings, as CI runs them:
/// it must finish without error and write the files it names.
final class SubcommandRunTests: XCTestCase {
    func testWorkedExamplesRun() throws {
        for name in ["worked-cnn", "cnn-gradients", "hessian", "relu-kink", "softmax"] {
            XCTAssertNoThrow(try Subcommand.run([name]), name)
        }
        XCTAssertNoThrow(try Subcommand.run(["xor", "--epochs", "250", "--seed", "1"]))
        XCTAssertNoThrow(try Subcommand.run(["worked-cnn", "--filters", "1,0,1,0,1,0,1,0,1;0,0,0,0,1,0,0,0,0"]))
    }

    func testTrainingSubcommandsRunQuickAndWriteTheirPlots() throws {
        let out = try temporaryFolder(self)
        try Subcommand.run(["digits", "--quick", "--epochs", "2", "--out", out])
        try Subcommand.run(["digits", "--model", "cnn", "--quick", "--epochs", "1", "--out", out])
        try Subcommand.run(["regression", "--quick", "--out", out])
        try Subcommand.run(["optimizers", "--epochs", "1", "--out", out])
        try Subcommand.run(["init", "--epochs", "1", "--out", out])
        try Subcommand.run(["sweep", "--quick", "--epochs", "1", "--out", out])
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        let expected: Set = ["digits-dense-loss.svg", "digits-dense-accuracy.svg", "digits-cnn-loss.svg",
                             "digits-cnn-accuracy.svg", "regression-validation.svg", "optimizers-validation-accuracy.svg",
                             "init-validation-accuracy.svg", "sweep-heatmap.svg"]
        XCTAssertEqual(written, expected)
        for file in expected { XCTAssertNoThrow(try ParsedSVG(contentsOf: out + "/" + file), file) }
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/sweep-heatmap.svg").all("rect", class: "cell").count, 4)
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/optimizers-validation-accuracy.svg").legendNames.count, 5)
    }

    func testMNISTRunsOnTinyFiles() throws {
        let data = try temporaryFolder(self), out = try temporaryFolder(self)
        try writeTinyMNIST(to: data, train: 120, test: 30)
        try Subcommand.run(["mnist", "--data", data, "--epochs", "2", "--out", out])
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/mnist-accuracy.svg").seriesPointCounts, ["training": 2, "validation": 2])
    }

    func testTourWritesItsPlotsToTheFolderItNames() throws {
        let out = try temporaryFolder(self)
        try Subcommand.run(["--out", out])
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        XCTAssertEqual(written, ["tape.dot", "digits-dense-loss.svg", "digits-dense-accuracy.svg"])
    }
}

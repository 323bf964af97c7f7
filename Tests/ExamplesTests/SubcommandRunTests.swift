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
        XCTAssertEqual(written, ["tape.dot", "tape.html", "digits-dense-loss.svg", "digits-dense-accuracy.svg"])
        let page = try String(contentsOfFile: out + "/tape.html", encoding: .utf8)
        XCTAssertNoThrow(try ParsedSVG(page), "the tape's page is well-formed")
        XCTAssertTrue(page.contains("∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24"))
    }

    func testTapeAndSoftmaxWriteTheirPages() throws {
        let out = try temporaryFolder(self)
        try Subcommand.run(["tape", "--dot", out + "/tape.dot", "--html", out + "/tape.html"])
        let tape = try ParsedSVG(contentsOf: out + "/tape.html")
        // Every value and gradient of L = (a·b + c)², in the boxes of the drawing.
        XCTAssertEqual(tape.all("text", class: "val").map(\.text), ["2", "−3", "10", "−6", "4", "16"])
        XCTAssertEqual(tape.all("text", class: "grad").map(\.text), ["grad −24", "grad 16", "grad 8", "grad 8", "grad 8", "grad 1"])
        XCTAssertEqual(tape.all("li").count, 8, "start, three ops forward, the seed and three rules backward")
        let dot = try String(contentsOfFile: out + "/tape.dot", encoding: .utf8)
        XCTAssertTrue(dot.contains("a\\n[]\\n2\\ngrad −24"), dot)

        try Subcommand.run(["softmax", "--html", out + "/softmax.html"])
        let softmax = try String(contentsOfFile: out + "/softmax.html", encoding: .utf8)
        XCTAssertNoThrow(try ParsedSVG(softmax))
        XCTAssertTrue(softmax.contains("class=\"node value leaf mark-wrong first-wrong\" id=\"v0\" data-name=\"logits\""))
        XCTAssertTrue(softmax.contains("the first step that disagrees, walking back from the loss, is ∂L/∂logits"))
    }
}

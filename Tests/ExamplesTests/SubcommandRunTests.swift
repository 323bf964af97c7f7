import Foundation
import XCTest
@testable import Examples

/// Every subcommand, run through the command line parser with fast settings, as CI runs them:
/// it must finish without error, write the files it names and print the worked examples'
/// numbers. What they print is captured (`Console.capture`), so the test log holds test
/// results only; `AUTOGRAD_SHOW_OUTPUT=1 swift test` shows it too.
final class SubcommandRunTests: XCTestCase {
    /// Runs the subcommand and returns what it printed.
    private func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try Console.capture { try Subcommand.run(arguments) }
    }

    private func assertPrints(_ text: String, _ fragments: [String], _ name: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        for fragment in fragments {
            XCTAssertTrue(text.contains(fragment), "\(name) did not print '\(fragment)':\n\(text)", file: file, line: line)
        }
    }

    func testWorkedExamplesRunAndPrintTheirNumbers() throws {
        assertPrints(try run(["worked-cnn"]), [
            "     2 13 18 12\n    11 16 33 17\n    23 34 35 23\n    15 25 18  7",   // filter #1's convolution
            "    16 33\n    34 35", "    17 14\n    18 25", "    24 41\n    42 35",  // the three pooled outputs
            "✓ matches the worked example", "gradcheck PASSED",
        ], "worked-cnn")
        assertPrints(try run(["cnn-gradients"]), [
            "w1    +3.321430000000  +3.321430000000",                                 // g = relu, quoted in the docs
            "w11   +1.196540000000  +1.196540000000", "✓ agree to 1e-6",
        ], "cnn-gradients")
        assertPrints(try run(["hessian"]), [
            "(2, 2)  -8  [[4, 2], [2, 4]]    12     local minimum",
            "(0, 0)  0   [[0, -6], [-6, 0]]  -36    saddle point",
        ], "hessian")
        assertPrints(try run(["relu-kink"]), ["kink: left slope 0, right slope 1, rule chose 0"], "relu-kink")
        assertPrints(try run(["softmax"]), [
            "p = softmax(a) = [ 0.659001,  0.242433, 0.0985659]", "L = −Σ y log p = 1.41703",
            "tape ∂L/∂a  = [ 0.659001, -0.757567, 0.0985659]",
        ], "softmax")
        assertPrints(try run(["xor", "--epochs", "250", "--seed", "1"]), [
            "all four right from epoch 183; every right-class output above 0.9 from epoch 214",
            "2 of 4 right",
        ], "xor")
        assertPrints(try run(["worked-cnn", "--filters", "1,0,1,0,1,0,1,0,1;0,0,0,0,1,0,0,0,0"]),
                     ["    17 14\n    18 25", "    6 5\n    6 5"], "worked-cnn --filters")
    }

    func testTrainingSubcommandsRunQuickAndWriteTheirPlots() throws {
        let out = try temporaryFolder(self)
        let digits = try run(["digits", "--quick", "--epochs", "2", "--out", out])
        assertPrints(digits, ["epoch 2/2", "TEST accuracy"], "digits")
        _ = try run(["digits", "--model", "cnn", "--quick", "--epochs", "1", "--out", out])
        _ = try run(["regression", "--quick", "--out", out])
        _ = try run(["optimizers", "--epochs", "1", "--out", out])
        _ = try run(["init", "--epochs", "1", "--out", out])
        _ = try run(["sweep", "--quick", "--epochs", "1", "--out", out])
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        let expected: Set = ["digits-dense-loss.svg", "digits-dense-accuracy.svg", "digits-cnn-loss.svg",
                             "digits-cnn-accuracy.svg", "regression-validation.svg", "optimizers-validation-accuracy.svg",
                             "init-validation-accuracy.svg", "sweep-heatmap.svg"]
        XCTAssertEqual(written, expected)
        for file in expected { XCTAssertNoThrow(try ParsedSVG(contentsOf: out + "/" + file), file) }
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/sweep-heatmap.svg").all("rect", class: "cell").count, 4)
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/optimizers-validation-accuracy.svg").legendNames.count, 5)
    }

    /// The bench rows of the examples' models: they run, and their JSON carries the parameter
    /// counts that bench/compare.py's PyTorch twins must match (embedding 27×10, 30→200 without
    /// bias, batch norm of 200, 200→27; embedding 27×24, convolutions 24·128·2 + 2·128·128·2
    /// without bias, three batch norms of 128, 128→27).
    func testBenchRowsOfTheExampleModels() throws {
        let out = try temporaryFolder(self)
        for (key, parameters) in [("makemore", 27 * 10 + 30 * 200 + 2 * 200 + 200 * 27 + 27),
                                  ("wavenet", 27 * 24 + 24 * 128 * 2 + 2 * 128 * 128 * 2 + 3 * 2 * 128 + 128 * 27 + 27)] {
            let json = out + "/\(key).json"
            assertPrints(try run(["bench", "--only", key, "--quick", "--repeats", "1", "--json", json]),
                         ["SGD step", "\(parameters) parameters"], "bench --only \(key)")
            let figures = try JSONDecoder().decode([Bench.Figure].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            XCTAssertEqual(figures.map(\.key), [key])
            XCTAssertEqual(figures.first?.parameters, parameters)
        }
    }

    func testMNISTRunsOnTinyFiles() throws {
        let data = try temporaryFolder(self), out = try temporaryFolder(self)
        try writeTinyMNIST(to: data, train: 120, test: 30)
        let text = try run(["mnist", "--data", data, "--epochs", "2", "--out", out])
        assertPrints(text, ["120 training images, 30 test images", "epoch 2/2", "TEST accuracy"], "mnist")
        XCTAssertEqual(try ParsedSVG(contentsOf: out + "/mnist-accuracy.svg").seriesPointCounts, ["training": 2, "validation": 2])
    }

    func testTourWritesItsPlotsToTheFolderItNames() throws {
        let out = try temporaryFolder(self)
        let text = try run(["--out", out])
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        XCTAssertEqual(written, ["tape.dot", "tape.html", "digits-dense-loss.svg", "digits-dense-accuracy.svg"])
        let page = try String(contentsOfFile: out + "/tape.html", encoding: .utf8)
        XCTAssertNoThrow(try ParsedSVG(page), "the tape's page is well-formed")
        XCTAssertTrue(page.contains("∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24"))
        assertPrints(text, ["Autograd tour", "    16 33\n    34 35", "local minimum", "all four right from epoch",
                            "Tour finished in", URL(fileURLWithPath: out).standardizedFileURL.path], "tour")
    }

    func testTapeAndSoftmaxWriteTheirPages() throws {
        let out = try temporaryFolder(self)
        _ = try run(["tape", "--dot", out + "/tape.dot", "--html", out + "/tape.html"])
        let tape = try ParsedSVG(contentsOf: out + "/tape.html")
        // Every value and gradient of L = (a·b + c)², in the boxes of the drawing.
        XCTAssertEqual(tape.all("text", class: "val").map(\.text), ["2", "−3", "10", "−6", "4", "16"])
        XCTAssertEqual(tape.all("text", class: "grad").map(\.text), ["grad −24", "grad 16", "grad 8", "grad 8", "grad 8", "grad 1"])
        XCTAssertEqual(tape.all("li").count, 8, "start, three ops forward, the seed and three rules backward")
        let dot = try String(contentsOfFile: out + "/tape.dot", encoding: .utf8)
        XCTAssertTrue(dot.contains("a\\n[]\\n2\\ngrad −24"), dot)

        _ = try run(["softmax", "--html", out + "/softmax.html"])
        let softmax = try String(contentsOfFile: out + "/softmax.html", encoding: .utf8)
        XCTAssertNoThrow(try ParsedSVG(softmax))
        XCTAssertTrue(softmax.contains("class=\"node value leaf mark-wrong first-wrong\" id=\"v0\" data-name=\"logits\""))
        XCTAssertTrue(softmax.contains("the first step that disagrees, walking back from the loss, is ∂L/∂logits"))
    }

    func testTapeWritesItsDotFileBesideThePage() throws {
        let out = try temporaryFolder(self)
        let text = try run(["tape", "--html", out + "/pages/tape-page.html"])
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out + "/pages"))
        XCTAssertEqual(written, ["tape-page.html", "tape.dot"], "the DOT file goes beside the page")
        XCTAssertTrue(text.contains("written to \(out)/pages/tape.dot"), text)
        // --dot still chooses; without a page the file stays in the working directory.
        XCTAssertEqual(TapeExample.defaultDotPath(html: nil), "tape.dot")
        XCTAssertEqual(TapeExample.defaultDotPath(html: "page.html"), "tape.dot")
        XCTAssertEqual(TapeExample.defaultDotPath(html: "out/page.html"), "out/tape.dot")
        XCTAssertEqual(TapeExample.defaultDotPath(html: "/tmp/a/b.html"), "/tmp/a/tape.dot")
        _ = try run(["tape", "--html", out + "/other.html", "--dot", out + "/elsewhere.dot"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/elsewhere.dot"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tape.dot"))
    }

    /// Nothing the examples print escapes a capture, and captures nest.
    func testConsoleCapturesEverythingPrinted() throws {
        let (inner, outer) = Console.capture { () -> String in
            print("outer", 1)
            let inner = Console.capture { print("inner", terminator: "") }
            print("outer again")
            return inner
        }
        XCTAssertEqual(inner, "inner")
        XCTAssertEqual(outer, "outer 1\nouter again\n")
        XCTAssertFalse(Console.isCapturing)
    }
}

import Autograd
import Foundation
import Layers
import XCTest
@testable import Examples

/// data/names.txt, its split and examples, and the `makemore` and `backprop-ninja` examples run
/// through the command line with their quick settings: the numbers they print.
final class MakemoreTests: XCTestCase {
    func testTheNamesFileAndItsSplit() throws {
        let data = try NamesData()
        XCTAssertEqual(data.names.count, 5163)
        XCTAssertEqual(Set(data.names).count, 5163, "deduplicated")
        XCTAssertEqual(data.characters, Array(".abcdefghijklmnopqrstuvwxyz"))
        XCTAssertEqual(data.names.prefix(3), ["james", "john", "robert"], "the male list first, by frequency")
        XCTAssertEqual([data.training.count, data.development.count, data.test.count], [4130, 516, 517])
        XCTAssertEqual(Set(data.training + data.development + data.test), Set(data.names), "a partition")
        XCTAssertTrue(Set(data.training).isDisjoint(with: data.development))
        XCTAssertTrue(Set(data.development).isDisjoint(with: data.test))
        XCTAssertEqual(try NamesData().development, data.development, "the same seed, the same split")
        XCTAssertNotEqual(try NamesData(seed: 7).development, data.development)
    }

    func testContextsAndSequencesOfAName() {
        let data = NamesData(names: ["emma", "bo", "ann", "eve", "al", "zed", "ida", "max", "kim", "lou"], seed: 1)
        let (x, y) = data.contexts(["emma"], block: 3)
        let letters = Array(".abdeiklmnouvxz")
        XCTAssertEqual(data.characters, letters)
        func text(_ row: [Float]) -> String { String(row.map { letters[Int($0)] }) }
        XCTAssertEqual(x.rows.map(text), ["...", "..e", ".em", "emm", "mma"])
        XCTAssertEqual(text(y.scalars), "emma.")
        let s = data.sequences(["emma", "bo"], length: 6)
        XCTAssertEqual(s.inputs.rows.map(text), [".emma.", ".bo..."])
        XCTAssertEqual(s.targets.rows.map(text), ["emma..", "bo...."])
        XCTAssertEqual(s.mask.rows, [[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]])
        let long = data.sequences(["emma"], length: 3)      // a name longer than the window goes on in a second one
        XCTAssertEqual(long.inputs.rows.map(text), [".em", "ma."])
        XCTAssertEqual(long.targets.rows.map(text), ["emm", "a.."])
        XCTAssertEqual(long.mask.rows, [[1, 1, 1], [1, 1, 0]])
    }

    func testMakemoreQuickRunThroughTheCommandLine() throws {
        let (_, output) = try capturingOutput { try Subcommand.run(["makemore", "--quick"]) }
        XCTAssertTrue(output.contains("5163 names, 27 characters; split 80/10/10 with seed 42: 4130 / 516 / 517 names, "
                                      + "28829 / 3646 / 3647 examples"), output)
        XCTAssertTrue(output.contains("12097 parameters; SGD, batch 32, 150 steps"), output)
        // The first batch's loss, from the initial weights: scripts/makemore_torch.py, which draws
        // the same weights and batch, prints 3.3161 too. Near ln 27 = 3.2958: every character
        // starts about equally likely.
        let first = try XCTUnwrap(firstLine(containing: "step      0/150", in: output))
        XCTAssertEqual(try XCTUnwrap(numbers(in: first).last), 3.3161, accuracy: 1e-4)
        let losses = try XCTUnwrap(firstLine(containing: "dev loss", in: output))
        let values = numbers(in: losses)            // train loss, training examples evaluated, dev loss, seconds
        XCTAssertEqual(values.count, 4, String(losses))
        XCTAssertLessThan(values[0], 2.9, "150 steps take the training loss well below ln 27")
        XCTAssertEqual(values[1], 4000)
        XCTAssertLessThan(values[2], 2.9, "and the dev loss")
        XCTAssertGreaterThan(values[2], 2.0, "but not to the full run's 2.00")
        let header = try XCTUnwrap(firstLine(containing: "names sampled from the model", in: output))
        XCTAssertTrue(header.hasPrefix("10 names"), String(header))
        let samples = output.split(separator: "\n").drop { !$0.contains("names sampled") }.dropFirst()
        XCTAssertEqual(samples.count, 10)
        for sample in samples {
            let name = sample.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            XCTAssertTrue(name == "(empty)" || name.allSatisfy { $0.isASCII && $0.isLowercase }, String(sample))
        }
    }

    func testWaveNetQuickRunThroughTheCommandLine() throws {
        let (_, output) = try capturingOutput { try Subcommand.run(["wavenet", "--quick"]) }
        XCTAssertTrue(output.contains("4130 / 516 / 517 names, 28829 / 3646 / 3647 examples"), output)
        // --quick has 32 channels: embedding 27×24, convolutions 32·24·2 + 2·32·32·2 (no bias),
        // three batch norms of 32 (gain and bias), output 32×27 + 27.
        XCTAssertTrue(output.contains("embedding 24, 32 channels"), output)
        let embedding = 27 * 24, convolutions: Int = 32 * 24 * 2 + 2 * 32 * 32 * 2, norms = 3 * 64, head = 32 * 27 + 27
        XCTAssertTrue(output.contains("\(embedding + convolutions + norms + head) parameters"), output)
        let first = try XCTUnwrap(numbers(in: try XCTUnwrap(firstLine(containing: "step      0/40", in: output))).last)
        XCTAssertEqual(first, Foundation.log(27.0), accuracy: 0.15, "small output weights: every character about equally likely")
        let losses = numbers(in: try XCTUnwrap(firstLine(containing: "dev loss", in: output)))
        XCTAssertEqual(losses.count, 5, "train loss, 1000, dev loss, 1000, seconds")
        XCTAssertLessThan(losses[2], first - 0.1, "40 steps lower the dev loss")
        XCTAssertEqual(output.split(separator: "\n").drop { !$0.contains("names sampled") }.dropFirst().count, 10)
    }

    func testWaveNetReceptiveFieldIsTheEightCharacters() {
        let model = Models.WaveNetLanguageModel(vocabulary: 27, seed: 3)
        let contexts = Tensor<Float>((0..<16).map { Float($0 % 27) }, shape: [2, 8])
        var changed = contexts.scalars
        changed[0] = 26                                    // the oldest character of the first context
        let changedContexts = Tensor<Float>(changed, shape: [2, 8])
        let a = withLearningPhase(.inference) { model(contexts) }
        let b = withLearningPhase(.inference) { model(changedContexts) }
        XCTAssertEqual(a.shape, [2, 27])
        XCTAssertNotEqual(Array(a.scalars[0..<27]), Array(b.scalars[0..<27]), "the output sees the first of the 8 characters")
        XCTAssertEqual(Array(a.scalars[27...]), Array(b.scalars[27...]), "and nothing of another example (inference mode)")
    }

    func testMakemoreOptions() {
        XCTAssertThrowsError(try Subcommand.run(["makemore", "--steps", "0"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "--steps must be positive and --samples not negative")
        }
        XCTAssertThrowsError(try Subcommand.run(["makemore", "--epochs", "3"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "unknown option '--epochs'")
        }
    }

    // MARK: backprop-ninja

    func testBackpropNinjaThroughTheCommandLine() throws {
        let (_, output) = try capturingOutput { try Subcommand.run(["backprop-ninja"]) }
        XCTAssertTrue(output.contains("→ OK: every hand gradient agrees with the tape"), output)
        XCTAssertTrue(output.contains("→ WRONG: the first step that disagrees, walking back from the loss, is ∂L/∂bndiff2"), output)
        XCTAssertTrue(output.contains("The slip scales ∂L/∂bndiff2 by (n − 1)/n = 31/32: a relative error of 0.0312"), output)
        let marked = output.split(separator: "\n").filter { $0.contains("←") }
        XCTAssertEqual(marked.count, 1, "one step is marked as the first wrong one")
        XCTAssertTrue(marked.first?.contains("∂L/∂bndiff2") == true && marked.first?.contains("bnvar = Σᵢ bndiff2 / (n − 1)") == true,
                      "the marked row is the variance's step: \(marked)")
    }

    func testBackpropNinjaWritesTheDerivationPages() throws {
        let folder = try temporaryFolder(self)
        let path = folder + "/ninja.html"
        let (_, output) = try capturingOutput { try Subcommand.run(["backprop-ninja", "--html", path]) }
        XCTAssertTrue(output.contains("\(path), \(folder)/ninja-slip.html"), output)
        let right = try String(contentsOfFile: path, encoding: .utf8)
        let slip = try String(contentsOfFile: folder + "/ninja-slip.html", encoding: .utf8)
        XCTAssertTrue(right.contains("derivation OK: every given gradient agrees with the tape"))
        XCTAssertFalse(right.contains("mark-wrong first-wrong"))
        XCTAssertTrue(slip.contains("the first step that disagrees, walking back from the loss, is ∂L/∂bndiff2"))
        XCTAssertTrue(slip.contains("mark-wrong first-wrong"), "the slip's step is outlined on the graph")
        for name in ["bnvar_inv", "bndiff2", "logit_maxes", "embcat"] {
            XCTAssertTrue(right.contains("∂L/∂\(name)"), name)
        }
        XCTAssertEqual(BackpropNinja.sibling(of: "a/b.c/page", suffix: "-slip"), "a/b.c/page-slip")
        XCTAssertThrowsError(try Subcommand.run(["backprop-ninja", "--html"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "--html expects a file name, e.g. --html ninja.html")
        }
    }

    func testBackpropNinjaReports() throws {
        let outcome = try capturingOutput { try BackpropNinja.run(BackpropNinja.Config(), names: try NamesData()) }.result
        let steps = ["logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits",
                     "h", "hpreact", "bnraw", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "emb"]
        // Every step walking back from the loss, then every parameter, each given and right.
        XCTAssertEqual(outcome.right.items.map(\.name), steps + BackpropNinja.parameterNames)
        XCTAssertTrue(outcome.right.passed, "\(outcome.right)")
        XCTAssertTrue(outcome.right.items.allSatisfy { $0.verdict == .exact || $0.verdict == .close }, "\(outcome.right)")
        XCTAssertLessThan(outcome.right.items.map(\.maxDifference).max() ?? .infinity, 1e-15)
        // Finite differences side with the tape for every parameter.
        for item in outcome.right.items where item.isInput {
            XCTAssertEqual(try XCTUnwrap(item.numeric), item.tape, accuracy: 1e-7, item.name)
        }
        XCTAssertGreaterThan(outcome.loss, 3)
        XCTAssertLessThan(outcome.loss, 4.5)

        // The slip: caught at the variance's step, everything nearer the loss still right.
        let wrong = outcome.wrong
        XCTAssertFalse(wrong.passed)
        XCTAssertEqual(wrong.firstWrong?.name, "bndiff2")
        let index = try XCTUnwrap(wrong.items.firstIndex { $0.name == "bndiff2" })
        XCTAssertTrue(wrong.items[..<index].allSatisfy { $0.verdict != .wrong })
        let slip = wrong.items[index]
        XCTAssertEqual(slip.hand / slip.tape, 31.0 / 32, accuracy: 1e-12, "1/n instead of 1/(n − 1) with n = 32")
        XCTAssertEqual(wrong.items.filter { $0.verdict == .wrong }.map(\.name), ["bndiff2", "bndiff", "hprebn", "embcat", "emb", "C", "W1"])

        // The compact forms.
        XCTAssertEqual(outcome.compact.items.filter { $0.verdict != .notGiven }.map(\.name), ["logits", "hpreact", "hprebn"])
        XCTAssertTrue(outcome.compact.passed, "\(outcome.compact)")
    }

    func testBackpropNinjaTableMarksTheFirstWrongStep() throws {
        let config = BackpropNinja.Config()
        let problem = BackpropNinja.problem(config, names: try NamesData())
        let report = BackpropNinja.check(problem, config: config) { p, f in
            var g = BackpropNinja.handGradients(p, f, contexts: problem.contexts, targets: problem.targets)
            g["h"] = g["h"].map { $0 * 2 }          // a different slip, nearer the loss
            return g
        }
        XCTAssertEqual(report.firstWrong?.name, "h")
        let table = BackpropNinja.table(report)
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.contains("∂L/∂h ") })
        XCTAssertTrue(row.contains("WRONG ←"), String(row))
        XCTAssertEqual(table.split(separator: "\n").filter { $0.contains("←") }.count, 1)
    }
}

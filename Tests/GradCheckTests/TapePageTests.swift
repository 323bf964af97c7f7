import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Autograd
import Layers

/// The inspection page (`tensor.html()`, the derivation and gradcheck report pages), read back
/// with an XML parser: it is well-formed, shows every value and gradient, steps in tape order,
/// refers to nothing outside itself, escapes labels, and stays small for large graphs.
final class TapePageTests: XCTestCase {
    typealias T = Tensor<Double>

    // MARK: Reading a page

    /// A page parsed as XML: every element with its attributes and its text (its descendants' too).
    struct Page {
        struct Element {
            let name: String
            let attributes: [String: String]
            var text = ""
            var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
        }
        let source: String
        let elements: [Element]

        init(_ source: String, file: StaticString = #filePath, line: UInt = #line) throws {
            self.source = source
            let collector = Collector()
            let parser = XMLParser(data: Data(source.utf8))
            parser.delegate = collector
            guard parser.parse() else {
                throw NSError(domain: "Page", code: 1, userInfo: [NSLocalizedDescriptionKey:
                    "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"])
            }
            elements = collector.elements
        }

        func all(_ name: String? = nil, class cssClass: String? = nil) -> [Element] {
            elements.filter { (name == nil || $0.name == name) && (cssClass == nil || $0.classes.contains(cssClass ?? "")) }
        }

        func element(id: String) -> Element? { elements.first { $0.attributes["id"] == id } }

        /// The value box of a tensor (`g.node.value`) by its name.
        func box(_ name: String) -> Element? {
            all("g", class: "value").first { $0.attributes["data-name"] == name }
        }

        /// The lines of a class inside a box: the texts of its `text` elements of that class.
        func lines(of box: Element, _ cssClass: String) -> [String] {
            // Boxes are flat (a rect and texts), so the texts follow the box's element in document order.
            guard let start = elements.firstIndex(where: { $0.attributes["id"] == box.attributes["id"] }) else { return [] }
            var out: [String] = []
            for e in elements[(start + 1)...] {
                if e.name == "g" { break }
                if e.name == "text" && e.classes.contains(cssClass) { out.append(e.text) }
            }
            return out
        }

        var steps: [Element] { all("li").filter { $0.attributes["data-phase"] != nil } }

        final class Collector: NSObject, XMLParserDelegate {
            var elements: [Element] = []
            var open: [Int] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.append(Element(name: name, attributes: attributes))
                open.append(elements.count - 1)
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                for i in open { elements[i].text += string }
            }
            func parser(_ parser: XMLParser, foundCDATA block: Data) {
                let string = String(decoding: block, as: UTF8.self)
                for i in open { elements[i].text += string }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                _ = open.popLast()
            }
        }
    }

    /// With TAPE_PAGES_OUT=DIR set, the tests also write their pages there, to look at in a browser.
    func keep(_ html: String, as name: String) {
        guard let folder = ProcessInfo.processInfo.environment["TAPE_PAGES_OUT"] else { return }
        XCTAssertNoThrow(try AtomicFile.write(Array(html.utf8), to: folder + "/" + name))
    }

    /// L = (a·b + c)² with a = 2, b = −3, c = 10: the tour's expression.
    func tourExpression() -> (a: T, b: T, c: T, loss: T) {
        let a = T(2).requiringGrad(named: "a"), b = T(-3).requiringGrad(named: "b"), c = T(10).requiringGrad(named: "c")
        let d = a * b + c
        return (a, b, c, d * d)
    }

    // MARK: The tour's expression

    func testTourPageShowsEveryValueAndGradient() throws {
        let (a, _, _, loss) = tourExpression()
        let page = try Page(loss.html())
        let expected: [(name: String, value: String, grad: String)] = [
            ("a", "2", "grad −24"), ("b", "−3", "grad 16"), ("c", "10", "grad 8"),
            ("t1", "−6", "grad 8"), ("t2", "4", "grad 8"), ("t3", "16", "grad 1"),
        ]
        XCTAssertEqual(page.all("g", class: "value").count, 6)
        XCTAssertEqual(page.all("g", class: "op").map { $0.attributes["data-name"] ?? "" }, ["multiply", "add", "multiply"])
        for e in expected {
            let box = try XCTUnwrap(page.box(e.name), e.name)
            XCTAssertEqual(page.lines(of: box, "val"), [e.value], e.name)
            XCTAssertEqual(page.lines(of: box, "grad"), [e.grad], e.name)
            // The detail panel has the full value and gradient.
            let detail = try XCTUnwrap(page.element(id: box.attributes["data-detail"] ?? ""), e.name)
            XCTAssertTrue(detail.text.contains(e.value), detail.text)
            XCTAssertTrue(detail.text.contains(String(e.grad.dropFirst(5))), detail.text)
        }
        // The chain-rule lines, as a student writes them.
        let text = page.steps.map(\.text).joined(separator: "\n")
        for line in ["∂L/∂t2 += ∂L/∂t3 · t2 = 1 · 4 = 4", "∂L/∂t1 += ∂L/∂t2 · 1 = 8 · 1 = 8",
                     "∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24", "∂L/∂b += ∂L/∂t1 · a = 8 · 2 = 16",
                     "∂L/∂t2 = 8: complete"] {
            XCTAssertTrue(text.contains(line), "\(line) in\n\(text)")
        }
        XCTAssertEqual(page.all("body").first?.attributes["data-crossings"], "0")
        XCTAssertNil(a.grad, "the page's own backward pass stores no gradient")
    }

    func testStepsFollowTheTapeForwardAndTheEngineBackward() throws {
        let (a, b, _, loss) = tourExpression()
        let page = try Page(loss.html())
        let steps = page.steps
        XCTAssertEqual(steps.map { $0.attributes["data-phase"] ?? "" },
                       ["start", "forward", "forward", "forward", "backward", "backward", "backward", "backward"])
        XCTAssertEqual(page.all("body").first?.attributes["data-steps"], "8")
        func name(_ id: String) -> String? { page.element(id: id)?.attributes["data-name"] }
        // Forward: one op per step, in the tape's order, each value appearing at its step.
        let forward = steps.filter { $0.attributes["data-phase"] == "forward" }
        let tapeOps = loss.tape.entries.filter { $0.op != "leaf" }.map(\.name)
        XCTAssertEqual(forward.map { ($0.attributes["data-focus"] ?? "").split(separator: " ").last.map { name(String($0)) ?? "" } ?? "" },
                       tapeOps)
        for (k, step) in steps.enumerated() where step.attributes["data-phase"] == "forward" {
            for id in (step.attributes["data-focus"] ?? "").split(separator: " ") {
                XCTAssertEqual(page.element(id: String(id))?.attributes["data-appear"], "\(k)")
            }
        }
        // Backward: the seed, then the rules in the order the engine applies them.
        var engine: [String] = []
        loss.backward(retainGraph: true) { engine.append($0.op) }
        let rules = steps.filter { $0.text.contains("the rule of") }
        XCTAssertEqual(rules.map { step in (step.attributes["data-focus"] ?? "").split(separator: " ").dropFirst().first
            .flatMap { name(String($0)) } ?? "" }, engine)
        // A gradient is complete only after every user of the tensor has sent its part.
        for box in page.all("g", class: "value") {
            guard let id = box.attributes["id"], let step = Int(box.attributes["data-grad"] ?? "") else {
                XCTFail("\(box.attributes) has no gradient step"); continue
            }
            for edge in page.all("path", class: "edge") where edge.attributes["data-from"] == id {
                let op = page.element(id: edge.attributes["data-to"] ?? "")
                let user = page.all("g", class: "value").first { $0.attributes["data-detail"] == op?.attributes["data-detail"] }
                XCTAssertGreaterThan(step, Int(user?.attributes["data-grad"] ?? "") ?? .max, "\(id) before its user")
            }
        }
        XCTAssertEqual(a.grad, T(-24), "the test's own backward")
        XCTAssertEqual(b.grad, T(16))
    }

    func testChainRuleFactorsMatchTheOpsRules() throws {
        // The factor the page prints (∂L/∂t1 · b = 8 · (−3)) is each op's derivative, as its rule computes it.
        let x = 0.7, y = -1.3
        let cases: [(op: String, attributes: String, f: ([T]) -> T)] = [
            ("add", "", { $0[0] + $0[1] }), ("subtract", "", { $0[0] - $0[1] }), ("multiply", "", { $0[0] * $0[1] }),
            ("divide", "", { $0[0] / $0[1] }), ("negate", "", { -$0[0] }), ("pow", "exponent: 2.5", { $0[0].pow(2.5) }),
            ("exp", "", { $0[0].exp() }), ("log", "", { $0[0].log() }), ("sqrt", "", { $0[0].sqrt() }),
            ("sin", "", { $0[0].sin() }), ("cos", "", { $0[0].cos() }), ("tanh", "", { $0[0].tanh() }), ("sigmoid", "", { $0[0].sigmoid() }), ("relu", "", { $0[0].relu() }),
        ]
        for c in cases {
            let leaves = [T(x).requiringGrad(), T(y).requiringGrad()]
            let out = c.f(leaves)
            XCTAssertEqual(out.tape.entries.last?.op, c.op)
            XCTAssertEqual(out.tape.entries.last?.attributes, c.attributes)
            let grads = try gradients(of: out, wrt: leaves)
            let arity = out.tape.entries.last?.inputs.count ?? 0
            for slot in 0..<arity {
                let factor = try XCTUnwrap(DerivativeRuleText.localFactor(op: c.op, attributes: c.attributes, slot: slot,
                                                                          inputs: [x, y], output: out.scalar), c.op)
                XCTAssertEqual(factor, grads[slot].scalar, accuracy: 1e-12, "\(c.op), input \(slot)")
                XCTAssertEqual(DerivativeRuleText.formula(op: c.op, attributes: c.attributes, slot: slot, inputs: ["x", "y"],
                                                          output: "t")?.isProduct, true, "\(c.op): a product formula")
            }
        }
    }

    // MARK: Every value and gradient of a larger graph

    /// A graph of about 50 ops over vectors and matrices (broadcasting, matmul, softmax,
    /// reductions, constants), each result named so that the test can find its box.
    func fiftyOpGraph() -> (loss: T, tensors: [(name: String, tensor: T)]) {
        let x = T.randomNormal([3, 4], seed: 1).requiringGrad(named: "x")
        let w = T.randomNormal([4, 2], seed: 2).requiringGrad(named: "w")
        let bias = T([0.1, -0.2]).requiringGrad(named: "bias")
        var named: [(String, T)] = []
        func keep(_ t: T) -> T { named.append(("h\(named.count)", t)); return t }
        var h = keep(keep(x.matmul(w)) + bias)
        for i in 0..<7 {
            h = keep(keep(h.tanh()) * T(0.5 + Double(i) / 10))
            h = keep(keep(h.softmax(axis: 1)) + keep(h.exp()).mean())
        }
        let loss = keep(keep(h.squared()).sum())
        return (loss, named)
    }

    func testEveryTensorOfAFiftyOpGraphShowsItsValueAndGradient() throws {
        let (loss, named) = fiftyOpGraph()
        let ops = loss.tape.entries.filter { $0.op != "leaf" }.count
        XCTAssertEqual(ops, 53)
        let html = loss.html(names: named)
        let page = try Page(html)
        XCTAssertFalse(page.all("body").first?.classes.contains("collapsed") ?? true, "drawn op by op")
        XCTAssertEqual(page.all("g", class: "op").count, ops)
        XCTAssertEqual(page.all("g", class: "value").count, loss.tape.entries.count)
        let tensors = named.map(\.tensor)
        let grads = try gradients(of: loss, wrt: tensors, retainGraph: true)
        for ((name, tensor), grad) in zip(named, grads) {
            let box = try XCTUnwrap(page.box(name), name)
            XCTAssertFalse(page.lines(of: box, "val").isEmpty, name)
            XCTAssertFalse(page.lines(of: box, "grad").isEmpty, name)
            let detail = try XCTUnwrap(page.element(id: box.attributes["data-detail"] ?? ""))
            // The detail's two tables: the value's elements, then the gradient's.
            let cells = page.elements.drop { $0.attributes["id"] != detail.attributes["id"] }.prefix { e in
                e.name != "div" || e.attributes["id"] == detail.attributes["id"] || e.classes.contains("gradpart")
            }.filter { $0.name == "td" }.map(\.text)
            let expected = (tensor.scalars + grad.scalars).map { PageText.number(Double($0)) }
            XCTAssertEqual(cells, expected, name)
        }
        keep(html, as: "fifty-ops.html")
        print("50-op page: \(ops) ops, \(html.utf8.count) bytes, \(page.all("body").first?.attributes["data-crossings"] ?? "?") crossings")
        XCTAssertLessThan(html.utf8.count, 400_000)
    }

    // MARK: Self-contained, escaped, well-formed

    func testPageRefersToNothingOutsideItself() throws {
        let (_, _, _, loss) = tourExpression()
        let (big, named) = fiftyOpGraph()
        for html in [loss.html(), big.html(names: named)] {
            let page = try Page(html)
            XCTAssertFalse(html.contains("http:"))
            XCTAssertFalse(html.contains("https:"))
            for e in page.elements {
                for key in ["src", "href", "xlink:href", "action", "data"] {
                    if let value = e.attributes[key] { XCTFail("\(e.name) has \(key)=\(value)") }
                }
            }
            XCTAssertTrue(page.all("link").isEmpty && page.all("img").isEmpty && page.all("iframe").isEmpty)
            // CSS references are fragments of the page itself (the arrow heads).
            var rest = html[...]
            while let range = rest.range(of: "url(") {
                XCTAssertTrue(rest[range.upperBound...].hasPrefix("#"), String(rest[range.lowerBound...].prefix(30)))
                rest = rest[range.upperBound...]
            }
            XCTAssertFalse(html.contains("@import"))
            let unmarked = html.replacingOccurrences(of: "//<![CDATA[", with: "").replacingOccurrences(of: "//]]>", with: "")
            XCTAssertFalse(unmarked.contains("//"), "no protocol-relative URL (nor any other \"//\") besides the CDATA markers")
        }
    }

    func testScriptAndStyleAreCDATASafe() throws {
        for text in [TapePage.script, TapePage.css] {
            XCTAssertFalse(text.contains("]]>"))
            XCTAssertFalse(text.contains("</"))
            XCTAssertFalse(text.contains("<!--"))
        }
        let (_, _, _, loss) = tourExpression()
        let page = try Page(loss.html())
        let script = try XCTUnwrap(page.all("script").first)
        XCTAssertTrue(script.text.contains("function show(k)"), "the script is inside the CDATA section")
        XCTAssertTrue(page.source.contains("<script>//<![CDATA[\n") && page.source.contains("\n//]]></script>"))
    }

    func testLabelsAreEscaped() throws {
        let nasty = "<b>&\"x'</b>]]></script><script>alert(1)</script>"
        let x = T([1, 2]).requiringGrad(named: nasty)
        let y = (x * 3).sum()
        let html = y.html(title: "a & b < c", names: [("t\u{1}<i>", y)])
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("<b>&"))
        let page = try Page(html)
        XCTAssertNotNil(page.box(nasty), "the name survives escaping exactly")
        XCTAssertNotNil(page.box("t<i>"), "control characters are dropped")
        XCTAssertEqual(page.all("title").first?.text, "a & b < c")
        XCTAssertEqual(page.all("script").count, 1)
    }

    // MARK: Large graphs

    func testTenThousandOpGraphCollapsesIntoBlocksUnderTheSizeLimit() throws {
        let a = T(0.001).requiringGrad(named: "a"), b = T(0.9999).requiringGrad(named: "b")
        var x = T(1).requiringGrad(named: "x0")
        for _ in 0..<5_000 { x = x * b + a }
        let start = Date()
        let html = x.html()
        let seconds = Date().timeIntervalSince(start)
        let page = try Page(html)
        XCTAssertEqual(x.tape.entries.count, 10_003)
        XCTAssertTrue(page.all("body").first?.classes.contains("collapsed") ?? false)
        let blocks = page.all("g", class: "block")
        XCTAssertGreaterThan(blocks.count, 10)
        XCTAssertLessThanOrEqual(blocks.count, 40)
        XCTAssertTrue(page.all("g", class: "op").isEmpty, "no box per op")
        XCTAssertEqual(blocks.last?.attributes["data-name"], "t10000", "the loss has a block of its own")
        // Forward steps run the blocks in tape order; backward in reverse.
        let forward = page.steps.filter { $0.attributes["data-phase"] == "forward" }.map { $0.attributes["data-focus"] ?? "" }
        let backward = page.steps.filter { $0.text.contains("rules") }.map { $0.attributes["data-focus"] ?? "" }
        XCTAssertEqual(forward, blocks.map { $0.attributes["id"] ?? "" })
        XCTAssertEqual(backward, forward.reversed())
        keep(html, as: "ten-thousand-ops.html")
        print("10⁴-op page: \(blocks.count) blocks, \(html.utf8.count) bytes, made in \(String(format: "%.2f", seconds)) s")
        XCTAssertLessThan(html.utf8.count, TapePageTests.sizeLimit)
    }

    /// The size a page of any graph stays under.
    static let sizeLimit = 2_000_000

    func testTrainingStepIsDrawnAsBlocksNamedAfterTheModules() throws {
        let model = Sequential<Double> {
            Dense(inputs: 64, outputs: 32, activation: .relu, seed: 1)
            Dense(inputs: 32, outputs: 16, activation: .tanh, seed: 2)
            Dense(inputs: 16, outputs: 10, seed: 3)
        }
        let x = T.randomNormal([8, 64], seed: 4), labels = T([0, 1, 2, 3, 4, 5, 6, 7])
        let loss = crossEntropy(logits: model(x), labels: labels)
        let blocksHTML = loss.html(naming: model, collapseAbove: 0)
        keep(blocksHTML, as: "training-step-blocks.html")
        keep(loss.html(naming: model), as: "training-step.html")
        let page = try Page(blocksHTML)
        let names = page.all("g", class: "block").map { $0.attributes["data-name"] ?? "" }
        XCTAssertEqual(Array(names.prefix(3)), ["layers.0", "layers.1", "layers.2"], "\(names)")
        // Drawn op by op, the parameters carry their dotted names.
        let full = try Page(loss.html(naming: model))
        XCTAssertNotNil(full.box("layers.0.weight"))
        XCTAssertNotNil(full.box("layers.2.bias"))
        XCTAssertTrue(full.lines(of: try XCTUnwrap(full.box("layers.0.weight")), "val")[0].hasPrefix("min "))
    }

    // MARK: Special cases

    func testAFreedGraphSaysSoAndKeepsTheLeavesGradients() throws {
        let (_, _, _, loss) = tourExpression()
        loss.backward()
        let page = try Page(loss.html())
        XCTAssertTrue(page.all("p", class: "note").contains { $0.text.contains("freed") })
        XCTAssertEqual(page.lines(of: try XCTUnwrap(page.box("a")), "grad"), ["grad −24"])
        XCTAssertEqual(page.lines(of: try XCTUnwrap(page.box("t1")), "val"), ["(freed)"])
    }

    func testANonScalarOutputIsSeededWithOnesAndAnUnrecordedTensorIsEmpty() throws {
        let x = T([1, 2, 3]).requiringGrad(named: "x")
        let page = try Page((x * x).html())
        XCTAssertTrue(page.all("p", class: "note").contains { $0.text.contains("sum of its elements") })
        XCTAssertEqual(page.lines(of: try XCTUnwrap(page.box("x")), "grad"), ["grad [2, 4, 6]"])
        let plain = try Page(T([1, 2]).html())
        XCTAssertTrue(plain.all("g", class: "node").isEmpty)
        XCTAssertTrue(plain.all("p", class: "note").contains { $0.text.contains("not recorded") })
    }

    func testWriteHTMLWritesThePageAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("TapePageTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, _, _, loss) = tourExpression()
        let path = folder.appendingPathComponent("tape.html").path
        try loss.writeHTML(to: path, title: "L")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), loss.html(title: "L"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["tape.html"], "no temporary file left")
        XCTAssertThrowsError(try loss.writeHTML(to: folder.appendingPathComponent("missing/tape.html").path)) { error in
            XCTAssertTrue("\(error)".contains("missing/tape.html"), "\(error)")
        }
    }

    // MARK: The DOT export

    func testGraphvizShowsLeafValuesAndEveryGradientAfterBackward() {
        let (_, _, _, loss) = tourExpression()
        let before = loss.graphviz()
        XCTAssertTrue(before.contains("label=\"a\\n[]\\n2\""), before)
        XCTAssertTrue(before.contains("label=\"b\\n[]\\n−3\""), before)
        XCTAssertFalse(before.contains("grad"), "no gradient before backward")
        loss.backward(retainGraph: true)
        let after = loss.graphviz()
        for (name, value, grad) in [("a", "2", "−24"), ("b", "−3", "16"), ("c", "10", "8"), ("t1", "−6", "8"),
                                    ("t2", "4", "8"), ("t3", "16", "1")] {
            XCTAssertTrue(after.contains("\"\(name)\" [shape=ellipse") && after.contains("\(name)\\n[]\\n\(value)\\ngrad \(grad)\""),
                          "\(name) in\n\(after)")
        }
    }

    // MARK: Report pages

    func testDerivationPageHighlightsTheWrongStepOfTheDiagonalOnlySoftmax() throws {
        let logits = T([2.0, 1.0, 0.1]), target = T([0, 1, 0])
        let report = checkDerivation(at: [logits], names: ["logits"], function: { v, step in
            let p = step("p", v[0].softmax())
            return -(target * p.log()).sum()
        }, hand: { _, forward in
            guard let p = forward["p"] else { return [:] }
            let dP = -target / p
            return ["p": dP, "logits": dP * p * (1 - p)]
        })
        XCTAssertEqual(report.firstWrong?.name, "logits")
        keep(report.html(), as: "derivation-softmax.html")
        let page = try Page(report.html())
        let wrong = try XCTUnwrap(page.box("logits"))
        XCTAssertTrue(wrong.classes.contains("mark-wrong") && wrong.classes.contains("first-wrong"), "\(wrong.classes)")
        XCTAssertEqual(page.lines(of: wrong, "badge"), ["∂L/∂logits: wrong (first)", "hand [0, −0.757567, 0]"])
        let p = try XCTUnwrap(page.box("p"))
        XCTAssertTrue(p.classes.contains("mark-exact"), "\(p.classes)")
        XCTAssertFalse(p.classes.contains("first-wrong"))
        // Hand, tape and finite differences side by side, for the first wrong step.
        let side = try XCTUnwrap(page.all("table", class: "side").first)
        let item = try XCTUnwrap(report.firstWrong)
        XCTAssertEqual(side.text, "handtapefinite differences" + PageText.number(item.hand) + PageText.number(item.tape)
                                  + PageText.number(item.numeric ?? .nan))
        XCTAssertEqual(item.numeric ?? .nan, item.tape, accuracy: 1e-6)
        XCTAssertEqual(PageText.number(item.tape), "0.659001")
        // The whole hand gradient beside the tape's, wrong elements marked.
        let detail = try XCTUnwrap(page.element(id: wrong.attributes["data-detail"] ?? ""))
        XCTAssertTrue(detail.text.contains("your derivation: wrong"), detail.text)
        XCTAssertEqual(page.all("g", class: "first-wrong").count, 1)
        XCTAssertTrue(page.source.contains("<tr class=\"wrong\"><td>logits[0]</td>"), "the first logit's row is marked wrong")
    }

    // MARK: Layout and addresses

    func testStepNumbersInTheAddressCountFromOneAsThePageDoes() throws {
        let (_, _, _, loss) = tourExpression()
        let page = try Page(loss.html())
        // The page counts from 1 ("Step 1 of 8", the list of every step is an <ol>) ...
        XCTAssertEqual(page.element(id: "counter")?.text, "Step 1 of 8")
        XCTAssertEqual(page.all("ol").first?.attributes["id"], "steps")
        // ... and so does the address: step k (from 0 inside the script) is #step=k+1, and
        // #step=N opens step N; #step=0, of links from when the address counted from 0, the first.
        let script = TapePage.script
        XCTAssertTrue(script.contains("function hashOf(k) { return \"#step=\" + (k + 1); }"), script)
        XCTAssertTrue(script.contains("return match ? Math.max(0, Number(match[1]) - 1) : null;"), script)
        XCTAssertTrue(script.contains("history.replaceState(null, \"\", hashOf(k))"))
        XCTAssertTrue(script.contains("show(stepFromHash(window.location.hash) || 0)"))
        XCTAssertFalse(script.contains("\"#step=\" + k)"), "no address counting from 0 is left")
        XCTAssertTrue(script.contains("addEventListener(\"hashchange\""), "a new #step=N in the address moves the page")
        let keys = try XCTUnwrap(page.all("p", class: "keys").first)
        XCTAssertTrue(keys.text.contains("#step=N for step N (from 1)"), keys.text)
    }

    func testSidePanelIsAColumnBesideTheGraphAndTheStepFollowsTheCurrentBox() throws {
        let (big, named) = fiftyOpGraph()
        let html = big.html(names: named)
        keep(html, as: "fifty-ops.html")
        // main holds the graph, then the side panel, which holds this step, the node and every step.
        var at = html.startIndex
        for part in ["<main>", "<div id=\"graph\"", "<svg id=\"drawing\"", "</svg>", "</div>\n<aside>", "id=\"panel\"",
                     "id=\"detail\"", "id=\"all-steps\"", "<ol id=\"steps\">", "</ol>", "</aside>", "</main>"] {
            let found = try XCTUnwrap(html.range(of: part, range: at..<html.endIndex), "\(part) in order")
            at = found.upperBound
        }
        // No part of the page is laid over another; the graph takes the height the header leaves.
        let css = TapePage.css
        XCTAssertFalse(css.contains("position: absolute") || css.contains("position: fixed"))
        XCTAssertTrue(css.contains("main { flex: 1 1 0; min-height: 0;"), "the graph and the panel fill the rest of the window")
        XCTAssertTrue(css.contains("header { flex: 0 1 auto; max-height: 34vh; overflow: auto;"), "a long header scrolls by itself")
        XCTAssertFalse(css.contains("100vh - 150px"), "no height guessed from a header of one size")
        // Each step pans the graph to its boxes, not only when the first one has left the view.
        XCTAssertTrue(TapePage.script.contains("follow(focus);"))
        XCTAssertFalse(TapePage.script.contains("reveal("))
    }

    func testALongDerivationFoldsItsTableUnderOneLine() throws {
        // L = sum(s10) with s_i = 2 · s_(i−1), s_0 = x: ten steps and the input, eleven rows.
        let x = T([0.5, -1.0])
        let report = checkDerivation(at: [x], names: ["x"], function: { v, step in
            var s = v[0]
            for i in 1...10 { s = step("s\(i)", s * 2) }
            return s.sum()
        }, hand: { _, _ in
            var out: [String: T] = ["x": T([1024, 1024])]
            for i in 1...10 { out["s\(i)"] = T([1, 1]) * Double(1 << (10 - i)) }
            return out
        })
        XCTAssertNil(report.firstWrong)
        let html = report.html()
        keep(html, as: "derivation-ten-steps.html")
        let page = try Page(html)
        let folded = try XCTUnwrap(page.all("details", class: "items").first, "the table folds")
        let summary = try XCTUnwrap(page.all("summary").first)
        XCTAssertTrue(summary.text.hasPrefix("The 11 gradients compared: 11 exact"), summary.text)
        XCTAssertTrue(folded.text.contains("∂L/∂s10") && folded.text.contains("∂L/∂x"), "the rows are all there")
        let table = try XCTUnwrap(html.range(of: "<details class=\"items\">").flatMap { start in
            html.range(of: "</details>", range: start.upperBound..<html.endIndex).map { html[start.lowerBound..<$0.upperBound] }
        })
        XCTAssertEqual(table.components(separatedBy: "<tr").count - 1, 12, "a header and eleven rows")
        // A short table stays open.
        let short = checkDerivation(at: [x], names: ["x"], function: { v, step in step("y", v[0] * 3).sum() },
                                    hand: { _, _ in ["x": T([3, 3]), "y": T([1, 1])] })
        XCTAssertTrue(try Page(short.html()).all("details").isEmpty)
    }

    func testDerivationPageOfAWrongIntermediateStepShowsItsFiniteDifference() throws {
        let x = T(rows: [[0.5, -1.0], [2.0, 0.25], [-0.3, 0.7]]), y = T(rows: [[1.0], [0.0], [1.0]])
        let w = T(rows: [[0.3], [0.8]])
        let report = checkDerivation(at: [w], names: ["w"], function: { v, step in
            let z = step("z", x.matmul(v[0]))
            let a = step("a", z.sigmoid())
            return 0.5 * (a - y).squared().sum()
        }, hand: { _, forward in
            guard let a = forward["a"] else { return [:] }
            return ["a": a - y, "z": a - y, "w": x.transposed().matmul(a - y)]     // forgot σ'(z)
        })
        let z = try XCTUnwrap(report.firstWrong)
        XCTAssertEqual(z.name, "z")
        XCTAssertEqual(z.numeric ?? .nan, z.tape, accuracy: 1e-7, "finite differences nudging the step agree with the tape")
        let page = try Page(report.html())
        XCTAssertTrue(try XCTUnwrap(page.box("z")).classes.contains("first-wrong"))
        XCTAssertTrue(try XCTUnwrap(page.box("a")).classes.contains("mark-exact"))
        XCTAssertTrue(try XCTUnwrap(page.box("w")).classes.contains("mark-wrong"))
        XCTAssertFalse(try XCTUnwrap(page.box("w")).classes.contains("first-wrong"))
    }

    func testDerivationPageOfAHandGradientOfTheWrongShapeOrAnUnknownName() throws {
        let x = T(rows: [[1, 2], [3, 4]])
        let report = checkDerivation(at: [x], names: ["x"], function: { v, step in
            step("s", v[0].sum(axis: 1)).sum()
        }, hand: { _, _ in
            ["s": T([1, 1, 1]), "X": T.ones([2, 2])]          // s has 2 elements; "X" names nothing
        })
        XCTAssertFalse(report.passed)
        let page = try Page(report.html())
        let s = try XCTUnwrap(page.box("s"))
        XCTAssertTrue(s.classes.contains("first-wrong"), "\(s.classes)")
        XCTAssertTrue(page.all("p").contains { $0.text.contains("has shape [3], but s has shape [2]") })
        XCTAssertTrue(page.all("p", class: "note").contains { $0.text.contains("name X, which is neither") })
        let none = checkDerivation(at: [x], names: ["x"], function: { v, _ in v[0].sum() }, hand: { _, _ in [:] })
        XCTAssertEqual(try Page(none.html()).all("h1").first?.text, "Derivation not checked")
    }

    func testGradcheckPageShowsWhichElementsFailedOrSitAtAKink() throws {
        // relu at 0 is a kink; a custom op with a wrong rule mismatches on its first element only.
        let x = T([-1, 0, 2, 3])
        func wrongSquare(_ v: T) -> T {
            T.customOp("wrongSquare", inputs: [v], value: withoutGradients { v * v }) { g, inputs, _ in
                let mask = T([1.5, 1, 1, 1])           // the first element's slope is off by half
                return [g * inputs[0] * 2 * mask]
            }
        }
        let kinks = gradcheck(inputs: [x], names: ["x"]) { $0[0].relu().sum() }
        XCTAssertTrue(kinks.passed, "\(kinks)")
        let kinkPage = try Page(kinks.html())
        XCTAssertTrue(try XCTUnwrap(kinkPage.box("x")).classes.contains("mark-kink"))
        XCTAssertEqual(kinkPage.all("span", class: "cell").count, 8, "4 cells in the banner and 4 in the detail")
        XCTAssertEqual(kinkPage.all("span", class: "kink").count, 2)
        XCTAssertEqual(kinkPage.all("span", class: "kink").first?.attributes["title"], "x[1]: kink")

        let failed = gradcheck(inputs: [x], names: ["x"]) { wrongSquare($0[0]).sum() }
        XCTAssertFalse(failed.passed)
        keep(failed.html(), as: "gradcheck.html")
        let page = try Page(failed.html())
        let box = try XCTUnwrap(page.box("x"))
        XCTAssertTrue(box.classes.contains("mark-wrong"))
        XCTAssertEqual(page.lines(of: box, "badge"), ["gradcheck: 1 mismatched"])
        XCTAssertEqual(page.all("span", class: "mismatch").map { $0.attributes["title"] ?? "" }, ["x[0]: mismatch", "x[0]: mismatch"])
        XCTAssertTrue(page.all("tr", class: "wrong").contains { $0.text.hasPrefix("x[0]") })
        XCTAssertTrue(page.all("h1").first?.text.contains("FAILED") ?? false)
    }
}

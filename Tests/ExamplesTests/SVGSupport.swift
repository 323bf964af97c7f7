import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// An SVG file read back with Foundation's XMLParser: every element with its attributes and text.
struct ParsedSVG {
    struct Element {
        let name: String
        let attributes: [String: String]
        var text: String
    }

    let elements: [Element]

    init(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw NSError(domain: "ParsedSVG", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")"])
        }
        elements = delegate.elements
    }

    init(contentsOf path: String) throws {
        try self.init(String(contentsOfFile: path, encoding: .utf8))
    }

    func all(_ name: String, class cssClass: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (cssClass == nil || $0.attributes["class"] == cssClass) }
    }

    var root: Element? { elements.first }

    /// The polylines of a line chart's series: name → number of points in its `points` attribute.
    var seriesPointCounts: [String: Int] {
        var result: [String: Int] = [:]
        for e in all("polyline", class: "series") {
            let points = (e.attributes["points"] ?? "").split(separator: " ")
            result[e.attributes["data-name"] ?? "?"] = points.count
        }
        return result
    }

    var legendNames: [String] { all("text", class: "legend").map(\.text) }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes, text: ""))
            open.append(elements.count - 1)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let i = open.last { elements[i].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = open.popLast()
        }
    }
}

/// A fresh temporary folder, removed at the end of the test.
func temporaryFolder(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ExamplesTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

import XCTest
import Autograd
import DataFormats

final class CSVTests: TemporaryFolderTestCase {
    func testHeaderAndLabelByName() throws {
        let text = "sepal_length,sepal_width,species\n5.1,3.5,0\n4.9,3.0,1\n"
        let t = try CSVReader(labelColumn: .name("species")).parse(text, as: Float.self)
        XCTAssertEqual(t.features, Tensor<Float>(rows: [[5.1, 3.5], [4.9, 3.0]]))
        XCTAssertEqual(t.labels, Tensor<Float>([0, 1]))
        XCTAssertEqual(t.featureNames ?? [], ["sepal_length", "sepal_width"])
        XCTAssertEqual(t.labelName, "species")
    }

    func testLabelByIndexLastAndNone() throws {
        let text = "1,2,3\n4,5,6\n"
        let first = try CSVReader(hasHeader: false, labelColumn: .index(0)).parse(text, as: Double.self)
        XCTAssertEqual(first.labels, Tensor<Double>([1, 4]))
        XCTAssertEqual(first.features, Tensor<Double>(rows: [[2, 3], [5, 6]]))
        let last = try CSVReader(hasHeader: false, labelColumn: .last).parse(text, as: Double.self)
        XCTAssertEqual(last.labels, Tensor<Double>([3, 6]))
        XCTAssertEqual(last.features, Tensor<Double>(rows: [[1, 2], [4, 5]]))
        let none = try CSVReader(hasHeader: false).parse(text, as: Double.self)
        XCTAssertNil(none.labels)
        XCTAssertNil(none.featureNames)
        XCTAssertEqual(none.features.shape, [2, 3])
    }

    func testQuotedFieldsCRLFEmptyLinesBOMAndSpaces() throws {
        // BOM, quoted header with a comma, a doubled quote and a line break, CRLF, empty lines,
        // quoted numbers, spaces around numbers, no final line break.
        let text = "\u{FEFF}\"a,1\",\"say \"\"hi\"\"\",\"multi\nline\"\r\n\r\n 1 ,\"2\",3\r\n\n\n4,\t5\t,6"
        let t = try CSVReader(labelColumn: .last).parse(text, as: Float.self)
        XCTAssertEqual(t.featureNames ?? [], ["a,1", "say \"hi\""])
        XCTAssertEqual(t.labelName, "multi\nline")
        XCTAssertEqual(t.features, Tensor<Float>(rows: [[1, 2], [4, 5]]))
        XCTAssertEqual(t.labels, Tensor<Float>([3, 6]))
    }

    func testOtherDelimiterAndSpecialNumbers() throws {
        let t = try CSVReader(hasHeader: false, delimiter: ";").parse("1e3;-0.5;inf\nnan;+2;0x10\n", as: Double.self)
        XCTAssertEqual(t.features.scalars[0], 1000)
        XCTAssertEqual(t.features.scalars[2], .infinity)
        XCTAssertTrue(t.features.scalars[3].isNaN)
        XCTAssertEqual(t.features.scalars[5], 16)
    }

    func testCategoricalLabels() throws {
        let text = "x,kind\n1,setosa\n2,virginica\n3,setosa\n4,versicolor\n"
        let t = try CSVReader(labelColumn: .name("kind"), categoricalLabels: true).parse(text, as: Float.self)
        XCTAssertEqual(t.labelClasses ?? [], ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(t.labels, Tensor<Float>([0, 2, 0, 1]))
    }

    func testEmptyAndHeaderOnly() throws {
        let empty = try CSVReader(hasHeader: false).parse("", as: Float.self)
        XCTAssertEqual(empty.features.shape, [0, 0])
        let headerOnly = try CSVReader(labelColumn: .last).parse("a,b,c\n", as: Float.self)
        XCTAssertEqual(headerOnly.features.shape, [0, 2])
        XCTAssertEqual(headerOnly.labels?.shape, [0])
    }

    func testRoundTripFloatAndDouble() throws {
        var rng = SeededGenerator(seed: 11)
        let xf = Tensor<Float>.randomNormal([7, 3], using: &rng)
        let yf = Tensor<Float>([0, 1, 2, 0, 1, 2, 9])
        try CSVWriter.write(features: xf, labels: yf, header: ["a", "b,\"c\"", " d", "label"], to: path("f.csv"))
        let tf = try CSVReader(labelColumn: .name("label")).read(from: path("f.csv"), as: Float.self)
        IOTest.assertIdentical(tf.features, xf)
        XCTAssertEqual(tf.labels, yf)
        XCTAssertEqual(tf.featureNames ?? [], ["a", "b,\"c\"", " d"])

        let xd = Tensor<Double>.randomNormal([5, 4], using: &rng)
        try CSVWriter.write(features: xd, to: path("d.csv"))
        let td = try CSVReader(hasHeader: false).read(from: path("d.csv"), as: Double.self)
        IOTest.assertIdentical(td.features, xd)
        XCTAssertEqual(IOTest.contents(of: folder), ["d.csv", "f.csv"])
    }

    // MARK: errors name the file, the line and the column

    func testNonNumericValueNamesFileLineColumnAndName() {
        let file = path("bad.csv")
        try? AtomicFile.write(Array("a,b,c\n1,2,3\n4,abc,6\n".utf8), to: file)
        IOTest.expectDataError(.malformed, mentions: [file, "line 3", "column 2", "\"b\"", "expected a number", "\"abc\""]) {
            _ = try CSVReader().read(from: file, as: Float.self)
        }
    }

    func testMissingValue() {
        IOTest.expectDataError(.malformed, mentions: ["data.csv", "line 2, column 3", "missing value"]) {
            _ = try CSVReader(hasHeader: false).parse("1,2,3\n4,5,\n", path: "data.csv", as: Float.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["line 1, column 2", "missing value"]) {
            _ = try CSVReader(hasHeader: false).parse("1,,3\n", path: "data.csv", as: Double.self)
        }
    }

    func testWrongFieldCount() {
        IOTest.expectDataError(.malformed, mentions: ["t.csv", "line 4", "expected 3 fields as in the header", "found 2"]) {
            _ = try CSVReader().parse("a,b,c\n1,2,3\n\n4,5\n", path: "t.csv", as: Float.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["line 2", "expected 2 fields as in the first record", "found 3"]) {
            _ = try CSVReader(hasHeader: false).parse("1,2\n1,2,3\n", path: "t.csv", as: Float.self)
        }
    }

    func testQuoteErrors() {
        IOTest.expectDataError(.malformed, mentions: ["q.csv", "line 2, column 2", "no quote inside an unquoted field"]) {
            _ = try CSVReader().parse("a,b\n1,2\"3\n", path: "q.csv", as: Float.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["line 2, column 1", "after a closing quote", "\"x\""]) {
            _ = try CSVReader().parse("a,b\n\"1\"x,2\n", path: "q.csv", as: Float.self)
        }
        // The unterminated quote is reported where it was opened (line 3), not at the end.
        IOTest.expectDataError(.malformed, mentions: ["line 3, column 2", "closing quote", "end of file"]) {
            _ = try CSVReader().parse("a,b\n1,2\n3,\"4\n5,6\n7,8\n", path: "q.csv", as: Float.self)
        }
    }

    func testLineNumbersCountLineBreaksInsideQuotes() {
        IOTest.expectDataError(.malformed, mentions: ["line 4, column 1", "\"oops\""]) {
            _ = try CSVReader().parse("\"a\nb\",c\n1,2\noops,3\n", path: "q.csv", as: Float.self)
        }
    }

    func testLoneCarriageReturn() {
        IOTest.expectDataError(.malformed, mentions: ["line 1, column 2", "a line feed after a carriage return"]) {
            _ = try CSVReader(hasHeader: false).parse("1,2\r3,4\n", path: "cr.csv", as: Float.self)
        }
    }

    func testOutOfRangeForFloat() {
        IOTest.expectDataError(.malformed, mentions: ["line 1, column 1", "within the range of Float", "1e39"]) {
            _ = try CSVReader(hasHeader: false).parse("1e39\n", path: "r.csv", as: Float.self)
        }
        XCTAssertNoThrow(try CSVReader(hasHeader: false).parse("1e39\n", path: "r.csv", as: Double.self))
    }

    func testNULInsideANumberIsRefused() {
        // Swift's Float(_:) and Double(_:) stop at a NUL byte, so "1\0" "999" read as 1 before.
        IOTest.expectDataError(.malformed, mentions: ["nul.csv", "line 2, column 1", "\"a\"", "a number", "NUL"]) {
            let t = try CSVReader().parse(Array("a,b\n1\u{0}999,2\n".utf8), path: "nul.csv", as: Float.self)
            XCTFail("read \(t.features)")
        }
        IOTest.expectDataError(.malformed, mentions: ["line 1, column 2", "NUL"]) {
            _ = try CSVReader(hasHeader: false, labelColumn: .last).parse(Array("1,2\u{0}\n".utf8), path: "nul.csv", as: Double.self)
        }
        IOTest.expectDataError(.malformed, mentions: ["line 1, column 1", "NUL"]) {
            _ = try CSVReader(hasHeader: false).parse(Array("\u{0}\n".utf8), path: "nul.csv", as: Double.self)
        }
    }

    func testCategoricalLabelsAreComparedByTheirBytes() throws {
        // "é" as one scalar (U+00E9) and as "e" + a combining acute accent (U+0301) are equal as
        // Swift strings (canonical equivalence) but are different labels in the file.
        let text = "x,k\n1,\u{e9}\n2,e\u{301}\n3,\u{e9}\n4,e\n"
        let t = try CSVReader(labelColumn: .last, categoricalLabels: true).parse(text, as: Float.self)
        let classes = try XCTUnwrap(t.labelClasses)
        XCTAssertEqual(classes.map { Array($0.utf8) }, [[0x65], [0x65, 0xCC, 0x81], [0xC3, 0xA9]], "classes sorted by their UTF-8 bytes")
        XCTAssertEqual(t.labels, Tensor<Float>([2, 1, 2, 0]))
    }

    func testCategoricalLabelsThatAreNotUTF8AreRefused() {
        // Before, 0xFF and 0xFE both decoded to U+FFFD and became one class.
        let bytes = Array("x,k\n1,a\n2,".utf8) + [0xFF] + Array("\n3,".utf8) + [0xFE] + Array("\n".utf8)
        IOTest.expectDataError(.malformed, mentions: ["labels.csv", "line 3, column 2", "\"k\"", "UTF-8", "0xFF"]) {
            let t = try CSVReader(labelColumn: .last, categoricalLabels: true).parse(bytes, path: "labels.csv", as: Float.self)
            XCTFail("read classes \(t.labelClasses ?? [])")
        }
    }

    func testLabelColumnErrors() {
        IOTest.expectDataError(.mismatch, mentions: ["l.csv", "line 1", "one column named \"kind\"", "\"a\", \"b\""]) {
            _ = try CSVReader(labelColumn: .name("kind")).parse("a,b\n1,2\n", path: "l.csv", as: Float.self)
        }
        IOTest.expectDataError(.mismatch, mentions: ["index 5", "2 columns"]) {
            _ = try CSVReader(hasHeader: false, labelColumn: .index(5)).parse("1,2\n", path: "l.csv", as: Float.self)
        }
        IOTest.expectDataError(.mismatch, mentions: ["a header row"]) {
            _ = try CSVReader(hasHeader: false, labelColumn: .name("y")).parse("1,2\n", path: "l.csv", as: Float.self)
        }
        IOTest.expectDataError(.mismatch, mentions: ["2 columns with that name"]) {
            _ = try CSVReader(labelColumn: .name("y")).parse("y,y\n1,2\n", path: "l.csv", as: Float.self)
        }
    }

    func testUnreadableFiles() {
        IOTest.expectDataError(.unreadable, mentions: [path("nope.csv"), "No such file"]) {
            _ = try CSVReader().read(from: path("nope.csv"), as: Float.self)
        }
        IOTest.expectDataError(.unreadable, mentions: [folder, "a directory"]) {
            _ = try CSVReader().read(from: folder, as: Float.self)
        }
    }

    func testWriterShapeErrors() {
        IOTest.expectDataError(.mismatch, mentions: ["w.csv", "labels of shape [2]"]) {
            try CSVWriter.write(features: Tensor<Float>.zeros([2, 2]), labels: Tensor<Float>.zeros([3]), to: path("w.csv"))
        }
        IOTest.expectDataError(.mismatch, mentions: ["3 header names"]) {
            try CSVWriter.write(features: Tensor<Float>.zeros([2, 2]), labels: Tensor<Float>.zeros([2]), header: ["a"], to: path("w.csv"))
        }
        XCTAssertEqual(IOTest.contents(of: folder), [])
    }
}

import Autograd
import Foundation

/// Reads comma-separated values into a feature matrix and, optionally, a label vector.
///
/// The dialect is RFC 4180: fields separated by the delimiter, records by LF or CRLF, fields
/// may be quoted with `"` (a quote inside is doubled, and a quoted field may hold delimiters
/// and line breaks). A UTF-8 byte-order mark, a final line break and empty lines are accepted;
/// anything else out of the ordinary is an error naming the file, line and column: a missing
/// or non-numeric value, a record with a different number of fields, a stray quote, a lone
/// carriage return, text after a closing quote, a quote left open. Spaces and tabs around a
/// number are allowed.
///
/// ```swift
/// // sepal_length,sepal_width,petal_length,petal_width,species
/// // 5.1,3.5,1.4,0.2,0
/// let table = try CSVReader(labelColumn: .name("species")).read(from: "iris.csv", as: Float.self)
/// table.features.shape    // [150, 4]
/// table.labels?.shape     // [150]
/// ```
public struct CSVReader: Sendable {
    /// Which column, if any, holds the labels.
    ///
    /// ```swift
    /// let reader = CSVReader(labelColumn: .index(0))
    /// ```
    public enum LabelColumn: Sendable, Equatable {
        /// No label column: every column is a feature.
        case none
        /// The column at this 0-based index.
        case index(Int)
        /// The column with this header name (needs a header row).
        case name(String)
        /// The last column.
        case last
    }

    /// Whether the first record is a header of column names.
    ///
    /// ```swift
    /// var reader = CSVReader()
    /// reader.hasHeader = false          // the first line is data
    /// ```
    public var hasHeader: Bool
    /// Which column holds the labels.
    ///
    /// ```swift
    /// var reader = CSVReader()
    /// reader.labelColumn = .name("species")
    /// ```
    public var labelColumn: LabelColumn
    /// The field separator (one ASCII byte), `,` by default.
    ///
    /// ```swift
    /// CSVReader(delimiter: ";").delimiter   // 59
    /// ```
    public let delimiter: UInt8
    /// When true, labels are text categories: each distinct label becomes a class index 0, 1, …
    /// in the order of their UTF-8 bytes (code point order; for ASCII, alphabetical), and the
    /// names are in ``CSVTable/labelClasses``. Labels are compared by their bytes, so "é" written
    /// as one code point and as "e" + a combining accent are two classes; a label that is not
    /// UTF-8 is an error. When false, labels must be numbers.
    ///
    /// ```swift
    /// var reader = CSVReader(labelColumn: .last)
    /// reader.categoricalLabels = true   // "setosa", "virginica", … become 0, 1, …
    /// ```
    public var categoricalLabels: Bool

    /// A reader for one CSV dialect.
    ///
    /// ```swift
    /// let tsv = CSVReader(hasHeader: false, labelColumn: .last, delimiter: "\t")
    /// ```
    /// - Precondition: `delimiter` is one ASCII character other than `"`, CR and LF.
    public init(hasHeader: Bool = true, labelColumn: LabelColumn = .none, delimiter: Character = ",",
                categoricalLabels: Bool = false) {
        let ascii = delimiter.asciiValue
        require(ascii != nil && ascii != UInt8(ascii: "\"") && ascii != 10 && ascii != 13,
                     "CSVReader: the delimiter must be one ASCII character other than a quote or a line break")
        self.hasHeader = hasHeader
        self.labelColumn = labelColumn
        self.delimiter = ascii ?? UInt8(ascii: ",")
        self.categoricalLabels = categoricalLabels
    }

    /// Reads the file at `path`.
    ///
    /// ```swift
    /// let table = try CSVReader(hasHeader: false).read(from: "points.csv", as: Double.self)
    /// ```
    /// - Throws: `DataError` naming the file, line and column of the first problem.
    public func read<Scalar: TensorScalar>(from path: String, as type: Scalar.Type = Scalar.self) throws -> CSVTable<Scalar> {
        try parse(FileBytes.read(path), path: path, as: type)
    }

    /// Parses CSV text held in memory; `path` is only used in error messages.
    ///
    /// ```swift
    /// let t = try CSVReader().parse("x,y\n1,2\n3,4\n", as: Float.self)
    /// t.features   // [[1, 2], [3, 4]]
    /// ```
    public func parse<Scalar: TensorScalar>(_ text: String, path: String? = nil,
                                            as type: Scalar.Type = Scalar.self) throws -> CSVTable<Scalar> {
        try parse(Array(text.utf8), path: path, as: type)
    }

    /// Parses CSV bytes (UTF-8) held in memory; `path` is only used in error messages.
    ///
    /// ```swift
    /// let t = try CSVReader(hasHeader: false).parse(Array("1,2\n".utf8), as: Double.self)
    /// ```
    public func parse<Scalar: TensorScalar>(_ bytes: [UInt8], path: String? = nil,
                                            as type: Scalar.Type = Scalar.self) throws -> CSVTable<Scalar> {
        var parser = CSVRecordParser(bytes: bytes, delimiter: delimiter, path: path)
        var names: [String]? = nil
        var width: Int? = nil
        var labelIndex: Int? = nil
        var features: [Scalar] = []
        var numericLabels: [Scalar] = []
        var textLabels: [[UInt8]] = []
        var rows = 0

        func resolveLabel(width: Int, line: Int) throws -> Int? {
            func outOfRange(_ what: String) -> DataError {
                DataError(.mismatch, path: path, at: .lineColumn(line: line, column: 1),
                          expected: what, found: "\(width) column\(width == 1 ? "" : "s")")
            }
            switch labelColumn {
            case .none: return nil
            case .last:
                guard width > 0 else { throw outOfRange("a label column") }
                return width - 1
            case .index(let i):
                guard i >= 0 && i < width else { throw outOfRange("a label column at index \(i) (0-based)") }
                return i
            case .name(let name):
                guard let names else {
                    throw DataError(.mismatch, path: path, at: .lineColumn(line: line, column: 1),
                                    expected: "a header row to find the label column \(quoteForMessage(name))",
                                    found: "a reader configured without a header")
                }
                let matches = names.indices.filter { names[$0] == name }
                guard matches.count == 1, let index = matches.first else {
                    let list = names.map { quoteForMessage($0, limit: 20) }.joined(separator: ", ")
                    throw DataError(.mismatch, path: path, at: .lineColumn(line: line, column: 1),
                                    expected: "one column named \(quoteForMessage(name))",
                                    found: matches.isEmpty ? "columns \(list)" : "\(matches.count) columns with that name")
                }
                return index
            }
        }

        while let record = try parser.nextRecord() {
            if width == nil {
                width = record.fields.count
                if hasHeader {
                    names = try record.fields.enumerated().map { column, field in
                        guard let text = String(bytes: field.bytes, encoding: .utf8) else {
                            throw DataError(.malformed, path: path, at: .lineColumn(line: field.line, column: column + 1),
                                            expected: "a column name in UTF-8", found: "bytes that are not UTF-8")
                        }
                        return text
                    }
                    labelIndex = try resolveLabel(width: record.fields.count, line: record.line)
                    continue
                }
                labelIndex = try resolveLabel(width: record.fields.count, line: record.line)
            }
            guard let width, record.fields.count == width else {
                let expectedWidth = width ?? 0
                throw DataError(.malformed, path: path,
                                at: .lineColumn(line: record.line, column: min(record.fields.count, expectedWidth + 1)),
                                expected: "\(expectedWidth) field\(expectedWidth == 1 ? "" : "s") as in \(hasHeader ? "the header" : "the first record")",
                                found: "\(record.fields.count)")
            }
            for (column, field) in record.fields.enumerated() {
                if column == labelIndex && categoricalLabels {
                    textLabels.append(try label(field, column: column, names: names, path: path))
                    continue
                }
                let value: Scalar = try number(field, column: column, names: names, path: path)
                if column == labelIndex { numericLabels.append(value) } else { features.append(value) }
            }
            rows += 1
        }

        let columnCount = width ?? 0
        let featureCount = columnCount - (labelIndex == nil ? 0 : 1)
        var labels: Tensor<Scalar>? = nil
        var classes: [String]? = nil
        if labelIndex != nil {
            if categoricalLabels {
                // By bytes, not as Strings: String's == merges canonically equivalent text.
                let sorted = Array(Set(textLabels)).sorted { $0.lexicographicallyPrecedes($1) }
                var index: [[UInt8]: Int] = [:]
                for (i, c) in sorted.enumerated() { index[c] = i }
                labels = Tensor(textLabels.map { Scalar(index[$0] ?? 0) }, shape: [rows])
                classes = sorted.map { String(decoding: $0, as: UTF8.self) }
            } else {
                labels = Tensor(numericLabels, shape: [rows])
            }
        }
        var featureNames: [String]? = nil
        var labelName: String? = nil
        if let names {
            featureNames = names.enumerated().filter { $0.offset != labelIndex }.map(\.element)
            if let labelIndex { labelName = names[labelIndex] }
        }
        return CSVTable(features: Tensor(features, shape: [rows, featureCount]), labels: labels,
                        featureNames: featureNames, labelName: labelName, labelClasses: classes)
    }

    private func fieldError(_ field: CSVRecordParser.Field, column: Int, names: [String]?, path: String?,
                            expected: String, found: String) -> DataError {
        var note: String? = nil
        if let names, column < names.count { note = "column \(quoteForMessage(names[column], limit: 30))" }
        return DataError(.malformed, path: path, at: .lineColumn(line: field.line, column: column + 1),
                         expected: expected, found: found, note: note)
    }

    /// A categorical label: the field's bytes without surrounding spaces and tabs, which must be
    /// UTF-8 and not empty.
    private func label(_ field: CSVRecordParser.Field, column: Int, names: [String]?, path: String?) throws -> [UInt8] {
        var bytes = field.bytes[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard !bytes.isEmpty else {
            throw fieldError(field, column: column, names: names, path: path, expected: "a label", found: "an empty field (missing value)")
        }
        guard String(bytes: bytes, encoding: .utf8) != nil else {
            let bad = firstInvalidUTF8Byte(field.bytes)
            throw fieldError(field, column: column, names: names, path: path, expected: "a label in UTF-8",
                             found: "bytes that are not UTF-8 (\(hexForMessage(field.bytes[bad...].prefix(1))) at byte \(bad + 1) of the field)")
        }
        return Array(bytes)
    }

    private func number<Scalar: TensorScalar>(_ field: CSVRecordParser.Field, column: Int, names: [String]?,
                                              path: String?) throws -> Scalar {
        let raw = String(decoding: field.bytes, as: UTF8.self)
        // Float(_:) and Double(_:) read a C string and so stop at a NUL byte: "1\0" "999" would be 1.
        if let nul = field.bytes.firstIndex(of: 0) {
            throw fieldError(field, column: column, names: names, path: path, expected: "a number",
                             found: "a NUL byte (0x00) at byte \(nul + 1) of the field \(quoteForMessage(raw))")
        }
        let text = raw.trimmingSpacesAndTabs()
        guard !text.isEmpty else {
            throw fieldError(field, column: column, names: names, path: path,
                             expected: "a number", found: "an empty field (missing value)")
        }
        let parsed: Scalar?
        if Scalar.self == Float.self {
            parsed = Float(text).map { Scalar($0) }
        } else {
            parsed = Double(text).map { Scalar($0) }
        }
        guard let value = parsed else {
            throw fieldError(field, column: column, names: names, path: path,
                             expected: "a number", found: quoteForMessage(raw))
        }
        if value.isInfinite && !text.lowercased().contains("inf") {
            throw fieldError(field, column: column, names: names, path: path,
                             expected: "a number within the range of \(Scalar.self)", found: quoteForMessage(raw))
        }
        return value
    }
}

/// The result of reading a CSV file: features, labels and the header's names.
///
/// ```swift
/// let t = try CSVReader(labelColumn: .last).parse("a,b,y\n1,2,0\n3,4,1\n", as: Float.self)
/// t.features.shape    // [2, 2]
/// t.labels            // [0, 1]
/// t.featureNames      // ["a", "b"]
/// ```
public struct CSVTable<Scalar: TensorScalar>: Sendable {
    /// The feature columns, shape [rows, features].
    ///
    /// ```swift
    /// try CSVReader().parse("a,b\n1,2\n", as: Float.self).features   // [[1, 2]]
    /// ```
    public let features: Tensor<Scalar>
    /// The label column, shape [rows], when a label column was chosen.
    ///
    /// ```swift
    /// try CSVReader(labelColumn: .last).parse("a,y\n1,0\n", as: Float.self).labels   // [0]
    /// ```
    public let labels: Tensor<Scalar>?
    /// The header's names of the feature columns (nil without a header).
    ///
    /// ```swift
    /// try CSVReader(labelColumn: .last).parse("a,b,y\n1,2,0\n", as: Float.self).featureNames   // ["a", "b"]
    /// ```
    public let featureNames: [String]?
    /// The header's name of the label column.
    ///
    /// ```swift
    /// try CSVReader(labelColumn: .last).parse("a,y\n1,0\n", as: Float.self).labelName   // "y"
    /// ```
    public let labelName: String?
    /// The class names of categorical labels, in the order of their indices.
    ///
    /// ```swift
    /// let t = try CSVReader(labelColumn: .last, categoricalLabels: true).parse("x,k\n1,b\n2,a\n", as: Float.self)
    /// t.labelClasses   // ["a", "b"]; t.labels is [1, 0]
    /// ```
    public let labelClasses: [String]?
}

/// Splits CSV bytes into records of raw fields, tracking line numbers.
struct CSVRecordParser {
    struct Field {
        var bytes: [UInt8]
        let line: Int
    }

    struct Record {
        let fields: [Field]
        let line: Int
    }

    let bytes: [UInt8]
    let delimiter: UInt8
    let path: String?
    var index = 0
    var line = 1

    static let quote = UInt8(ascii: "\"")
    static let lf: UInt8 = 10
    static let cr: UInt8 = 13

    init(bytes: [UInt8], delimiter: UInt8, path: String?) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.path = path
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { index = 3 }
    }

    private func error(column: Int, expected: String, found: String) -> DataError {
        DataError(.malformed, path: path, at: .lineColumn(line: line, column: column), expected: expected, found: found)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte == Self.quote { return "a quote" }
        if byte == Self.cr { return "a carriage return" }
        if byte == Self.lf { return "a line feed" }
        if byte >= 0x20 && byte < 0x7F { return quoteForMessage(String(UnicodeScalar(byte))) }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    /// The next record, skipping empty lines, or nil at the end.
    mutating func nextRecord() throws -> Record? {
        // Skip empty lines (LF or CRLF alone).
        while index < bytes.count {
            if bytes[index] == Self.lf {
                index += 1; line += 1
            } else if bytes[index] == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.lf {
                index += 2; line += 1
            } else {
                break
            }
        }
        guard index < bytes.count else { return nil }
        let recordLine = line
        var fields: [Field] = []
        while true {
            let column = fields.count + 1
            var field = Field(bytes: [], line: line)
            if bytes[index] == Self.quote {
                let openLine = line
                index += 1
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == Self.quote {
                        if index + 1 < bytes.count && bytes[index + 1] == Self.quote {
                            field.bytes.append(Self.quote)
                            index += 2
                        } else {
                            index += 1
                            closed = true
                            break
                        }
                    } else {
                        if b == Self.lf { line += 1 }
                        field.bytes.append(b)
                        index += 1
                    }
                }
                guard closed else {
                    throw DataError(.malformed, path: path, at: .lineColumn(line: openLine, column: column),
                                    expected: "a closing quote for the field opened here", found: "end of file")
                }
                if index < bytes.count {
                    let b = bytes[index]
                    let atCRLF = b == Self.cr && index + 1 < bytes.count && bytes[index + 1] == Self.lf
                    guard b == delimiter || b == Self.lf || atCRLF else {
                        throw error(column: column, expected: "a delimiter or the end of the line after a closing quote",
                                    found: describe(b))
                    }
                }
            } else {
                while index < bytes.count {
                    let b = bytes[index]
                    if b == delimiter || b == Self.lf { break }
                    if b == Self.cr {
                        guard index + 1 < bytes.count, bytes[index + 1] == Self.lf else {
                            throw error(column: column, expected: "a line feed after a carriage return (CRLF)",
                                        found: index + 1 < bytes.count ? describe(bytes[index + 1]) : "end of file")
                        }
                        break
                    }
                    if b == Self.quote {
                        throw error(column: column, expected: "no quote inside an unquoted field (quote the whole field and double the quote)",
                                    found: "a quote")
                    }
                    field.bytes.append(b)
                    index += 1
                }
            }
            fields.append(field)
            // Here index is at a delimiter, a line break, or the end.
            guard index < bytes.count else { break }
            let b = bytes[index]
            if b == delimiter {
                index += 1
                if index == bytes.count {
                    fields.append(Field(bytes: [], line: line))   // "a,b," ends with an empty field
                    break
                }
                continue
            }
            if b == Self.cr { index += 2 } else { index += 1 }
            line += 1
            break
        }
        return Record(fields: fields, line: recordLine)
    }
}

/// The offset of the first byte that does not belong to valid UTF-8 in `bytes` (0 if none is found).
private func firstInvalidUTF8Byte(_ bytes: [UInt8]) -> Int {
    var offset = 0
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar): offset += UTF8.width(scalar)
        case .emptyInput: return 0
        case .error: return min(offset, max(bytes.count - 1, 0))
        }
    }
}

fileprivate extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpacesAndTabs() -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard scalars[before] == " " || scalars[before] == "\t" else { break }
            end = before
        }
        return String(scalars[start..<end])
    }
}

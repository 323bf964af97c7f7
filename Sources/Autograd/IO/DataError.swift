/// The error every reader, writer and preprocessing step of the data layer throws.
///
/// Its description names the problem the way a compiler names a syntax error: the file, where
/// in the file (line and column for CSV, byte offset for binary formats), what was expected
/// and what was found.
///
/// ```swift
/// do {
///     let table = try CSVReader(labelColumn: .name("species")).read(from: "iris.csv", as: Float.self)
/// } catch let error as DataError {
///     print(error)   // iris.csv: line 4, column 2 ("sepal_width"): expected a number, found "abc"
/// }
/// ```
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem it is, for code that wants to react to one kind.
    ///
    /// ```swift
    /// if error.kind == .tooLarge { print("refused a huge file header") }
    /// ```
    public enum Kind: String, Sendable {
        /// The file could not be opened or read.
        case unreadable
        /// The file (or its temporary sibling) could not be written, flushed or renamed.
        case unwritable
        /// The bytes or text do not follow the format.
        case malformed
        /// The file is well formed but uses a feature this library does not read
        /// (Fortran order, big-endian data, an unknown element type, …).
        case unsupported
        /// A header declares more data than the file holds, or more than can be allocated.
        case tooLarge
        /// Two inputs that must agree do not (image and label counts, names and shapes).
        case mismatch
        /// A value cannot be represented (a non-integer written as an integer type, an unseen category).
        case invalidValue
    }

    /// Where in the input the problem is.
    ///
    /// ```swift
    /// if case .lineColumn(let line, _) = error.location { print("line", line) }
    /// ```
    public enum Location: Equatable, Sendable {
        /// Nowhere in particular (the file as a whole, or an in-memory value).
        case none
        /// A text position: 1-based line and 1-based column (for CSV the column is the field number).
        case lineColumn(line: Int, column: Int)
        /// A byte offset from the start of the file (0-based).
        case byteOffset(Int)
        /// An element of a tensor (0-based flat index), for values that cannot be written.
        case element(Int)
    }

    /// What kind of problem it is.
    ///
    /// ```swift
    /// if error.kind == .tooLarge { print("refused") }
    /// ```
    public let kind: Kind
    /// The file concerned, or `nil` for data that did not come from a file.
    ///
    /// ```swift
    /// print(error.path ?? "in memory")
    /// ```
    public let path: String?
    /// Where in the file.
    ///
    /// ```swift
    /// if case .byteOffset(let offset) = error.location { print("at byte", offset) }
    /// ```
    public let location: Location
    /// What the reader expected at that place.
    ///
    /// ```swift
    /// print(error.expected)   // "a number"
    /// ```
    public let expected: String
    /// What it found instead.
    ///
    /// ```swift
    /// print(error.found)      // "\"abc\""
    /// ```
    public let found: String
    /// Extra context, such as the column name of a CSV field or the system's error message.
    ///
    /// ```swift
    /// print(error.note ?? "")  // "column \"sepal_width\""
    /// ```
    public let note: String?

    /// Makes an error; the readers build these, user code rarely needs to.
    ///
    /// ```swift
    /// let e = DataError(.malformed, path: "a.npy", at: .byteOffset(6), expected: "version 1, 2 or 3", found: "7")
    /// ```
    public init(_ kind: Kind, path: String?, at location: Location = .none, expected: String, found: String,
                note: String? = nil) {
        self.kind = kind
        self.path = path
        self.location = location
        self.expected = expected
        self.found = found
        self.note = note
    }

    /// "file: where: expected …, found … (note)".
    ///
    /// ```swift
    /// print(error.description)   // data.npy: byte 8: expected a header of at most 10 bytes, found 4096
    /// ```
    public var description: String {
        var parts: [String] = []
        parts.append(path ?? "<data>")
        switch location {
        case .none: break
        case let .lineColumn(line, column): parts.append("line \(line), column \(column)")
        case let .byteOffset(offset): parts.append("byte \(offset)")
        case let .element(index): parts.append("element \(index)")
        }
        var message = parts.joined(separator: ": ") + ": expected \(expected), found \(found)"
        if let note, !note.isEmpty { message += " (\(note))" }
        return message
    }
}

extension DataError: CustomDebugStringConvertible {
    /// The same text as ``description``, so that test failures and `try` diagnostics show it.
    ///
    /// ```swift
    /// debugPrint(error)
    /// ```
    public var debugDescription: String { "DataError.\(kind.rawValue): \(description)" }
}

import Autograd

/// The small part of Python's literal syntax a `.npy` header uses: dicts, tuples, lists,
/// strings, integers (with Python 2's `L` suffix), `True`, `False` and `None`.
///
/// Parsed like `ast.literal_eval` would, with positions kept for error messages: every
/// error is a ``DataError`` at the byte offset in the file (`base` + the position in the text).
enum PythonLiteral: Equatable {
    case dict([(key: PythonLiteral, value: PythonLiteral)])
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case string(String)
    case int(Int)
    case bool(Bool)
    case none

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case let (.dict(a), .dict(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.none, .none): return true
        default: return false
        }
    }

    /// How the value is written in Python, for error messages.
    var pythonDescription: String {
        switch self {
        case .dict(let entries): return "{" + entries.map { "\($0.key.pythonDescription): \($0.value.pythonDescription)" }.joined(separator: ", ") + "}"
        case .tuple(let items): return "(" + items.map(\.pythonDescription).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.pythonDescription).joined(separator: ", ") + "]"
        case .string(let s): return "'" + s + "'"
        case .int(let i): return "\(i)"
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        }
    }

    /// Parses `text` (the bytes of the header) as one literal followed only by whitespace.
    static func parse(_ text: ArraySlice<UInt8>, path: String?, base: Int) throws -> PythonLiteral {
        var parser = Parser(text: Array(text), path: path, base: base)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.index < parser.text.count {
            throw parser.error("the end of the header after the dictionary", found: parser.describeHere())
        }
        return value
    }

    struct Parser {
        let text: [UInt8]
        let path: String?
        let base: Int
        var index = 0

        static let maxDepth = 32

        init(text: [UInt8], path: String?, base: Int) {
            self.text = text
            self.path = path
            self.base = base
        }

        func error(_ expected: String, found: String, at position: Int? = nil) -> DataError {
            DataError(.malformed, path: path, at: .byteOffset(base + (position ?? index)),
                      expected: expected, found: found, note: "in the header")
        }

        func describeHere() -> String {
            guard index < text.count else { return "the end of the header" }
            let rest = text[index...].prefix(20)
            return quoteForMessage(String(decoding: rest, as: UTF8.self), limit: 20)
        }

        mutating func skipSpace() {
            while index < text.count, text[index] == 0x20 || text[index] == 0x09 || text[index] == 0x0A || text[index] == 0x0D {
                index += 1
            }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws {
            skipSpace()
            guard index < text.count, text[index] == byte else { throw error(what, found: describeHere()) }
            index += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return index < text.count ? text[index] : nil
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth < Parser.maxDepth else {
                throw error("at most \(Parser.maxDepth) levels of nesting", found: "deeper nesting")
            }
            guard let c = peek() else { throw error("a value", found: "the end of the header") }
            switch c {
            case UInt8(ascii: "{"): return try dict(depth: depth)
            case UInt8(ascii: "("):
                let (items, sawComma) = try sequence(open: "(", close: UInt8(ascii: ")"), depth: depth)
                // "(3)" is just 3 in Python; "(3,)" and "()" are tuples.
                if items.count == 1 && !sawComma, let only = items.first { return only }
                return .tuple(items)
            case UInt8(ascii: "["):
                return .list(try sequence(open: "[", close: UInt8(ascii: "]"), depth: depth).items)
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
            default:
                let start = index
                while index < text.count, isIdentifier(text[index]) { index += 1 }
                let word = String(decoding: text[start..<index], as: UTF8.self)
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .none
                default:
                    index = start
                    throw error("a Python literal (dict, tuple, list, string, integer, True, False or None)", found: describeHere())
                }
            }
        }

        func isIdentifier(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
        }

        mutating func dict(depth: Int) throws -> PythonLiteral {
            try expect(UInt8(ascii: "{"), "'{'")
            var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                if peek() == UInt8(ascii: "}") { index += 1; break }
                let key = try value(depth: depth + 1)
                try expect(UInt8(ascii: ":"), "':' after a dictionary key")
                let v = try value(depth: depth + 1)
                entries.append((key, v))
                guard let next = peek() else { throw error("',' or '}'", found: "the end of the header") }
                if next == UInt8(ascii: ",") { index += 1; continue }
                if next == UInt8(ascii: "}") { index += 1; break }
                throw error("',' or '}' in the dictionary", found: describeHere())
            }
            return .dict(entries)
        }

        mutating func sequence(open: Unicode.Scalar, close: UInt8, depth: Int) throws -> (items: [PythonLiteral], sawComma: Bool) {
            try expect(UInt8(ascii: open), "'\(open)'")
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                if peek() == close { index += 1; break }
                items.append(try value(depth: depth + 1))
                guard let next = peek() else { throw error("',' or '\(UnicodeScalar(close))'", found: "the end of the header") }
                if next == UInt8(ascii: ",") { index += 1; sawComma = true; continue }
                if next == close { index += 1; break }
                throw error("',' or '\(UnicodeScalar(close))'", found: describeHere())
            }
            return (items, sawComma)
        }

        mutating func integer() throws -> Int {
            skipSpace()
            let start = index
            var negative = false
            if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                negative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var value = 0
            var digits = 0
            while index < text.count, text[index] >= 0x30 && text[index] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(text[index] - 0x30))
                guard !o1 && !o2 else { throw error("an integer that fits in 64 bits", found: "a longer number", at: start) }
                value = a
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw error("an integer", found: describeHere()) }
            if index < text.count, text[index] == UInt8(ascii: "L") || text[index] == UInt8(ascii: "l") { index += 1 }
            if index < text.count, isIdentifier(text[index]) || text[index] == UInt8(ascii: ".") {
                throw error("an integer", found: quoteForMessage(String(decoding: text[start..<min(text.count, index + 8)], as: UTF8.self)), at: start)
            }
            return negative ? -value : value
        }

        mutating func string() throws -> String {
            skipSpace()
            let start = index
            let quote = text[index]
            index += 1
            var bytes: [UInt8] = []
            while index < text.count {
                let b = text[index]
                if b == quote {
                    index += 1
                    guard let s = String(bytes: bytes, encoding: .utf8) else {
                        throw error("a string in UTF-8", found: "invalid bytes", at: start)
                    }
                    return s
                }
                if b == 0x0A { break }
                if b == UInt8(ascii: "\\") {
                    guard index + 1 < text.count else { break }
                    let e = text[index + 1]
                    index += 2
                    switch e {
                    case UInt8(ascii: "n"): bytes.append(0x0A)
                    case UInt8(ascii: "t"): bytes.append(0x09)
                    case UInt8(ascii: "r"): bytes.append(0x0D)
                    case UInt8(ascii: "0"): bytes.append(0)
                    case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): bytes.append(e)
                    default: bytes.append(UInt8(ascii: "\\")); bytes.append(e)
                    }
                    continue
                }
                bytes.append(b)
                index += 1
            }
            throw error("a closing quote for the string", found: "the end of the line", at: start)
        }
    }
}

import Foundation

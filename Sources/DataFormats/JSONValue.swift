import Autograd

/// A strict JSON parser (RFC 8259) for the safetensors header, keeping member order and
/// byte offsets for error messages. Duplicate keys (the same bytes), trailing commas, comments, unescaped
/// control characters, lone surrogates and nesting deeper than 64 levels are errors.
enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue, offset: Int)])
    case array([JSONValue])
    case string(String)
    /// A number, kept as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)), let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// A short rendering for error messages.
    var shortDescription: String {
        switch self {
        case .object(let members): return "an object with \(members.count) member\(members.count == 1 ? "" : "s")"
        case .array(let items): return "an array of \(items.count)"
        case .string(let s): return "the string \(quoteForMessage(s, limit: 30))"
        case .number(let n): return "the number \(n)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// The value as a non-negative integer, if it is one written without fraction or exponent.
    var nonNegativeInteger: Int? {
        guard case .number(let text) = self, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Parses `bytes` as one JSON value followed only by whitespace. Offsets in errors are
    /// `base` + the position in `bytes`.
    static func parse(_ bytes: ArraySlice<UInt8>, path: String?, base: Int) throws -> JSONValue {
        var parser = JSONParser(text: Array(bytes), path: path, base: base)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.text.count else {
            throw parser.error("the end of the JSON header", found: parser.describeHere())
        }
        return value
    }
}

struct JSONParser {
    let text: [UInt8]
    let path: String?
    let base: Int
    var index = 0
    static let maxDepth = 64

    func error(_ expected: String, found: String, at position: Int? = nil) -> DataError {
        DataError(.malformed, path: path, at: .byteOffset(base + (position ?? index)), expected: expected, found: found,
                  note: "in the JSON header")
    }

    func describeHere() -> String {
        guard index < text.count else { return "the end of the header" }
        return quoteForMessage(String(decoding: text[index...].prefix(20), as: UTF8.self), limit: 20)
    }

    mutating func skipSpace() {
        while index < text.count, text[index] == 0x20 || text[index] == 0x09 || text[index] == 0x0A || text[index] == 0x0D {
            index += 1
        }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw error("at most \(JSONParser.maxDepth) levels of nesting", found: "deeper nesting") }
        skipSpace()
        guard index < text.count else { throw error("a JSON value", found: "the end of the header") }
        switch text[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw error("a JSON value", found: describeHere())
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard index + w.count <= text.count, Array(text[index..<(index + w.count)]) == w else {
            throw error("a JSON value", found: describeHere())
        }
        index += w.count
    }

    mutating func object(depth: Int) throws -> JSONValue {
        index += 1
        var members: [(key: String, value: JSONValue, offset: Int)] = []
        var keys = Set<[UInt8]>()   // by bytes: String's == equates canonically equivalent names
        skipSpace()
        if index < text.count, text[index] == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            skipSpace()
            guard index < text.count, text[index] == UInt8(ascii: "\"") else {
                throw error("a member name in double quotes", found: describeHere())
            }
            let keyOffset = index
            let key = try string()
            guard keys.insert(Array(key.utf8)).inserted else {
                throw error("each name once in an object", found: "\(quoteForMessage(key)) twice", at: keyOffset)
            }
            skipSpace()
            guard index < text.count, text[index] == UInt8(ascii: ":") else { throw error("':' after a member name", found: describeHere()) }
            index += 1
            let v = try value(depth: depth + 1)
            members.append((key, v, base + keyOffset))
            skipSpace()
            guard index < text.count else { throw error("',' or '}'", found: "the end of the header") }
            if text[index] == UInt8(ascii: ",") { index += 1; continue }
            if text[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("',' or '}' in an object", found: describeHere())
        }
    }

    mutating func array(depth: Int) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < text.count, text[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard index < text.count else { throw error("',' or ']'", found: "the end of the header") }
            if text[index] == UInt8(ascii: ",") { index += 1; continue }
            if text[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("',' or ']' in an array", found: describeHere())
        }
    }

    mutating func number() throws -> String {
        let start = index
        func digits() -> Int {
            let s = index
            while index < text.count, text[index] >= 0x30 && text[index] <= 0x39 { index += 1 }
            return index - s
        }
        if text[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits()
        guard intDigits > 0 else { throw error("a digit", found: describeHere()) }
        if intDigits > 1 && text[intStart] == 0x30 { throw error("a number without leading zeros", found: "a leading zero", at: intStart) }
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a digit after the decimal point", found: describeHere()) }
        }
        if index < text.count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("a digit in the exponent", found: describeHere()) }
        }
        return String(decoding: text[start..<index], as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= text.count else { throw error("four hex digits after \\u", found: "the end of the header") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = text[index]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("a hex digit in a \\u escape", found: describeHere())
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    mutating func string() throws -> String {
        let start = index
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ end: Int) throws {
            guard runStart < end else { return }
            guard let s = String(bytes: text[runStart..<end], encoding: .utf8) else {
                throw error("UTF-8 text", found: "invalid bytes", at: runStart)
            }
            scalars.append(contentsOf: s.unicodeScalars)
        }
        while index < text.count {
            let b = text[index]
            if b == UInt8(ascii: "\"") {
                try flushRun(index)
                index += 1
                return String(scalars)
            }
            if b < 0x20 { throw error("an escaped control character in a string", found: "byte \(hexForMessage(text[index...].prefix(1)))") }
            if b == UInt8(ascii: "\\") {
                try flushRun(index)
                guard index + 1 < text.count else { break }
                let e = text[index + 1]
                index += 2
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let escapeStart = index - 2
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard index + 6 <= text.count, text[index] == UInt8(ascii: "\\"), text[index + 1] == UInt8(ascii: "u") else {
                            throw error("a low surrogate after a high surrogate", found: describeHere(), at: escapeStart)
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error("a low surrogate after a high surrogate", found: "\\u\(String(low, radix: 16))", at: escapeStart)
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw error("a Unicode scalar value", found: "a lone surrogate \\u\(String(code, radix: 16))", at: escapeStart)
                    }
                    scalars.append(scalar)
                default:
                    throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", found: "\\\(String(UnicodeScalar(e)))", at: index - 2)
                }
                runStart = index
                continue
            }
            index += 1
        }
        throw error("a closing quote for the string", found: "the end of the header", at: start)
    }
}

/// JSON text for a string: quoted, with `"`, `\` and control characters escaped.
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

import Foundation

/// Shortens a piece of found text for an error message: at most `limit` characters, quoted,
/// control characters escaped.
func quoteForMessage(_ text: String, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit { out += "…"; break }
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\"": out += "\\\""
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        count += 1
    }
    return "\"\(out)\""
}

/// Shows a few bytes as hex for an error message ("0x93 0x4E 0x55 …").
func hexForMessage(_ bytes: ArraySlice<UInt8>, limit: Int = 8) -> String {
    if bytes.isEmpty { return "end of file" }
    let shown = bytes.prefix(limit).map { "0x" + (($0 < 16) ? "0" : "") + String($0, radix: 16, uppercase: true) }
    return shown.joined(separator: " ") + (bytes.count > limit ? " …" : "")
}

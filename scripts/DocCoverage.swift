// Lists the public symbols of the library modules that have no documentation comment of their
// own, from the symbol graphs swift-symbolgraph-extract wrote. Run by scripts/build_docs.sh:
//
//     swift scripts/DocCoverage.swift <package root> <symbol graph folder>...
//
// A symbol counts as documented when it has a `///` comment, or inherits one from a protocol
// requirement of this package (shown on its page); a comment inherited from the standard
// library ("A textual representation of this instance.") does not count. Symbols the compiler
// synthesizes (no source location) are left out. Prints one line per undocumented symbol,
// "Sources/Module/File.swift:line: Type.member (kind)", sorted by file and line, then a summary;
// exits with status 1 when any is undocumented.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: swift scripts/DocCoverage.swift <package root> <symbol graph folder>...\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[0]).standardizedFileURL.path
let sources = root + "/Sources/"
let ourModules = Set(["Autograd", "DataFormats", "Layers", "Optim"])

struct Missing {
    let file: String
    let line: Int
    let name: String
    let kind: String
}

var missing: [Missing] = []
var totals: [String: (symbols: Int, undocumented: Int)] = [:]

for folder in arguments.dropFirst() {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    for file in files.sorted() where file.hasSuffix(".symbols.json") {
        let module = String(file.prefix { $0 != "@" && $0 != "." })
        guard let data = FileManager.default.contents(atPath: folder + "/" + file),
              let graph = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let symbols = graph["symbols"] as? [[String: Any]] else {
            FileHandle.standardError.write(Data("error: cannot read the symbol graph \(folder)/\(file)\n".utf8))
            exit(2)
        }
        for symbol in symbols {
            guard let location = symbol["location"] as? [String: Any], let uri = location["uri"] as? String,
                  let position = location["position"] as? [String: Any], let line = position["line"] as? Int else { continue }
            let path = URL(string: uri)?.path ?? uri.replacingOccurrences(of: "file://", with: "")
            let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
            guard standardized.hasPrefix(sources) else { continue }
            let names = (symbol["pathComponents"] as? [String]) ?? []
            let kind = ((symbol["kind"] as? [String: Any])?["displayName"] as? String) ?? "symbol"
            var documented = false
            if let comment = symbol["docComment"] as? [String: Any] {
                let lines = (comment["lines"] as? [[String: Any]]) ?? []
                let text = lines.compactMap { $0["text"] as? String }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
                let origin = comment["module"] as? String
                documented = !text.isEmpty && (origin == nil || ourModules.contains(origin!))
            }
            totals[module, default: (0, 0)].symbols += 1
            if !documented {
                totals[module, default: (0, 0)].undocumented += 1
                missing.append(Missing(file: "Sources/" + standardized.dropFirst(sources.count), line: line + 1,
                                       name: names.joined(separator: "."), kind: kind.lowercased()))
            }
        }
    }
}

for m in missing.sorted(by: { ($0.file, $0.line, $0.name) < ($1.file, $1.line, $1.name) }) {
    print("\(m.file):\(m.line): \(m.name) (\(m.kind)) has no documentation comment")
}
let summary = totals.keys.sorted().map { "\($0) \(totals[$0]!.symbols) public symbols, \(totals[$0]!.undocumented) undocumented" }
print("documentation coverage: " + summary.joined(separator: "; "))
exit(missing.isEmpty ? 0 : 1)

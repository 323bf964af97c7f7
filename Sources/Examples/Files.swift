import Foundation

/// Writing output files without ever leaving a half-written one behind.
enum Files {
    /// Writes `text` to `path` through a temporary file in the same folder and a rename, so
    /// that a failure part-way leaves any previous file intact.
    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw UsageError(message: "could not write \(path): \(error.localizedDescription)")
        }
    }
}

import Autograd

/// Writes a feature matrix (and optionally a label column) as CSV that ``CSVReader`` reads
/// back exactly: numbers are written in the shortest form that round-trips, names are quoted
/// when they need to be, lines end with LF. The file is written atomically (`AtomicFile`).
///
/// ```swift
/// let x = Tensor<Float>(rows: [[1, 2], [3, 4]])
/// try CSVWriter.write(features: x, labels: Tensor([0, 1]), header: ["a", "b", "label"], to: "/tmp/t.csv")
/// ```
public enum CSVWriter {
    /// Writes `features` (shape [rows, columns]) and, when given, `labels` (shape [rows]) as
    /// the last column. `header`, when given, names every column including the label.
    ///
    /// ```swift
    /// try CSVWriter.write(features: Tensor<Double>(rows: [[0.5]]), to: "/tmp/one.csv")
    /// ```
    /// - Throws: `DataError` when shapes or the header do not fit (`.mismatch`) or the file cannot be written.
    public static func write<Scalar: TensorScalar>(features: Tensor<Scalar>, labels: Tensor<Scalar>? = nil,
                                                   header: [String]? = nil, delimiter: Character = ",",
                                                   to path: String) throws {
        let text = try encode(features: features, labels: labels, header: header, delimiter: delimiter, path: path)
        try AtomicFile.write(Array(text.utf8), to: path)
    }

    /// The CSV text ``write(features:labels:header:delimiter:to:)`` would write.
    ///
    /// ```swift
    /// let text = try CSVWriter.encode(features: Tensor<Float>(rows: [[1, 2]]))   // "1.0,2.0\n"
    /// ```
    public static func encode<Scalar: TensorScalar>(features: Tensor<Scalar>, labels: Tensor<Scalar>? = nil,
                                                    header: [String]? = nil, delimiter: Character = ",",
                                                    path: String? = nil) throws -> String {
        guard features.rank == 2 else {
            throw DataError(.mismatch, path: path, expected: "features of rank 2 [rows, columns]", found: "shape \(features.shape)")
        }
        let rows = features.shape[0], columns = features.shape[1]
        if let labels, labels.shape != [rows] {
            throw DataError(.mismatch, path: path, expected: "labels of shape [\(rows)]", found: "shape \(labels.shape)")
        }
        let width = columns + (labels == nil ? 0 : 1)
        if let header, header.count != width {
            throw DataError(.mismatch, path: path, expected: "\(width) header names", found: "\(header.count)")
        }
        guard width > 0 || rows == 0 else {
            throw DataError(.mismatch, path: path, expected: "at least one column", found: "none")
        }
        let separator = String(delimiter)
        var out = ""
        if let header {
            out += header.map { quoteIfNeeded($0, delimiter: delimiter) }.joined(separator: separator) + "\n"
        }
        let values = features.scalars
        let labelValues = labels?.scalars
        for r in 0..<rows {
            var fields = (0..<columns).map { "\(values[r * columns + $0])" }
            if let labelValues { fields.append("\(labelValues[r])") }
            out += fields.joined(separator: separator) + "\n"
        }
        return out
    }

    static func quoteIfNeeded(_ field: String, delimiter: Character) -> String {
        let needs = field.isEmpty
            || field.unicodeScalars.contains { $0 == "\"" || $0 == "\n" || $0 == "\r" || Character($0) == delimiter }
            || field.first == " " || field.last == " "
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Foundation

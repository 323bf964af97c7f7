import Autograd
import Foundation

/// Text formatting shared by the examples: grids of numbers, headings, aligned tables.
enum Text {
    /// A number as a student would write it: whole numbers without decimals, others to `digits`.
    static func number(_ x: Double, digits: Int = 6) -> String {
        if x == x.rounded() && Swift.abs(x) < 1e12 { return String(Int64(x)) }
        return String(format: "%.\(digits)g", x)
    }

    /// A 2-D grid, right-aligned, with `*` after the cells whose flat index is in `marked`.
    static func grid(_ t: Tensor<Double>, marked: Set<Int> = [], indent: Int = 4, digits: Int = 6) -> String {
        require(t.rank == 2, "grid: expects a 2-D tensor, got \(t.shape)")
        let cells = t.scalars.enumerated().map { number($1, digits: digits) + (marked.contains($0) ? "*" : (marked.isEmpty ? "" : " ")) }
        let width = cells.map(\.count).max() ?? 0
        return (0..<t.shape[0]).map { r in
            String(repeating: " ", count: indent) + (0..<t.shape[1]).map { c in
                let cell = cells[r * t.shape[1] + c]
                return String(repeating: " ", count: width - cell.count) + cell
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    static func heading(_ title: String) -> String {
        "\n" + title + "\n" + String(repeating: "─", count: title.count)
    }

    /// Rows of cells as an aligned table with a header line.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header), "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
                + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    /// The string right-aligned in `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

import Foundation

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// NumPy-style text: nested brackets, aligned columns. A tensor of more than 1000 elements
    /// is abbreviated as NumPy abbreviates it, whatever its rank: along every axis longer than 6
    /// only the first and last three entries are shown, around "...". Only the entries shown are
    /// formatted, so printing a tensor of millions of elements is quick.
    ///
    /// ```swift
    /// print(Tensor<Double>([1, 2, 3, 4], shape: [2, 2]))
    /// // [[1, 2],
    /// //  [3, 4]]
    /// print(Tensor<Float>.arange(1, 10_001))
    /// // [    1,     2,     3, ...,  9998,  9999, 10000]
    /// ```
    public var description: String {
        if rank == 0 { return scalars.first.map(Tensor.format) ?? "" }
        if shape.contains(0) { return "[] (shape \(shape))" }
        let elide = count > 1000
        let strides = Shape.strides(shape)
        func shown(_ axis: Int) -> [Int?] {
            let size = shape[axis]
            return elide && size > 6 ? [0, 1, 2, nil, size - 3, size - 2, size - 1] : (0..<size).map { $0 }
        }
        // The entries shown, formatted once; the column width is the widest of them.
        var texts: [Int: String] = [:]
        func collect(axis: Int, offset: Int) {
            for case let index? in shown(axis) {
                if axis == rank - 1 {
                    texts[offset + index] = Tensor.format(scalars[offset + index])
                } else {
                    collect(axis: axis + 1, offset: offset + index * strides[axis])
                }
            }
        }
        collect(axis: 0, offset: 0)
        let width = texts.values.map(\.count).max() ?? 0
        var out = ""
        func render(axis: Int, offset: Int, indent: Int) {
            out += "["
            for (n, index) in shown(axis).enumerated() {
                if n > 0 {
                    out += axis == rank - 1 ? ", " : ",\n" + String(repeating: "\n", count: Swift.max(0, rank - axis - 2))
                        + String(repeating: " ", count: indent + 1)
                }
                guard let index else { out += "..."; continue }
                if axis == rank - 1 {
                    let text = texts[offset + index] ?? ""
                    out += String(repeating: " ", count: width - text.count) + text
                } else {
                    render(axis: axis + 1, offset: offset + index * strides[axis], indent: indent + 1)
                }
            }
            out += "]"
        }
        render(axis: 0, offset: 0, indent: 0)
        return out
    }

    /// The description with the shape and whether the tensor requires gradients.
    public var debugDescription: String {
        "Tensor<\(Scalar.self)>(shape: \(shape)\(requiresGrad ? ", requiresGrad" : ""))\n\(description)"
    }

    /// One line: the values for small tensors, else the shape and a few statistics.
    var compactDescription: String {
        if count <= 12 {
            let body = scalars.map(Tensor.format).joined(separator: ", ")
            return rank == 0 ? body : "[\(body)] \(shape)"
        }
        let finite = scalars.filter { $0.isFinite }
        let lo = finite.min().map(Tensor.format) ?? "-", hi = finite.max().map(Tensor.format) ?? "-"
        return "shape \(shape), min \(lo), max \(hi)"
    }

    @usableFromInline static func format(_ x: Scalar) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", Double(x))
    }
}

import Foundation

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// NumPy-style text: nested brackets, aligned columns; tensors of more than 1000
    /// elements show the first and last three entries of each axis around "...".
    ///
    /// ```swift
    /// print(Tensor<Double>([1, 2, 3, 4], shape: [2, 2]))
    /// // [[1, 2],
    /// //  [3, 4]]
    /// ```
    public var description: String {
        let elide = count > 1000
        let texts = scalars.map(Tensor.format)
        let width = texts.map(\.count).max() ?? 0
        if rank == 0 { return texts.first ?? "" }
        var out = ""
        func render(axis: Int, offset: Int, indent: Int) {
            let size = shape[axis]
            let step = shape[(axis + 1)...].reduce(1, *)
            let indices: [Int?] = elide && size > 6 ? [0, 1, 2, nil, size - 3, size - 2, size - 1] : (0..<size).map { $0 }
            out += "["
            for (n, index) in indices.enumerated() {
                if n > 0 {
                    out += axis == rank - 1 ? ", " : ",\n" + String(repeating: "\n", count: Swift.max(0, rank - axis - 2))
                        + String(repeating: " ", count: indent + 1)
                }
                guard let index else { out += "..."; continue }
                if axis == rank - 1 {
                    let text = texts[offset + index]
                    out += String(repeating: " ", count: width - text.count) + text
                } else {
                    render(axis: axis + 1, offset: offset + index * step, indent: indent + 1)
                }
            }
            out += "]"
        }
        if shape.contains(0) { return "[] (shape \(shape))" }
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

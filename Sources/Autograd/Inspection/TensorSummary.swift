import Foundation

/// What an inspection page keeps of one tensor: its shape, summary statistics, and every
/// element when there are few enough to show. Computed once, so that a page of a large graph
/// never holds its tensors' buffers.
struct TensorSummary: Sendable, Equatable {
    let shape: [Int]
    let count: Int
    /// Every element (row-major) when `count` is at most the limit it was made with; else empty.
    let elements: [Double]
    /// The smallest and largest finite elements (NaN when there is none).
    let min: Double
    let max: Double
    /// Mean and Euclidean norm over all elements (NaN or infinite when an element is).
    let mean: Double
    let norm: Double
    /// How many elements are NaN or infinite.
    let nonFinite: Int

    /// All elements are kept.
    var isComplete: Bool { elements.count == count }

    init<Scalar: TensorScalar>(shape: [Int], scalars: [Scalar], keepingUpTo limit: Int) {
        self.shape = shape
        count = scalars.count
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, squares = 0.0, bad = 0
        for s in scalars {
            let x = Double(s)
            if x.isFinite {
                lo = Swift.min(lo, x)
                hi = Swift.max(hi, x)
            } else {
                bad += 1
            }
            sum += x
            squares += x * x
        }
        min = lo <= hi ? lo : .nan
        max = lo <= hi ? hi : .nan
        mean = count == 0 ? .nan : sum / Double(count)
        norm = squares.squareRoot()
        nonFinite = bad
        elements = count <= limit ? scalars.map { Double($0) } : []
    }

    init<Scalar>(_ tensor: Tensor<Scalar>, keepingUpTo limit: Int) {
        self.init(shape: tensor.shape, scalars: tensor.scalars, keepingUpTo: limit)
    }

    /// The only element of a one-element tensor.
    var scalar: Double? { count == 1 && isComplete ? elements[0] : nil }
}

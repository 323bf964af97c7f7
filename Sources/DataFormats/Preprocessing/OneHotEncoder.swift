import Autograd

/// One-hot encoding of class labels: label `c` becomes a row with 1 in the column of `c`
/// and 0 elsewhere. The categories are the distinct values seen when fitting, sorted, or the
/// integers 0..<n given explicitly.
///
/// ```swift
/// let encoder = OneHotEncoder(classCount: 3)
/// let y = try encoder.transform(Tensor<Float>([2, 0, 1]))   // [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
/// let back = encoder.inverseTransform(y)                    // [2, 0, 1]
/// ```
public struct OneHotEncoder<Scalar: TensorScalar>: Sendable {
    /// The category of each output column, sorted ascending.
    ///
    /// ```swift
    /// OneHotEncoder<Float>(classCount: 3).categories   // [0, 1, 2]
    /// ```
    public let categories: [Scalar]

    /// An encoder for the integer classes 0, 1, …, `classCount` − 1.
    ///
    /// ```swift
    /// let digits = OneHotEncoder<Float>(classCount: 10)
    /// ```
    /// - Precondition: `classCount` ≥ 1.
    public init(classCount: Int) {
        require(classCount >= 1, "OneHotEncoder: classCount must be at least 1")
        categories = (0..<classCount).map { Scalar($0) }
    }

    /// An encoder for explicit categories (sorted and deduplicated).
    ///
    /// ```swift
    /// let e = OneHotEncoder<Double>(categories: [-1, 1])
    /// ```
    /// - Precondition: at least one category, none NaN.
    public init(categories: [Scalar]) {
        require(!categories.isEmpty && !categories.contains(where: \.isNaN),
                     "OneHotEncoder: categories must be non-empty and not NaN")
        self.categories = Array(Set(categories)).sorted()
    }

    /// Fits the categories to the distinct values of `labels` (any shape).
    ///
    /// ```swift
    /// let e = try OneHotEncoder(fitting: Tensor<Float>([3, 7, 3]))   // categories [3, 7]
    /// ```
    /// - Throws: `DataError` (`.invalidValue`) for a NaN label or no labels at all.
    public init(fitting labels: Tensor<Scalar>) throws {
        if let i = labels.scalars.firstIndex(where: \.isNaN) {
            throw DataError(.invalidValue, path: nil, at: .element(i), expected: "a label", found: "NaN")
        }
        guard !labels.scalars.isEmpty else {
            throw DataError(.invalidValue, path: nil, expected: "at least one label to fit", found: "none")
        }
        categories = Array(Set(labels.scalars)).sorted()
    }

    /// The one-hot rows of `labels` (shape [n], or any shape, flattened): shape [n, categories].
    ///
    /// ```swift
    /// let targets = try OneHotEncoder<Float>(classCount: 10).transform(labels)   // [batch, 10]
    /// ```
    /// - Throws: `DataError` (`.invalidValue`) naming the first label that is not a category.
    public func transform(_ labels: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let k = categories.count
        var index: [Scalar: Int] = [:]
        for (i, c) in categories.enumerated() { index[c] = i }
        var out = [Scalar](repeating: 0, count: labels.count * k)
        for (row, label) in labels.scalars.enumerated() {
            guard let column = index[label] else {
                let known = k <= 12 ? categories.map { "\($0)" }.joined(separator: ", ")
                                    : "\(categories[0]) … \(categories[k - 1]) (\(k) categories)"
                throw DataError(.invalidValue, path: nil, at: .element(row), expected: "a label among \(known)", found: "\(label)")
            }
            out[row * k + column] = 1
        }
        return Tensor(out, shape: [labels.count, k])
    }

    /// The category of the largest entry of each row of `encoded` (shape [n, categories]):
    /// undoes ``transform(_:)`` and turns predicted scores into labels.
    ///
    /// ```swift
    /// let predicted = encoder.inverseTransform(model(x))
    /// ```
    /// - Precondition: `encoded` is [n, categories.count].
    public func inverseTransform(_ encoded: Tensor<Scalar>) -> Tensor<Scalar> {
        let k = categories.count
        require(encoded.rank == 2 && encoded.shape[1] == k,
                     "OneHotEncoder.inverseTransform: shape \(encoded.shape) is not [n, \(k)]")
        let x = encoded.scalars
        let labels = (0..<encoded.shape[0]).map { row -> Scalar in
            var best = 0
            for c in 1..<max(k, 1) where x[row * k + c] > x[row * k + best] { best = c }
            return categories[best]
        }
        return Tensor(labels, shape: [encoded.shape[0]])
    }
}

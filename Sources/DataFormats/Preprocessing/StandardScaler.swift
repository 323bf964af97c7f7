import Autograd

/// Standardizes features to zero mean and unit variance, column by column, with the mean and
/// standard deviation of the data it was fitted on (fit on the training set, then transform
/// the training, validation and test sets alike).
///
/// The standard deviation is the population one (divide by n), as in scikit-learn. A constant
/// column (every value equal) gets scale 1, so it becomes zeros instead of NaN.
///
/// ```swift
/// let scaler = StandardScaler(fitting: trainX)       // trainX: [samples, features]
/// let x = scaler.transform(trainX)
/// let xTest = scaler.transform(testX)
/// ```
public struct StandardScaler<Scalar: TensorScalar>: Sendable {
    /// The mean of each column of the training data, shape [features].
    ///
    /// ```swift
    /// StandardScaler(fitting: Tensor<Float>(rows: [[1], [3]])).mean    // [2]
    /// ```
    public let mean: Tensor<Scalar>
    /// The divisor of each column: its standard deviation, or 1 for a constant column; shape [features].
    ///
    /// ```swift
    /// StandardScaler(fitting: Tensor<Float>(rows: [[1], [3]])).scale   // [1]
    /// ```
    public let scale: Tensor<Scalar>

    /// Fits the scaler to `data` of shape [samples, features].
    ///
    /// ```swift
    /// let s = StandardScaler(fitting: Tensor<Double>(rows: [[1, 10], [3, 10]]))
    /// s.mean    // [2, 10]
    /// s.scale   // [1, 1]   (the second column is constant)
    /// ```
    /// - Precondition: `data` is 2-D with at least one row.
    public init(fitting data: Tensor<Scalar>) {
        require(data.rank == 2, "StandardScaler: data of shape \(data.shape) is not 2-D [samples, features]")
        require(data.shape[0] > 0, "StandardScaler: cannot fit on zero samples")
        let columns = ColumnStatistics(data)
        mean = Tensor(columns.mean.map { Scalar($0) }, shape: [columns.count])
        scale = Tensor(zip(columns.standardDeviation, columns.isConstant).map { $1 || $0 == 0 ? 1 : Scalar($0) },
                       shape: [columns.count])
    }

    /// Makes a scaler from a known mean and scale (for example, saved from an earlier fit).
    ///
    /// ```swift
    /// let s = StandardScaler(mean: Tensor<Float>([0.1307]), scale: Tensor<Float>([0.3081]))
    /// ```
    /// - Precondition: both are 1-D of the same length, and no scale is zero.
    public init(mean: Tensor<Scalar>, scale: Tensor<Scalar>) {
        require(mean.rank == 1 && scale.shape == mean.shape, "StandardScaler: mean \(mean.shape) and scale \(scale.shape) must be 1-D and equal")
        require(!scale.scalars.contains(0), "StandardScaler: a scale of zero")
        self.mean = mean
        self.scale = scale
    }

    /// `(data - mean) / scale`, column by column.
    ///
    /// ```swift
    /// let z = scaler.transform(testX)
    /// ```
    /// - Precondition: `data` is [samples, features] with the fitted number of features.
    public func transform(_ data: Tensor<Scalar>) -> Tensor<Scalar> {
        let m = mean.scalars, s = scale.scalars
        return mapColumns(data, features: m.count, name: "StandardScaler.transform") { ($0 - m[$1]) / s[$1] }
    }

    /// `data * scale + mean`: undoes ``transform(_:)``.
    ///
    /// ```swift
    /// let x = scaler.inverseTransform(scaler.transform(x))
    /// ```
    public func inverseTransform(_ data: Tensor<Scalar>) -> Tensor<Scalar> {
        let m = mean.scalars, s = scale.scalars
        return mapColumns(data, features: m.count, name: "StandardScaler.inverseTransform") { $0 * s[$1] + m[$1] }
    }
}

/// Per-column statistics computed in `Double`.
struct ColumnStatistics {
    let count: Int
    var mean: [Double]
    var standardDeviation: [Double]
    var minimum: [Double]
    var maximum: [Double]
    var isConstant: [Bool]

    init<Scalar: TensorScalar>(_ data: Tensor<Scalar>) {
        let rows = data.shape[0], columns = data.shape[1]
        let x = data.scalars
        count = columns
        mean = [Double](repeating: 0, count: columns)
        minimum = [Double](repeating: .infinity, count: columns)
        maximum = [Double](repeating: -.infinity, count: columns)
        isConstant = [Bool](repeating: true, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let v = Double(x[r * columns + c])
                mean[c] += v
                if v < minimum[c] { minimum[c] = v }
                if v > maximum[c] { maximum[c] = v }
                if r > 0 && x[r * columns + c] != x[c] { isConstant[c] = false }
            }
        }
        for c in 0..<columns {
            mean[c] /= Double(max(rows, 1))
            if isConstant[c] && rows > 0 { mean[c] = Double(x[c]) }   // exact, whatever the rounding of the sum
        }
        var variance = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns where !isConstant[c] {
                let d = Double(x[r * columns + c]) - mean[c]
                variance[c] += d * d
            }
        }
        standardDeviation = variance.map { ($0 / Double(max(rows, 1))).squareRoot() }
    }
}

/// Applies `f(value, column)` to every element of a [samples, features] tensor.
func mapColumns<Scalar: TensorScalar>(_ data: Tensor<Scalar>, features: Int, name: String,
                                      _ f: (Scalar, Int) -> Scalar) -> Tensor<Scalar> {
    require(data.rank == 2 && data.shape[1] == features,
                 "\(name): data of shape \(data.shape) is not [samples, \(features)]")
    let x = data.scalars
    var out = [Scalar](repeating: 0, count: x.count)
    for i in 0..<x.count { out[i] = f(x[i], i % features) }
    return Tensor(out, shape: data.shape)
}

import Autograd

/// Rescales each feature column linearly to a range (by default [0, 1]) using the minimum and
/// maximum of the data it was fitted on. A constant column maps to the range's lower bound,
/// not NaN. Values outside the training range map outside the target range (no clipping).
///
/// ```swift
/// let scaler = MinMaxScaler(fitting: trainX)
/// let x = scaler.transform(trainX)          // every column in [0, 1]
/// let xTest = scaler.transform(testX)
/// ```
public struct MinMaxScaler<Scalar: TensorScalar>: Sendable {
    /// The minimum of each column of the training data, shape [features].
    ///
    /// ```swift
    /// MinMaxScaler(fitting: Tensor<Float>(rows: [[1], [3]])).minimum   // [1]
    /// ```
    public let minimum: Tensor<Scalar>
    /// The maximum of each column of the training data, shape [features].
    ///
    /// ```swift
    /// MinMaxScaler(fitting: Tensor<Float>(rows: [[1], [3]])).maximum   // [3]
    /// ```
    public let maximum: Tensor<Scalar>
    /// The target range.
    ///
    /// ```swift
    /// MinMaxScaler(fitting: x, range: -1...1).range   // -1...1
    /// ```
    public let range: ClosedRange<Scalar>

    /// Fits the scaler to `data` of shape [samples, features].
    ///
    /// ```swift
    /// let s = MinMaxScaler(fitting: Tensor<Float>(rows: [[0, 5], [10, 5]]), range: -1...1)
    /// s.transform(Tensor<Float>(rows: [[5, 5]]))   // [[0, -1]]
    /// ```
    /// - Precondition: `data` is 2-D with at least one row, and the range is not a single point.
    public init(fitting data: Tensor<Scalar>, range: ClosedRange<Scalar> = 0...1) {
        require(data.rank == 2, "MinMaxScaler: data of shape \(data.shape) is not 2-D [samples, features]")
        require(data.shape[0] > 0, "MinMaxScaler: cannot fit on zero samples")
        require(range.lowerBound < range.upperBound, "MinMaxScaler: empty target range \(range)")
        let columns = ColumnStatistics(data)
        minimum = Tensor(columns.minimum.map { Scalar($0) }, shape: [columns.count])
        maximum = Tensor(columns.maximum.map { Scalar($0) }, shape: [columns.count])
        self.range = range
    }

    private var factors: [Scalar] {
        let width = range.upperBound - range.lowerBound
        return zip(minimum.scalars, maximum.scalars).map { lo, hi in hi > lo ? width / (hi - lo) : 1 }
    }

    /// `lower + (data - minimum) * (upper - lower) / (maximum - minimum)`, column by column.
    ///
    /// ```swift
    /// let z = scaler.transform(testX)
    /// ```
    /// - Precondition: `data` is [samples, features] with the fitted number of features.
    public func transform(_ data: Tensor<Scalar>) -> Tensor<Scalar> {
        let lo = minimum.scalars, f = factors, base = range.lowerBound
        return mapColumns(data, features: lo.count, name: "MinMaxScaler.transform") { base + ($0 - lo[$1]) * f[$1] }
    }

    /// Undoes ``transform(_:)`` (a constant column comes back as its constant).
    ///
    /// ```swift
    /// let x = scaler.inverseTransform(z)
    /// ```
    public func inverseTransform(_ data: Tensor<Scalar>) -> Tensor<Scalar> {
        let lo = minimum.scalars, f = factors, base = range.lowerBound
        return mapColumns(data, features: lo.count, name: "MinMaxScaler.inverseTransform") { ($0 - base) / f[$1] + lo[$1] }
    }
}

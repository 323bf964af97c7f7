/// Mini-batches of inputs and targets along axis 0, in order or shuffled by a seed, with the
/// last partial batch kept or dropped. Iterating yields `(inputs, targets)` pairs, so the
/// whole training loop is five lines:
///
/// ```swift
/// for epoch in 0..<10 {
///     for (x, y) in Batches(inputs: images, targets: labels, batchSize: 64, shuffleSeed: UInt64(epoch)) {
///         let loss = lossFunction(model(x), y)
///         model.zeroGrad()
///         loss.backward()
///         optimizer.step()
///     }
/// }
/// ```
///
/// The same seed always gives the same order; every sample appears exactly once per pass
/// (except those of a dropped partial batch). Batches are copied rows, not recorded.
public struct Batches<Scalar: TensorScalar>: Collection {
    /// All the inputs; axis 0 counts samples.
    ///
    /// ```swift
    /// batches.inputs.shape   // [n, …]
    /// ```
    public let inputs: Tensor<Scalar>
    /// All the targets; axis 0 counts samples.
    ///
    /// ```swift
    /// batches.targets.shape   // [n, …]
    /// ```
    public let targets: Tensor<Scalar>
    /// The number of samples per batch (the last one may have fewer unless `dropLast`).
    ///
    /// ```swift
    /// Batches(inputs: x, targets: y, batchSize: 32).batchSize   // 32
    /// ```
    public let batchSize: Int
    /// Whether a last batch of fewer than `batchSize` samples is left out.
    ///
    /// ```swift
    /// Batches(inputs: x, targets: y, batchSize: 32, dropLast: true).dropLast   // true
    /// ```
    public let dropLast: Bool
    /// The sample order of this pass: a permutation of 0..<n.
    ///
    /// ```swift
    /// Batches(inputs: x, targets: y, batchSize: 2).order   // [0, 1, 2, …] without a seed
    /// ```
    public let order: [Int]

    /// Batches of `batchSize` samples, shuffled with `shuffleSeed` (in order when `nil`).
    ///
    /// ```swift
    /// let batches = Batches(inputs: x, targets: y, batchSize: 32, shuffleSeed: 42, dropLast: true)
    /// batches.count   // ⌊n / 32⌋
    /// ```
    /// - Precondition: `batchSize` > 0; inputs and targets have the same number of samples.
    public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>, batchSize: Int, shuffleSeed: UInt64? = nil,
                dropLast: Bool = false) {
        require(batchSize > 0, "Batches: batchSize \(batchSize) must be positive")
        require(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "Batches: inputs of shape \(inputs.shape) and targets of shape \(targets.shape) "
                        + "must have the same number of samples along axis 0")
        self.inputs = inputs
        self.targets = targets
        self.batchSize = batchSize
        self.dropLast = dropLast
        let n = inputs.shape[0]
        order = shuffleSeed.map { shuffledIndices(n, seed: $0) } ?? Array(0..<n)
    }

    /// The index of the first batch (0).
    ///
    /// ```swift
    /// batches.startIndex   // 0
    /// ```
    public var startIndex: Int { 0 }

    /// The number of batches: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with `dropLast`.
    ///
    /// ```swift
    /// Batches(inputs: x, targets: y, batchSize: 3).count   // 4 for 10 samples
    /// ```
    public var endIndex: Int {
        dropLast ? order.count / batchSize : (order.count + batchSize - 1) / batchSize
    }

    /// The batch after `i`.
    ///
    /// ```swift
    /// batches.index(after: 0)   // 1
    /// ```
    public func index(after i: Int) -> Int { i + 1 }

    /// The sample indices of batch `i`.
    ///
    /// ```swift
    /// batches.indices(ofBatch: 0)   // the first batchSize entries of `order`
    /// ```
    public func indices(ofBatch i: Int) -> ArraySlice<Int> {
        require(i >= 0 && i < endIndex, "Batches: batch \(i) is out of range 0..<\(endIndex)")
        return order[(i * batchSize)..<Swift.min((i + 1) * batchSize, order.count)]
    }

    /// Batch `i`: its inputs and targets.
    ///
    /// ```swift
    /// let (x, y) = batches[0]
    /// ```
    public subscript(i: Int) -> (inputs: Tensor<Scalar>, targets: Tensor<Scalar>) {
        let rows = Array(indices(ofBatch: i))
        return (inputs.rows(at: rows), targets.rows(at: rows))
    }
}

/// Inputs and targets paired along axis 0: sample i is `inputs[i]` with `targets[i]`.
/// Selecting, shuffling and splitting copy rows and are not recorded (data needs no gradient).
///
/// ```swift
/// let data = Dataset(inputs: x, targets: y)                      // x: [1000, 784], y: [1000]
/// let (train, validation, test) = data.split(training: 0.8, validation: 0.1, seed: 42)
/// for (xb, yb) in train.batches(size: 64, shuffleSeed: 1) { … }
/// ```
public struct Dataset<Scalar: TensorScalar> {
    /// The inputs; axis 0 counts samples.
    ///
    /// ```swift
    /// data.inputs.shape   // [n, features]
    /// ```
    public let inputs: Tensor<Scalar>
    /// The targets; axis 0 counts samples.
    ///
    /// ```swift
    /// data.targets.shape   // [n] or [n, …]
    /// ```
    public let targets: Tensor<Scalar>

    /// Pairs `inputs` and `targets` sample by sample.
    ///
    /// ```swift
    /// let data = Dataset(inputs: Tensor<Float>.zeros([10, 3]), targets: Tensor<Float>.zeros([10]))
    /// ```
    /// - Precondition: both have at least one axis and the same number of samples.
    public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) {
        require(inputs.rank >= 1 && targets.rank >= 1, "Dataset: inputs and targets need an axis of samples")
        require(inputs.shape[0] == targets.shape[0],
                     "Dataset: \(inputs.shape[0]) inputs (shape \(inputs.shape)) but \(targets.shape[0]) targets (shape \(targets.shape))")
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of samples.
    ///
    /// ```swift
    /// data.count   // 1000
    /// ```
    public var count: Int { inputs.shape[0] }

    /// The samples at `indices`, in that order (repeats allowed).
    ///
    /// ```swift
    /// let firstThree = data.samples(at: [0, 1, 2])
    /// ```
    /// - Precondition: every index is in 0..<count.
    public func samples(at indices: [Int]) -> Dataset {
        Dataset(inputs: inputs.rows(at: indices), targets: targets.rows(at: indices))
    }

    /// The samples in a random order fixed by `seed`.
    ///
    /// ```swift
    /// let shuffled = data.shuffled(seed: 7)
    /// ```
    public func shuffled(seed: UInt64) -> Dataset {
        samples(at: shuffledIndices(count, seed: seed))
    }

    /// Mini-batches of `size` samples along axis 0; see ``Batches``.
    ///
    /// ```swift
    /// for (x, y) in data.batches(size: 32, shuffleSeed: UInt64(epoch)) { … }
    /// ```
    public func batches(size: Int, shuffleSeed: UInt64? = nil, dropLast: Bool = false) -> Batches<Scalar> {
        Batches(inputs: inputs, targets: targets, batchSize: size, shuffleSeed: shuffleSeed, dropLast: dropLast)
    }

    /// Splits the samples, shuffled by `seed`, into training, validation and test sets:
    /// round(n·training) and round(n·validation) samples, the test set gets the rest.
    ///
    /// ```swift
    /// let (train, validation, test) = data.split(training: 0.7, validation: 0.15, seed: 1)
    /// // 1000 samples → 700, 150, 150
    /// ```
    /// - Precondition: the fractions are ≥ 0 and sum to at most 1.
    public func split(training: Double, validation: Double, seed: UInt64)
        -> (training: Dataset, validation: Dataset, test: Dataset) {
        require(training >= 0 && validation >= 0 && training + validation <= 1 + 1e-12,
                     "split: fractions \(training) and \(validation) must be ≥ 0 and sum to at most 1")
        let n = count
        let trainCount = min(n, Int((Double(n) * training).rounded()))
        let validationCount = min(n - trainCount, Int((Double(n) * validation).rounded()))
        let order = shuffledIndices(n, seed: seed)
        return (samples(at: Array(order[0..<trainCount])),
                samples(at: Array(order[trainCount..<(trainCount + validationCount)])),
                samples(at: Array(order[(trainCount + validationCount)...])))
    }
}

/// 0..<n in a random order fixed by `seed` (Fisher–Yates with `SeededGenerator`; the same on
/// every platform).
///
/// ```swift
/// shuffledIndices(5, seed: 1)   // a permutation of [0, 1, 2, 3, 4]
/// ```
public func shuffledIndices(_ n: Int, seed: UInt64) -> [Int] {
    var generator = SeededGenerator(seed: seed)
    var order = Array(0..<n)
    var i = n - 1
    while i > 0 {
        // Multiply-high maps 64 random bits to 0...i without the bias of a modulo.
        let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
        order.swapAt(i, j)
        i -= 1
    }
    return order
}

extension Tensor {
    /// The sub-tensors at `indices` along axis 0, stacked in that order (copied, not recorded).
    func rows(at indices: [Int]) -> Tensor {
        require(rank >= 1, "rows(at:): a scalar tensor has no axis of samples")
        let n = shape[0]
        let width = n == 0 ? 0 : count / n
        var values: [Scalar] = []
        values.reserveCapacity(indices.count * width)
        for i in indices {
            require(i >= 0 && i < n, "rows(at:): index \(i) is out of range for \(n) samples")
            values.append(contentsOf: scalars[(i * width)..<((i + 1) * width)])
        }
        return Tensor(values, shape: [indices.count] + shape.dropFirst())
    }
}

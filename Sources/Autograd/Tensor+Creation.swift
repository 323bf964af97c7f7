extension Tensor {
    /// A tensor of the given shape filled with `value`.
    ///
    /// ```swift
    /// let b = Tensor<Float>.full([3], 0.1)
    /// ```
    @inlinable
    public static func full(_ shape: [Int], _ value: Scalar) -> Tensor {
        require(shape.allSatisfy { $0 >= 0 }, "full: negative size in shape \(shape)")
        guard let count = Shape.elementCount(shape) else {
            trap("full: shape \(shape) cannot be a tensor: the product of its nonzero sizes overflows Int")
        }
        return Tensor(shape: shape, scalars: Scalar.kernels.filled(value, count), node: nil)
    }

    /// A tensor of zeros.
    @inlinable
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }

    /// A tensor of ones.
    @inlinable
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Zeros shaped like `other`.
    @inlinable
    public static func zeros(like other: Tensor) -> Tensor { full(other.shape, 0) }

    /// Ones shaped like `other`.
    @inlinable
    public static func ones(like other: Tensor) -> Tensor { full(other.shape, 1) }

    /// The values start, start + step, … below `end`, as a 1-D tensor.
    ///
    /// ```swift
    /// Tensor<Double>.arange(0, 5)    // [0, 1, 2, 3, 4]
    /// ```
    public static func arange(_ start: Scalar, _ end: Scalar, step: Scalar = 1) -> Tensor {
        require(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Scalar($0) * step })
    }

    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> Tensor {
        var values = [Scalar](repeating: 0, count: n * n)
        for i in 0..<n { values[i * n + i] = 1 }
        return Tensor(values, shape: [n, n])
    }

    /// Samples from a normal distribution with the given mean and standard deviation.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 7)
    /// let w = Tensor<Float>.randomNormal([784, 128], standardDeviation: 0.05, using: &rng)
    /// ```
    public static func randomNormal(_ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        let draws = (0..<shape.reduce(1, *)).map { _ in generator.nextNormalDouble() }
        return Tensor(converting: draws, shape: shape) { mean + standardDeviation * $0 }
    }

    /// Samples uniformly from [lower, upper).
    public static func randomUniform(_ shape: [Int], lower: Scalar = 0, upper: Scalar = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        let draws = (0..<shape.reduce(1, *)).map { _ in generator.nextUnitDouble() }
        return Tensor(converting: draws, shape: shape) { lower + (upper - lower) * $0 }
    }

    /// Draws (made as `Double`s in concrete code) converted and mapped by `transform` in one plain
    /// loop: a generic `map` over a range would look up type metadata for every element.
    init(converting draws: [Double], shape: [Int], _ transform: (Scalar) -> Scalar) {
        let values = [Scalar](unsafeUninitializedCapacity: draws.count) { out, initialized in
            for i in draws.indices { out[i] = transform(Scalar(draws[i])) }
            initialized = draws.count
        }
        self.init(values, shape: shape)
    }

    /// ``randomNormal(_:mean:standardDeviation:using:)`` with a fresh generator from `seed`.
    public static func randomNormal(_ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                                    seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return randomNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
    }

    /// ``randomUniform(_:lower:upper:using:)`` with a fresh generator from `seed`.
    public static func randomUniform(_ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return randomUniform(shape, lower: lower, upper: upper, using: &generator)
    }

    /// The same values converted to another scalar type (not recorded).
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(scalars.map { Other($0) }, shape: shape)
    }
}

/// A lookup table: each whole-number index in the input picks a row of `weight`
/// [count, dimension], as PyTorch's `nn.Embedding`.
///
/// Indices come as a tensor of whole numbers of any shape; the output has that shape followed
/// by `dimension`: [batch, time] → [batch, time, dimension]. The lookup is the engine's
/// `gather`, so the gradient of the table is its rule: each output row's gradient is added to
/// the row it came from (a row picked twice gets both). No gradient flows to the indices.
///
/// With a `paddingIndex`, that row starts at zero and never receives a gradient, so it stays
/// whatever it is (as PyTorch's `padding_idx`): use it for the filler token of padded sequences.
///
/// ```swift
/// let embed = Embedding<Float>(count: 27, dimension: 10, seed: 1)
/// let vectors = embed(Tensor(rows: [[1, 5, 0], [3, 3, 26]]))   // [2, 3] → [2, 3, 10]
/// embed.namedParameters.map(\.name)                         // ["weight"]
/// let padded = Embedding<Float>(count: 27, dimension: 10, paddingIndex: 0)
/// ```
public struct Embedding<Scalar: TensorScalar>: Layer {
    /// The table, [count, dimension]: row i is the vector of index i.
    ///
    /// ```swift
    /// Embedding<Float>(count: 27, dimension: 10).weight.shape    // [27, 10]
    /// ```
    public let weight: Parameter<Scalar>
    /// The index whose row gets no gradient (and starts at zero), if any.
    ///
    /// ```swift
    /// Embedding<Float>(count: 5, dimension: 2, paddingIndex: 0).paddingIndex    // 0
    /// ```
    public let paddingIndex: Int?

    /// The number of rows (valid indices are 0..<count).
    ///
    /// ```swift
    /// Embedding<Float>(count: 27, dimension: 10).count    // 27
    /// ```
    public var count: Int { weight.shape[0] }
    /// The length of each vector.
    ///
    /// ```swift
    /// Embedding<Float>(count: 27, dimension: 10).dimension    // 10
    /// ```
    public var dimension: Int { weight.shape[1] }

    /// A table drawn from `generator` (standard normal by default, as PyTorch's), with the
    /// padding row, if any, set to zero.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 2)
    /// let embed = Embedding<Double>(count: 10, dimension: 4, using: &rng)
    /// ```
    /// - Precondition: `count` and `dimension` are positive; `paddingIndex` is in 0..<count.
    public init(count: Int, dimension: Int, paddingIndex: Int? = nil,
                initializer: Initializer<Scalar> = .normal(mean: 0, scale: 1), using generator: inout SeededGenerator) {
        require(count > 0 && dimension > 0, "Embedding: count (\(count)) and dimension (\(dimension)) must be positive")
        Embedding.check(paddingIndex: paddingIndex, count: count)
        var table = initializer([count, dimension], fans: Fans(fanIn: count, fanOut: dimension), using: &generator)
        if let paddingIndex {
            var values = table.scalars
            for j in 0..<dimension { values[paddingIndex * dimension + j] = 0 }
            table = Tensor(values, shape: [count, dimension])
        }
        weight = Parameter(table)
        self.paddingIndex = paddingIndex
    }

    /// A table drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the
    /// next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let embed = Embedding<Float>(count: 27, dimension: 10, seed: 42)
    /// ```
    public init(count: Int, dimension: Int, paddingIndex: Int? = nil,
                initializer: Initializer<Scalar> = .normal(mean: 0, scale: 1), seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(count: count, dimension: dimension, paddingIndex: paddingIndex, initializer: initializer,
                  using: &generator)
    }

    /// A layer holding exactly this table [count, dimension] (its padding row is left as it is).
    /// A tensor that already is a leaf (as `gradcheck` makes its inputs) stays that leaf (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let embed = Embedding(weight: Tensor<Double>(rows: [[0, 0], [1, 2], [3, 4]]), paddingIndex: 0)
    /// ```
    public init(weight: Tensor<Scalar>, paddingIndex: Int? = nil) {
        require(weight.rank == 2 && weight.shape[0] > 0 && weight.shape[1] > 0,
                "Embedding: weight of shape \(weight.shape) is not [count, dimension] with both positive")
        Embedding.check(paddingIndex: paddingIndex, count: weight.shape[0])
        self.weight = Parameter(sharing: weight)
        self.paddingIndex = paddingIndex
    }

    private static func check(paddingIndex: Int?, count: Int) {
        if let paddingIndex {
            require(paddingIndex >= 0 && paddingIndex < count,
                    "Embedding: paddingIndex \(paddingIndex) is not a row of the table (0..<\(count))")
        }
    }

    /// The rows `indices` name: shape `indices.shape + [dimension]`.
    ///
    /// ```swift
    /// let embed = Embedding(weight: Tensor<Double>(rows: [[0, 0], [1, 2], [3, 4]]))
    /// embed(Tensor([2, 1, 2]))      // [[3, 4], [1, 2], [3, 4]]
    /// ```
    /// - Precondition: every element of `indices` is a whole number in 0..<``count``.
    public func callAsFunction(_ indices: Tensor<Scalar>) -> Tensor<Scalar> {
        let count = self.count, dimension = self.dimension
        // Checked by the loop compiled for the scalar type: element by element, this generic code
        // converted each index through the value witnesses (a few per cent of a GPT step).
        let (rows, invalid) = indices.indexPositions(bound: count)
        if let position = invalid {
            let value = indices.scalars[position]
            guard let row = Int(exactly: value) else {
                trap("Embedding: index \(value) at position \(Embedding.position(position, in: indices.shape)) of indices "
                     + "\(indices.shape) is not a whole number in 0..<\(count) (table \(weight.shape))")
            }
            trap("Embedding: index \(row) at position \(Embedding.position(position, in: indices.shape)) of indices "
                 + "\(indices.shape) is out of range 0..<\(count) (table \(weight.shape))")
        }
        let padding = paddingIndex.map { rows.contains($0) } ?? false
        // The table's rows at the indices: [indices…, dimension]; the rule adds the gradient back into them.
        let picked = weight.value.take(indices.reshaped([rows.count]), axis: 0)
        var output = picked
        if padding, let paddingIndex {
            // The padding rows keep their value but pass no gradient back to the table.
            let keep = Tensor<Scalar>(rows.map { $0 == paddingIndex ? 0 : 1 }, shape: [rows.count, 1])
            output = select(keep, picked, picked.detached())
        }
        let y = output.reshaped(indices.shape + [dimension])
        PerSampleRecorder<Scalar>.active?.embedding(self, indices: indices, output: y)
        return y
    }

    /// A flat position as a multi-index of `shape` ("[1, 2]"), for error messages.
    static func position(_ flat: Int, in shape: [Int]) -> String {
        var rest = flat, index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "\(index)"
    }
}

// Its children listed directly, not found by reflection (see `ModuleTree.parameterChildren`).
extension Embedding: CustomModuleChildren {
    var moduleChildren: [(label: String, value: Any)] { ModuleTree.parameterChildren(("weight", weight)) }
}

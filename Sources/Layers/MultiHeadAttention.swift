/// Multi-head scaled dot-product attention, as PyTorch's `nn.MultiheadAttention(…, batch_first: True)`.
///
/// Queries, keys and values are projected by one stacked matrix (`in_proj_weight`
/// [3·dimension, dimension], q then k then v, and `in_proj_bias`), split into `heads` heads of
/// dimension / heads each, and each head computes softmax(q·kᵀ / √headDimension)·v; the heads are
/// joined and projected by `out_proj` (weight [dimension, dimension], bias). Inputs are
/// batch-first: [batch, time, dimension].
///
/// Masks: `causal: true` lets position i attend only to positions ≤ i; a `keyPaddingMask`
/// [batch, key length] with 1 at padding positions hides those keys (PyTorch's
/// `key_padding_mask` with True for padding). Masked scores are −∞ before the softmax, which the
/// engine keeps free of NaN; a query that may attend to nothing gets a zero output (PyTorch
/// gives NaN). While training, dropout with rate `dropout` is applied to the attention weights.
/// Everything is composed from engine ops.
///
/// Parameters in PyTorch's layout and names, with PyTorch's initialization (Xavier-uniform
/// `in_proj_weight`, U(−1/√dimension, 1/√dimension) `out_proj.weight`, zero biases), so that a
/// PyTorch `state_dict` saved as safetensors loads with ``Module/load(from:layout:)``.
///
/// ```swift
/// let attention = MultiHeadAttention<Float>(dimension: 64, heads: 4, seed: 1)
/// let y = attention(x, causal: true)                         // [batch, time, 64] → same shape
/// let z = attention(x, causal: false, keyPaddingMask: padding)   // padding: [batch, time], 1 = ignore
/// attention.namedParameters.map(\.name)   // ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
/// ```
public struct MultiHeadAttention<Scalar: TensorScalar>: Layer, CustomModuleChildren {
    /// Queries', keys' and values' projections stacked, [3·dimension, dimension] (PyTorch's `in_proj_weight`).
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).inputProjectionWeight.shape    // [24, 8]
    /// ```
    public let inputProjectionWeight: Parameter<Scalar>
    /// Their biases, [3·dimension] (PyTorch's `in_proj_bias`); `nil` without bias.
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).inputProjectionBias?.shape    // [24]
    /// ```
    public let inputProjectionBias: Parameter<Scalar>?
    /// The output projection, [dimension, dimension] ([out, in], PyTorch's `out_proj.weight`).
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).outputProjectionWeight.shape    // [8, 8]
    /// ```
    public let outputProjectionWeight: Parameter<Scalar>
    /// Its bias, [dimension] (PyTorch's `out_proj.bias`); `nil` without bias.
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).outputProjectionBias?.shape    // [8]
    /// ```
    public let outputProjectionBias: Parameter<Scalar>?
    /// The number of heads.
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).heads    // 2
    /// ```
    public let heads: Int
    /// The dropout on the attention weights (active while training only).
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2, dropout: 0.1).dropout.rate    // 0.1
    /// ```
    public let dropout: Dropout<Scalar>

    /// The model dimension (features of queries, keys, values and output).
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).dimension    // 8
    /// ```
    public var dimension: Int { outputProjectionWeight.shape[0] }
    /// The dimension of each head, dimension / heads.
    ///
    /// ```swift
    /// MultiHeadAttention<Float>(dimension: 8, heads: 2).headDimension    // 4
    /// ```
    public var headDimension: Int { dimension / heads }

    /// A layer with PyTorch's initialization drawn from `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 3)
    /// let attention = MultiHeadAttention<Double>(dimension: 16, heads: 4, dropout: 0.1, using: &rng)
    /// ```
    /// - Precondition: `heads` divides `dimension`; 0 ≤ dropout < 1.
    public init(dimension: Int, heads: Int, dropout: Double = 0, useBias: Bool = true, using generator: inout SeededGenerator) {
        MultiHeadAttention.check(dimension: dimension, heads: heads)
        inputProjectionWeight = Parameter(Initializer<Scalar>.xavierUniform()([3 * dimension, dimension], using: &generator))
        inputProjectionBias = useBias ? Parameter(.zeros([3 * dimension])) : nil
        let bound = Scalar(1 / Double(dimension).squareRoot())
        outputProjectionWeight = Parameter(.randomUniform([dimension, dimension], lower: -bound, upper: bound, using: &generator))
        outputProjectionBias = useBias ? Parameter(.zeros([dimension])) : nil
        self.heads = heads
        self.dropout = Dropout(rate: dropout, seed: generator.next())
    }

    /// A layer drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the
    /// next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let attention = MultiHeadAttention<Float>(dimension: 64, heads: 4, seed: 42)
    /// ```
    public init(dimension: Int, heads: Int, dropout: Double = 0, useBias: Bool = true, seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(dimension: dimension, heads: heads, dropout: dropout, useBias: useBias, using: &generator)
    }

    /// A layer holding exactly these tensors, in PyTorch's layout: inputProjectionWeight
    /// [3·dimension, dimension], outputProjectionWeight [dimension, dimension], biases [3·dimension]
    /// and [dimension] (both or neither). Leaves stay leaves (see ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let attention = MultiHeadAttention(inputProjectionWeight: .randomNormal([12, 4], seed: 1),
    ///                                    outputProjectionWeight: Tensor<Double>.identity(4), heads: 2)
    /// ```
    public init(inputProjectionWeight: Tensor<Scalar>, inputProjectionBias: Tensor<Scalar>? = nil,
                outputProjectionWeight: Tensor<Scalar>, outputProjectionBias: Tensor<Scalar>? = nil,
                heads: Int, dropout: Double = 0, seed: UInt64? = nil) {
        let e = outputProjectionWeight.shape.first ?? 0
        require(outputProjectionWeight.shape == [e, e] && e > 0,
                "MultiHeadAttention: outputProjectionWeight of shape \(outputProjectionWeight.shape) is not [dimension, dimension]")
        MultiHeadAttention.check(dimension: e, heads: heads)
        require(inputProjectionWeight.shape == [3 * e, e],
                "MultiHeadAttention: inputProjectionWeight of shape \(inputProjectionWeight.shape) is not [\(3 * e), \(e)] "
                + "([3·dimension, dimension] for dimension \(e))")
        require((inputProjectionBias == nil) == (outputProjectionBias == nil),
                "MultiHeadAttention: give both biases, or neither")
        if let b = inputProjectionBias {
            require(b.shape == [3 * e], "MultiHeadAttention: inputProjectionBias of shape \(b.shape) is not [\(3 * e)]")
        }
        if let b = outputProjectionBias {
            require(b.shape == [e], "MultiHeadAttention: outputProjectionBias of shape \(b.shape) is not [\(e)]")
        }
        self.inputProjectionWeight = Parameter(sharing: inputProjectionWeight)
        self.inputProjectionBias = inputProjectionBias.map { Parameter(sharing: $0) }
        self.outputProjectionWeight = Parameter(sharing: outputProjectionWeight)
        self.outputProjectionBias = outputProjectionBias.map { Parameter(sharing: $0) }
        self.heads = heads
        self.dropout = Dropout(rate: dropout, seed: seed)
    }

    private static func check(dimension: Int, heads: Int) {
        require(dimension > 0 && heads > 0 && dimension % heads == 0,
                "MultiHeadAttention: dimension \(dimension) is not divisible into \(heads) heads")
    }

    /// PyTorch's names; the dropout's generator is listed for checkpoints.
    var moduleChildren: [(label: String, value: Any)] {
        var out: [(label: String, value: Any)] = [("in_proj_weight", inputProjectionWeight)]
        if let inputProjectionBias { out.append(("in_proj_bias", inputProjectionBias)) }
        out.append(("out_proj.weight", outputProjectionWeight))
        if let outputProjectionBias { out.append(("out_proj.bias", outputProjectionBias)) }
        out.append(("dropout", dropout))
        return out
    }

    /// Self-attention without masks: [batch, time, dimension] → same shape.
    ///
    /// ```swift
    /// let y = MultiHeadAttention<Float>(dimension: 8, heads: 2)(Tensor.zeros([3, 5, 8]))    // [3, 5, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(query: input, key: input, value: input)
    }

    /// Self-attention, optionally causal and with padded keys: [batch, time, dimension] → same shape.
    ///
    /// ```swift
    /// let y = attention(x, causal: true)
    /// let z = attention(x, causal: false, keyPaddingMask: Tensor(rows: [[0, 0, 0, 1, 1]]))   // last two are padding
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>, causal: Bool, keyPaddingMask: Tensor<Scalar>? = nil) -> Tensor<Scalar> {
        self(query: input, key: input, value: input, causal: causal, keyPaddingMask: keyPaddingMask)
    }

    /// Attention of `query` [batch, T, dimension] over `key` and `value` [batch, S, dimension]:
    /// [batch, T, dimension]. `causal` hides key positions after each query position (key j from
    /// query i when j > i); `keyPaddingMask` [batch, S] hides the keys marked 1; `attentionMask`
    /// hides or biases any pairs (PyTorch's `attn_mask`, see ``AttentionMask``). All three combine.
    ///
    /// ```swift
    /// let translated = attention(query: decoderStates, key: encoderStates, value: encoderStates)
    /// ```
    /// - Precondition: the shapes above, a padding mask of exactly [batch, S], an attention mask
    ///   of [T, S] or [batch · heads, T, S].
    public func callAsFunction(query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, causal: Bool = false,
                               keyPaddingMask: Tensor<Scalar>? = nil, attentionMask: AttentionMask<Scalar>? = nil) -> Tensor<Scalar> {
        attend(query: query, key: key, value: value, causal: causal, keyPaddingMask: keyPaddingMask,
               attentionMask: attentionMask).output
    }

    /// The attention's output and its weights (PyTorch's `need_weights=True`): the weights are
    /// the softmax over keys (after dropout, as PyTorch returns them), [batch, T, S] averaged over
    /// the heads (`averageHeads`, PyTorch's default) or [batch, heads, T, S]. Both are recorded:
    /// a loss on the weights (an attention-entropy penalty) is differentiated as any other.
    ///
    /// ```swift
    /// let (y, weights) = attention.outputAndWeights(query: x, key: x, value: x, causal: true)
    /// weights.shape          // [batch, T, T]; each row sums to 1
    /// ```
    public func outputAndWeights(query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, causal: Bool = false,
                                 keyPaddingMask: Tensor<Scalar>? = nil, attentionMask: AttentionMask<Scalar>? = nil,
                                 averageHeads: Bool = true) -> (output: Tensor<Scalar>, weights: Tensor<Scalar>) {
        let (output, weights) = attend(query: query, key: key, value: value, causal: causal, keyPaddingMask: keyPaddingMask,
                                       attentionMask: attentionMask)
        return (output, averageHeads ? weights.mean(axes: [1]) : weights)
    }

    private func attend(query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, causal: Bool,
                        keyPaddingMask: Tensor<Scalar>?, attentionMask: AttentionMask<Scalar>?)
    -> (output: Tensor<Scalar>, weights: Tensor<Scalar>) {
        let e = dimension, h = heads, d = headDimension
        require(query.rank == 3 && query.shape[2] == e,
                "MultiHeadAttention: query of shape \(query.shape) is not [batch, time, \(e)] (dimension \(e))")
        let (batch, t) = (query.shape[0], query.shape[1])
        require(key.rank == 3 && key.shape[0] == batch && key.shape[2] == e,
                "MultiHeadAttention: key of shape \(key.shape) is not [\(batch), length, \(e)] (query \(query.shape))")
        require(value.shape == key.shape,
                "MultiHeadAttention: value of shape \(value.shape) does not match key of shape \(key.shape)")
        let s = key.shape[1]
        if let mask = attentionMask?.tensor {
            require(mask.shape == [t, s] || mask.shape == [batch * h, t, s],
                    "MultiHeadAttention: attention mask of shape \(mask.shape) is neither [\(t), \(s)] ([queries, keys]) "
                    + "nor [\(batch * h), \(t), \(s)] ([batch · heads, queries, keys]) for query \(query.shape) and key \(key.shape)")
        }
        if let keyPaddingMask {
            require(keyPaddingMask.shape == [batch, s],
                    "MultiHeadAttention: key padding mask of shape \(keyPaddingMask.shape) is not [\(batch), \(s)] "
                    + "([batch, key length] for keys of shape \(key.shape); 1 marks padding)")
        }
        // Projections: rows 0..<e of in_proj_weight for q, e..<2e for k, 2e..<3e for v; the
        // weights' transposes are read through strides (transposeB), not copied, and every
        // position of the batch is a row of one product (`timesTransposed`).
        func project(_ x: Tensor<Scalar>, _ part: Int) -> Tensor<Scalar> {
            let w = inputProjectionWeight.value.slice(axis: 0, part * e..<(part + 1) * e)
            let y = x.timesTransposed(w)                                              // [batch, length, e]
            return inputProjectionBias.map { y + $0.value.slice(axis: 0, part * e..<(part + 1) * e) } ?? y
        }
        let q = project(query, 0), k = project(key, 1), v = project(value, 2)
        // The heads' outputs from the weights, joined and projected.
        func finish(_ weights: Tensor<Scalar>) -> (output: Tensor<Scalar>, weights: Tensor<Scalar>) {
            let heads = Tensor.headOutputs(weights: weights, values: v, heads: h)         // [batch, T, e]
            var output = heads.timesTransposed(outputProjectionWeight.value)
            if let bias = outputProjectionBias { output = output + bias.value }
            PerSampleRecorder<Scalar>.active?.attention(self, query: query, key: key, value: value, projections: [q, k, v],
                                                        heads: heads, output: output)
            return (output, weights)
        }
        // Each head reads its columns of q, k and v in place: no split, transpose or merge copies.
        let rawScores = Tensor.headScores(queries: q, keys: k, heads: h)                 // [batch, heads, T, S]
        let scale = Scalar(Double(d).squareRoot())
        if keyPaddingMask == nil && attentionMask == nil {
            // Scale, causal mask and softmax in one op (the composition's values, below).
            let weights = dropout(rawScores.scaledSoftmax(dividingBy: scale, causal: causal))
            return finish(weights)
        }
        var scores = rawScores / scale
        if causal { scores = scores.masked(where: Tensor.triu(rows: t, columns: s, diagonal: 1), fill: -.infinity) }
        if let keyPaddingMask {
            scores = scores.masked(where: keyPaddingMask.detached().reshaped([batch, 1, 1, s]), fill: -.infinity)
        }
        if let attentionMask {
            let mask = attentionMask.tensor.detached()
            let shaped = mask.rank == 2 ? mask : mask.reshaped([batch, h, t, s])
            switch attentionMask {
            case .hidden: scores = scores.masked(where: shaped, fill: -.infinity)
            case .additive: scores = scores + shaped
            }
        }
        return finish(dropout(scores.softmax(axis: -1)))
    }
}

/// A transformer block: PyTorch's `nn.TransformerEncoderLayer(…, batch_first=True)`, pre-norm by
/// default as in GPT-2 (`norm_first=True`, ``normFirst``):
///
///     h = x + dropout(attention(norm1(x)))
///     y = h + dropout(linear2(dropout(gelu(linear1(norm2(h))))))
///
/// or, with `normFirst: false` (PyTorch's default, the original transformer's post-norm):
///
///     h = norm1(x + dropout(attention(x)))
///     y = norm2(h + dropout(linear2(dropout(activation(linear1(h))))))
///
/// with ``LayerNorm``s, ``MultiHeadAttention`` and a two-layer MLP (``Dense`` layers,
/// dimension → hidden → dimension, exact GELU between unless ``activation`` says otherwise;
/// PyTorch's default is ReLU, ours GELU as GPT's). Inputs are [batch, time, dimension];
/// `causal: true` makes it a decoder (GPT) block. Dropout (rate `dropout`, training only) is
/// applied where PyTorch applies it: to the attention weights, after the GELU and on both
/// residual branches.
///
/// The residual connections are plain additions: nothing beyond the engine's `+` is needed.
/// Parameter names and layouts are PyTorch's: `norm1.*`, `self_attn.in_proj_weight`, …,
/// `norm2.*`, `linear1.*`, `linear2.*`, so a `TransformerEncoderLayer`'s state dict loads as it
/// is (versions before 2 saved the attention as `attention.*`; see ``SavedLayout``).
///
/// ```swift
/// let block = TransformerBlock<Float>(dimension: 64, heads: 4, seed: 1)
/// let y = block(h, causal: true)            // [batch, time, 64] → same shape
/// block.parameterCount                      // 49,984 (attention 16,640, MLP 33,088, norms 256)
/// ```
public struct TransformerBlock<Scalar: TensorScalar>: Layer {
    /// The normalization before attention.
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).norm1.normalizedShape    // [8]
    /// ```
    public let norm1: LayerNorm<Scalar>
    /// The self-attention.
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).attention.heads    // 2
    /// ```
    public let attention: MultiHeadAttention<Scalar>
    /// The normalization before the MLP.
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).norm2.normalizedShape    // [8]
    /// ```
    public let norm2: LayerNorm<Scalar>
    /// The MLP's first layer, dimension → hidden (followed by GELU).
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).linear1.outputCount    // 32
    /// ```
    public let linear1: Dense<Scalar>
    /// The MLP's second layer, hidden → dimension.
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).linear2.inputCount    // 32
    /// ```
    public let linear2: Dense<Scalar>
    /// The dropout after the GELU and on the residual branches (active while training only).
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2, dropout: 0.1).dropout.rate    // 0.1
    /// ```
    public let dropout: Dropout<Scalar>
    /// Whether each sublayer normalizes its input (pre-norm, GPT-2's; `true` by default) or the
    /// residual sum after it (post-norm, PyTorch's default `norm_first=False`).
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2, normFirst: false).normFirst    // false
    /// ```
    public var normFirst: Bool
    /// The function between the MLP's two layers (default ``Activation/gelu``; PyTorch's default is relu).
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2, activation: .relu).activation    // relu
    /// ```
    public var activation: Activation

    /// The model dimension.
    ///
    /// ```swift
    /// TransformerBlock<Float>(dimension: 8, heads: 2).dimension    // 8
    /// ```
    public var dimension: Int { attention.dimension }

    /// A block drawn from `generator`: attention as PyTorch initializes it, the MLP's weights and
    /// biases U(−1/√inputs, 1/√inputs) as `nn.Linear`'s, the norms' weights 1 and biases 0.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 2)
    /// let blocks = (0..<2).map { _ in TransformerBlock<Float>(dimension: 64, heads: 4, using: &rng) }
    /// ```
    /// - Parameters:
    ///   - hidden: the MLP's hidden width (default 4·dimension).
    ///   - dropout: the dropout rate (default 0).
    ///   - normFirst: pre-norm (default) or post-norm (see ``normFirst``).
    ///   - activation: between the MLP's layers (default GELU).
    public init(dimension: Int, heads: Int, hidden: Int? = nil, dropout: Double = 0, normFirst: Bool = true,
                activation: Activation = .gelu, using generator: inout SeededGenerator) {
        let hidden = hidden ?? 4 * dimension
        require(dimension > 0 && hidden > 0, "TransformerBlock: dimension (\(dimension)) and hidden (\(hidden)) must be positive")
        norm1 = LayerNorm(normalizedShape: [dimension])
        attention = MultiHeadAttention(dimension: dimension, heads: heads, dropout: dropout, using: &generator)
        norm2 = LayerNorm(normalizedShape: [dimension])
        func linear(_ inputs: Int, _ outputs: Int) -> Dense<Scalar> {
            let bound = Scalar(1 / Double(inputs).squareRoot())
            return Dense(inputs: inputs, outputs: outputs, weightInitializer: .uniform(scale: bound),
                         biasInitializer: .uniform(scale: bound), using: &generator)
        }
        linear1 = linear(dimension, hidden)
        linear2 = linear(hidden, dimension)
        self.dropout = Dropout(rate: dropout, seed: generator.next())
        self.normFirst = normFirst
        self.activation = activation
    }

    /// A block drawn from a generator seeded with `seed` (or, when `seed` is `nil`, with the next
    /// seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let block = TransformerBlock<Float>(dimension: 64, heads: 4, dropout: 0.1, seed: 42)
    /// ```
    public init(dimension: Int, heads: Int, hidden: Int? = nil, dropout: Double = 0, normFirst: Bool = true,
                activation: Activation = .gelu, seed: UInt64? = nil) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(dimension: dimension, heads: heads, hidden: hidden, dropout: dropout, normFirst: normFirst,
                  activation: activation, using: &generator)
    }

    /// A block made of these layers (to build one around tensors for `gradcheck`, or from
    /// weights loaded elsewhere).
    ///
    /// ```swift
    /// let block = TransformerBlock(norm1: LayerNorm<Double>(normalizedShape: [4]), attention: attention,
    ///                              norm2: LayerNorm(normalizedShape: [4]), linear1: up, linear2: down)
    /// ```
    /// - Precondition: the layers fit: norms over [dimension], linear1 dimension → hidden,
    ///   linear2 hidden → dimension.
    public init(norm1: LayerNorm<Scalar>, attention: MultiHeadAttention<Scalar>, norm2: LayerNorm<Scalar>,
                linear1: Dense<Scalar>, linear2: Dense<Scalar>, dropout: Double = 0, normFirst: Bool = true,
                activation: Activation = .gelu, seed: UInt64? = nil) {
        let e = attention.dimension
        require(norm1.normalizedShape == [e] && norm2.normalizedShape == [e],
                "TransformerBlock: norms over \(norm1.normalizedShape) and \(norm2.normalizedShape) do not match dimension \(e)")
        require(linear1.inputCount == e && linear2.outputCount == e && linear1.outputCount == linear2.inputCount,
                "TransformerBlock: MLP weights \(linear1.weight.shape) → \(linear2.weight.shape) are not [hidden, \(e)] → [\(e), hidden] ([outputs, inputs])")
        self.norm1 = norm1
        self.attention = attention
        self.norm2 = norm2
        self.linear1 = linear1
        self.linear2 = linear2
        self.dropout = Dropout(rate: dropout, seed: seed)
        self.normFirst = normFirst
        self.activation = activation
    }

    /// The block without masks: [batch, time, dimension] → same shape.
    ///
    /// ```swift
    /// let y = TransformerBlock<Float>(dimension: 8, heads: 2)(Tensor.zeros([2, 5, 8]))    // [2, 5, 8]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(input, causal: false)
    }

    /// The block, its attention causal and/or with padded keys ([batch, time], 1 marks padding)
    /// and/or an attention mask (PyTorch's `src_mask`, see ``AttentionMask``).
    ///
    /// ```swift
    /// let y = block(h, causal: true)
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>, causal: Bool, keyPaddingMask: Tensor<Scalar>? = nil,
                               attentionMask: AttentionMask<Scalar>? = nil) -> Tensor<Scalar> {
        func attention(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
            self.attention(query: x, key: x, value: x, causal: causal, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask)
        }
        func mlp(_ x: Tensor<Scalar>) -> Tensor<Scalar> { dropout(linear2(dropout(activation(linear1(x))))) }
        if normFirst {
            let h = input + dropout(attention(norm1(input)))
            return h + mlp(norm2(h))
        }
        let h = norm1(input + dropout(attention(input)))
        return norm2(h + mlp(h))
    }
}

extension TransformerBlock: CustomModuleChildren {
    /// PyTorch's `TransformerEncoderLayer` names: the attention is `self_attn`.
    var moduleChildren: [(label: String, value: Any)] {
        [("norm1", norm1), ("self_attn", attention), ("norm2", norm2), ("linear1", linear1), ("linear2", linear2),
         ("dropout", dropout)]
    }
}

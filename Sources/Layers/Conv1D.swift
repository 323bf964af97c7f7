/// A 1-D convolution layer (cross-correlation) over NCL sequences [batch, channels, length], with
/// filters [outChannels, inChannels/groups, kernel] and an optional bias [outChannels], as
/// PyTorch's `nn.Conv1d`.
///
/// The output is [batch, outChannels, outL] with outL = (L + 2·padding − dilation·(kernel − 1) − 1) /
/// stride + 1 (rounded down). The forward pass is the engine's `conv1d` (a `conv2d` over images
/// of height 1), so the gradients come from those ops' rules. For a causal convolution (WaveNet),
/// pad the input's left end by dilation·(kernel − 1) and use padding 0:
///
/// ```swift
/// let conv = Conv1D<Float>(inChannels: 16, outChannels: 32, kernel: 2, dilation: 4, seed: 1)
/// let y = conv(x.padded([(0, 0), (0, 0), (4, 0)]))      // [N, 16, L] → [N, 32, L], causal
/// ```
public struct Conv1D<Scalar: TensorScalar>: _ConvNd, CustomModuleChildren {
    /// The convolution behind the layer; `weight`, `bias`, `groups`, the channel counts and
    /// the forward pass come from `_ConvNd`.
    ///
    /// ```swift
    /// let core = Conv1D<Float>(inChannels: 1, outChannels: 8, kernel: 3)._core
    /// ```
    public let _core: _ConvCore<Scalar>

    /// The step between windows.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 3, stride: 2).stride   // 2
    /// ```
    public var stride: Int { _core.stride[0] }
    /// Zero cells added at each end.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 3, padding: 1).padding   // 1
    /// ```
    public var padding: Int { _core.padding[0] }
    /// The spacing of the kernel's cells: a kernel k with dilation d spans d·(k − 1) + 1 steps.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 2, dilation: 8).dilation   // 8
    /// ```
    public var dilation: Int { _core.dilation[0] }
    /// The kernel size.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 5).kernel   // 5
    /// ```
    public var kernel: Int { _core.kernel[0] }

    /// A layer with freshly initialized filters drawn from `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 3)
    /// let conv = Conv1D<Float>(inChannels: 3, outChannels: 16, kernel: 3, padding: 1, using: &rng)
    /// ```
    /// - Parameters:
    ///   - weightInitializer: fills the filters (default Xavier/Glorot uniform, fans
    ///     (inChannels·kernel / groups, outChannels·kernel / groups)).
    ///   - biasInitializer: fills the bias (default zeros).
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                using generator: inout SeededGenerator) {
        _core = _ConvCore(layer: "Conv1D", inChannels: inChannels, outChannels: outChannels, kernel: [kernel],
                          stride: [stride], padding: [padding], dilation: [dilation], groups: groups, useBias: useBias,
                          weightInitializer: weightInitializer, biasInitializer: biasInitializer, using: &generator)
    }

    /// A layer with freshly initialized filters, drawn from a generator seeded with `seed`
    /// (or, when `seed` is `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let conv = Conv1D<Float>(inChannels: 1, outChannels: 8, kernel: 3, padding: 1, seed: 42)
    /// ```
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                seed: UInt64? = nil) {
        _core = _ConvCore(layer: "Conv1D", inChannels: inChannels, outChannels: outChannels, kernel: [kernel],
                          stride: [stride], padding: [padding], dilation: [dilation], groups: groups, useBias: useBias,
                          weightInitializer: weightInitializer, biasInitializer: biasInitializer, seed: seed)
    }

    /// A layer holding exactly this filter bank [outChannels, inChannels/groups, kernel] and bias
    /// [outChannels]. A tensor that already is a leaf (as `gradcheck` makes its inputs) stays
    /// that leaf (see ``Parameter/init(_:)``).
    ///
    /// ```swift
    /// let difference = Conv1D(weight: Tensor<Double>([-1, 1], shape: [1, 1, 2]))   // x[t + 1] − x[t]
    /// ```
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1) {
        _core = _ConvCore(layer: "Conv1D", weight: weight, bias: bias, stride: [stride], padding: [padding],
                          dilation: [dilation], groups: groups)
    }
}

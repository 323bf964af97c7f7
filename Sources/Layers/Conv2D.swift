/// A 2-D convolution layer (cross-correlation, as in every deep-learning library: the kernel is
/// not flipped) over NCHW images, with filters of shape [outChannels, inChannels/groups, kh, kw]
/// and an optional bias [outChannels].
///
/// The output is [batch, outChannels, outH, outW] with
/// outH = (H + 2·padding.height − dilation.height·(kh − 1) − 1) / stride.height + 1 (rounded down),
/// likewise outW. Zero padding. The forward pass is the engine's `conv2d` (im2col + matmul), so
/// the gradients come from those ops' rules.
///
/// ```swift
/// let conv = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1), seed: 1)
/// let features = conv(images)               // [N, 1, 28, 28] → [N, 8, 28, 28]
/// let square = Conv2D<Float>(inChannels: 3, outChannels: 4, kernel: 5, stride: 2, padding: 2)
/// ```
public struct Conv2D<Scalar: TensorScalar>: _ConvNd, CustomModuleChildren {
    /// The convolution behind the layer; `weight`, `bias`, `groups`, the channel counts and
    /// the forward pass come from `_ConvNd`.
    ///
    /// ```swift
    /// let core = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: 3)._core
    /// ```
    public let _core: _ConvCore<Scalar>

    /// The step between windows, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, stride: 2).stride.width   // 2
    /// ```
    public var stride: Size2D { _ConvCore<Scalar>.size2D(_core.stride) }
    /// Zero cells added on each side, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, padding: 1).padding.height   // 1
    /// ```
    public var padding: Size2D { _ConvCore<Scalar>.size2D(_core.padding) }
    /// The spacing of the kernel's cells, (height, width): 1 is an ordinary convolution; with d a
    /// kernel k spans d·(k − 1) + 1 input cells.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, dilation: 2).dilation.width   // 2
    /// ```
    public var dilation: Size2D { _ConvCore<Scalar>.size2D(_core.dilation) }
    /// The kernel size, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: (3, 5)).kernel.width   // 5
    /// ```
    public var kernel: Size2D { _ConvCore<Scalar>.size2D(_core.kernel) }

    /// A layer with freshly initialized filters drawn from `generator`.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 3)
    /// let conv = Conv2D<Float>(inChannels: 3, outChannels: 16, kernel: (3, 5), padding: (1, 2), using: &rng)
    /// ```
    /// - Parameters:
    ///   - weightInitializer: fills the filters (default Xavier/Glorot uniform, fans
    ///     (inChannels·kh·kw / groups, outChannels·kh·kw / groups)).
    ///   - biasInitializer: fills the bias (default zeros).
    public init(inChannels: Int, outChannels: Int, kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                dilation: Size2D = (1, 1), groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                using generator: inout SeededGenerator) {
        _core = _ConvCore(layer: "Conv2D", inChannels: inChannels, outChannels: outChannels,
                          kernel: [kernel.height, kernel.width], stride: [stride.height, stride.width],
                          padding: [padding.height, padding.width], dilation: [dilation.height, dilation.width],
                          groups: groups, useBias: useBias, weightInitializer: weightInitializer,
                          biasInitializer: biasInitializer, using: &generator)
    }

    /// A layer with freshly initialized filters, drawn from a generator seeded with `seed`
    /// (or, when `seed` is `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let conv = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1), seed: 42)
    /// ```
    public init(inChannels: Int, outChannels: Int, kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                dilation: Size2D = (1, 1), groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                seed: UInt64? = nil) {
        _core = _ConvCore(layer: "Conv2D", inChannels: inChannels, outChannels: outChannels,
                          kernel: [kernel.height, kernel.width], stride: [stride.height, stride.width],
                          padding: [padding.height, padding.width], dilation: [dilation.height, dilation.width],
                          groups: groups, useBias: useBias, weightInitializer: weightInitializer,
                          biasInitializer: biasInitializer, seed: seed)
    }

    /// A layer with a square kernel and the same stride, padding and dilation on both axes.
    ///
    /// ```swift
    /// let conv = Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 3, stride: 1, padding: 1, seed: 5)
    /// ```
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, useBias: Bool = true,
                weightInitializer: Initializer<Scalar> = .xavierUniform(), biasInitializer: Initializer<Scalar> = .zeros,
                seed: UInt64? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: (kernel, kernel), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, useBias: useBias, weightInitializer: weightInitializer,
                  biasInitializer: biasInitializer, seed: seed)
    }

    /// A layer holding exactly this filter bank [outChannels, inChannels/groups, kh, kw] and bias
    /// [outChannels]. A tensor that already is a leaf (as `gradcheck` makes its inputs) stays
    /// that leaf (see ``Parameter/init(_:)``).
    ///
    /// ```swift
    /// let filter = Tensor<Double>([0, 1, 2, 1, 0, 1, 2, 1, 0], shape: [1, 1, 3, 3])
    /// let conv = Conv2D(weight: filter, padding: (1, 1))
    /// ```
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                dilation: Size2D = (1, 1), groups: Int = 1) {
        _core = _ConvCore(layer: "Conv2D", weight: weight, bias: bias, stride: [stride.height, stride.width],
                          padding: [padding.height, padding.width], dilation: [dilation.height, dilation.width],
                          groups: groups)
    }
}

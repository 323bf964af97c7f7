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
public struct Conv2D<Scalar: TensorScalar>: Layer {
    /// The filter bank, [outChannels, inChannels/groups, kernel.height, kernel.width].
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 5).weight.shape   // [8, 3, 5, 5]
    /// ```
    public let weight: Parameter<Scalar>
    /// The bias, [outChannels]; `nil` when built with `useBias: false`.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 5).bias?.shape    // [8]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The step between windows, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, stride: 2).stride.width   // 2
    /// ```
    public let stride: Size2D
    /// Zero cells added on each side, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, padding: 1).padding.height   // 1
    /// ```
    public let padding: Size2D
    /// The spacing of the kernel's cells, (height, width): 1 is an ordinary convolution; with d a
    /// kernel k spans d·(k − 1) + 1 input cells.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: 3, dilation: 2).dilation.width   // 2
    /// ```
    public let dilation: Size2D
    /// Channel groups: input and output channels are split into this many independent groups.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 4, outChannels: 4, kernel: 3, groups: 2).weight.shape   // [4, 2, 3, 3]
    /// ```
    public let groups: Int

    /// The number of input channels.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 3).inChannels     // 3
    /// ```
    public var inChannels: Int { weight.shape[1] * groups }
    /// The number of output channels (filters).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 3).outChannels    // 8
    /// ```
    public var outChannels: Int { weight.shape[0] }
    /// The kernel size, (height, width).
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 1, outChannels: 1, kernel: (3, 5)).kernel.width   // 5
    /// ```
    public var kernel: Size2D { (weight.shape[2], weight.shape[3]) }

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
        require(inChannels > 0 && outChannels > 0,
                     "Conv2D: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be positive")
        require(kernel.height > 0 && kernel.width > 0, "Conv2D: kernel \(kernel) must be positive")
        require(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D: \(inChannels) input and \(outChannels) output channels are not divisible by \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernel.height, kernel.width]
        let fans = Fans(shape: shape)
        weight = Parameter(weightInitializer(shape, fans: fans, using: &generator))
        bias = useBias ? Parameter(biasInitializer([outChannels], fans: fans, using: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        Conv2D.check(stride: stride, padding: padding, dilation: dilation)
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
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, useBias: useBias, weightInitializer: weightInitializer,
                  biasInitializer: biasInitializer, using: &generator)
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
        require(weight.rank == 4, "Conv2D: filters of shape \(weight.shape) are not [outChannels, inChannels, kh, kw]")
        require(groups > 0 && weight.shape[0] % groups == 0,
                     "Conv2D: \(weight.shape[0]) filters (shape \(weight.shape)) are not divisible by \(groups) groups")
        if let bias {
            require(bias.shape == [weight.shape[0]],
                         "Conv2D: bias of shape \(bias.shape) does not match filters \(weight.shape) (expected [\(weight.shape[0])])")
        }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        Conv2D.check(stride: stride, padding: padding, dilation: dilation)
    }

    private static func check(stride: Size2D, padding: Size2D, dilation: Size2D) {
        require(stride.height > 0 && stride.width > 0, "Conv2D: stride \(stride) must be positive")
        require(padding.height >= 0 && padding.width >= 0, "Conv2D: padding \(padding) must not be negative")
        require(dilation.height > 0 && dilation.width > 0, "Conv2D: dilation \(dilation) must be positive (1 is no dilation)")
    }

    /// The convolution of `input` [batch, inChannels, H, W] with the filters, plus the bias.
    ///
    /// ```swift
    /// let y = Conv2D<Float>(inChannels: 1, outChannels: 4, kernel: 3, padding: 1)(Tensor.zeros([2, 1, 8, 8]))   // [2, 4, 8, 8]
    /// ```
    ///
    /// - Precondition: `input` is 4-D with ``inChannels`` channels and, once padded, at least
    ///   as large as the kernel.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank == 4 && input.shape[1] == inChannels,
                     "Conv2D: input of shape \(input.shape) is not [batch, \(inChannels), height, width] "
                     + "(filters \(weight.shape))")
        return input.conv2d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

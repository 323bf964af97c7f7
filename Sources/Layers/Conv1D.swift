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
public struct Conv1D<Scalar: TensorScalar>: Layer {
    /// The filter bank, [outChannels, inChannels/groups, kernel].
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 5).weight.shape   // [8, 3, 5]
    /// ```
    public let weight: Parameter<Scalar>
    /// The bias, [outChannels]; `nil` when built with `useBias: false`.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 5).bias?.shape    // [8]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The step between windows.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 3, stride: 2).stride   // 2
    /// ```
    public let stride: Int
    /// Zero cells added at each end.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 3, padding: 1).padding   // 1
    /// ```
    public let padding: Int
    /// The spacing of the kernel's cells: a kernel k with dilation d spans d·(k − 1) + 1 steps.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 2, dilation: 8).dilation   // 8
    /// ```
    public let dilation: Int
    /// Channel groups: input and output channels are split into this many independent groups.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 4, outChannels: 4, kernel: 3, groups: 4).weight.shape   // [4, 1, 3]
    /// ```
    public let groups: Int

    /// The number of input channels.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 3).inChannels     // 3
    /// ```
    public var inChannels: Int { weight.shape[1] * groups }
    /// The number of output channels (filters).
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 3).outChannels    // 8
    /// ```
    public var outChannels: Int { weight.shape[0] }
    /// The kernel size.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 1, outChannels: 1, kernel: 5).kernel   // 5
    /// ```
    public var kernel: Int { weight.shape[2] }

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
        require(inChannels > 0 && outChannels > 0,
                "Conv1D: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be positive")
        require(kernel > 0, "Conv1D: kernel \(kernel) must be positive")
        require(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                "Conv1D: \(inChannels) input and \(outChannels) output channels are not divisible by \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernel]
        let fans = Fans(shape: shape)
        weight = Parameter(weightInitializer(shape, fans: fans, using: &generator))
        bias = useBias ? Parameter(biasInitializer([outChannels], fans: fans, using: &generator)) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        Conv1D.check(stride: stride, padding: padding, dilation: dilation)
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
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, useBias: useBias, weightInitializer: weightInitializer,
                  biasInitializer: biasInitializer, using: &generator)
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
        require(weight.rank == 3, "Conv1D: filters of shape \(weight.shape) are not [outChannels, inChannels, kernel]")
        require(groups > 0 && weight.shape[0] % groups == 0,
                "Conv1D: \(weight.shape[0]) filters (shape \(weight.shape)) are not divisible by \(groups) groups")
        if let bias {
            require(bias.shape == [weight.shape[0]],
                    "Conv1D: bias of shape \(bias.shape) does not match filters \(weight.shape) (expected [\(weight.shape[0])])")
        }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        Conv1D.check(stride: stride, padding: padding, dilation: dilation)
    }

    private static func check(stride: Int, padding: Int, dilation: Int) {
        require(stride > 0, "Conv1D: stride \(stride) must be positive")
        require(padding >= 0, "Conv1D: padding \(padding) must not be negative")
        require(dilation > 0, "Conv1D: dilation \(dilation) must be positive (1 is no dilation)")
    }

    /// The convolution of `input` [batch, inChannels, length] with the filters, plus the bias.
    ///
    /// ```swift
    /// let y = Conv1D<Float>(inChannels: 2, outChannels: 4, kernel: 3, padding: 1)(Tensor.zeros([5, 2, 10]))   // [5, 4, 10]
    /// ```
    ///
    /// - Precondition: `input` is 3-D with ``inChannels`` channels and, once padded, at least as
    ///   long as the (dilated) kernel.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank == 3 && input.shape[1] == inChannels,
                "Conv1D: input of shape \(input.shape) is not [batch, \(inChannels), length] (filters \(weight.shape))")
        return input.conv1d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// Group normalization, as PyTorch's `nn.GroupNorm`: the channels (axis 1) of each sample are
/// split into `groups` groups, each group is normalized by its own mean and (biased) variance
/// over its channels and every other axis, then each channel is scaled and shifted by a learned
/// `weight` and `bias` [channels].
///
/// Works on [batch, channels, …] of any rank ≥ 2; the same in training and inference.
/// `groups: 1` normalizes each sample as a whole; `groups: channels` is instance normalization.
///
/// ```swift
/// let norm = GroupNorm<Float>(groups: 4, channels: 16)
/// let y = norm(features)                      // [N, 16, H, W] → same shape
/// norm.namedParameters.map(\.name)            // ["weight", "bias"]
/// ```
public struct GroupNorm<Scalar: TensorScalar>: Layer {
    /// The per-channel gain, [channels] (ones at first); `nil` without `affine`.
    ///
    /// ```swift
    /// GroupNorm<Float>(groups: 2, channels: 6).weight?.shape    // [6]
    /// ```
    public let weight: Parameter<Scalar>?
    /// The per-channel bias, [channels] (zeros at first); `nil` without `affine`.
    ///
    /// ```swift
    /// GroupNorm<Float>(groups: 2, channels: 6).bias?.shape      // [6]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The number of groups the channels are split into.
    ///
    /// ```swift
    /// GroupNorm<Float>(groups: 2, channels: 6).groups    // 2
    /// ```
    public let groups: Int
    /// The number of channels (axis 1 of the input).
    ///
    /// ```swift
    /// GroupNorm<Float>(groups: 2, channels: 6).channels    // 6
    /// ```
    public let channels: Int
    /// Added to the variance before its square root.
    ///
    /// ```swift
    /// GroupNorm<Float>(groups: 2, channels: 6).eps    // 1e-5
    /// ```
    public let eps: Double

    /// A layer with weight 1 and bias 0 (when `affine`).
    ///
    /// ```swift
    /// let norm = GroupNorm<Float>(groups: 8, channels: 32, eps: 1e-6)
    /// ```
    /// - Precondition: `groups` divides `channels`; `eps` > 0.
    public init(groups: Int, channels: Int, eps: Double = 1e-5, affine: Bool = true) {
        GroupNorm.check(groups: groups, channels: channels, eps: eps)
        self.groups = groups
        self.channels = channels
        weight = affine ? Parameter(.ones([channels])) : nil
        bias = affine ? Parameter(.zeros([channels])) : nil
        self.eps = eps
    }

    /// A layer holding exactly this weight and bias, each [channels]. Leaves stay leaves (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let norm = GroupNorm(groups: 2, weight: Tensor<Double>([1, 2, 3, 4]), bias: Tensor([0, 0, 1, 1]))
    /// ```
    public init(groups: Int, weight: Tensor<Scalar>, bias: Tensor<Scalar>, eps: Double = 1e-5) {
        require(weight.rank == 1 && bias.shape == weight.shape,
                "GroupNorm: weight of shape \(weight.shape) and bias of shape \(bias.shape) are not both [channels]")
        GroupNorm.check(groups: groups, channels: weight.shape[0], eps: eps)
        self.groups = groups
        channels = weight.shape[0]
        self.weight = Parameter(sharing: weight)
        self.bias = Parameter(sharing: bias)
        self.eps = eps
    }

    private static func check(groups: Int, channels: Int, eps: Double) {
        require(groups > 0 && channels > 0 && channels % groups == 0,
                "GroupNorm: \(channels) channels cannot be split into \(groups) groups of equal size")
        require(eps > 0, "GroupNorm: eps \(eps) must be positive")
    }

    /// The input normalized per sample and group (same shape).
    ///
    /// ```swift
    /// let y = GroupNorm<Double>(groups: 2, channels: 4)(Tensor.randomNormal([3, 4, 5], seed: 1))
    /// ```
    /// - Precondition: `input` is [batch, ``channels``, …].
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let normalized = normalized(input)
        let y = affine(normalized)
        PerSampleRecorder<Scalar>.active?.affine(output: y, normalized: normalized, weight: weight, bias: bias,
                                                 trailing: nil)
        return y
    }

    /// The input normalized within each group, before the affine map (per-sample gradients read it).
    func normalized(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        require(input.rank >= 2 && input.shape[1] == channels,
                "GroupNorm: input of shape \(input.shape) is not [batch, \(channels), …] (\(groups) groups)")
        let grouped = input.reshaped([input.shape[0], groups, -1])
        let centered = grouped - grouped.mean(axes: [2], keepDims: true)
        let variance = (centered * centered).mean(axes: [2], keepDims: true)
        return (centered / (variance + Scalar(eps)).sqrt()).reshaped(input.shape)
    }

    /// normalized · weight + bias per channel (the identity without them).
    func affine(_ normalized: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let weight, let bias else { return normalized }
        let broadcast = [1, channels] + Array(repeating: 1, count: normalized.rank - 2)
        return normalized * weight.value.reshaped(broadcast) + bias.value.reshaped(broadcast)
    }
}

// Its children listed directly, not found by reflection (see `ModuleTree.parameterChildren`).
extension GroupNorm: CustomModuleChildren {
    var moduleChildren: [(label: String, value: Any)] { ModuleTree.parameterChildren(("weight", weight), ("bias", bias)) }
}

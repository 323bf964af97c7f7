/// Layer normalization, as PyTorch's `nn.LayerNorm`: each sample is normalized over its last
/// axes (`normalizedShape`) by their own mean and (biased) variance, then scaled and shifted
/// elementwise by a learned `weight` and `bias` of shape `normalizedShape`.
///
/// y = (x − mean) / √(var + eps) · weight + bias. The same in training and inference (no running
/// statistics). One fused engine op (the composed ops' values, bit for bit; see
/// `layerNormalized(trailing:eps:weight:bias:)`): the gradient flows through the mean and variance,
/// and is differentiable again.
///
/// ```swift
/// let norm = LayerNorm<Float>(normalizedShape: [64])
/// let y = norm(h)                              // [batch, time, 64] → same shape
/// norm.namedParameters.map(\.name)             // ["weight", "bias"]
/// let plain = LayerNorm<Float>(normalizedShape: [4, 4], elementwiseAffine: false)
/// ```
public struct LayerNorm<Scalar: TensorScalar>: Layer {
    /// The gain, `normalizedShape` (ones at first); `nil` without `elementwiseAffine`.
    ///
    /// ```swift
    /// LayerNorm<Float>(normalizedShape: [8]).weight?.shape    // [8]
    /// ```
    public let weight: Parameter<Scalar>?
    /// The bias, `normalizedShape` (zeros at first); `nil` without `elementwiseAffine`.
    ///
    /// ```swift
    /// LayerNorm<Float>(normalizedShape: [8]).bias?.shape      // [8]
    /// ```
    public let bias: Parameter<Scalar>?
    /// The trailing shape each sample is normalized over.
    ///
    /// ```swift
    /// LayerNorm<Float>(normalizedShape: [4, 4]).normalizedShape    // [4, 4]
    /// ```
    public let normalizedShape: [Int]
    /// Added to the variance before its square root.
    ///
    /// ```swift
    /// LayerNorm<Float>(normalizedShape: [8]).eps    // 1e-5
    /// ```
    public let eps: Double

    /// A layer with weight 1 and bias 0 (when `elementwiseAffine`).
    ///
    /// ```swift
    /// let norm = LayerNorm<Float>(normalizedShape: [64], eps: 1e-6)
    /// ```
    /// - Precondition: `normalizedShape` is non-empty with positive sizes; `eps` > 0.
    public init(normalizedShape: [Int], elementwiseAffine: Bool = true, eps: Double = 1e-5) {
        LayerNorm.check(normalizedShape, eps: eps)
        self.normalizedShape = normalizedShape
        weight = elementwiseAffine ? Parameter(.ones(normalizedShape)) : nil
        bias = elementwiseAffine ? Parameter(.zeros(normalizedShape)) : nil
        self.eps = eps
    }

    /// A layer holding exactly this weight and bias (both of the normalized shape). Leaves stay
    /// leaves (see ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let norm = LayerNorm(weight: Tensor<Double>([1, 2, 3]), bias: Tensor([0, 0, 1]))
    /// ```
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, eps: Double = 1e-5) {
        LayerNorm.check(weight.shape, eps: eps)
        require(bias.shape == weight.shape,
                "LayerNorm: bias of shape \(bias.shape) does not match weight of shape \(weight.shape)")
        normalizedShape = weight.shape
        self.weight = Parameter(sharing: weight)
        self.bias = Parameter(sharing: bias)
        self.eps = eps
    }

    private static func check(_ shape: [Int], eps: Double) {
        require(!shape.isEmpty && shape.allSatisfy { $0 > 0 },
                "LayerNorm: normalizedShape \(shape) must have at least one axis, each of positive size")
        require(eps > 0, "LayerNorm: eps \(eps) must be positive")
    }

    /// The input normalized over its last `normalizedShape.count` axes (same shape).
    ///
    /// ```swift
    /// let y = LayerNorm<Double>(normalizedShape: [3])(Tensor(rows: [[1, 2, 3], [0, 0, 6]]))
    /// ```
    /// - Precondition: the input's shape ends with ``normalizedShape``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let recorder = PerSampleRecorder<Scalar>.active else {
            // One fused engine op (the composition's values; its gradient is differentiable again).
            checkShape(input)
            return input.layerNormalized(trailing: normalizedShape.count, eps: Scalar(eps), weight: weight?.value,
                                         bias: bias?.value)
        }
        // Per-sample gradients read the normalized input apart from the affine map: composed.
        let normalized = normalized(input)
        let y = affine(normalized)
        recorder.affine(output: y, normalized: normalized, weight: weight, bias: bias, trailing: normalizedShape.count)
        return y
    }

    private func checkShape(_ input: Tensor<Scalar>) {
        let k = normalizedShape.count
        require(input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                "LayerNorm: input of shape \(input.shape) does not end with the normalized shape \(normalizedShape)")
    }

    /// The input normalized, before the affine map (per-sample gradients read it).
    func normalized(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let k = normalizedShape.count
        checkShape(input)
        let axes = Array((input.rank - k)..<input.rank)
        let centered = input - input.mean(axes: axes, keepDims: true)
        let variance = (centered * centered).mean(axes: axes, keepDims: true)
        return centered / (variance + Scalar(eps)).sqrt()
    }

    /// normalized · weight + bias (the identity without them).
    func affine(_ normalized: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let weight, let bias else { return normalized }
        return normalized * weight.value + bias.value
    }
}

// Its children listed directly, not found by reflection (see `ModuleTree.parameterChildren`).
extension LayerNorm: CustomModuleChildren {
    var moduleChildren: [(label: String, value: Any)] { ModuleTree.parameterChildren(("weight", weight), ("bias", bias)) }
}

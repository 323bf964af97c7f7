/// Root-mean-square normalization, as PyTorch's `nn.RMSNorm`: each sample is divided by the
/// root mean square of its last axes (`normalizedShape`) and scaled elementwise by a learned
/// `weight`; there is no centering and no bias.
///
/// y = x / √(mean(x²) + eps) · weight. Without an explicit `eps` it is the scalar type's machine
/// epsilon (`Scalar.ulpOfOne`), as PyTorch's default `torch.finfo(dtype).eps`.
///
/// ```swift
/// let norm = RMSNorm<Float>(normalizedShape: [64])
/// let y = norm(h)                            // [batch, time, 64] → same shape
/// norm.namedParameters.map(\.name)           // ["weight"]
/// ```
public struct RMSNorm<Scalar: TensorScalar>: Layer {
    /// The gain, `normalizedShape` (ones at first); `nil` without `elementwiseAffine`.
    ///
    /// ```swift
    /// RMSNorm<Float>(normalizedShape: [8]).weight?.shape    // [8]
    /// ```
    public let weight: Parameter<Scalar>?
    /// The trailing shape each sample is normalized over.
    ///
    /// ```swift
    /// RMSNorm<Float>(normalizedShape: [8]).normalizedShape    // [8]
    /// ```
    public let normalizedShape: [Int]
    /// Added to the mean square before its square root; `nil` for the machine epsilon of `Scalar`.
    ///
    /// ```swift
    /// RMSNorm<Float>(normalizedShape: [8], eps: 1e-6).eps    // 1e-6
    /// ```
    public let eps: Double?

    /// A layer with weight 1 (when `elementwiseAffine`).
    ///
    /// ```swift
    /// let norm = RMSNorm<Float>(normalizedShape: [64], eps: 1e-6)
    /// ```
    /// - Precondition: `normalizedShape` is non-empty with positive sizes; `eps`, if given, ≥ 0.
    public init(normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true) {
        RMSNorm.check(normalizedShape, eps: eps)
        self.normalizedShape = normalizedShape
        weight = elementwiseAffine ? Parameter(.ones(normalizedShape)) : nil
        self.eps = eps
    }

    /// A layer holding exactly this weight (of the normalized shape). A leaf stays a leaf (see
    /// ``Parameter/init(sharing:)``).
    ///
    /// ```swift
    /// let norm = RMSNorm(weight: Tensor<Double>([1, 2, 3]), eps: 1e-6)
    /// ```
    public init(weight: Tensor<Scalar>, eps: Double? = nil) {
        RMSNorm.check(weight.shape, eps: eps)
        normalizedShape = weight.shape
        self.weight = Parameter(sharing: weight)
        self.eps = eps
    }

    private static func check(_ shape: [Int], eps: Double?) {
        require(!shape.isEmpty && shape.allSatisfy { $0 > 0 },
                "RMSNorm: normalizedShape \(shape) must have at least one axis, each of positive size")
        if let eps { require(eps >= 0, "RMSNorm: eps \(eps) must not be negative") }
    }

    /// The input divided by its root mean square over the last `normalizedShape.count` axes.
    ///
    /// ```swift
    /// let y = RMSNorm<Double>(normalizedShape: [2])(Tensor(rows: [[3, 4]]))    // ≈ [[0.8485, 1.1314]]
    /// ```
    /// - Precondition: the input's shape ends with ``normalizedShape``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let normalized = normalized(input)
        let y = affine(normalized)
        PerSampleRecorder<Scalar>.active?.affine(output: y, normalized: normalized, weight: weight, bias: nil,
                                                 trailing: normalizedShape.count)
        return y
    }

    /// The input divided by its root mean square, before the weight (per-sample gradients read it).
    func normalized(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let k = normalizedShape.count
        require(input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                "RMSNorm: input of shape \(input.shape) does not end with the normalized shape \(normalizedShape)")
        let axes = Array((input.rank - k)..<input.rank)
        let epsilon = eps.map { Scalar($0) } ?? Scalar.ulpOfOne
        return input / ((input * input).mean(axes: axes, keepDims: true) + epsilon).sqrt()
    }

    /// normalized · weight (the identity without it).
    func affine(_ normalized: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let weight else { return normalized }
        return normalized * weight.value
    }
}

// Its children listed directly, not found by reflection (see `ModuleTree.parameterChildren`).
extension RMSNorm: CustomModuleChildren {
    var moduleChildren: [(label: String, value: Any)] { ModuleTree.parameterChildren(("weight", weight)) }
}

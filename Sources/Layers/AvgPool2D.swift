/// Average pooling over windows of NCHW images: each output cell is the mean of its window.
/// It has no parameters.
///
/// Padding cells count as zeros in the average (PyTorch's `count_include_pad=True`), so every
/// window divides by kernel.height·kernel.width, and each input cell receives the upstream
/// gradient divided by that count from every window that covers it.
///
/// ```swift
/// let pool = AvgPool2D<Float>(kernel: (2, 2))          // stride defaults to the kernel
/// let y = pool(x)                                       // [N, C, 8, 8] → [N, C, 4, 4]
/// ```
public struct AvgPool2D<Scalar: TensorScalar>: Layer {
    /// The window size, (height, width).
    ///
    /// ```swift
    /// AvgPool2D<Float>(kernel: (2, 3)).kernel.width    // 3
    /// ```
    public let kernel: Size2D
    /// The step between windows, (height, width).
    ///
    /// ```swift
    /// AvgPool2D<Float>(kernel: 2).stride.height        // 2: defaults to the kernel
    /// ```
    public let stride: Size2D
    /// Zero cells added on each side, (height, width).
    ///
    /// ```swift
    /// AvgPool2D<Float>(kernel: 3, padding: 1).padding.height   // 1
    /// ```
    public let padding: Size2D

    /// A pooling layer; `stride` defaults to `kernel` (non-overlapping windows).
    ///
    /// ```swift
    /// let pool = AvgPool2D<Double>(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    /// ```
    /// - Precondition: kernel and stride are positive; padding is at most half the kernel.
    public init(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0)) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        PoolingChecks.check("AvgPool2D", kernel: kernel, stride: self.stride, padding: padding)
    }

    /// A pooling layer with a square window and the same stride and padding on both axes;
    /// `stride` defaults to `kernel`.
    ///
    /// ```swift
    /// let pool = AvgPool2D<Float>(kernel: 2)
    /// ```
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        let s = stride ?? kernel
        self.init(kernel: (kernel, kernel), stride: (s, s), padding: (padding, padding))
    }

    /// The mean of each window of `input` [batch, channels, H, W].
    ///
    /// ```swift
    /// let y = AvgPool2D<Double>(kernel: 2)(Tensor.ones([1, 1, 4, 4]))   // [1, 1, 2, 2] of ones
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        PoolingChecks.checkInput("AvgPool2D", input, kernel: kernel, padding: padding)
        return input.avgPool2D(kernel: kernel, stride: stride, padding: padding)
    }
}

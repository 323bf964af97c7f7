/// Max pooling over windows of NCHW images: each output cell is the largest input cell of
/// its window. It has no parameters.
///
/// The gradient reaches only the cell that won each window (the first in row-major order on
/// ties); with overlapping windows (stride < kernel) a cell that wins several windows gets
/// their gradients summed. Padding cells never win. With `dilation` a window's cells are that
/// many apart. Output size: (H + 2·padding.height − dilation.height·(kernel.height − 1) − 1) /
/// stride.height + 1 (rounded down), likewise for the width.
///
/// ```swift
/// let pool = MaxPool2D<Float>(kernel: (2, 2))                  // stride defaults to the kernel
/// let overlapping = MaxPool2D<Float>(kernel: 3, stride: 2, padding: 1)
/// let y = pool(x)                                               // [N, C, 28, 28] → [N, C, 14, 14]
/// ```
public struct MaxPool2D<Scalar: TensorScalar>: Layer {
    /// The window size, (height, width).
    ///
    /// ```swift
    /// MaxPool2D<Float>(kernel: (2, 3)).kernel.width    // 3
    /// ```
    public let kernel: Size2D
    /// The step between windows, (height, width).
    ///
    /// ```swift
    /// MaxPool2D<Float>(kernel: 2).stride.height        // 2: defaults to the kernel
    /// ```
    public let stride: Size2D
    /// Cells added on each side, which never win, (height, width).
    ///
    /// ```swift
    /// MaxPool2D<Float>(kernel: 3, stride: 2, padding: 1).padding.width   // 1
    /// ```
    public let padding: Size2D
    /// The spacing of a window's cells, (height, width); 1 (the default) is ordinary pooling.
    ///
    /// ```swift
    /// MaxPool2D<Float>(kernel: 3, stride: 1, dilation: 2).dilation.height   // 2
    /// ```
    public let dilation: Size2D

    /// A pooling layer; `stride` defaults to `kernel` (non-overlapping windows).
    ///
    /// ```swift
    /// let pool = MaxPool2D<Double>(kernel: (2, 3), stride: (2, 1))
    /// ```
    /// - Precondition: kernel, stride and dilation are positive; padding is at most half the kernel.
    public init(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0), dilation: Size2D = (1, 1)) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.dilation = dilation
        PoolingChecks.check("MaxPool2D", kernel: kernel, stride: self.stride, padding: padding)
        require(dilation.height > 0 && dilation.width > 0, "MaxPool2D: dilation \(dilation) must be positive (1 is no dilation)")
    }

    /// A pooling layer with a square window and the same stride, padding and dilation on both
    /// axes; `stride` defaults to `kernel`.
    ///
    /// ```swift
    /// let pool = MaxPool2D<Float>(kernel: 3, stride: 2, padding: 1)
    /// ```
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1) {
        let s = stride ?? kernel
        self.init(kernel: (kernel, kernel), stride: (s, s), padding: (padding, padding), dilation: (dilation, dilation))
    }

    /// The largest cell of each window of `input` [batch, channels, H, W].
    ///
    /// ```swift
    /// let y = MaxPool2D<Double>(kernel: 2)(Tensor.arange(0, 16).reshaped([1, 1, 4, 4]))   // [[5, 7], [13, 15]]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        // A dilated window's span is checked by the op, with a message that names the dilation.
        PoolingChecks.checkInput("MaxPool2D", input, kernel: kernel, padding: padding)
        return input.maxPool2D(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }
}

/// The preconditions shared by the pooling layers, with messages that name the shapes.
enum PoolingChecks {
    static func check(_ layer: String, kernel: Size2D, stride: Size2D, padding: Size2D) {
        require(kernel.height > 0 && kernel.width > 0, "\(layer): kernel \(kernel) must be positive")
        require(stride.height > 0 && stride.width > 0, "\(layer): stride \(stride) must be positive")
        require(padding.height >= 0 && padding.width >= 0 && 2 * padding.height <= kernel.height
                     && 2 * padding.width <= kernel.width,
                     "\(layer): padding \(padding) must be between 0 and half the kernel \(kernel)")
    }

    static func checkInput<Scalar>(_ layer: String, _ input: Tensor<Scalar>, kernel: Size2D, padding: Size2D) {
        require(input.rank == 4, "\(layer): input of shape \(input.shape) is not [batch, channels, height, width]")
        require(input.shape[2] + 2 * padding.height >= kernel.height
                     && input.shape[3] + 2 * padding.width >= kernel.width,
                     "\(layer): input of shape \(input.shape) with padding \(padding) is smaller than the kernel \(kernel)")
    }
}

// Convolution as tinygrad and PyTorch's F.unfold do it: two primitives, `unfolded`
// (im2col) and `folded` (col2im), each the other's rule; conv2d, its transpose and the
// pools are compositions of them with matmul, reshape and reductions, so their gradients
// and second derivatives come from those rules.
//
// "Convolution" is cross-correlation (the kernel is not flipped), layout NCHW (NCL in 1-D).
// Dilation spreads a kernel's cells `dilation` apart (PyTorch's convention: a kernel k with
// dilation d spans d·(k − 1) + 1 cells); the 1-D ops are the 2-D ones over images of height 1.

/// A size or step given for both image axes, as (height, width).
public typealias Size2D = (height: Int, width: Int)

extension Tensor {
    @inlinable
    func geometry(kernel: Size2D, stride: Size2D, padding: Size2D, dilation: Size2D = (1, 1), op: String) -> ConvGeometry {
        require(rank == 4, "\(op): input of shape \(shape) is not NCHW (4 axes)")
        if let problem = OpChecks.windowProblem(op, input: shape, kernel: [kernel.height, kernel.width],
                                                stride: [stride.height, stride.width], padding: [padding.height, padding.width],
                                                dilation: [dilation.height, dilation.width]) {
            trap(problem)
        }
        return ConvGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                            kernelHeight: kernel.height, kernelWidth: kernel.width,
                            strideY: stride.height, strideX: stride.width, padY: padding.height, padX: padding.width,
                            dilationY: dilation.height, dilationX: dilation.width)
    }

    /// im2col: every kernel-sized window of an NCHW tensor as a column, as PyTorch's `F.unfold`.
    /// [N, C, H, W] → [N, C·kh·kw, outH·outW]; cells in the padding read `padValue`. With
    /// `dilation`, a window's cells are that many rows and columns apart.
    ///
    /// ```swift
    /// let columns = images.unfolded(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
    /// ```
    @inlinable
    public func unfolded(kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0), dilation: Size2D = (1, 1),
                         padValue: Scalar = 0) -> Tensor {
        let g = geometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "unfold")
        return unfolded(g, padValue: padValue)
    }

    @inlinable
    func unfolded(_ g: ConvGeometry, padValue: Scalar) -> Tensor {
        let outShape = [g.batch, g.channels * g.kernelHeight * g.kernelWidth, g.outHeight * g.outWidth]
        let n = outShape.reduce(1, *)
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { Scalar.kernels.unfold($0, g, padValue, out) }
            initialized = n
        }
        return Tensor.record("unfold", Tensor.describe(g), input: self, shape: outShape, scalars: values) { c in
            .gradients(c.upstream.folded(g))
        }
    }

    /// col2im, the adjoint of ``unfolded(kernel:stride:padding:dilation:padValue:)``: columns summed
    /// back into an NCHW image of `imageSize`, overlapping windows adding up (PyTorch's `F.fold`).
    ///
    /// ```swift
    /// let image = columns.folded(imageSize: (28, 28), kernel: (3, 3), padding: (1, 1))
    /// ```
    @inlinable
    public func folded(imageSize: Size2D, kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                       dilation: Size2D = (1, 1)) -> Tensor {
        require(rank == 3, "fold: input of shape \(shape) is not [N, C·kh·kw, L]")
        let per = kernel.height * kernel.width
        require(per > 0 && shape[1] % per == 0, "fold: \(shape[1]) rows are not a multiple of kernel size \(per)")
        let image = Tensor.zeros([shape[0], shape[1] / per, imageSize.height, imageSize.width])
        let g = image.geometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "fold")
        require(g.outHeight * g.outWidth == shape[2],
                     "fold: \(shape[2]) columns do not match the \(g.outHeight)×\(g.outWidth) windows of a "
                     + "\(imageSize.height)×\(imageSize.width) image")
        return folded(g)
    }

    @inlinable
    func folded(_ g: ConvGeometry) -> Tensor {
        let outShape = [g.batch, g.channels, g.height, g.width]
        let n = outShape.reduce(1, *)
        let values = [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { Scalar.kernels.fold($0, g, out) }
            initialized = n
        }
        return Tensor.record("fold", Tensor.describe(g), input: self, shape: outShape, scalars: values) { c in
            .gradients(c.upstream.unfolded(g, padValue: 0))
        }
    }

    @inlinable
    static func describe(_ g: ConvGeometry) -> String {
        "kernel: \(g.kernelHeight)×\(g.kernelWidth), stride: \(g.strideY)×\(g.strideX), padding: \(g.padY)×\(g.padX)"
            + (g.isDilated ? ", dilation: \(g.dilationY)×\(g.dilationX)" : "")
    }

    /// 2-D convolution (cross-correlation) of an NCHW input with a filter bank
    /// [outChannels, inChannels/groups, kh, kw], zero padding, optional bias [outChannels], as
    /// PyTorch's `F.conv2d`. With `dilation` (d), the kernel's cells are d apart and it spans
    /// d·(k − 1) + 1 cells: outH = (H + 2·padding − d·(kh − 1) − 1) / stride + 1, rounded down.
    ///
    /// ```swift
    /// let y = x.conv2d(filters, bias: b, stride: (1, 1), padding: (1, 1))
    /// let wide = x.conv2d(filters, padding: (2, 2), dilation: (2, 2))      // 3×3 filters see 5×5
    /// ```
    @inlinable
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                       dilation: Size2D = (1, 1), groups: Int = 1) -> Tensor {
        require(weight.rank == 4, "conv2d: filters of shape \(weight.shape) are not [out, in/groups, kh, kw]")
        require(rank == 4, "conv2d: input of shape \(shape) is not NCHW (4 axes)")
        if let problem = OpChecks.channelProblem("conv2d", input: shape, weight: weight.shape, groups: groups, bias: bias?.shape) {
            trap(problem)
        }
        let g = geometry(kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, dilation: dilation,
                         op: "conv2d")
        return Tensor.convolution(self, weight, bias: bias, g, groups: groups)
    }

    /// 1-D convolution (cross-correlation) of an NCL input [batch, channels, length] with filters
    /// [outChannels, inChannels/groups, kernel], zero padding on both ends, optional bias
    /// [outChannels], as PyTorch's `F.conv1d`: outL = (L + 2·padding − dilation·(kernel − 1) − 1) /
    /// stride + 1, rounded down. It is ``conv2d(_:bias:stride:padding:dilation:groups:)`` over
    /// images of height 1, so its gradients come from the same rules.
    ///
    /// A causal convolution (each output sees only the present and the past, as in WaveNet) pads
    /// the left end only, by dilation·(kernel − 1), and keeps the length:
    ///
    /// ```swift
    /// let causal = x.padded([(0, 0), (0, 0), (2 * (3 - 1), 0)]).conv1d(filters, dilation: 2)   // filters [out, in, 3]
    /// ```
    @inlinable
    public func conv1d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                       groups: Int = 1) -> Tensor {
        require(weight.rank == 3, "conv1d: filters of shape \(weight.shape) are not [out, in/groups, kernel]")
        require(rank == 3, "conv1d: input of shape \(shape) is not NCL (3 axes: batch, channels, length)")
        if let problem = OpChecks.channelProblem("conv1d", input: shape, weight: weight.shape, groups: groups, bias: bias?.shape) {
            trap(problem)
        }
        if let problem = OpChecks.windowProblem("conv1d", input: shape, kernel: [weight.shape[2]], stride: [stride],
                                                padding: [padding], dilation: [dilation]) {
            trap(problem)
        }
        let (n, c, length) = (shape[0], shape[1], shape[2])
        let outChannels = weight.shape[0]
        let filters = weight.reshaped([outChannels, weight.shape[1], 1, weight.shape[2]])
        if n == 1 {
            let g = ConvGeometry(batch: 1, channels: c, height: 1, width: length, kernelHeight: 1, kernelWidth: weight.shape[2],
                                 strideY: 1, strideX: stride, padY: 0, padX: padding, dilationY: 1, dilationX: dilation)
            return Tensor.convolution(reshaped([1, c, 1, length]), filters, bias: bias, g, groups: groups)
                .reshaped([1, outChannels, g.outWidth])
        }
        // The batch as the rows of one image [1, C, N, L] under a kernel of height 1: im2col then
        // gives the columns of every sequence side by side, [C·k, N·outL], and each group's
        // convolution is one product of its filters with them (and its gradients one product
        // each), instead of N thin products of outL columns whose gradient for the filters is
        // then summed over the batch.
        let g = ConvGeometry(batch: 1, channels: c, height: n, width: length, kernelHeight: 1, kernelWidth: weight.shape[2],
                             strideY: 1, strideX: stride, padY: 0, padX: padding, dilationY: 1, dilationX: dilation)
        let images = permuted([1, 0, 2]).reshaped([1, c, n, length])
        let out = Tensor.convolution(images, filters, bias: nil, g, groups: groups)
            .reshaped([outChannels, n, g.outWidth]).permuted([1, 0, 2])
        guard let bias else { return out }
        return out + bias.reshaped([1, outChannels, 1])
    }

    /// The convolution of checked arguments: im2col, one batched product per group, the bias.
    @inlinable
    static func convolution(_ x: Tensor, _ weight: Tensor, bias: Tensor?, _ g: ConvGeometry, groups: Int) -> Tensor {
        let (outChannels, perGroup) = (weight.shape[0], weight.shape[1])
        let columns = x.unfolded(g, padValue: 0)
            .reshaped([g.batch, groups, perGroup * g.kernelHeight * g.kernelWidth, g.outHeight * g.outWidth])
        let filters = weight.reshaped([groups, outChannels / groups, perGroup * g.kernelHeight * g.kernelWidth])
        var out = filters.matmul(columns).reshaped([g.batch, outChannels, g.outHeight, g.outWidth])
        if let bias { out = out + bias.reshaped([1, outChannels, 1, 1]) }
        return out
    }

    /// The transposed convolution (the gradient of conv2d with respect to its input, used for
    /// upsampling). Input [N, inChannels, H, W], filters [inChannels, outChannels/groups, kh, kw];
    /// the output is (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1 high
    /// (likewise wide), as PyTorch's `F.conv_transpose2d`. The output padding must be below the stride.
    ///
    /// ```swift
    /// let upsampled = x.convTranspose2d(filters, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
    /// ```
    @inlinable
    public func convTranspose2d(_ weight: Tensor, bias: Tensor? = nil, stride: Size2D = (1, 1),
                                padding: Size2D = (0, 0), outputPadding: Size2D = (0, 0), groups: Int = 1,
                                dilation: Size2D = (1, 1)) -> Tensor {
        require(rank == 4, "convTranspose2d: input of shape \(shape) is not NCHW (4 axes)")
        require(weight.rank == 4 && weight.shape[0] == shape[1],
                     "convTranspose2d: filters \(weight.shape) do not start with the input's \(shape[1]) channels")
        require(groups > 0 && shape[1] % groups == 0, "convTranspose2d: \(shape[1]) channels not divisible by \(groups) groups")
        require(outputPadding.height < Swift.max(stride.height, 1) && outputPadding.width < Swift.max(stride.width, 1),
                     "convTranspose2d: output padding \(outputPadding) must be smaller than the stride \(stride)")
        let (n, inChannels, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let outPerGroup = weight.shape[1]
        require(dilation.height > 0 && dilation.width > 0,
                "convTranspose2d: dilation \(dilation.height)×\(dilation.width) must be positive (1 is no dilation)")
        let outH = (h - 1) * stride.height - 2 * padding.height + dilation.height * (kh - 1) + outputPadding.height + 1
        let outW = (w - 1) * stride.width - 2 * padding.width + dilation.width * (kw - 1) + outputPadding.width + 1
        require(outH > 0 && outW > 0, "convTranspose2d: output size \(outH)×\(outW) is not positive")
        let filters = weight.reshaped([groups, inChannels / groups, outPerGroup * kh * kw])
        let columns = filters.matmul(reshaped([n, groups, inChannels / groups, h * w]), transposeA: true, transposeB: false)
            .reshaped([n, groups * outPerGroup * kh * kw, h * w])
        var out = columns.folded(imageSize: (outH, outW), kernel: (kh, kw), stride: stride, padding: padding, dilation: dilation)
        if let bias {
            require(bias.shape == [groups * outPerGroup], "convTranspose2d: bias of shape \(bias.shape) is not [\(groups * outPerGroup)]")
            out = out + bias.reshaped([1, groups * outPerGroup, 1, 1])
        }
        return out
    }

    /// Max pooling over windows of an NCHW tensor, as PyTorch's `F.max_pool2d` (rounding the output
    /// size down); padding cells never win, not even over cells of −∞. Overlapping windows
    /// (stride < kernel) are allowed. With `dilation` (d) a window's cells are d apart: outH =
    /// (H + 2·padding − d·(kh − 1) − 1) / stride + 1. When several cells of a window tie, the
    /// gradient goes to the first in row-major order within the window.
    ///
    /// ```swift
    /// let pooled = x.maxPool2D(kernel: (2, 2))      // stride defaults to the kernel
    /// let dilated = x.maxPool2D(kernel: (3, 3), stride: (1, 1), padding: (1, 1), dilation: (2, 2))
    /// ```
    ///
    /// A primitive: the forward pass keeps the index of each window's winner, and the rule
    /// scatters the upstream gradient to those cells (`scatteredByIndex`, whose own rule
    /// gathers from them), so that second derivatives flow too.
    @inlinable
    public func maxPool2D(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0),
                          dilation: Size2D = (1, 1)) -> Tensor {
        let stride = stride ?? kernel
        require(rank == 4, "maxPool2D: input of shape \(shape) is not NCHW (4 axes)")
        let g = geometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "maxPool2D")
        if let problem = OpChecks.poolPaddingProblem("maxPool2D", kernel: [kernel.height, kernel.width],
                                                     padding: [padding.height, padding.width]) {
            trap(problem)
        }
        return maxPooled(g)
    }

    /// Max pooling over windows along the last axis of an NCL tensor, as PyTorch's `F.max_pool1d`:
    /// ``maxPool2D(kernel:stride:padding:dilation:)`` over images of height 1 (same tie rule, padding
    /// that never wins, outL = (L + 2·padding − dilation·(kernel − 1) − 1) / stride + 1).
    ///
    /// ```swift
    /// let pooled = sequence.maxPool1D(kernel: 2)     // [N, C, 10] → [N, C, 5]
    /// ```
    @inlinable
    public func maxPool1D(kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1) -> Tensor {
        let stride = stride ?? kernel
        let g = Tensor.geometry1D(shape, kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "maxPool1D")
        return reshaped([g.batch, g.channels, 1, g.width]).maxPooled(g).reshaped([g.batch, g.channels, g.outWidth])
    }

    /// The geometry of a 1-D pooling over an NCL tensor as a 2-D one of height 1, checked with
    /// messages in 1-D terms.
    @inlinable
    static func geometry1D(_ shape: [Int], kernel: Int, stride: Int, padding: Int, dilation: Int, op: String) -> ConvGeometry {
        require(shape.count == 3, "\(op): input of shape \(shape) is not NCL (3 axes: batch, channels, length)")
        if let problem = OpChecks.windowProblem(op, input: shape, kernel: [kernel], stride: [stride], padding: [padding],
                                                dilation: [dilation])
            ?? OpChecks.poolPaddingProblem(op, kernel: [kernel], padding: [padding]) {
            trap(problem)
        }
        return ConvGeometry(batch: shape[0], channels: shape[1], height: 1, width: shape[2], kernelHeight: 1, kernelWidth: kernel,
                            strideY: 1, strideX: stride, padY: 0, padX: padding, dilationY: 1, dilationX: dilation)
    }

    /// Max pooling of this NCHW tensor over the checked geometry `g` (whose batch and channels are
    /// this tensor's): the primitive.
    @inlinable
    func maxPooled(_ geometry: ConvGeometry) -> Tensor {
        var g = geometry
        let (n, c) = (g.batch, g.channels)
        g.batch = n * c
        g.channels = 1
        let outShape = [n, c, g.outHeight, g.outWidth]
        let total = outShape.reduce(1, *)
        // The kernel writes every window's value and winner: neither buffer needs zeroing.
        var values: [Scalar] = []
        let winners = [Int](unsafeUninitializedCapacity: total) { w, writtenWinners in
            values = [Scalar](unsafeUninitializedCapacity: total) { out, initialized in
                scalars.withUnsafeBufferPointer { x in Scalar.kernels.maxPool(x, g, out, w) }
                initialized = total
            }
            writtenWinners = total
        }
        let inShape = shape
        return Tensor.record("maxPool2D", Tensor.describe(g), input: self, shape: outShape, scalars: values) { c in
            .gradients(c.upstream.scatteredByIndex(winners, into: inShape))
        }
    }

    /// A tensor of `target` shape, zero except that element i of this tensor is added at flat
    /// position `index[i]` (negative: dropped). The adjoint of ``gatheredByIndex(_:)``.
    @inlinable
    func scatteredByIndex(_ index: [Int], into target: [Int]) -> Tensor {
        require(index.count == count, "scatteredByIndex: \(index.count) indices for \(count) elements")
        let total = target.reduce(1, *)
        let values = [Scalar](unsafeUninitializedCapacity: total) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                index.withUnsafeBufferPointer { Scalar.kernels.scatterByIndex(x, $0, out) }
            }
            initialized = total
        }
        let inShape = shape
        return Tensor.record("scatterByIndex", input: self, shape: target, scalars: values) { c in
            .gradients(c.upstream.gatheredByIndex(index, shape: inShape))
        }
    }

    /// Element i is this tensor's element at flat position `index[i]` (0 where negative), in
    /// the given shape. The adjoint of ``scatteredByIndex(_:into:)``.
    @inlinable
    func gatheredByIndex(_ index: [Int], shape target: [Int]) -> Tensor {
        let total = target.reduce(1, *)
        require(index.count == total, "gatheredByIndex: \(index.count) indices for \(total) elements")
        let values = [Scalar](unsafeUninitializedCapacity: total) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                index.withUnsafeBufferPointer { Scalar.kernels.gatherByIndex(x, $0, out) }
            }
            initialized = total
        }
        let inShape = shape
        return Tensor.record("gatherByIndex", input: self, shape: target, scalars: values) { c in
            .gradients(c.upstream.scatteredByIndex(index, into: inShape))
        }
    }

    /// Average pooling over windows of an NCHW tensor; padding cells count as zeros in the
    /// average (PyTorch's `count_include_pad=True`), so every window divides by kh·kw. With
    /// `dilation` a window's cells are that many apart (PyTorch's `avg_pool2d` has no dilation; this
    /// is its definition with the cells of a dilated window, as a conv2d with equal weights 1/(kh·kw)
    /// and that dilation would compute).
    ///
    /// ```swift
    /// let pooled = x.avgPool2D(kernel: (2, 2))      // stride defaults to the kernel
    /// ```
    @inlinable
    public func avgPool2D(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0),
                          dilation: Size2D = (1, 1)) -> Tensor {
        let stride = stride ?? kernel
        require(rank == 4, "avgPool2D: input of shape \(shape) is not NCHW (4 axes)")
        let g = geometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "avgPool2D")
        if let problem = OpChecks.poolPaddingProblem("avgPool2D", kernel: [kernel.height, kernel.width],
                                                     padding: [padding.height, padding.width]) {
            trap(problem)
        }
        return averagePooled(g)
    }

    /// Average pooling along the last axis of an NCL tensor, as PyTorch's `F.avg_pool1d`
    /// (padding counted as zeros): ``avgPool2D(kernel:stride:padding:dilation:)`` over images of
    /// height 1.
    ///
    /// ```swift
    /// let smoothed = sequence.avgPool1D(kernel: 3, stride: 1, padding: 1)    // same length
    /// ```
    @inlinable
    public func avgPool1D(kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1) -> Tensor {
        let stride = stride ?? kernel
        let g = Tensor.geometry1D(shape, kernel: kernel, stride: stride, padding: padding, dilation: dilation, op: "avgPool1D")
        return reshaped([g.batch, g.channels, 1, g.width]).averagePooled(g).reshaped([g.batch, g.channels, g.outWidth])
    }

    /// Average pooling of this NCHW tensor over the checked geometry `g`: each plane's windows as
    /// columns (padding reads 0), averaged over each window's cells.
    @inlinable
    func averagePooled(_ geometry: ConvGeometry) -> Tensor {
        var g = geometry
        let (n, c) = (g.batch, g.channels)
        g.batch = n * c
        g.channels = 1
        return reshaped([n * c, 1, g.height, g.width]).unfolded(g, padValue: 0).mean(axes: [1])
            .reshaped([n, c, g.outHeight, g.outWidth])
    }
}

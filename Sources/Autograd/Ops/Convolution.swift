// Convolution as tinygrad and PyTorch's F.unfold do it: two primitives, `unfolded`
// (im2col) and `folded` (col2im), each the other's rule; conv2d, its transpose and the
// pools are compositions of them with matmul, reshape and reductions, so their gradients
// and second derivatives come from those rules.
//
// "Convolution" is cross-correlation (the kernel is not flipped), layout NCHW.

/// A size or step given for both image axes, as (height, width).
public typealias Size2D = (height: Int, width: Int)

extension Tensor {
    @inlinable
    func geometry(kernel: Size2D, stride: Size2D, padding: Size2D, op: String) -> ConvGeometry {
        require(rank == 4, "\(op): input of shape \(shape) is not NCHW (4 axes)")
        require(kernel.height > 0 && kernel.width > 0, "\(op): kernel \(kernel) must be positive")
        require(stride.height > 0 && stride.width > 0, "\(op): stride \(stride) must be positive")
        require(padding.height >= 0 && padding.width >= 0, "\(op): padding \(padding) must not be negative")
        let g = ConvGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                             kernelHeight: kernel.height, kernelWidth: kernel.width,
                             strideY: stride.height, strideX: stride.width, padY: padding.height, padX: padding.width)
        require(shape[2] + 2 * padding.height >= kernel.height && shape[3] + 2 * padding.width >= kernel.width,
                     "\(op): kernel \(kernel.height)×\(kernel.width) is larger than the padded input "
                     + "\(shape[2] + 2 * padding.height)×\(shape[3] + 2 * padding.width) (input \(shape), padding \(padding))")
        return g
    }

    /// im2col: every kernel-sized window of an NCHW tensor as a column.
    /// [N, C, H, W] → [N, C·kh·kw, outH·outW]; cells in the padding read `padValue`.
    ///
    /// ```swift
    /// let columns = images.unfolded(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
    /// ```
    @inlinable
    public func unfolded(kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                         padValue: Scalar = 0) -> Tensor {
        let g = geometry(kernel: kernel, stride: stride, padding: padding, op: "unfold")
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
        return Tensor.record("unfold", Tensor.describe(g), inputs: NodeInputs(self), shape: outShape, scalars: values) { c in
            [c.upstream.folded(g)]
        }
    }

    /// col2im, the adjoint of ``unfolded(kernel:stride:padding:padValue:)``: columns summed back
    /// into an NCHW image of `imageSize`, overlapping windows adding up.
    @inlinable
    public func folded(imageSize: Size2D, kernel: Size2D, stride: Size2D = (1, 1), padding: Size2D = (0, 0)) -> Tensor {
        require(rank == 3, "fold: input of shape \(shape) is not [N, C·kh·kw, L]")
        let per = kernel.height * kernel.width
        require(per > 0 && shape[1] % per == 0, "fold: \(shape[1]) rows are not a multiple of kernel size \(per)")
        let image = Tensor.zeros([shape[0], shape[1] / per, imageSize.height, imageSize.width])
        let g = image.geometry(kernel: kernel, stride: stride, padding: padding, op: "fold")
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
        return Tensor.record("fold", Tensor.describe(g), inputs: NodeInputs(self), shape: outShape, scalars: values) { c in
            [c.upstream.unfolded(g, padValue: 0)]
        }
    }

    @inlinable
    static func describe(_ g: ConvGeometry) -> String {
        "kernel: \(g.kernelHeight)×\(g.kernelWidth), stride: \(g.strideY)×\(g.strideX), padding: \(g.padY)×\(g.padX)"
    }

    /// 2-D convolution (cross-correlation) of an NCHW input with a filter bank
    /// [outChannels, inChannels/groups, kh, kw], zero padding, optional bias [outChannels].
    ///
    /// ```swift
    /// let y = x.conv2d(filters, bias: b, stride: (1, 1), padding: (1, 1))
    /// ```
    @inlinable
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Size2D = (1, 1), padding: Size2D = (0, 0),
                       groups: Int = 1) -> Tensor {
        require(weight.rank == 4, "conv2d: filters of shape \(weight.shape) are not [out, in/groups, kh, kw]")
        require(rank == 4, "conv2d: input of shape \(shape) is not NCHW (4 axes)")
        let (outChannels, perGroup) = (weight.shape[0], weight.shape[1])
        require(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0,
                     "conv2d: \(shape[1]) input and \(outChannels) output channels are not divisible by \(groups) groups")
        require(perGroup * groups == shape[1],
                     "conv2d: input \(shape) has \(shape[1]) channels but filters \(weight.shape) expect "
                     + "\(perGroup * groups) (\(perGroup) per group × \(groups) groups)")
        let g = geometry(kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, op: "conv2d")
        let columns = unfolded(g, padValue: 0)
            .reshaped([g.batch, groups, perGroup * g.kernelHeight * g.kernelWidth, g.outHeight * g.outWidth])
        let filters = weight.reshaped([groups, outChannels / groups, perGroup * g.kernelHeight * g.kernelWidth])
        var out = filters.matmul(columns).reshaped([g.batch, outChannels, g.outHeight, g.outWidth])
        if let bias {
            require(bias.shape == [outChannels], "conv2d: bias of shape \(bias.shape) is not [\(outChannels)]")
            out = out + bias.reshaped([1, outChannels, 1, 1])
        }
        return out
    }

    /// The transposed convolution (the gradient of conv2d with respect to its input, used for
    /// upsampling). Input [N, inChannels, H, W], filters [inChannels, outChannels/groups, kh, kw];
    /// the output is (H − 1)·stride − 2·padding + kh + outputPadding high (likewise wide).
    @inlinable
    public func convTranspose2d(_ weight: Tensor, bias: Tensor? = nil, stride: Size2D = (1, 1),
                                padding: Size2D = (0, 0), outputPadding: Size2D = (0, 0), groups: Int = 1) -> Tensor {
        require(rank == 4, "convTranspose2d: input of shape \(shape) is not NCHW (4 axes)")
        require(weight.rank == 4 && weight.shape[0] == shape[1],
                     "convTranspose2d: filters \(weight.shape) do not start with the input's \(shape[1]) channels")
        require(groups > 0 && shape[1] % groups == 0, "convTranspose2d: \(shape[1]) channels not divisible by \(groups) groups")
        require(outputPadding.height < Swift.max(stride.height, 1) && outputPadding.width < Swift.max(stride.width, 1),
                     "convTranspose2d: output padding \(outputPadding) must be smaller than the stride \(stride)")
        let (n, inChannels, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let outPerGroup = weight.shape[1]
        let outH = (h - 1) * stride.height - 2 * padding.height + kh + outputPadding.height
        let outW = (w - 1) * stride.width - 2 * padding.width + kw + outputPadding.width
        require(outH > 0 && outW > 0, "convTranspose2d: output size \(outH)×\(outW) is not positive")
        let filters = weight.reshaped([groups, inChannels / groups, outPerGroup * kh * kw])
        let columns = filters.matmul(reshaped([n, groups, inChannels / groups, h * w]), transposeA: true, transposeB: false)
            .reshaped([n, groups * outPerGroup * kh * kw, h * w])
        var out = columns.folded(imageSize: (outH, outW), kernel: (kh, kw), stride: stride, padding: padding)
        if let bias {
            require(bias.shape == [groups * outPerGroup], "convTranspose2d: bias of shape \(bias.shape) is not [\(groups * outPerGroup)]")
            out = out + bias.reshaped([1, groups * outPerGroup, 1, 1])
        }
        return out
    }

    /// Max pooling over windows of an NCHW tensor; padding cells never win, not even over cells of −∞.
    /// Overlapping windows (stride < kernel) are allowed. When several cells of a window tie,
    /// the gradient goes to the first in row-major order within the window.
    ///
    /// ```swift
    /// let pooled = x.maxPool2D(kernel: (2, 2))      // stride defaults to the kernel
    /// ```
    ///
    /// A primitive: the forward pass keeps the index of each window's winner, and the rule
    /// scatters the upstream gradient to those cells (``scatteredByIndex``, whose own rule
    /// gathers from them), so that second derivatives flow too.
    @inlinable
    public func maxPool2D(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0)) -> Tensor {
        let stride = stride ?? kernel
        require(rank == 4, "maxPool2D: input of shape \(shape) is not NCHW (4 axes)")
        require(padding.height * 2 <= kernel.height && padding.width * 2 <= kernel.width,
                     "maxPool2D: padding \(padding) must be at most half the kernel \(kernel)")
        let (n, c) = (shape[0], shape[1])
        var g = geometry(kernel: kernel, stride: stride, padding: padding, op: "maxPool2D")
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
        return Tensor.record("maxPool2D", Tensor.describe(g), inputs: NodeInputs(self), shape: outShape, scalars: values) { c in
            [c.upstream.scatteredByIndex(winners, into: inShape)]
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
        return Tensor.record("scatterByIndex", inputs: NodeInputs(self), shape: target, scalars: values) { c in
            [c.upstream.gatheredByIndex(index, shape: inShape)]
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
        return Tensor.record("gatherByIndex", inputs: NodeInputs(self), shape: target, scalars: values) { c in
            [c.upstream.scatteredByIndex(index, into: inShape)]
        }
    }

    /// Average pooling over windows of an NCHW tensor; padding cells count as zeros in the
    /// average (PyTorch's `count_include_pad=True`).
    @inlinable
    public func avgPool2D(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = (0, 0)) -> Tensor {
        let stride = stride ?? kernel
        require(rank == 4, "avgPool2D: input of shape \(shape) is not NCHW (4 axes)")
        require(padding.height * 2 <= kernel.height && padding.width * 2 <= kernel.width,
                     "avgPool2D: padding \(padding) must be at most half the kernel \(kernel)")
        // Each plane's windows as columns (padding reads 0), averaged over each window's cells.
        let (n, c) = (shape[0], shape[1])
        let planes = reshaped([n * c, 1, shape[2], shape[3]])
        let g = planes.geometry(kernel: kernel, stride: stride, padding: padding, op: "avgPool2D")
        return planes.unfolded(g, padValue: 0).mean(axes: [1]).reshaped([n, c, g.outHeight, g.outWidth])
    }
}

/// What ``Conv1D`` and ``Conv2D`` are, as PyTorch's `_ConvNd` is for its `Conv1d` and `Conv2d`:
/// one implementation (`_ConvCore`: the checks, the filters' creation, the forward pass) with
/// the members that do not depend on the number of spatial axes written once, here. Each layer
/// adds only its geometry in its own types (`Int` for 1-D, `Size2D` for 2-D) and its
/// initializers. An implementation detail (hence the underscore): use the layers, not this protocol.
///
/// ```swift
/// func filters<L: _ConvNd>(of layer: L) -> Int { layer.outChannels }
/// ```
public protocol _ConvNd<Scalar>: Layer {
    /// The convolution behind the layer: its filters, bias, geometry and groups.
    ///
    /// ```swift
    /// let core = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: 3)._core
    /// ```
    var _core: _ConvCore<Scalar> { get }
}

extension _ConvNd {
    /// The filter bank, [outChannels, inChannels/groups, kernel…]: [out, in/groups, kernel] for
    /// ``Conv1D``, [out, in/groups, kernel.height, kernel.width] for ``Conv2D``.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 5).weight.shape   // [8, 3, 5]
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 5).weight.shape   // [8, 3, 5, 5]
    /// ```
    public var weight: Parameter<Scalar> { _core.weight }
    /// The bias, [outChannels]; `nil` when built with `useBias: false`.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 5).bias?.shape    // [8]
    /// ```
    public var bias: Parameter<Scalar>? { _core.bias }
    /// Channel groups: input and output channels are split into this many independent groups.
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 4, outChannels: 4, kernel: 3, groups: 4).weight.shape   // [4, 1, 3]
    /// Conv2D<Float>(inChannels: 4, outChannels: 4, kernel: 3, groups: 2).weight.shape   // [4, 2, 3, 3]
    /// ```
    public var groups: Int { _core.groups }
    /// The number of input channels.
    ///
    /// ```swift
    /// Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 3).inChannels     // 3
    /// ```
    public var inChannels: Int { _core.inChannels }
    /// The number of output channels (filters).
    ///
    /// ```swift
    /// Conv1D<Float>(inChannels: 3, outChannels: 8, kernel: 3).outChannels    // 8
    /// ```
    public var outChannels: Int { _core.outChannels }

    /// The convolution of `input` with the filters, plus the bias: [batch, inChannels, length]
    /// → [batch, outChannels, outL] for ``Conv1D``, [batch, inChannels, H, W] → [batch,
    /// outChannels, outH, outW] for ``Conv2D``.
    ///
    /// ```swift
    /// let y = Conv1D<Float>(inChannels: 2, outChannels: 4, kernel: 3, padding: 1)(Tensor.zeros([5, 2, 10]))   // [5, 4, 10]
    /// let z = Conv2D<Float>(inChannels: 1, outChannels: 4, kernel: 3, padding: 1)(Tensor.zeros([2, 1, 8, 8]))   // [2, 4, 8, 8]
    /// ```
    ///
    /// - Precondition: `input` has 2 + the layer's spatial axes, ``inChannels`` channels and,
    ///   once padded, at least the (dilated) kernel's extent on each spatial axis.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { _core(input) }

    /// PyTorch's names: weight, bias.
    var moduleChildren: [(label: String, value: Any)] { _core.children }
}

/// What ``Conv1D`` and ``Conv2D`` share (through `_ConvNd`): the filters and bias, the
/// geometry as one value per spatial axis, the checks with the layer's messages, and the
/// forward pass. Public only because `_ConvNd` names it; its members are internal.
///
/// ```swift
/// let core = Conv1D<Float>(inChannels: 1, outChannels: 8, kernel: 3)._core
/// ```
public struct _ConvCore<Scalar: TensorScalar> {
    /// "Conv1D" or "Conv2D", for messages.
    let layer: String
    let weight: Parameter<Scalar>
    let bias: Parameter<Scalar>?
    /// One value per spatial axis (1 for Conv1D, height and width for Conv2D).
    let stride: [Int], padding: [Int], dilation: [Int]
    let groups: Int

    var inChannels: Int { weight.shape[1] * groups }
    var outChannels: Int { weight.shape[0] }
    /// The kernel's size on each spatial axis.
    var kernel: [Int] { Array(weight.shape.dropFirst(2)) }

    /// Fresh filters [outChannels, inChannels/groups, kernel…] and bias [outChannels], drawn
    /// from `generator` with the fans of the filters' shape.
    init(layer: String, inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int], padding: [Int],
         dilation: [Int], groups: Int, useBias: Bool, weightInitializer: Initializer<Scalar>,
         biasInitializer: Initializer<Scalar>, using generator: inout SeededGenerator) {
        require(inChannels > 0 && outChannels > 0,
                "\(layer): inChannels (\(inChannels)) and outChannels (\(outChannels)) must be positive")
        require(kernel.allSatisfy { $0 > 0 }, "\(layer): kernel \(Self.show(kernel)) must be positive")
        require(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                "\(layer): \(inChannels) input and \(outChannels) output channels are not divisible by \(groups) groups")
        let shape = [outChannels, inChannels / groups] + kernel
        let fans = Fans(shape: shape)
        self.layer = layer
        weight = Parameter(weightInitializer(shape, fans: fans, using: &generator))
        bias = useBias ? Parameter(biasInitializer([outChannels], fans: fans, using: &generator)) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        check()
    }

    /// Fresh filters and bias as above, from a generator seeded with `seed` (or, when `seed` is
    /// `nil`, with the next seed of ``DefaultGenerator``).
    init(layer: String, inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int], padding: [Int],
         dilation: [Int], groups: Int, useBias: Bool, weightInitializer: Initializer<Scalar>,
         biasInitializer: Initializer<Scalar>, seed: UInt64?) {
        var generator = SeededGenerator(seed: seed ?? DefaultGenerator.nextSeed())
        self.init(layer: layer, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                  padding: padding, dilation: dilation, groups: groups, useBias: useBias,
                  weightInitializer: weightInitializer, biasInitializer: biasInitializer, using: &generator)
    }

    /// Exactly these filters [outChannels, inChannels/groups, kernel…] and bias [outChannels]
    /// (leaves stay leaves, see ``Parameter/init(_:)``).
    init(layer: String, weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: [Int], padding: [Int], dilation: [Int],
         groups: Int) {
        let filterAxes = stride.count == 1 ? ["kernel"] : ["kh", "kw"]
        require(weight.rank == 2 + stride.count, "\(layer): filters of shape \(weight.shape) are not "
                + "[" + (["outChannels", "inChannels"] + filterAxes).joined(separator: ", ") + "]")
        require(groups > 0 && weight.shape[0] % groups == 0,
                "\(layer): \(weight.shape[0]) filters (shape \(weight.shape)) are not divisible by \(groups) groups")
        if let bias {
            require(bias.shape == [weight.shape[0]],
                    "\(layer): bias of shape \(bias.shape) does not match filters \(weight.shape) (expected [\(weight.shape[0])])")
        }
        self.layer = layer
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        check()
    }

    private func check() {
        require(stride.allSatisfy { $0 > 0 }, "\(layer): stride \(Self.show(stride)) must be positive")
        require(padding.allSatisfy { $0 >= 0 }, "\(layer): padding \(Self.show(padding)) must not be negative")
        require(dilation.allSatisfy { $0 > 0 },
                "\(layer): dilation \(Self.show(dilation)) must be positive (1 is no dilation)")
    }

    /// A geometry as the layer's own type prints it: `3` (Int) or `(height: 3, width: 5)` (`Size2D`).
    static func show(_ values: [Int]) -> String {
        values.count == 2 ? "\((height: values[0], width: values[1]))" : values.map(String.init).joined(separator: ", ")
    }

    /// The geometry of a 2-D layer as its `Size2D`.
    static func size2D(_ values: [Int]) -> Size2D { (values[0], values[1]) }

    /// PyTorch's names: weight, bias.
    var children: [(label: String, value: Any)] {
        var out: [(label: String, value: Any)] = [("weight", weight)]
        if let bias { out.append(("bias", bias)) }
        return out
    }

    /// The engine's `conv1d` or `conv2d` of `input` with the filters and bias.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let inputAxes = stride.count == 1 ? ["length"] : ["height", "width"]
        require(input.rank == 2 + stride.count && input.shape[1] == inChannels,
                "\(layer): input of shape \(input.shape) is not "
                + "[" + (["batch", "\(inChannels)"] + inputAxes).joined(separator: ", ") + "] (filters \(weight.shape))")
        let output: Tensor<Scalar>
        if stride.count == 1 {
            output = input.conv1d(weight.value, bias: bias?.value, stride: stride[0], padding: padding[0],
                                  dilation: dilation[0], groups: groups)
        } else {
            output = input.conv2d(weight.value, bias: bias?.value, stride: Self.size2D(stride), padding: Self.size2D(padding),
                                  dilation: Self.size2D(dilation), groups: groups)
        }
        PerSampleRecorder<Scalar>.active?.convolution(self, input: input, output: output)
        return output
    }
}

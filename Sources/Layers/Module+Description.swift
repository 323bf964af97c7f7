extension Module {
    /// What `print(model)` shows: never the weights. A model with layers inside prints as the
    /// table of ``summary()`` (each layer, its parameter count, the total); a layer without
    /// sublayers prints in one line: the built-in layers as they are configured
    /// (`Dense(784→128, relu)`, `Conv2D(1→8, kernel 3×3, padding 1×1)`), any other as its type
    /// and its parameters' shapes (`Gated(w [4])`).
    ///
    /// ```swift
    /// print(Dense<Float>(inputs: 784, outputs: 128, activation: .relu))   // Dense(784→128, relu)
    /// print(model)        // the summary table
    /// ```
    /// Print ``Parameter/value`` (or ``namedParameters``) to see the values themselves.
    public var description: String {
        let type = ModuleTree.typeName(self, generic: false)
        if self is any SequentialProtocol || !ModuleTree.submodules(of: self).isEmpty {
            return ModuleTree.listing ? type : summary().description
        }
        let parameters = namedParameters
        if parameters.isEmpty { return type }
        return type + "(" + parameters.map { "\($0.name) \($0.parameter.shape)" }.joined(separator: ", ") + ")"
    }
}

// One line for each built-in layer, as it was configured; settings left at their defaults are
// not shown.

extension Dense {
    /// "Dense(784→128, relu)": inputs→outputs, the activation unless identity, "no bias" if so.
    ///
    /// ```swift
    /// print(Dense<Float>(inputs: 1000, outputs: 10))     // Dense(1000→10)
    /// ```
    public var description: String {
        var parts = ["\(inputCount)→\(outputCount)"]
        if activation != .identity { parts.append("\(activation)") }
        if bias == nil { parts.append("no bias") }
        return "Dense(\(parts.joined(separator: ", ")))"
    }
}

extension Conv2D {
    /// "Conv2D(1→8, kernel 3×3, stride 2×2, padding 1×1, dilation 2×2, groups 2, no bias)", defaults
    /// left out.
    ///
    /// ```swift
    /// print(Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1)))   // Conv2D(1→8, kernel 3×3, padding 1×1)
    /// ```
    public var description: String {
        var parts = ["\(inChannels)→\(outChannels)", "kernel \(kernel.height)×\(kernel.width)"]
        if stride != (1, 1) { parts.append("stride \(stride.height)×\(stride.width)") }
        if padding != (0, 0) { parts.append("padding \(padding.height)×\(padding.width)") }
        if dilation != (1, 1) { parts.append("dilation \(dilation.height)×\(dilation.width)") }
        if groups != 1 { parts.append("groups \(groups)") }
        if bias == nil { parts.append("no bias") }
        return "Conv2D(\(parts.joined(separator: ", ")))"
    }
}

extension Conv1D {
    /// "Conv1D(16→32, kernel 3, padding 2, dilation 2)": channels, kernel, and the settings not at
    /// their defaults.
    ///
    /// ```swift
    /// print(Conv1D<Float>(inChannels: 16, outChannels: 32, kernel: 3))     // Conv1D(16→32, kernel 3)
    /// ```
    public var description: String {
        var parts = ["\(inChannels)→\(outChannels)", "kernel \(kernel)"]
        if stride != 1 { parts.append("stride \(stride)") }
        if padding != 0 { parts.append("padding \(padding)") }
        if dilation != 1 { parts.append("dilation \(dilation)") }
        if groups != 1 { parts.append("groups \(groups)") }
        if bias == nil { parts.append("no bias") }
        return "Conv1D(\(parts.joined(separator: ", ")))"
    }
}

extension MaxPool2D {
    /// "MaxPool2D(kernel 2×2, stride 2×2)", with the padding and dilation when not the defaults.
    ///
    /// ```swift
    /// print(MaxPool2D<Float>(kernel: 2))     // MaxPool2D(kernel 2×2, stride 2×2)
    /// ```
    public var description: String { poolDescription("MaxPool2D", kernel, stride, padding, dilation: dilation) }
}

extension AvgPool2D {
    /// "AvgPool2D(kernel 2×2, stride 2×2)", with the padding when there is some.
    ///
    /// ```swift
    /// print(AvgPool2D<Float>(kernel: 3, stride: 1, padding: 1))   // AvgPool2D(kernel 3×3, stride 1×1, padding 1×1)
    /// ```
    public var description: String { poolDescription("AvgPool2D", kernel, stride, padding) }
}

private func poolDescription(_ name: String, _ kernel: Size2D, _ stride: Size2D, _ padding: Size2D,
                             dilation: Size2D = (1, 1)) -> String {
    var parts = ["kernel \(kernel.height)×\(kernel.width)", "stride \(stride.height)×\(stride.width)"]
    if padding != (0, 0) { parts.append("padding \(padding.height)×\(padding.width)") }
    if dilation != (1, 1) { parts.append("dilation \(dilation.height)×\(dilation.width)") }
    return "\(name)(\(parts.joined(separator: ", ")))"
}

extension Dropout {
    /// "Dropout(rate 0.2)".
    ///
    /// ```swift
    /// print(Dropout<Float>(rate: 0.2))     // Dropout(rate 0.2)
    /// ```
    public var description: String { "Dropout(rate \(rate))" }
}

extension Flatten {
    /// "Flatten" (from axis 1), or "Flatten(from axis 2)".
    ///
    /// ```swift
    /// print(Flatten<Float>())     // Flatten
    /// ```
    public var description: String { startAxis == 1 ? "Flatten" : "Flatten(from axis \(startAxis))" }
}

extension LeakyReLU {
    /// "LeakyReLU(slope 0.01)".
    ///
    /// ```swift
    /// print(LeakyReLU<Float>(slope: 0.2))     // LeakyReLU(slope 0.2)
    /// ```
    public var description: String { "LeakyReLU(slope \(slope))" }
}

extension Softmax {
    /// "Softmax" (over the last axis), or "Softmax(axis 1)".
    ///
    /// ```swift
    /// print(Softmax<Float>())     // Softmax
    /// ```
    public var description: String { axis == -1 ? "Softmax" : "Softmax(axis \(axis))" }
}

extension LogSoftmax {
    /// "LogSoftmax" (over the last axis), or "LogSoftmax(axis 1)".
    ///
    /// ```swift
    /// print(LogSoftmax<Float>())     // LogSoftmax
    /// ```
    public var description: String { axis == -1 ? "LogSoftmax" : "LogSoftmax(axis \(axis))" }
}

/// Any ``Sequential``, whatever its scalar type: an empty one still prints as a table.
protocol SequentialProtocol {}
extension Sequential: SequentialProtocol {}

extension Embedding {
    /// "Embedding(1000 × 64)": the number of rows and their width, and the padding index if any.
    ///
    /// ```swift
    /// print(Embedding<Float>(count: 1000, dimension: 64))     // Embedding(1000 × 64)
    /// ```
    public var description: String {
        "Embedding(\(count) × \(dimension)\(paddingIndex.map { ", padding \($0)" } ?? ""))"
    }
}

private func recurrentDescription(_ name: String, _ inputSize: Int, _ hiddenSize: Int, layers: Int, hasBias: Bool,
                                  extra: String? = nil, bidirectional: Bool = false, batchFirst: Bool = true) -> String {
    var parts = ["\(inputSize)→\(hiddenSize)"]
    if layers != 1 { parts.append("\(layers) layers") }
    if let extra { parts.append(extra) }
    if bidirectional { parts.append("bidirectional") }
    if !batchFirst { parts.append("batchFirst: false") }
    if !hasBias { parts.append("no bias") }
    return "\(name)(\(parts.joined(separator: ", ")))"
}

extension LSTM {
    /// "LSTM(8→32, 2 layers, bidirectional)": input size → hidden size, the number of stacked layers
    /// if not 1, "bidirectional", and "batchFirst: false" for time-major sequences.
    ///
    /// ```swift
    /// print(LSTM<Float>(inputSize: 8, hiddenSize: 32))     // LSTM(8→32)
    /// ```
    public var description: String {
        recurrentDescription("LSTM", inputSize, hiddenSize, layers: layers, hasBias: cells[0].biasIH != nil,
                             bidirectional: bidirectional, batchFirst: batchFirst)
    }
}

extension GRU {
    /// "GRU(8→32, 2 layers, bidirectional)": input size → hidden size, the number of stacked layers
    /// if not 1, "bidirectional", and "batchFirst: false" for time-major sequences.
    ///
    /// ```swift
    /// print(GRU<Float>(inputSize: 8, hiddenSize: 32))     // GRU(8→32)
    /// ```
    public var description: String {
        recurrentDescription("GRU", inputSize, hiddenSize, layers: layers, hasBias: cells[0].biasIH != nil,
                             bidirectional: bidirectional, batchFirst: batchFirst)
    }
}

extension RNN {
    /// "RNN(8→32, relu)": input size → hidden size, the layers if not 1, the nonlinearity if not tanh,
    /// "bidirectional", and "batchFirst: false" for time-major sequences.
    ///
    /// ```swift
    /// print(RNN<Float>(inputSize: 8, hiddenSize: 32, nonlinearity: .relu))     // RNN(8→32, relu)
    /// ```
    public var description: String {
        recurrentDescription("RNN", inputSize, hiddenSize, layers: layers, hasBias: cells[0].biasIH != nil,
                             extra: cells[0].nonlinearity == .tanh ? nil : "\(cells[0].nonlinearity)",
                             bidirectional: bidirectional, batchFirst: batchFirst)
    }
}

extension LSTMCell {
    /// "LSTMCell(8→32)".
    ///
    /// ```swift
    /// print(LSTMCell<Float>(inputSize: 8, hiddenSize: 32))     // LSTMCell(8→32)
    /// ```
    public var description: String { recurrentDescription("LSTMCell", inputSize, hiddenSize, layers: 1, hasBias: biasIH != nil) }
}

extension GRUCell {
    /// "GRUCell(8→32)".
    ///
    /// ```swift
    /// print(GRUCell<Float>(inputSize: 8, hiddenSize: 32))     // GRUCell(8→32)
    /// ```
    public var description: String { recurrentDescription("GRUCell", inputSize, hiddenSize, layers: 1, hasBias: biasIH != nil) }
}

extension RNNCell {
    /// "RNNCell(8→32)", with the nonlinearity if not tanh.
    ///
    /// ```swift
    /// print(RNNCell<Float>(inputSize: 8, hiddenSize: 32))     // RNNCell(8→32)
    /// ```
    public var description: String {
        recurrentDescription("RNNCell", inputSize, hiddenSize, layers: 1, hasBias: biasIH != nil,
                             extra: nonlinearity == .tanh ? nil : "\(nonlinearity)")
    }
}

extension BatchNorm1D {
    /// "BatchNorm1D(16)": the number of features, and "no affine" without gain and bias.
    ///
    /// ```swift
    /// print(BatchNorm1D<Float>(features: 16))     // BatchNorm1D(16)
    /// ```
    public var description: String { "BatchNorm1D(\(features)\(weight == nil ? ", no affine" : ""))" }
}

extension BatchNorm2D {
    /// "BatchNorm2D(16)": the number of channels, and "no affine" without gain and bias.
    ///
    /// ```swift
    /// print(BatchNorm2D<Float>(features: 16))     // BatchNorm2D(16)
    /// ```
    public var description: String { "BatchNorm2D(\(features)\(weight == nil ? ", no affine" : ""))" }
}

extension LayerNorm {
    /// "LayerNorm([64])": the normalized shape, and "no affine" without gain and bias.
    ///
    /// ```swift
    /// print(LayerNorm<Float>(normalizedShape: [64]))     // LayerNorm([64])
    /// ```
    public var description: String { "LayerNorm(\(normalizedShape)\(weight == nil ? ", no affine" : ""))" }
}

extension GroupNorm {
    /// "GroupNorm(4 groups, 16 channels)".
    ///
    /// ```swift
    /// print(GroupNorm<Float>(groups: 4, channels: 16))     // GroupNorm(4 groups, 16 channels)
    /// ```
    public var description: String {
        "GroupNorm(\(groups) groups, \(channels) channels\(weight == nil ? ", no affine" : ""))"
    }
}

extension RMSNorm {
    /// "RMSNorm([64])": the normalized shape, and "no affine" without a gain.
    ///
    /// ```swift
    /// print(RMSNorm<Float>(normalizedShape: [64]))     // RMSNorm([64])
    /// ```
    public var description: String { "RMSNorm(\(normalizedShape)\(weight == nil ? ", no affine" : ""))" }
}

extension MultiHeadAttention {
    /// "MultiHeadAttention(64, 4 heads)": the model width and the number of heads.
    ///
    /// ```swift
    /// print(MultiHeadAttention<Float>(dimension: 64, heads: 4))     // MultiHeadAttention(64, 4 heads)
    /// ```
    public var description: String {
        "MultiHeadAttention(\(dimension), \(heads) head\(heads == 1 ? "" : "s")\(inputProjectionBias == nil ? ", no bias" : ""))"
    }
}

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
        if self is any SequentialProtocol || !ModuleTree.submodules(of: self).isEmpty { return summary().description }
        let type = ModuleTree.typeName(self, generic: false)
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
    /// "Conv2D(1→8, kernel 3×3, stride 2×2, padding 1×1, groups 2, no bias)", defaults left out.
    ///
    /// ```swift
    /// print(Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1)))   // Conv2D(1→8, kernel 3×3, padding 1×1)
    /// ```
    public var description: String {
        var parts = ["\(inChannels)→\(outChannels)", "kernel \(kernel.height)×\(kernel.width)"]
        if stride != (1, 1) { parts.append("stride \(stride.height)×\(stride.width)") }
        if padding != (0, 0) { parts.append("padding \(padding.height)×\(padding.width)") }
        if groups != 1 { parts.append("groups \(groups)") }
        if bias == nil { parts.append("no bias") }
        return "Conv2D(\(parts.joined(separator: ", ")))"
    }
}

extension MaxPool2D {
    /// "MaxPool2D(kernel 2×2, stride 2×2)", with the padding when there is some.
    ///
    /// ```swift
    /// print(MaxPool2D<Float>(kernel: 2))     // MaxPool2D(kernel 2×2, stride 2×2)
    /// ```
    public var description: String { poolDescription("MaxPool2D", kernel, stride, padding) }
}

extension AvgPool2D {
    /// "AvgPool2D(kernel 2×2, stride 2×2)", with the padding when there is some.
    ///
    /// ```swift
    /// print(AvgPool2D<Float>(kernel: 3, stride: 1, padding: 1))   // AvgPool2D(kernel 3×3, stride 1×1, padding 1×1)
    /// ```
    public var description: String { poolDescription("AvgPool2D", kernel, stride, padding) }
}

private func poolDescription(_ name: String, _ kernel: Size2D, _ stride: Size2D, _ padding: Size2D) -> String {
    var parts = ["kernel \(kernel.height)×\(kernel.width)", "stride \(stride.height)×\(stride.width)"]
    if padding != (0, 0) { parts.append("padding \(padding.height)×\(padding.width)") }
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

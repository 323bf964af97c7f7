/// Layers applied one after another: the output of each is the input of the next.
///
/// Build it from an array or with the result-builder syntax (which also accepts `if`,
/// `if`/`else` and `for` loops). Its parameters are named "layers.<index>.<name>".
///
/// ```swift
/// let mlp = Sequential<Float> {
///     Dense(inputs: 784, outputs: 128, activation: .relu)
///     Dropout(rate: 0.2)
///     Dense(inputs: 128, outputs: 10)
/// }
/// let logits = mlp(images)                        // [batch, 784] → [batch, 10]
/// mlp.namedParameters.map(\.name)                 // ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
/// let same = Sequential<Float>([Dense(inputs: 2, outputs: 3), Tanh(), Dense(inputs: 3, outputs: 1)])
/// ```
public struct Sequential<Scalar: TensorScalar>: Layer {
    /// The layers, in the order they run.
    ///
    /// ```swift
    /// let first = model.layers[0] as? Dense<Float>
    /// ```
    public var layers: [any Layer<Scalar>]
    /// The hooks registered with ``registerForwardHook(_:)``, shared by copies (as a PyTorch
    /// module's hooks belong to the module, whoever holds it).
    let forwardHooks = ForwardHooks<Scalar>()

    /// The layers of an array, in order.
    ///
    /// ```swift
    /// let model = Sequential<Double>([Dense(inputs: 2, outputs: 2), ReLU()])
    /// ```
    public init(_ layers: [any Layer<Scalar>]) {
        self.layers = layers
    }

    /// The layers listed in the closure, in order.
    ///
    /// ```swift
    /// let model = Sequential<Float> { Dense(inputs: 2, outputs: 4, activation: .tanh); Dense(inputs: 4, outputs: 1) }
    /// ```
    public init(@LayerBuilder<Scalar> _ content: () -> [any Layer<Scalar>]) {
        self.init(content())
    }

    /// The number of layers.
    ///
    /// ```swift
    /// Sequential<Float> { ReLU(); Tanh() }.count    // 2
    /// ```
    public var count: Int { layers.count }

    /// Runs the layers in order on `input`. An empty `Sequential` returns `input`.
    ///
    /// ```swift
    /// let y = Sequential<Double> { ReLU(); Tanh() }(Tensor([-1, 1]))    // [0, tanh 1]
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var x = input
        let hooks = forwardHooks.isEmpty ? nil : forwardHooks
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if let hooks { x = hooks.run(index: index, layer: layer, output: x) }
        }
        return x
    }

    /// Appends a layer at the end.
    ///
    /// ```swift
    /// var model = Sequential<Float>([Dense(inputs: 2, outputs: 2)])
    /// model.append(Softmax())
    /// ```
    public mutating func append(_ layer: any Layer<Scalar>) {
        layers.append(layer)
    }
}

/// The result builder behind `Sequential { … }`: each line is a layer; `if`, `if`/`else`,
/// `for` and nested builders are allowed.
///
/// ```swift
/// let deep = true
/// let model = Sequential<Float> {
///     Dense(inputs: 4, outputs: 8, activation: .relu)
///     if deep { Dense(inputs: 8, outputs: 8, activation: .relu) }
///     for _ in 0..<2 { Dense(inputs: 8, outputs: 8, activation: .tanh) }
///     Dense(inputs: 8, outputs: 1)
/// }
/// ```
@resultBuilder
public enum LayerBuilder<Scalar: TensorScalar> {
    /// One layer.
    ///
    /// ```swift
    /// Sequential<Float> { ReLU() }
    /// ```
    public static func buildExpression(_ layer: some Layer<Scalar>) -> [any Layer<Scalar>] { [layer] }
    /// Several layers already gathered (for example another builder's output).
    ///
    /// ```swift
    /// let stack: [any Layer<Float>] = [ReLU(), Tanh()]
    /// let model = Sequential<Float> { stack; Sigmoid() }
    /// ```
    public static func buildExpression(_ layers: [any Layer<Scalar>]) -> [any Layer<Scalar>] { layers }
    /// The lines of a block, in order.
    ///
    /// ```swift
    /// Sequential<Float> { ReLU(); Tanh() }
    /// ```
    public static func buildBlock(_ parts: [any Layer<Scalar>]...) -> [any Layer<Scalar>] { parts.flatMap { $0 } }
    /// An `if` without `else`.
    ///
    /// ```swift
    /// Sequential<Float> { if useTanh { Tanh() } }
    /// ```
    public static func buildOptional(_ part: [any Layer<Scalar>]?) -> [any Layer<Scalar>] { part ?? [] }
    /// The `if` branch of an `if`/`else`.
    ///
    /// ```swift
    /// Sequential<Float> { if useTanh { Tanh() } else { ReLU() } }
    /// ```
    public static func buildEither(first part: [any Layer<Scalar>]) -> [any Layer<Scalar>] { part }
    /// The `else` branch of an `if`/`else`.
    ///
    /// ```swift
    /// Sequential<Float> { if useTanh { Tanh() } else { ReLU() } }
    /// ```
    public static func buildEither(second part: [any Layer<Scalar>]) -> [any Layer<Scalar>] { part }
    /// A `for` loop.
    ///
    /// ```swift
    /// Sequential<Float> { for _ in 0..<3 { Dense(inputs: 4, outputs: 4, activation: .relu) } }
    /// ```
    public static func buildArray(_ parts: [[any Layer<Scalar>]]) -> [any Layer<Scalar>] { parts.flatMap { $0 } }
    /// An `if #available` block.
    ///
    /// ```swift
    /// Sequential<Float> { if #available(macOS 14, *) { ReLU() } }
    /// ```
    public static func buildLimitedAvailability(_ part: [any Layer<Scalar>]) -> [any Layer<Scalar>] { part }
}

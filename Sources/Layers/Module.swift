/// Anything with parameters: a layer, a container, or a model of your own.
///
/// Parameters are found by reflection, so a model written as a plain struct or class lists
/// its parameters by name without any hand-written list:
///
/// ```swift
/// struct Classifier: Layer {
///     let conv = Conv2D<Float>(inChannels: 1, outChannels: 8, kernel: (3, 3), padding: (1, 1))
///     let head = Dense<Float>(inputs: 8 * 14 * 14, outputs: 10)
///     func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
///         head(conv(x).relu().maxPool2D(kernel: (2, 2)).flattened(from: 1))
///     }
/// }
/// Classifier().namedParameters.map(\.name)  // ["conv.weight", "conv.bias", "head.weight", "head.bias"]
/// ```
///
/// How names are formed: a stored property contributes its name ("conv"), an element of an
/// array its index ("blocks.0"), a dictionary entry its key (entries sorted by key), and an
/// optional or an `any Layer` box is looked through. Property-wrapper and `lazy` storage are
/// named after the property. A parameter reachable twice (a shared layer) is listed once, under
/// the first name; reference cycles between classes are followed only once. Tensors stored
/// directly (not in a ``Parameter``) are constants, not parameters; state that is saved with
/// the model but not trained (batch normalization's running statistics) is held in a ``Buffer``
/// (see ``Module/namedBuffers``).
public protocol Module: CustomStringConvertible {
    /// The element type of the parameters, `Float` or `Double`.
    associatedtype Scalar: TensorScalar
    /// Every parameter with its dotted path ("conv1.weight", "layers.2.bias"), in declaration order.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
}

/// A module that maps one tensor to another.
///
/// ```swift
/// struct TwoLayer: Layer {
///     var hidden = Dense<Float>(inputs: 2, outputs: 3, activation: .tanh)
///     var output = Dense<Float>(inputs: 3, outputs: 2)
///     func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { output(hidden(x)) }
/// }
/// ```
public protocol Layer<Scalar>: Module {
    /// The element type, restated here so that a conforming type's `Scalar` is inferred from its
    /// `callAsFunction` (without it, `struct M: Layer` would need `typealias Scalar = Float`).
    associatedtype Scalar
    /// Runs the layer; recorded on the tape when its inputs or parameters require gradients.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Module {
    /// Every parameter with its dotted path, found by reflection (see ``Module``).
    ///
    /// ```swift
    /// for (name, p) in model.namedParameters { print(name, p.shape) }
    /// ```
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        ParameterDiscovery.collect(from: self, prefix: "")
    }

    /// The parameters, in the order of ``namedParameters``.
    ///
    /// ```swift
    /// let count = model.parameters.count
    /// ```
    // A closure, not the key path `\.parameter`: a key path into a generic tuple is instantiated
    // at run time on every call.
    public var parameters: [Parameter<Scalar>] { namedParameters.map { $0.parameter } }

    /// The total number of trainable scalars.
    ///
    /// ```swift
    /// Dense<Float>(inputs: 3, outputs: 2).parameterCount   // 8
    /// ```
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Clears every parameter's gradient.
    ///
    /// ```swift
    /// model.zeroGrad()
    /// ```
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// The parameter with this dotted name, if there is one.
    ///
    /// ```swift
    /// let w = model.parameter(named: "layers.0.weight")
    /// ```
    public func parameter(named name: String) -> Parameter<Scalar>? {
        namedParameters.first { $0.name == name }?.parameter
    }
}

/// Values reflection never needs to look inside: they hold no parameters, and a tensor or a
/// large array would otherwise be walked element by element.
protocol ParameterFreeValue {}
extension Tensor: ParameterFreeValue {}
extension Float: ParameterFreeValue {}
extension Double: ParameterFreeValue {}
extension Int: ParameterFreeValue {}
extension UInt64: ParameterFreeValue {}
extension Bool: ParameterFreeValue {}
extension String: ParameterFreeValue {}
extension SeededGenerator: ParameterFreeValue {}
extension Activation: ParameterFreeValue {}
extension Array: ParameterFreeValue where Element: ParameterFreeValue {}
extension Optional: ParameterFreeValue where Wrapped: ParameterFreeValue {}

/// A layer that names its own parameters, buffers and generators instead of letting
/// reflection name them after its Swift properties: the recurrent layers and batch
/// normalization use it to give PyTorch's names (`weight_ih_l0`, `running_mean`), so that a
/// file saved here loads into PyTorch and back. Each child is visited as a stored property
/// with that label would be.
protocol CustomModuleChildren {
    /// The children to visit, with the names they contribute, in order.
    var moduleChildren: [(label: String, value: Any)] { get }
}

enum ParameterDiscovery {
    static func collect<Scalar>(from value: Any, prefix: String) -> [(name: String, parameter: Parameter<Scalar>)] {
        collect(Parameter<Scalar>.self, from: value, prefix: prefix).map { ($0.name, $0.object) }
    }

    /// Every object of type `T` reachable through stored properties, with its dotted path.
    static func collect<T: AnyObject>(_ type: T.Type, from value: Any, prefix: String) -> [(name: String, object: T)] {
        var found: [(name: String, object: T)] = []
        var seen = Set<ObjectIdentifier>()
        visit(value, prefix: prefix, into: &found, seen: &seen)
        return found
    }

    private static func visit<T: AnyObject>(_ value: Any, prefix: String, into found: inout [(name: String, object: T)],
                                            seen: inout Set<ObjectIdentifier>) {
        if let p = value as? T {
            if seen.insert(ObjectIdentifier(p)).inserted { found.append((prefix, p)) }
            return
        }
        if value is ParameterFreeValue { return }
        for (label, child) in ModuleTree.children(of: value, seen: &seen) {
            visit(child, prefix: ModuleTree.join(prefix, label), into: &found, seen: &seen)
        }
    }
}

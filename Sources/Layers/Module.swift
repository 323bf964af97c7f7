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
public protocol Module {
    associatedtype Scalar: TensorScalar
    /// Every parameter with its dotted path ("conv1.weight", "layers.2.bias"), in declaration order.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
}

/// A module that maps one tensor to another.
public protocol Layer<Scalar>: Module {
    /// Runs the layer; recorded on the tape when its inputs or parameters require gradients.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Module {
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        ParameterDiscovery.collect(from: self, prefix: "")
    }

    /// The parameters, in the order of ``namedParameters``.
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// The total number of trainable scalars.
    public var parameterCount: Int { parameters.map(\.value.count).reduce(0, +) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// The parameter with this dotted name, if there is one.
    public func parameter(named name: String) -> Parameter<Scalar>? {
        namedParameters.first { $0.name == name }?.parameter
    }
}

enum ParameterDiscovery {
    static func collect<Scalar>(from value: Any, prefix: String) -> [(name: String, parameter: Parameter<Scalar>)] {
        var found: [(name: String, parameter: Parameter<Scalar>)] = []
        var seen = Set<ObjectIdentifier>()
        visit(value, prefix: prefix, into: &found, seen: &seen)
        return found
    }

    private static func visit<Scalar>(_ value: Any, prefix: String,
                                      into found: inout [(name: String, parameter: Parameter<Scalar>)],
                                      seen: inout Set<ObjectIdentifier>) {
        if let p = value as? Parameter<Scalar> {
            if seen.insert(ObjectIdentifier(p)).inserted { found.append((prefix, p)) }
            return
        }
        let mirror = Mirror(reflecting: value)
        // Optionals: look through them.
        if mirror.displayStyle == .optional {
            if let child = mirror.children.first { visit(child.value, prefix: prefix, into: &found, seen: &seen) }
            return
        }
        var index = 0
        var current: Mirror? = mirror
        while let m = current {
            for child in m.children {
                let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 } ?? "\(index)"
                index += 1
                let name = prefix.isEmpty ? label : "\(prefix).\(label)"
                visit(child.value, prefix: name, into: &found, seen: &seen)
            }
            current = m.superclassMirror
        }
    }
}

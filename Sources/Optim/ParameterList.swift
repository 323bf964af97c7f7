/// A bare list of parameters as a `Module`, for training parameters that belong to no layer.
/// Unnamed parameters are named by position ("0", "1", …).
///
/// ```swift
/// let w = Parameter(Tensor<Double>([1, 2]))
/// let b = Parameter(Tensor<Double>(0))
/// let sgd = SGD(ParameterList([w, b]), learningRate: 0.1)
/// let named = ParameterList(named: [("w", w), ("b", b)])
/// ```
public struct ParameterList<Scalar: TensorScalar>: Module {
    /// The parameters with their names.
    ///
    /// ```swift
    /// ParameterList(named: [("w", w)]).namedParameters[0].name   // "w"
    /// ```
    public let namedParameters: [(name: String, parameter: Parameter<Scalar>)]

    /// Parameters named by their position.
    ///
    /// ```swift
    /// ParameterList([w, b]).namedParameters.map(\.name)   // ["0", "1"]
    /// ```
    public init(_ parameters: [Parameter<Scalar>]) {
        namedParameters = parameters.enumerated().map { (name: "\($0.offset)", parameter: $0.element) }
    }

    /// Parameters with names of your choice.
    ///
    /// ```swift
    /// ParameterList(named: [("w", w), ("b", b)])
    /// ```
    /// - Precondition: the names are distinct.
    public init(named parameters: [(String, Parameter<Scalar>)]) {
        require(Set(parameters.map(\.0)).count == parameters.count, "ParameterList: parameter names repeat")
        namedParameters = parameters.map { (name: $0.0, parameter: $0.1) }
    }
}

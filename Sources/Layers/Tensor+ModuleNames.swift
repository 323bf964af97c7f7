extension Tensor {
    /// ``html(title:names:collapseAbove:)`` with the model's parameters named by their dotted
    /// paths ("layers.0.weight"): the page shows those names, and a large graph is drawn as
    /// blocks named after the modules ("layers.0", "layers.2").
    ///
    /// ```swift
    /// let loss = crossEntropy(logits: model(x), labels: y)
    /// try loss.writeHTML(to: "step.html", naming: model)
    /// ```
    public func html<M: Module>(title: String? = nil, naming model: M, collapseAbove: Int = 200) -> String
    where M.Scalar == Scalar {
        html(title: title, names: model.namedParameters.map { ($0.name, $0.parameter.value) }, collapseAbove: collapseAbove)
    }

    /// Writes ``html(title:naming:collapseAbove:)`` to `path`, atomically.
    ///
    /// ```swift
    /// try loss.writeHTML(to: "step.html", naming: model)
    /// ```
    /// - Throws: ``DataError`` naming `path` when the file cannot be written.
    public func writeHTML<M: Module>(to path: String, title: String? = nil, naming model: M, collapseAbove: Int = 200) throws
    where M.Scalar == Scalar {
        try writeHTML(to: path, title: title, names: model.namedParameters.map { ($0.name, $0.parameter.value) },
                      collapseAbove: collapseAbove)
    }
}

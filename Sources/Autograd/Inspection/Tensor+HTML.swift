import Foundation

extension Tensor {
    /// The graph that produced this tensor as one self-contained HTML page that you open in a
    /// browser (no network, no library): the graph drawn left to right with every tensor's name,
    /// shape and value, and a stepper that runs the forward pass one op at a time, then the
    /// backward pass one rule at a time, showing each chain-rule line
    /// (`∂L/∂a += ∂L/∂t1 · b = 8 · (−3) = −24`) on the edge it travels. Click a box for its full
    /// value, its gradient and its op's rule. A graph of more than `collapseAbove` ops is drawn
    /// as blocks of consecutive ops (named after the modules' parameters when `names` gives them).
    ///
    /// ```swift
    /// let a = Tensor<Double>(2).requiringGrad(named: "a")
    /// let b = Tensor<Double>(-3).requiringGrad(named: "b")
    /// let loss = (a * b + 10).squared()
    /// try loss.writeHTML(to: "tape.html")       // then open tape.html
    /// ```
    ///
    /// The page runs its own backward pass (the graph is kept and no leaf's ``grad`` changes), so
    /// make it before calling `backward()`, or after `backward(retainGraph: true)`: a graph
    /// freed by backward has lost its values, and the page then says so.
    /// - Parameters:
    ///   - title: the page's heading (default: "Backpropagation through L = …").
    ///   - names: names for tensors of the graph, shown instead of t1, t2, … (parameters, intermediate results).
    ///   - collapseAbove: the most ops drawn one by one.
    /// - Returns: the page's text (UTF-8 HTML that is also well-formed XML).
    public func html(title: String? = nil, names: [(name: String, tensor: Tensor)] = [],
                     collapseAbove: Int = 200) -> String {
        let graph = TapeGraph(of: self, names: names)
        let rootName = graph.root.map { graph.nodes[$0].name } ?? "an unrecorded tensor"
        return TapePage(graph: graph, title: title ?? "Backpropagation through L = \(rootName)",
                        collapseAbove: collapseAbove).render()
    }

    /// Writes ``html(title:names:collapseAbove:)`` to `path`, atomically (a reader never sees
    /// a half-written page).
    ///
    /// ```swift
    /// try loss.writeHTML(to: "examples-output/tape.html", title: "L = (a·b + c)²")
    /// ```
    /// - Throws: ``DataError`` naming `path` when the file cannot be written.
    public func writeHTML(to path: String, title: String? = nil, names: [(name: String, tensor: Tensor)] = [],
                          collapseAbove: Int = 200) throws {
        try AtomicFile.write(Array(html(title: title, names: names, collapseAbove: collapseAbove).utf8), to: path)
    }
}

/// A model as a table, like Keras' `summary()` or torchinfo: each layer with its output shape
/// (when an input shape was given) and its number of parameters, and the total. It never
/// shows a weight. `print(model)` prints the same table without the shapes.
///
/// ```swift
/// let model = Sequential<Float> {
///     Dense(inputs: 1000, outputs: 1000, activation: .relu)
///     Dense(inputs: 1000, outputs: 10)
/// }
/// print(model.summary(inputShape: [1, 1000]))
/// // Sequential<Float>: input [1, 1000] → output [1, 10]
/// // Layer                              Output shape   Parameters
/// // ────────────────────────────────────────────────────────────
/// // layers.0  Dense(1000→1000, relu)   [1, 1000]       1,001,000
/// // layers.1  Dense(1000→10)           [1, 10]            10,010
/// // ────────────────────────────────────────────────────────────
/// // Total: 1,011,010 parameters (3.86 MB as Float)
/// ```
///
/// Output shapes are measured by running the model once on zeros of the input shape, inside
/// ``withInference(_:)`` (nothing is recorded, dropout does not drop, normalization layers do
/// not update their statistics). The layers of a ``Sequential`` each get their shape; the layers
/// inside a model of your own run inside its `callAsFunction`, so only the model's output
/// shape is known and theirs show "—".
public struct ModelSummary: CustomStringConvertible, Sendable {
    /// One module of the model.
    ///
    /// ```swift
    /// model.summary().rows.map(\.layer)     // ["Dense(1000→1000, relu)", "Dense(1000→10)"]
    /// ```
    public struct Row: Sendable, Equatable {
        /// The dotted path of the module in the model ("layers.0", "encoder.layers.2"), the
        /// prefix of its parameters' names.
        ///
        /// ```swift
        /// model.summary().rows[0].path     // "layers.0"
        /// ```
        public let path: String
        /// The name relative to the enclosing module ("layers.0"), shown indented by ``depth``.
        ///
        /// ```swift
        /// model.summary().rows[0].name     // "layers.0"
        /// ```
        public let name: String
        /// How deep the module is nested: 0 for the model's own layers.
        ///
        /// ```swift
        /// model.summary().rows.filter { $0.depth == 0 }.count   // the model's own layers
        /// ```
        public let depth: Int
        /// The module in one line: its description ("Dense(784→128, relu)") when that is one line,
        /// as it is for every built-in layer; the type name of a container of your own.
        ///
        /// ```swift
        /// model.summary().rows[1].layer    // "Dense(1000→10)"
        /// ```
        public let layer: String
        /// The shape of the module's output on the summary's input, when known.
        ///
        /// ```swift
        /// model.summary(inputShape: [1, 1000]).rows[1].outputShape   // [1, 10]
        /// ```
        public let outputShape: [Int]?
        /// The number of scalars in the module's parameters (its sublayers' included).
        ///
        /// ```swift
        /// model.summary().rows[0].parameterCount   // 1001000
        /// ```
        public let parameterCount: Int
    }

    /// The model's type ("Sequential<Float>", "Classifier").
    ///
    /// ```swift
    /// model.summary().model       // "Sequential<Float>"
    /// ```
    public let model: String
    /// The input shape the summary ran the model on, if any.
    ///
    /// ```swift
    /// model.summary(inputShape: [1, 784]).inputShape    // [1, 784]
    /// ```
    public let inputShape: [Int]?
    /// The model's output shape on that input, if it was run.
    ///
    /// ```swift
    /// model.summary(inputShape: [1, 784]).outputShape   // [1, 10]
    /// ```
    public let outputShape: [Int]?
    /// The modules, in the order they are declared, sublayers after their container.
    ///
    /// ```swift
    /// for row in model.summary().rows { print(row.path, row.parameterCount) }
    /// ```
    public let rows: [Row]
    /// The number of trainable scalars of the whole model (a shared parameter counted once):
    /// ``Module/parameterCount``.
    ///
    /// ```swift
    /// model.summary().parameterCount     // 1011010
    /// ```
    public let parameterCount: Int
    /// The size of one scalar in bytes (4 for Float, 8 for Double).
    ///
    /// ```swift
    /// Sequential<Double> {}.summary().bytesPerScalar    // 8
    /// ```
    public let bytesPerScalar: Int
    let scalarName: String

    /// The table: a header naming the model (and its input and output shapes), one line per
    /// module, the total with the parameters' size in memory.
    ///
    /// ```swift
    /// print(model.summary(inputShape: [1, 784]))
    /// ```
    public var description: String {
        var header = model
        if let inputShape {
            header += ": input \(inputShape) → output \(outputShape.map { "\($0)" } ?? "—")"
        }
        let total = "Total: \(Self.grouped(parameterCount)) parameter\(parameterCount == 1 ? "" : "s") "
            + "(\(Self.bytes(parameterCount * bytesPerScalar)) as \(scalarName))"
        guard !rows.isEmpty else { return header + "\nno layers\n" + total }
        let names = rows.map { String(repeating: "  ", count: $0.depth) + $0.name }
        let nameWidth = names.map(\.count).max() ?? 0
        let firstColumn = zip(names, rows).map { name, row in
            nameWidth == 0 ? row.layer : name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + row.layer
        }
        let showShapes = inputShape != nil
        let shapes = rows.map { $0.outputShape.map { "\($0)" } ?? "—" }
        let counts = rows.map { Self.grouped($0.parameterCount) }
        let layerWidth = max(firstColumn.map(\.count).max() ?? 0, 5)
        let shapeWidth = max(shapes.map(\.count).max() ?? 0, 12)
        let countWidth = max(counts.map(\.count).max() ?? 0, 10)
        func line(_ layer: String, _ shape: String, _ count: String) -> String {
            var text = layer.padding(toLength: layerWidth, withPad: " ", startingAt: 0) + "   "
            if showShapes { text += shape.padding(toLength: shapeWidth, withPad: " ", startingAt: 0) + "   " }
            return text + String(repeating: " ", count: max(0, countWidth - count.count)) + count
        }
        let head = line("Layer", "Output shape", "Parameters")
        let rule = String(repeating: "─", count: head.count)
        var lines = [header, head, rule]
        for i in rows.indices { lines.append(line(firstColumn[i], shapes[i], counts[i])) }
        lines += [rule, total]
        if showShapes && rows.contains(where: { $0.outputShape == nil }) {
            lines.append("— : not measured (the layer runs inside its container's callAsFunction)")
        }
        return lines.joined(separator: "\n")
    }

    /// 1011010 → "1,011,010".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A byte count in B, KB, MB or GB (powers of 1024), three significant digits.
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(n) B" }
        let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
        let scale = [1.0, 10.0, 100.0][digits]
        let rounded = (value * scale).rounded() / scale
        var text = digits == 0 ? "\(Int(rounded))" : "\(rounded)"
        if digits > 0, let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return "\(text) \(units[unit])"
    }
}

extension Module {
    /// The model as a table of its layers and their parameter counts, without running it
    /// (see ``ModelSummary``); `print(model)` prints this.
    ///
    /// ```swift
    /// print(model.summary())
    /// ```
    public func summary() -> ModelSummary {
        ModuleTree.summary(of: self, inputShape: nil)
    }
}

extension Layer {
    /// The model as a table with each layer's output shape, measured by running the model once
    /// on zeros of `inputShape` inside ``withInference(_:)`` (see ``ModelSummary``).
    ///
    /// ```swift
    /// print(mlp.summary(inputShape: [1, 784]))
    /// print(cnn.summary(inputShape: [1, 1, 28, 28]))
    /// ```
    /// - Precondition: the model accepts an input of that shape (its own message says why not).
    public func summary(inputShape: [Int]) -> ModelSummary {
        ModuleTree.summary(of: self, inputShape: inputShape)
    }
}

/// The modules of a model, found by reflection as its parameters are (see ``Module``).
enum ModuleTree {
    /// True while a summary is being made: a container's default description is then its type
    /// name, so labelling a row never makes another summary (which a reference cycle between
    /// modules would make endless).
    @TaskLocal static var listing = false

    static func summary<M: Module>(of model: M, inputShape: [Int]?) -> ModelSummary {
        $listing.withValue(true) { makeSummary(of: model, inputShape: inputShape) }
    }

    private static func makeSummary<M: Module>(of model: M, inputShape: [Int]?) -> ModelSummary {
        var walk = Walk()
        var output: Tensor<M.Scalar>?
        let children = submodules(of: model)
        if let inputShape {
            let input = Tensor<M.Scalar>.zeros(inputShape)
            output = withInference { visit(model, input: input, name: "", path: "", depth: -1, into: &walk) }
        } else {
            _ = visit(model, input: nil, name: "", path: "", depth: -1, into: &walk)
        }
        var rows = walk.rows
        if children.isEmpty && !(model is Sequential<M.Scalar>) {
            // A single layer: show it as its own row.
            rows = [ModelSummary.Row(path: "", name: "", depth: 0, layer: label(model),
                                     outputShape: output?.shape, parameterCount: model.parameterCount)]
        }
        return ModelSummary(model: typeName(model, generic: true), inputShape: inputShape, outputShape: output?.shape,
                            rows: rows, parameterCount: model.parameterCount,
                            bytesPerScalar: MemoryLayout<M.Scalar>.size, scalarName: "\(M.Scalar.self)")
    }

    /// What a walk over the modules has found so far.
    struct Walk {
        var rows: [ModelSummary.Row] = []
        /// Module objects (classes) already listed, with their paths: a module reached again (a
        /// shared layer, a reference cycle) is listed, but its sublayers are not walked twice.
        var objects: [ObjectIdentifier: String] = [:]
        /// The path of the layer that first listed each parameter.
        var parameterOwners: [ObjectIdentifier: String] = [:]
    }

    /// Adds the rows of `module`'s submodules (and, unless it is the root, its own row) and
    /// returns its output on `input` when it can be run: a ``Sequential`` runs its layers one by
    /// one, so each gets its shape; any other layer runs as a whole.
    static func visit<M: Module>(_ module: M, input: Tensor<M.Scalar>?, name: String, path: String, depth: Int,
                                 into walk: inout Walk) -> Tensor<M.Scalar>? {
        let index = walk.rows.count
        var repeated: String?
        if type(of: module as Any) is AnyClass {
            let id = ObjectIdentifier(module as AnyObject)
            if let first = walk.objects[id] { repeated = first } else { walk.objects[id] = path }
        }
        let children = repeated == nil ? submodules(of: module) : []
        if depth >= 0 {
            var layer = label(module)
            if let repeated {
                layer += " (listed above as \(repeated.isEmpty ? "the model" : repeated))"
            } else if children.isEmpty {
                // A layer whose parameters another row already listed shares them (a layer used twice).
                let ids = module.parameters.map(ObjectIdentifier.init)
                if let owner = ids.first.flatMap({ walk.parameterOwners[$0] }), ids.allSatisfy({ walk.parameterOwners[$0] != nil }) {
                    layer += " (shares the parameters of \(owner))"
                }
                for id in ids where walk.parameterOwners[id] == nil { walk.parameterOwners[id] = path }
            }
            walk.rows.append(ModelSummary.Row(path: path, name: name, depth: depth, layer: layer, outputShape: nil,
                                              parameterCount: module.parameterCount))
        }
        var output: Tensor<M.Scalar>?
        if let sequential = module as? Sequential<M.Scalar> {
            var x = input
            for (i, layer) in sequential.layers.enumerated() {
                x = visitChild(layer, input: x, name: "layers.\(i)", path: ModuleTree.join(path, "layers.\(i)"), depth: depth + 1,
                               into: &walk)
            }
            output = x
        } else {
            if let input, let layer = module as? any Layer<M.Scalar> { output = layer(input) }
            for (label, child) in children {
                _ = visitChild(child, input: Tensor<M.Scalar>?.none, name: label, path: ModuleTree.join(path, label), depth: depth + 1,
                               into: &walk)
            }
        }
        if depth >= 0 { walk.rows[index] = walk.rows[index].with(outputShape: output?.shape) }
        return output
    }

    /// `visit` for a child met as an existential; its scalar type is the parent's.
    static func visitChild<Scalar>(_ child: any Module, input: Tensor<Scalar>?, name: String, path: String, depth: Int,
                                   into walk: inout Walk) -> Tensor<Scalar>? {
        func open<M: Module>(_ module: M) -> Tensor<Scalar>? {
            let output = visit(module, input: input as? Tensor<M.Scalar>, name: name, path: path, depth: depth, into: &walk)
            return output as? Tensor<Scalar>
        }
        return open(child)
    }

    /// The module in one line: its description when that is one line (every built-in layer's, any
    /// layer without sublayers), else its type (a container, whose description is a table).
    static func label<M: Module>(_ module: M) -> String {
        let description = module.description
        return description.contains("\n") || description.isEmpty ? typeName(module, generic: false) : description
    }

    /// "Dense<Float>" → "Dense" unless `generic`.
    static func typeName<M>(_ value: M, generic: Bool) -> String {
        let name = String(describing: type(of: value))
        guard !generic, let open = name.firstIndex(of: "<") else { return name }
        return String(name[..<open])
    }

    /// The modules directly inside `value` (not inside those), with their dotted names relative
    /// to it, in declaration order, named as ``Module/namedParameters`` names parameters.
    static func submodules(of value: Any) -> [(label: String, module: any Module)] {
        var found: [(label: String, module: any Module)] = []
        var seen = Set<ObjectIdentifier>()
        for (label, child) in ModuleTree.children(of: value, seen: &seen) {
            findModules(in: child, prefix: label, into: &found, seen: &seen)
        }
        return found
    }

    private static func findModules(in value: Any, prefix: String, into found: inout [(label: String, module: any Module)],
                                    seen: inout Set<ObjectIdentifier>) {
        if let module = value as? any Module {
            found.append((prefix, module))
            return
        }
        if value is ParameterFreeValue || value is AnyObjectParameter { return }
        for (label, child) in ModuleTree.children(of: value, seen: &seen) {
            findModules(in: child, prefix: ModuleTree.join(prefix, label), into: &found, seen: &seen)
        }
    }
}

/// A parameter of any scalar type: reflection does not look inside one for modules.
protocol AnyObjectParameter {}
extension Parameter: AnyObjectParameter {}

extension ModelSummary.Row {
    func with(outputShape: [Int]?) -> ModelSummary.Row {
        ModelSummary.Row(path: path, name: name, depth: depth, layer: layer, outputShape: outputShape,
                         parameterCount: parameterCount)
    }
}

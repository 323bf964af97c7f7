import Autograd

/// Thrown by ``Module/load(from:layout:)`` and ``Module/loadStateDict(_:strict:layout:)`` when the
/// tensors do not match the model's parameters and buffers. Lists every difference at once; the
/// model is left unchanged.
///
/// ```swift
/// do { try model.load(from: "model.safetensors") }
/// catch let e as ParameterMismatchError { print(e) }
/// // model.safetensors does not match the model's parameters (nothing was loaded):
/// //   missing from the file: head.bias
/// //   not in the model: head.b
/// //   shape mismatch: conv.weight is [8, 1, 3, 3] in the model, [8, 3, 3, 3] in the file
/// ```
public struct ParameterMismatchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A parameter whose shape differs between the model and the file.
    ///
    /// ```swift
    /// for m in error.shapeMismatches { print(m.name, m.modelShape, m.fileShape) }
    /// ```
    public struct ShapeMismatch: Sendable, Equatable {
        /// The parameter's dotted name.
        ///
        /// ```swift
        /// error.shapeMismatches.first?.name        // "conv.weight"
        /// ```
        public let name: String
        /// Its shape in the model.
        ///
        /// ```swift
        /// error.shapeMismatches.first?.modelShape  // [8, 1, 3, 3]
        /// ```
        public let modelShape: [Int]
        /// The tensor's shape in the file.
        ///
        /// ```swift
        /// error.shapeMismatches.first?.fileShape   // [8, 3, 3, 3]
        /// ```
        public let fileShape: [Int]

        /// Makes an entry (for comparing in tests).
        ///
        /// ```swift
        /// let m = ParameterMismatchError.ShapeMismatch(name: "w", modelShape: [2], fileShape: [3])
        /// ```
        public init(name: String, modelShape: [Int], fileShape: [Int]) {
            self.name = name
            self.modelShape = modelShape
            self.fileShape = fileShape
        }
    }

    /// The file that was read ("the state dict" for tensors loaded from memory).
    ///
    /// ```swift
    /// print(error.path)   // "model.safetensors"
    /// ```
    public let path: String
    /// Parameters of the model with no tensor of that name in the file.
    ///
    /// ```swift
    /// error.missing      // ["head.bias"]
    /// ```
    public let missing: [String]
    /// Tensors in the file with no parameter of that name in the model.
    ///
    /// ```swift
    /// error.unexpected   // ["head.b"]
    /// ```
    public let unexpected: [String]
    /// Parameters present in both with different shapes.
    ///
    /// ```swift
    /// for m in error.shapeMismatches { print(m.name, m.modelShape, m.fileShape) }
    /// ```
    public let shapeMismatches: [ShapeMismatch]

    /// Every difference, one per line.
    ///
    /// ```swift
    /// print(error.description)
    /// ```
    public var description: String {
        var lines = ["\(path) does not match the model's parameters (nothing was loaded):"]
        if !missing.isEmpty { lines.append("  missing from the file: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  not in the model: " + unexpected.joined(separator: ", ")) }
        for m in shapeMismatches {
            lines.append("  shape mismatch: \(m.name) is \(m.modelShape) in the model, \(m.fileShape) in the file")
        }
        return lines.joined(separator: "\n")
    }
}

/// How a saved state lays out the layers whose layout changed in version 2 of this library.
///
/// Version 2 saves every layer under PyTorch's names and in PyTorch's layout (a `Dense` weight is
/// [outputs, inputs], a ``TransformerBlock``'s attention is `self_attn`), so a `state_dict` saved
/// with `safetensors.torch.save_file` loads as it is, and files written here load into PyTorch.
/// Files written before version 2 had `Dense` weights as [inputs, outputs] and the block's
/// attention under `attention`.
///
/// Files written since version 2 say their layout in their metadata (``Module/layoutMetadataKey``).
/// A file without that key is PyTorch's layout unless it shows the old one: a `Dense` weight
/// saved with the transposed (non-square) shape, or a name only the old layout used. Then it is
/// converted as it loads. A file of the old layout whose `Dense` weights are all square and that
/// has none of the old names cannot be told from PyTorch's: load it with
/// `layout: .beforeVersion2` and save it again.
///
/// ```swift
/// try model.load(from: "old.safetensors", layout: .beforeVersion2)   // converted as it loads
/// try model.save(to: "old.safetensors")                                // now in PyTorch's layout
/// ```
public enum SavedLayout: String, Sendable, Equatable, CaseIterable {
    /// PyTorch's names and layouts: files written by PyTorch and by this library since version 2.
    ///
    /// ```swift
    /// try model.load(from: "from-pytorch.safetensors", layout: .pytorch)
    /// ```
    case pytorch
    /// `Dense` weights as [inputs, outputs] and a transformer block's attention under
    /// `attention.`: files written by this library before version 2.
    ///
    /// ```swift
    /// try model.load(from: "2025.safetensors", layout: .beforeVersion2)
    /// ```
    case beforeVersion2
}

/// What ``Module/loadStateDict(_:strict:layout:)`` and ``Module/load(from:strict:layout:)`` did
/// not match: PyTorch's `load_state_dict` result (`missing_keys`, `unexpected_keys`).
///
/// ```swift
/// let result = try model.loadStateDict(pretrained, strict: false)
/// print(result.missing)      // ["head.weight", "head.bias"]: kept as initialized
/// print(result.unexpected)   // ["classifier.weight", "classifier.bias"]: ignored
/// ```
public struct LoadedState: Sendable, Equatable {
    /// Parameters and buffers of the model that the state did not hold (left unchanged).
    ///
    /// ```swift
    /// result.missing     // ["head.bias"]
    /// ```
    public var missing: [String]
    /// Tensors of the state with no parameter or buffer of that name (ignored).
    ///
    /// ```swift
    /// result.unexpected  // ["head.b"]
    /// ```
    public var unexpected: [String]
    /// The file's metadata (empty for tensors loaded from memory), without the layout key
    /// (``Module/layoutMetadataKey``), which ``layout`` reports.
    ///
    /// ```swift
    /// result.metadata["epoch"]   // "3"
    /// ```
    public var metadata: [String: String]
    /// The layout the state was read in: given, or told from the file (see ``SavedLayout``).
    ///
    /// ```swift
    /// result.layout == .pytorch
    /// ```
    public var layout: SavedLayout
}

/// One entry of ``Module/stateShapes``: a name the model saves and loads, and its shape.
///
/// ```swift
/// for entry in model.stateShapes { print(entry.name, entry.shape, entry.isBuffer) }
/// ```
public struct StateEntry: Sendable, Equatable, CustomStringConvertible {
    /// The dotted name ("layers.0.weight", "norm.running_mean").
    ///
    /// ```swift
    /// model.stateShapes.first?.name    // "layers.0.weight"
    /// ```
    public let name: String
    /// The shape a tensor loaded under that name must have.
    ///
    /// ```swift
    /// model.stateShapes.first?.shape   // [16, 4]
    /// ```
    public let shape: [Int]
    /// Whether it is a buffer (running statistics) rather than a trained parameter.
    ///
    /// ```swift
    /// model.stateShapes.filter(\.isBuffer).map(\.name)   // ["norm.running_mean", …]
    /// ```
    public let isBuffer: Bool

    /// "layers.0.weight [16, 4]", with "(buffer)" after a buffer.
    ///
    /// ```swift
    /// print(model.stateShapes.map(\.description).joined(separator: "\n"))
    /// ```
    public var description: String { "\(name) \(shape)" + (isBuffer ? " (buffer)" : "") }
}

extension Module {
    /// The metadata key that files saved by ``save(to:metadata:)`` carry, with the value
    /// "pytorch": the layout their tensors are in (see ``SavedLayout``).
    ///
    /// ```swift
    /// try SafeTensors.read(from: "m.safetensors", as: Float.self).metadata[Dense<Float>.layoutMetadataKey]  // "pytorch"
    /// ```
    public static var layoutMetadataKey: String { "autograd.layout" }

    /// Every parameter and buffer by its dotted name, as values detached from any graph:
    /// PyTorch's `state_dict()`. The names and layouts are PyTorch's for every built-in layer.
    ///
    /// ```swift
    /// let state = model.stateDict            // ["layers.0.weight": …, "layers.0.bias": …, "norm.running_mean": …]
    /// try other.loadStateDict(state)         // the same values in another model
    /// ```
    public var stateDict: [String: Tensor<Scalar>] {
        var tensors: [String: Tensor<Scalar>] = [:]
        for (name, parameter) in namedParameters where tensors[name] == nil { tensors[name] = parameter.value.detached() }
        for (name, buffer) in namedBuffers where tensors[name] == nil { tensors[name] = buffer.value }
        return tensors
    }

    /// What the model saves and loads: each parameter's and buffer's name and shape, parameters
    /// first, in declaration order (PyTorch's `{k: v.shape for k, v in model.state_dict().items()}`).
    ///
    /// ```swift
    /// print(model.stateShapes.map(\.description).joined(separator: "\n"))
    /// // layers.0.weight [16, 4]
    /// // layers.0.bias [16]
    /// ```
    public var stateShapes: [StateEntry] {
        let (parameters, buffers) = uniqueState()
        return parameters.map { StateEntry(name: $0.name, shape: $0.parameter.shape, isBuffer: false) }
            + buffers.map { StateEntry(name: $0.name, shape: $0.buffer.shape, isBuffer: true) }
    }

    /// Saves every parameter and buffer under its dotted name (``stateDict``) as a safetensors
    /// file (F32 for `Float`, F64 for `Double`, counts such as `num_batches_tracked` as I64, as
    /// PyTorch has them), atomically, with ``layoutMetadataKey`` in its metadata. Python reads it
    /// with `safetensors.torch.load_file(path)` and PyTorch's `model.load_state_dict` takes it.
    ///
    /// ```swift
    /// try model.save(to: "checkpoints/epoch-3.safetensors", metadata: ["epoch": "3"])
    /// ```
    /// - Throws: `DataError` naming the path when the file cannot be written; the previous
    ///   file, if any, is then unchanged.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var tensors: [String: Tensor<Scalar>] = [:]
        var integers: [String: SafeTensors.Integers] = [:]
        let (parameters, buffers) = uniqueState()
        for (name, parameter) in parameters { tensors[name] = parameter.value.detached() }
        for (name, buffer) in buffers {
            if buffer.holdsCounts, let counts = Self.wholeNumbers(buffer.value) {
                integers[name] = SafeTensors.Integers(counts, shape: buffer.shape)
            } else {
                tensors[name] = buffer.value
            }
        }
        var metadata = metadata
        metadata[Self.layoutMetadataKey] = SavedLayout.pytorch.rawValue
        try SafeTensors.write(tensors, metadata: metadata, integers: integers, to: path)
    }

    /// Loads parameters and buffers by name (compared by their bytes) from a safetensors file (any
    /// float or integer dtype, converted to `Scalar`): PyTorch's `load_state_dict(torch.load(…))`.
    /// Every name and shape is checked first: if any parameter or buffer is missing, any tensor is
    /// unexpected or any shape differs, it throws ``ParameterMismatchError`` listing all of them
    /// and loads nothing. A file written by PyTorch (`safetensors.torch.save_file(model.state_dict(), …)`)
    /// loads into the equivalent model; a file of this library's layout before version 2 is told
    /// apart and converted (see ``SavedLayout``). Returns the file's metadata (as given to
    /// ``save(to:metadata:)``: without this library's layout key).
    ///
    /// ```swift
    /// let model = Classifier()
    /// try model.load(from: "checkpoints/epoch-3.safetensors")
    /// ```
    /// - Parameter layout: the file's layout; `nil` (the default) reads it from the file.
    /// - Throws: `DataError` for an unreadable or malformed file, ``ParameterMismatchError``
    ///   when it does not fit the model.
    @discardableResult
    public func load(from path: String, layout: SavedLayout? = nil) throws -> [String: String] {
        try load(from: path, strict: true, layout: layout).metadata
    }

    /// Loads from a safetensors file as ``load(from:layout:)`` does; with `strict: false`,
    /// parameters the file lacks keep their values and tensors the model lacks are ignored, both
    /// listed in the result (PyTorch's `load_state_dict(…, strict=False)`). Shapes must match
    /// either way.
    ///
    /// ```swift
    /// let result = try model.load(from: "backbone.safetensors", strict: false)
    /// print(result.missing, result.unexpected)
    /// ```
    /// - Throws: as ``load(from:layout:)``; with `strict: false`, only for differing shapes.
    @discardableResult
    public func load(from path: String, strict: Bool, layout: SavedLayout? = nil) throws -> LoadedState {
        let file = try SafeTensors.read(from: path, as: Scalar.self)
        // A list, not a dictionary: names equal only as Swift strings ("é" and "e" + U+0301) stay two.
        var tensors: [(name: String, tensor: Tensor<Scalar>)] = []
        for name in file.names { if let tensor = file[name] { tensors.append((name, tensor)) } }
        let chosen: SavedLayout
        if let layout {
            chosen = layout
        } else if let stated = file.metadata[Self.layoutMetadataKey] {
            guard let known = SavedLayout(rawValue: stated) else {
                throw DataError(.invalidValue, path: path, expected: "metadata \"\(Self.layoutMetadataKey)\" of \"pytorch\"",
                                found: "\"\(stated.prefix(80))\" (written by a newer version of this library?)")
            }
            chosen = known
        } else {
            chosen = LegacyLayout.looksOld(tensors.map { ($0.name, $0.tensor.shape) }, model: self) ? .beforeVersion2 : .pytorch
        }
        var result = try loadStateDict(tensors, strict: strict, layout: chosen, source: path)
        // The caller's metadata as saved: the layout key is this library's, reported as `layout`.
        result.metadata = file.metadata.filter { $0.key != Self.layoutMetadataKey }
        return result
    }

    /// Loads parameters and buffers from named tensors in memory (PyTorch's
    /// `load_state_dict(d, strict=…)`), with the same checks as ``load(from:layout:)``: with
    /// `strict` (the default) any missing or unexpected name throws, with `strict: false` they
    /// are returned instead; a differing shape always throws, and nothing is loaded then.
    ///
    /// ```swift
    /// let result = try student.loadStateDict(teacher.stateDict, strict: false)
    /// result.missing       // the student's own layers, left as initialized
    /// ```
    /// - Parameter layout: the layout the tensors are in (PyTorch's unless told otherwise).
    /// - Throws: ``ParameterMismatchError`` listing every difference; the model is unchanged.
    @discardableResult
    public func loadStateDict(_ given: [String: Tensor<Scalar>], strict: Bool = true,
                              layout: SavedLayout = .pytorch) throws -> LoadedState {
        try loadStateDict(given.map { ($0.key, $0.value) }, strict: strict, layout: layout, source: "the state dict")
    }

    private func loadStateDict(_ given: [(name: String, tensor: Tensor<Scalar>)], strict: Bool, layout: SavedLayout,
                               source: String) throws -> LoadedState {
        let tensors = layout == .beforeVersion2 ? LegacyLayout.convert(given, model: self) : given
        // Names are compared by their bytes, as the file's reader and Python compare them.
        var byBytes: [[UInt8]: Tensor<Scalar>] = [:]
        for (name, tensor) in tensors { byBytes[Array(name.utf8)] = tensor }
        let (parameters, buffers) = uniqueState()
        var known = Set<[UInt8]>()
        var missing: [String] = []
        var mismatches: [ParameterMismatchError.ShapeMismatch] = []
        let entries = parameters.map { ($0.name, $0.parameter.shape) } + buffers.map { ($0.name, $0.buffer.shape) }
        for (name, shape) in entries {
            known.insert(Array(name.utf8))
            guard let tensor = byBytes[Array(name.utf8)] else { missing.append(name); continue }
            if tensor.shape != shape { mismatches.append(.init(name: name, modelShape: shape, fileShape: tensor.shape)) }
        }
        let unexpected = tensors.map(\.name).filter { !known.contains(Array($0.utf8)) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if !mismatches.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
            throw ParameterMismatchError(path: source, missing: strict ? missing : [], unexpected: strict ? unexpected : [],
                                         shapeMismatches: mismatches)
        }
        for (name, parameter) in parameters { if let tensor = byBytes[Array(name.utf8)] { parameter.assign(tensor) } }
        for (name, buffer) in buffers { if let tensor = byBytes[Array(name.utf8)] { buffer.assign(tensor) } }
        return LoadedState(missing: missing, unexpected: unexpected, metadata: [:], layout: layout)
    }

    /// Parameters and buffers, each name once (a shared layer is listed under its first name).
    private func uniqueState() -> (parameters: [(name: String, parameter: Parameter<Scalar>)],
                                   buffers: [(name: String, buffer: Buffer<Scalar>)]) {
        var seen = Set<[UInt8]>()
        let parameters = namedParameters.filter { seen.insert(Array($0.name.utf8)).inserted }
        let buffers = namedBuffers.filter { seen.insert(Array($0.name.utf8)).inserted }
        return (parameters, buffers)
    }

    /// The values as integers, when every one is a whole number an `Int64` holds.
    private static func wholeNumbers(_ tensor: Tensor<Scalar>) -> [Int64]? {
        var out: [Int64] = []
        out.reserveCapacity(tensor.count)
        for value in tensor.scalars {
            guard let whole = Int64(exactly: value) else { return nil }
            out.append(whole)
        }
        return out
    }
}

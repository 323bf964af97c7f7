import Autograd

/// Thrown by ``Module/load(from:)`` when the file's tensors do not match the model's
/// parameters. Lists every difference at once; the model is left unchanged.
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

    /// The file that was read.
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

extension Module {
    /// Saves every parameter and buffer under its dotted name (``Module/namedParameters``,
    /// ``Module/namedBuffers``) as a safetensors file (F32 for `Float`, F64 for `Double`),
    /// atomically. Python reads it with `safetensors.torch.load_file(path)`.
    ///
    /// ```swift
    /// try model.save(to: "checkpoints/epoch-3.safetensors", metadata: ["epoch": "3"])
    /// ```
    /// - Throws: `DataError` naming the path when the file cannot be written; the previous
    ///   file, if any, is then unchanged.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var tensors: [String: Tensor<Scalar>] = [:]
        for (name, parameter) in namedParameters where tensors[name] == nil {
            tensors[name] = parameter.value.detached()
        }
        for (name, buffer) in namedBuffers where tensors[name] == nil { tensors[name] = buffer.value }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Loads parameters and buffers by name (compared by their bytes) from a safetensors file (any
    /// float or integer dtype, converted to `Scalar`). Every name and shape is checked first: if
    /// any parameter or buffer is missing, any tensor is unexpected or any shape differs, it throws
    /// ``ParameterMismatchError`` listing all of them and loads nothing. Returns the file's metadata.
    ///
    /// ```swift
    /// let model = Classifier()
    /// try model.load(from: "checkpoints/epoch-3.safetensors")
    /// ```
    /// - Throws: `DataError` for an unreadable or malformed file, ``ParameterMismatchError``
    ///   when it does not fit the model.
    @discardableResult
    public func load(from path: String) throws -> [String: String] {
        let file = try SafeTensors.read(from: path, as: Scalar.self)
        var parameters: [(name: String, parameter: Parameter<Scalar>)] = []
        // Names are compared by their bytes, as the file's reader and Python compare them.
        var seen = Set<[UInt8]>()
        for entry in namedParameters where seen.insert(Array(entry.name.utf8)).inserted { parameters.append(entry) }
        let buffers = namedBuffers.filter { seen.insert(Array($0.name.utf8)).inserted }
        var missing: [String] = []
        var mismatches: [ParameterMismatchError.ShapeMismatch] = []
        for (name, parameter) in parameters {
            guard let tensor = file[name] else { missing.append(name); continue }
            if tensor.shape != parameter.shape {
                mismatches.append(.init(name: name, modelShape: parameter.shape, fileShape: tensor.shape))
            }
        }
        for (name, buffer) in buffers {
            guard let tensor = file[name] else { missing.append(name); continue }
            if tensor.shape != buffer.shape {
                mismatches.append(.init(name: name, modelShape: buffer.shape, fileShape: tensor.shape))
            }
        }
        let unexpected = file.names.filter { !seen.contains(Array($0.utf8)) }
        guard missing.isEmpty && unexpected.isEmpty && mismatches.isEmpty else {
            throw ParameterMismatchError(path: path, missing: missing, unexpected: unexpected, shapeMismatches: mismatches)
        }
        for (name, parameter) in parameters {
            if let tensor = file[name] { parameter.assign(tensor) }
        }
        for (name, buffer) in buffers { if let tensor = file[name] { buffer.assign(tensor) } }
        return file.metadata
    }
}

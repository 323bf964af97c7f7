import Foundation

/// Why a checkpoint could not be restored. Nothing is changed when it is thrown.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The checkpoint file.
    public let path: String
    /// Every difference found, one per line.
    public let problems: [String]

    /// The path, then each problem on a line of its own.
    ///
    /// ```swift
    /// do { _ = try Checkpoint.load(into: model, optimizer: adam, from: "run.safetensors") } catch { print(error) }
    /// ```
    public var description: String {
        "\(path): cannot resume from this checkpoint:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// A training checkpoint: the model's parameters and buffers, the optimizer's state (moments, step count,
/// and so the position of its learning-rate schedule), the epoch, and the state of every random
/// generator (the model's dropout generators and any you pass), in one safetensors file written
/// atomically. Training resumed from it with ``fit(_:optimizer:loss:training:validation:epochs:initialEpoch:batchSize:metric:shuffleSeed:dropLast:earlyStopping:stopOnNonFiniteLoss:output:diagnostics:onEpochEnd:)-(_,Opt,_,_,_,_,_,_,_,_,_,_,_,_,_,_)``'s
/// `initialEpoch` gives exactly the weights of training that was never interrupted.
///
/// ```swift
/// try Checkpoint.save(model, optimizer: adam, epoch: 5, to: "run.ckpt.safetensors")
/// // … later, in a new process:
/// let resumed = try Checkpoint.load(into: model, optimizer: adam, from: "run.ckpt.safetensors")
/// fit(model, optimizer: adam, loss: loss, training: data, epochs: 10, initialEpoch: resumed.epoch)
/// ```
public enum Checkpoint {
    /// What a checkpoint holds besides the tensors it restored.
    public struct Info: Sendable, Equatable {
        /// The number of epochs completed when it was saved (the `initialEpoch` to resume with).
        public let epoch: Int
        /// The generators passed to ``save(_:optimizer:epoch:generators:to:)`` as `generators`, restored.
        public let generators: [String: SeededGenerator]
    }

    /// Version 2: tensors in PyTorch's names and layouts (see `SavedLayout`). Version 1 files
    /// (`Dense` weights [inputs, outputs]) are converted as they load.
    static let format = "autograd-checkpoint-2"
    static let formatBeforeVersion2 = "autograd-checkpoint-1"
    /// The metadata key listing the optimizer's state tensors (a JSON array of their keys), so
    /// that a checkpoint that lost some of them is refused instead of resuming from fresh state.
    static let stateListKey = "optimizer-state"

    /// Writes the checkpoint to `path` atomically (a failed save leaves any previous file intact).
    /// The optimizer's step count is stored as an I64 integer (exact at any step count), its
    /// state tensors in the model's scalar type, and the list of those tensors in the metadata.
    public static func save<M: Module, O: Optimizer>(_ model: M, optimizer: O, epoch: Int,
                                                     generators: [String: SeededGenerator] = [:],
                                                     to path: String) throws where O.Scalar == M.Scalar {
        require(epoch >= 0, "Checkpoint.save: epoch \(epoch) must not be negative")
        var tensors: [String: Tensor<M.Scalar>] = [:]
        for (name, parameter) in model.namedParameters { tensors["model/\(name)"] = parameter.value.detached() }
        for (name, buffer) in model.namedBuffers { tensors["model/\(name)"] = buffer.value }
        var stateKeys: [String] = []
        for (key, value) in optimizer.state where key != "step" {
            tensors["optimizer/\(key)"] = value.detached()
            stateKeys.append(key)
        }
        var metadata = ["format": format, "epoch": String(epoch), "optimizer": String(describing: O.self),
                        stateListKey: encodeList(stateKeys.sorted())]
        for (name, g) in model.randomStates { metadata["model-rng/\(name)"] = encode(g) }
        for (name, g) in generators { metadata["rng/\(name)"] = encode(g) }
        try SafeTensors.write(tensors, metadata: metadata,
                              integers: [stepKey: .init([Int64(optimizer.stepCount)], shape: [])], to: path)
    }

    static let stepKey = "optimizer/step"

    /// Restores `model`, `optimizer` and the model's generators from `path`, after checking that
    /// every name and shape matches; on any difference it throws a ``CheckpointError`` listing
    /// them all and changes nothing.
    @discardableResult
    public static func load<M: Module, O: Optimizer>(into model: M, optimizer: O, from path: String) throws -> Info
    where O.Scalar == M.Scalar {
        let file = try SafeTensors.read(from: path, as: M.Scalar.self)
        var problems: [String] = []
        let metadata = file.metadata
        let legacy = metadata["format"] == formatBeforeVersion2
        if metadata["format"] != format && !legacy {
            problems.append("not a checkpoint of this library (format \(metadata["format"] ?? "missing"), expected \(format))")
        }
        if let saved = metadata["optimizer"], saved != String(describing: O.self) {
            problems.append("saved with optimizer \(saved), restoring into \(O.self)")
        }
        let epoch = metadata["epoch"].flatMap(Int.init) ?? -1
        if epoch < 0 { problems.append("epoch is missing or not a whole number") }

        // The step count: I64 (exact); checkpoints written before stored it in the scalar type.
        var stepCount: Int? = nil
        if let integers = file.integers(stepKey) {
            stepCount = integers.values.count == 1 ? Int(exactly: integers.values[0]) : nil
        } else if let tensor = file[stepKey], tensor.count == 1 {
            stepCount = Int(exactly: tensor.scalars[0])
        }
        if stepCount == nil || stepCount ?? 0 < 0 { problems.append("the optimizer's step count is missing or not a whole number ≥ 0") }

        // Parameters: names and shapes, all compared before anything is assigned.
        var saved: [String: Tensor<M.Scalar>] = [:], optimizerState: [String: Tensor<M.Scalar>] = [:]
        for key in file.names where key != stepKey {
            guard let tensor = file[key] else { continue }
            if key.hasPrefix("model/") { saved[String(key.dropFirst(6))] = tensor }
            else if key.hasPrefix("optimizer/") { optimizerState[String(key.dropFirst(10))] = tensor }
            else { problems.append("unexpected tensor \(key)") }
        }
        if legacy {
            // Written before version 2: Dense weights (and their optimizer state) transposed, a
            // transformer block's attention under its old name.
            saved = LegacyLayout.convert(saved, model: model)
            optimizerState = LegacyLayout.convert(optimizerState, model: model, slots: true)
        }
        // The optimizer's state tensors against the list saved with them (checkpoints written
        // before the list was recorded have none, and are taken as they are).
        if let list = metadata[stateListKey] {
            if let listed = decodeList(list).map({ names in legacy ? names.map { LegacyLayout.renamed($0, in: model) } : names }) {
                let present = Set(optimizerState.keys.map { Array($0.utf8) })
                let expected = Set(listed.map { Array($0.utf8) })
                let missing = listed.filter { !present.contains(Array($0.utf8)) }
                let extra = optimizerState.keys.filter { !expected.contains(Array($0.utf8)) }.sorted()
                if !missing.isEmpty { problems.append("missing optimizer state: \(missing.joined(separator: ", "))") }
                if !extra.isEmpty { problems.append("optimizer state not listed when the checkpoint was saved: \(extra.joined(separator: ", "))") }
            } else {
                problems.append("unreadable list of optimizer state (metadata \"\(stateListKey)\"): '\(list.prefix(80))'")
            }
        }
        let parameters = model.namedParameters
        for (name, parameter) in parameters {
            guard let tensor = saved[name] else { problems.append("no saved value for parameter \(name)"); continue }
            if tensor.shape != parameter.shape {
                problems.append("parameter \(name): saved shape \(tensor.shape), model shape \(parameter.shape)")
            }
        }
        // Buffers (running statistics) are saved beside the parameters and checked the same way.
        let buffers = model.namedBuffers
        for (name, buffer) in buffers {
            guard let tensor = saved[name] else { problems.append("no saved value for buffer \(name)"); continue }
            if tensor.shape != buffer.shape {
                problems.append("buffer \(name): saved shape \(tensor.shape), model shape \(buffer.shape)")
            }
        }
        let names = Set(parameters.map(\.name) + buffers.map(\.name))
        for name in saved.keys.sorted() where !names.contains(name) { problems.append("saved parameter \(name) is not in the model") }

        var modelGenerators: [String: SeededGenerator] = [:], generators: [String: SeededGenerator] = [:]
        for (key, value) in metadata {
            let isModel = key.hasPrefix("model-rng/")
            guard isModel || key.hasPrefix("rng/") else { continue }
            var name = String(key.dropFirst(isModel ? 10 : 4))
            if legacy && isModel { name = LegacyLayout.renamed(name, in: model) }
            guard let g = decode(value) else { problems.append("generator \(name): unreadable state '\(value)'"); continue }
            if isModel { modelGenerators[name] = g } else { generators[name] = g }
        }
        let modelNames = Set(model.randomStates.keys)
        for name in modelNames.subtracting(modelGenerators.keys).sorted() { problems.append("no saved state for generator \(name)") }
        for name in Set(modelGenerators.keys).subtracting(modelNames).sorted() { problems.append("saved generator \(name) is not in the model") }
        guard problems.isEmpty, let stepCount else { throw CheckpointError(path: path, problems: problems) }

        // The optimizer validates its own state and changes nothing when it throws; after it,
        // nothing else can fail. Its "step" entry is a Scalar (rounded above 2²⁴ for Float), so
        // the exact count is set after it.
        optimizerState["step"] = Tensor(M.Scalar(stepCount))
        do {
            try optimizer.loadState(optimizerState)
        } catch {
            throw CheckpointError(path: path, problems: ["optimizer state: \(error)"])
        }
        optimizer.stepCount = stepCount
        for (name, parameter) in parameters { if let tensor = saved[name] { parameter.assign(tensor) } }
        for (name, buffer) in buffers { if let tensor = saved[name] { buffer.assign(tensor) } }
        try model.restoreRandomStates(modelGenerators)
        return Info(epoch: epoch, generators: generators)
    }

    /// A list of names as a JSON array (names may hold any character).
    static func encodeList(_ names: [String]) -> String {
        guard let data = try? JSONEncoder().encode(names) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeList(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    static func encode(_ g: SeededGenerator) -> String {
        g.state.map { String($0, radix: 16) }.joined(separator: ",")
    }

    static func decode(_ text: String) -> SeededGenerator? {
        let words = text.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        return SeededGenerator(state: words)
    }
}

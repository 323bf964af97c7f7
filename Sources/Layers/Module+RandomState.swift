/// A random-state key that names no generator of the model, or a model generator the saved
/// states do not mention.
public struct RandomStateMismatchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Generators of the model with no saved state.
    public let missing: [String]
    /// Saved states that name no generator of the model.
    public let unexpected: [String]

    /// "random states do not match the model: no saved state for …; saved states name no
    /// generator of the model: …".
    ///
    /// ```swift
    /// do { try model.restoreRandomStates(states) } catch { print(error) }
    /// ```
    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("no saved state for \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("saved states name no generator of the model: \(unexpected.joined(separator: ", "))") }
        return "random states do not match the model: " + parts.joined(separator: "; ")
    }
}

extension Module {
    /// The state of every random generator inside the model (each dropout layer's mask
    /// generator), by dotted path, so that a checkpoint can resume the same random sequence.
    ///
    /// ```swift
    /// let model = Sequential<Float> { Dense<Float>(inputs: 4, outputs: 4); Dropout<Float>(rate: 0.5, seed: 1) }
    /// model.randomStates.keys      // ["layers.1.source"]
    /// ```
    public var randomStates: [String: SeededGenerator] {
        var out: [String: SeededGenerator] = [:]
        for (name, source) in ParameterDiscovery.collect(DropoutMaskSource.self, from: self, prefix: "") {
            out[name] = source.state
        }
        return out
    }

    /// Restores generator states saved from ``randomStates``. Every generator of the model must be
    /// named and every name must be a generator of the model; otherwise nothing is changed.
    ///
    /// ```swift
    /// let saved = model.randomStates
    /// try model.restoreRandomStates(saved)
    /// ```
    public func restoreRandomStates(_ states: [String: SeededGenerator]) throws {
        let sources = ParameterDiscovery.collect(DropoutMaskSource.self, from: self, prefix: "")
        let names = Set(sources.map(\.name))
        let missing = names.subtracting(states.keys).sorted(), unexpected = Set(states.keys).subtracting(names).sorted()
        guard missing.isEmpty && unexpected.isEmpty else {
            throw RandomStateMismatchError(missing: missing, unexpected: unexpected)
        }
        for (name, source) in sources {
            if let state = states[name] { source.state = state }
        }
    }
}

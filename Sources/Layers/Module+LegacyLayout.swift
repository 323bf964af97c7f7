import Autograd

/// A layer whose saved names or layout changed in version 2 of this library (see ``SavedLayout``),
/// saying how its state looked before, so that old files are converted in one place.
protocol LegacyLayoutChanges {
    /// Parameters (relative names) that were saved transposed: `Dense`'s [inputs, outputs] weight.
    var legacyTransposedParameters: [String] { get }
    /// Children that were saved under another name: (old, new), relative names.
    var legacyRenamedChildren: [(old: String, new: String)] { get }
}

extension LegacyLayoutChanges {
    var legacyTransposedParameters: [String] { [] }
    var legacyRenamedChildren: [(old: String, new: String)] { [] }
}

/// Reads states written before version 2 (``SavedLayout/beforeVersion2``).
package enum LegacyLayout {
    /// What changed in a whole model: dotted names of transposed tensors (new names) and renamed
    /// prefixes (old → new), found by walking its layers.
    struct Changes {
        var transposed: [String] = []
        var renamed: [(old: String, new: String)] = []
        var isEmpty: Bool { transposed.isEmpty && renamed.isEmpty }
    }

    static func changes(in model: Any) -> Changes {
        var changes = Changes()
        var seen = Set<ObjectIdentifier>()
        collect(model, prefix: "", into: &changes, seen: &seen)
        return changes
    }

    private static func collect(_ value: Any, prefix: String, into changes: inout Changes, seen: inout Set<ObjectIdentifier>) {
        if type(of: value) is AnyClass {
            guard seen.insert(ObjectIdentifier(value as AnyObject)).inserted else { return }
        }
        if let layer = value as? LegacyLayoutChanges {
            changes.transposed += layer.legacyTransposedParameters.map { ModuleTree.join(prefix, $0) }
            changes.renamed += layer.legacyRenamedChildren.map {
                (ModuleTree.join(prefix, $0.old), ModuleTree.join(prefix, $0.new))
            }
        }
        for (label, module) in ModuleTree.submodules(of: value) {
            collect(module, prefix: ModuleTree.join(prefix, label), into: &changes, seen: &seen)
        }
    }

    /// `name` (a parameter's, a buffer's, a generator's or an optimizer slot's) in today's names.
    package static func renamed<M: Module>(_ name: String, in model: M) -> String {
        renamed(name, changes(in: model))
    }

    /// `name` with an old prefix replaced by its new one.
    static func renamed(_ name: String, _ changes: Changes) -> String {
        for (old, new) in changes.renamed where name == old || name.hasPrefix(old + ".") {
            return new + name.dropFirst(old.count)
        }
        return name
    }

    /// Whether the tensors (of a file without a layout key) show the old layout: a transposed
    /// tensor saved with the transposed non-square shape, or an old name the model does not use.
    static func looksOld<M: Module>(_ entries: [(name: String, shape: [Int])], model: M) -> Bool {
        let shapes = Dictionary(entries.map { (Array($0.name.utf8), $0.shape) }, uniquingKeysWith: { first, _ in first })
        let changes = changes(in: model)
        if changes.isEmpty { return false }
        let expected = Dictionary(model.stateShapes.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        for name in changes.transposed {
            guard let saved = shapes[Array(name.utf8)], let shape = expected[name], shape.count == 2, shape[0] != shape[1] else { continue }
            if saved == [shape[1], shape[0]] { return true }
        }
        for (name, _) in entries where expected[name] == nil {
            let new = renamed(name, changes)
            if new != name && expected[new] != nil { return true }
        }
        return false
    }

    /// The tensors in today's names and layouts. `slots`: also convert entries named after a
    /// changed tensor with a suffix (an optimizer's "head.weight.expAvg").
    package static func convert<Scalar, M: Module>(_ tensors: [String: Tensor<Scalar>], model: M, slots: Bool = false)
    -> [String: Tensor<Scalar>] {
        Dictionary(convert(tensors.map { ($0.key, $0.value) }, model: model, slots: slots), uniquingKeysWith: { first, _ in first })
    }

    static func convert<Scalar, M: Module>(_ tensors: [(name: String, tensor: Tensor<Scalar>)], model: M, slots: Bool = false)
    -> [(name: String, tensor: Tensor<Scalar>)] {
        let changes = changes(in: model)
        if changes.isEmpty { return tensors }
        let transposed = Set(changes.transposed)
        return tensors.map { name, tensor in
            let new = renamed(name, changes)
            let isChanged = transposed.contains(new) || (slots && transposed.contains { new.hasPrefix($0 + ".") })
            return (new, tensor.rank == 2 && isChanged ? tensor.transposed() : tensor)
        }
    }
}

extension Dense: LegacyLayoutChanges {
    var legacyTransposedParameters: [String] { ["weight"] }
}

extension TransformerBlock: LegacyLayoutChanges {
    var legacyRenamedChildren: [(old: String, new: String)] { [("attention", "self_attn")] }
}

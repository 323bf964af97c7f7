// The one step of every walk over a model's stored properties (its parameters, buffers and
// generators, its submodules for the summary, the per-sample gradient checks): what counts as a
// child of a value and the name it adds to a dotted path, so that every walk names a layer alike.
extension ModuleTree {
    /// The children of `value` with the names they add to a path, in a stable order.
    ///
    /// A layer that names its own children (``CustomModuleChildren``) gives them; otherwise its
    /// stored properties in declaration order (a superclass's after the class's own), named after
    /// the property (``propertyName(_:)``) or by position; an optional's wrapped value with an
    /// empty name (it adds nothing to the path); a dictionary's entries in key order. A set gives
    /// none (unordered: its names would not be stable), and so does an object already in `seen`:
    /// a shared layer is followed once, which also breaks reference cycles.
    static func children(of value: Any, seen: inout Set<ObjectIdentifier>) -> [(label: String, value: Any)] {
        if let custom = value as? CustomModuleChildren { return custom.moduleChildren }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { [("", $0.value)] } ?? []
        case .class:
            guard seen.insert(ObjectIdentifier(value as AnyObject)).inserted else { return [] }
        case .dictionary:
            let entries = mirror.children.compactMap { entry -> (label: String, value: Any)? in
                let pair = Array(Mirror(reflecting: entry.value).children)
                guard pair.count == 2 else { return nil }
                return ("\(pair[0].value)", pair[1].value)
            }
            return entries.sorted { $0.label < $1.label }
        case .set:
            return []
        default:
            break
        }
        var children: [(label: String, value: Any)] = []
        var current: Mirror? = mirror
        while let m = current {
            for child in m.children {
                children.append((child.label.map(propertyName) ?? "\(children.count)", child.value))
            }
            current = m.superclassMirror
        }
        return children
    }

    /// `prefix.label`, or either alone when the other is empty.
    static func join(_ prefix: String, _ label: String) -> String {
        label.isEmpty ? prefix : prefix.isEmpty ? label : "\(prefix).\(label)"
    }

    /// The property name behind a stored child's label: `_x` (property wrapper) and
    /// `$__lazy_storage_$_x` (lazy) become `x`.
    static func propertyName(_ label: String) -> String {
        let lazyPrefix = "$__lazy_storage_$_"
        if label.hasPrefix(lazyPrefix) { return String(label.dropFirst(lazyPrefix.count)) }
        if label.hasPrefix("_") { return String(label.dropFirst()) }
        return label
    }

    /// The children of a layer whose children are its parameters, present ones only, in order: what
    /// such a layer gives as ``CustomModuleChildren`` instead of being walked by reflection (`Mirror`
    /// decodes every property's type from its mangled name on each visit, and training loops walk
    /// the model every step in `zeroGrad()`).
    static func parameterChildren<Scalar>(_ named: (label: String, parameter: Parameter<Scalar>?)...) -> [(label: String, value: Any)] {
        named.compactMap { entry in entry.parameter.map { (entry.label, $0 as Any) } }
    }
}

import Foundation

/// Marks an intermediate tensor of a derivation by name, so that a hand-derived gradient
/// with respect to it can be checked. Passed to the function given to
/// ``checkDerivation(at:names:atol:rtol:eps:function:hand:)``.
public struct DerivationSteps {
    final class Storage {
        var marked: [(name: String, tensor: Tensor<Double>)] = []
        /// For finite differences with respect to a step: the step's element to nudge, and by how much.
        var nudge: (name: String, index: Int, delta: Double)?
    }
    let storage = Storage()

    /// Names `tensor` as a step of the derivation and returns it unchanged.
    public func callAsFunction(_ name: String, _ tensor: Tensor<Double>) -> Tensor<Double> {
        storage.marked.append((name, tensor))
        if let nudge = storage.nudge, nudge.name == name, nudge.index < tensor.count {
            var values = tensor.scalars
            values[nudge.index] += nudge.delta
            return Tensor(values, shape: tensor.shape)
        }
        return tensor
    }
}

/// How a hand-derived gradient compares with the tape (and, for inputs, with finite differences).
///
/// The check passes only when something was compared, nothing compared is wrong, and every name
/// the hand closure returned is an input or a marked step: a misspelt name ("dz" for "z", "W" for
/// "w") fails the check instead of leaving that gradient silently unchecked.
public struct DerivationReport: CustomStringConvertible {
    /// The verdict for one tensor.
    public enum Verdict: String, Sendable {
        /// Equal to the tape's gradient in every bit.
        case exact
        /// Within tolerance of the tape's gradient.
        case close
        /// Outside tolerance, or of the wrong shape: this step of the derivation is wrong.
        case wrong
        /// No hand-derived gradient was given for this tensor.
        case notGiven = "not given"
    }

    /// The comparison for one named tensor (an input or a marked step).
    public struct Item: Sendable {
        /// The tensor's name: an input's, or the one given to `step`.
        public let name: String
        /// The tensor's shape.
        public let shape: [Int]
        /// True for an input of the function, false for a marked intermediate step.
        public let isInput: Bool
        /// Exact, close, wrong or not given.
        public let verdict: Verdict
        /// The largest |hand − tape| over the elements (infinity when the shapes differ).
        public let maxDifference: Double
        /// The element where hand and tape differ most, its coordinates and both values.
        public let worstIndex: [Int]
        /// The hand-derived gradient at ``worstIndex``.
        public let hand: Double
        /// The tape's gradient at ``worstIndex``.
        public let tape: Double
        /// The central-difference value at the worst element: the loss's slope when that
        /// element of the input, or of the step's tensor as `step` returns it, is nudged.
        public let numeric: Double?
        /// The shape of the hand-derived gradient, when one was given (it differs from ``shape``
        /// when, for instance, a sum ran over the wrong axis).
        public let handShape: [Int]?

        /// Whether the hand gradient was given with a shape other than the tensor's.
        public var hasWrongShape: Bool { handShape.map { $0 != shape } ?? false }
    }

    /// Every item, walking backwards from the loss: the last marked step first, the inputs last.
    public let items: [Item]

    /// Names the hand closure returned that are neither an input nor a marked step, sorted.
    /// Any of them fails the check: it is usually a typo, and its gradient was not compared.
    public let unknownNames: [String]

    /// The names a hand gradient can be given for: the marked steps, walking back from the loss,
    /// then the inputs (the order of ``items``).
    public var knownNames: [String] { items.map(\.name) }

    /// The graph of the loss and the full hand and tape gradients, for ``html(title:)``.
    var page: DerivationPageData?

    /// The first wrong item walking backwards from the loss: the step where the derivation went wrong.
    public var firstWrong: Item? { items.first { $0.verdict == .wrong } }

    /// The number of items whose hand gradient was compared with the tape.
    public var comparedCount: Int { items.filter { $0.verdict != .notGiven }.count }

    /// True when at least one hand gradient was compared, none is wrong, and no returned name is unknown.
    public var passed: Bool { firstWrong == nil && unknownNames.isEmpty && comparedCount > 0 }

    /// The verdict, one line per item from the loss back, the first wrong step named.
    public var description: String {
        var lines: [String] = []
        let known = "known: \(knownNames.joined(separator: ", "))"
        if let first = firstWrong {
            lines.append("derivation WRONG: the first step that disagrees, walking back from the loss, is ∂L/∂\(first.name)")
        } else if !unknownNames.isEmpty {
            lines.append("derivation NOT CHECKED: the hand gradients use names that are neither an input nor a step")
        } else if comparedCount == 0 {
            lines.append("derivation NOT CHECKED: no hand gradient was given for any input or step (\(known))")
        } else {
            lines.append("derivation OK: every given gradient agrees with the tape")
        }
        if !unknownNames.isEmpty {
            let suggestions = unknownNames.compactMap { name in
                DerivationReport.suggestion(for: name, among: knownNames).map { "\(name): did you mean \($0)?" }
            }
            lines.append("  unknown: \(unknownNames.joined(separator: ", ")); \(known)"
                         + (suggestions.isEmpty ? "" : " (\(suggestions.joined(separator: " ")))"))
        }
        for item in items {
            var line = "  ∂L/∂\(item.name) \(item.shape): \(item.verdict.rawValue)"
            if let handShape = item.handShape, item.hasWrongShape {
                line += ": the hand gradient has shape \(handShape), but '\(item.name)' has shape \(item.shape)"
                if handShape.reduce(1, *) != item.shape.reduce(1, *) { line += " (a sum over the wrong axis?)" }
            } else if item.verdict != .notGiven && item.verdict != .exact {
                line += String(format: ", max |hand − tape| %.3g at %@%@: hand %.6g, tape %.6g", item.maxDifference,
                               item.name, "\(item.worstIndex)", item.hand, item.tape)
                if let n = item.numeric { line += String(format: ", finite differences %.6g", n) }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A known name an unknown one was probably meant to be: the same letters in another case
    /// ("W" for "w"), or the name with a derivative prefix ("dz", "dL_dz", "∂L/∂z" for "z").
    static func suggestion(for name: String, among known: [String]) -> String? {
        if let match = known.first(where: { $0.lowercased() == name.lowercased() }) { return match }
        for prefix in ["dL_d", "dLd", "dL/d", "∂L/∂", "grad_", "d_", "d", "∂"] where name.hasPrefix(prefix) {
            let rest = String(name.dropFirst(prefix.count))
            if let match = known.first(where: { $0 == rest || $0.lowercased() == rest.lowercased() }) { return match }
        }
        return nil
    }
}

/// Checks a hand-derived gradient, step by step, against the tape and finite differences.
///
/// `function` computes a scalar loss from `inputs`, naming the intermediate tensors of the
/// derivation with `step`. `hand` receives the inputs and the forward values of the named steps
/// and returns the hand-derived gradients of the loss by name (inputs and steps; any subset).
/// The report walks back from the loss and names the first step that disagrees, so a student
/// learns *which* step of the derivation is wrong. A hand gradient of the wrong shape is a wrong
/// step (the report gives both shapes); a name that is neither an input nor a step fails the
/// check and is listed beside the known names; a check that compared nothing does not pass.
///
/// ```swift
/// let x = Tensor<Double>(rows: [[0.5, -1.0]]), y = Tensor<Double>(rows: [[1.0]])
/// let w = Tensor<Double>(rows: [[0.3], [0.8]])
/// let report = checkDerivation(at: [w], names: ["w"]) { v, step in
///     let z = step("z", x.matmul(v[0]))
///     let a = step("a", z.sigmoid())
///     return 0.5 * (a - y).squared().sum()
/// } hand: { v, forward in
///     guard let a = forward["a"] else { return [:] }
///     let dA = a - y
///     let dZ = dA * a * (1 - a)
///     return ["a": dA, "z": dZ, "w": x.transposed().matmul(dZ)]
/// }
/// print(report)     // derivation OK: …
/// ```
public func checkDerivation(at inputs: [Tensor<Double>], names: [String], atol: Double = 1e-6, rtol: Double = 1e-4,
                            eps: Double = 1e-6,
                            function: ([Tensor<Double>], DerivationSteps) -> Tensor<Double>,
                            hand: ([Tensor<Double>], [String: Tensor<Double>]) -> [String: Tensor<Double>])
    -> DerivationReport {
    require(names.count == inputs.count, "checkDerivation: \(names.count) names for \(inputs.count) inputs")
    let leaves = inputs.enumerated().map { $1.detached().requiringGrad(named: names[$0]) }
    let steps = DerivationSteps()
    let loss = withRecording(true) { function(leaves, steps) }
    require(loss.count == 1, "checkDerivation: the function must return a scalar loss, not shape \(loss.shape)")
    let marked = steps.storage.marked
    // The graph for the report's page, taken before the backward pass below frees it.
    let graph = TapeGraph(of: loss, names: zip(names, leaves).map { ($0, $1) } + marked.map { ($0.name, $0.tensor) },
                          locate: leaves + marked.map(\.tensor))
    let tapeGradients: [Tensor<Double>]
    if loss.requiresGrad, let g = try? gradients(of: loss, wrt: leaves + marked.map(\.tensor)) {
        tapeGradients = g
    } else {
        tapeGradients = (leaves + marked.map(\.tensor)).map { .zeros($0.shape) }
    }
    var forward: [String: Tensor<Double>] = [:]
    for (name, tensor) in marked { forward[name] = tensor.detached() }
    let given = hand(inputs.map { $0.detached() }, forward)

    func lossValue(at xs: [Tensor<Double>], nudging nudge: (name: String, index: Int, delta: Double)? = nil) -> Double {
        let steps = DerivationSteps()
        steps.storage.nudge = nudge
        return withoutGradients { function(xs, steps).scalar }
    }
    var pageData = DerivationPageData(graph: graph, atol: atol, rtol: rtol)

    var items: [DerivationReport.Item] = []
    let allNames = names + marked.map(\.name)
    // Walk back from the loss: the last marked step first, then earlier steps, then inputs.
    let order = Array((names.count..<allNames.count).reversed()) + Array(0..<names.count)
    for k in order {
        let name = allNames[k], tape = tapeGradients[k]
        let isInput = k < names.count
        pageData.nodes.append(k < graph.located.count ? graph.located[k] : nil)
        pageData.tape.append(TensorSummary(tape, keepingUpTo: TapeGraph.defaultElementLimit))
        pageData.hand.append(given[name].map { TensorSummary($0, keepingUpTo: TapeGraph.defaultElementLimit) })
        guard let h = given[name] else {
            items.append(.init(name: name, shape: tape.shape, isInput: isInput, verdict: .notGiven, maxDifference: 0,
                               worstIndex: [], hand: .nan, tape: .nan, numeric: nil, handShape: nil))
            continue
        }
        // A wrong shape is a wrong step (often a sum over the wrong axis): reported, not trapped,
        // so that the rest of the report is still printed.
        guard h.shape == tape.shape else {
            items.append(.init(name: name, shape: tape.shape, isInput: isInput, verdict: .wrong, maxDifference: .infinity,
                               worstIndex: [], hand: .nan, tape: .nan, numeric: nil, handShape: h.shape))
            continue
        }
        var worst = 0, maxDifference = 0.0, withinTolerance = true
        for i in 0..<h.count {
            let d = Swift.abs(h.scalars[i] - tape.scalars[i])
            if !(d <= atol + rtol * Swift.abs(tape.scalars[i])) { withinTolerance = false }
            if d > maxDifference || d.isNaN { maxDifference = d.isNaN ? .infinity : d; worst = i }
        }
        let verdict: DerivationReport.Verdict = h.scalars == tape.scalars ? .exact : (withinTolerance ? .close : .wrong)
        var numeric: Double? = nil
        if !isInput {
            numeric = (lossValue(at: inputs.map { $0.detached() }, nudging: (name, worst, eps))
                       - lossValue(at: inputs.map { $0.detached() }, nudging: (name, worst, -eps))) / (2 * eps)
        } else {
            var plus = inputs.map { $0.detached() }, minus = plus
            var p = plus[k].scalars, m = minus[k].scalars
            p[worst] += eps
            m[worst] -= eps
            plus[k] = Tensor(p, shape: plus[k].shape)
            minus[k] = Tensor(m, shape: minus[k].shape)
            numeric = (lossValue(at: plus) - lossValue(at: minus)) / (2 * eps)
        }
        items.append(.init(name: name, shape: tape.shape, isInput: isInput, verdict: verdict, maxDifference: maxDifference,
                           worstIndex: unflatten(worst, Shape.strides(tape.shape)), hand: h.scalars[worst],
                           tape: tape.scalars[worst], numeric: numeric, handShape: h.shape))
    }
    let unknown = given.keys.filter { !allNames.contains($0) }.sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }
    var report = DerivationReport(items: items, unknownNames: unknown)
    report.page = pageData
    return report
}

import Foundation

/// The tolerances of ``gradcheck(inputs:names:eps:atol:rtol:worst:fastMode:_:)``: an analytic
/// Jacobian entry `a` passes against the numeric one `n` when |a − n| ≤ atol + rtol·|n|.
public struct GradCheckTolerance: Sendable, Equatable {
    /// Step of the central difference (f(x + eps) − f(x − eps)) / 2eps.
    public var eps: Double
    /// Absolute part of the allowed error: an entry passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
    public var atol: Double
    /// Relative part of the allowed error (see ``atol``).
    public var rtol: Double
    /// PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3.
    public init(eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3) {
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
    }
}

/// What ``gradcheck(inputs:names:eps:atol:rtol:worst:fastMode:_:)`` found, element by element.
/// Printing it shows a table; a test asserts ``passed`` and prints the report on failure.
///
/// ```swift
/// let report = gradcheck(inputs: [x, w], names: ["x", "w"]) { $0[0].matmul($0[1]).tanh() }
/// XCTAssertTrue(report.passed, "\(report)")
/// ```
public struct GradCheckReport: CustomStringConvertible, Sendable {
    /// How one Jacobian entry compared.
    public enum Status: Sendable, Equatable {
        /// Within tolerance.
        case ok
        /// Outside tolerance: the derivative rule (or the hand derivation) is wrong here.
        case mismatch
        /// The ±eps evaluation crossed a point where the function is not differentiable
        /// (a relu at 0, a tie in a max, |x| at 0): the one-sided slopes differ and the
        /// analytic value is one of them or lies between them, so this is not a failure.
        case kink(leftSlope: Double, rightSlope: Double)
    }

    /// One entry of the Jacobian: ∂output[outputIndex] / ∂input[inputIndex].
    public struct Entry: Sendable {
        /// Coordinates of the input element.
        public let inputIndex: [Int]
        /// Coordinates of the output element (`[]` for a scalar output).
        public let outputIndex: [Int]
        /// The entry from the tape (the backward pass).
        public let analytic: Double
        /// The entry from central finite differences.
        public let numeric: Double
        /// |analytic − numeric|.
        public let absoluteError: Double
        /// |analytic − numeric| / |numeric| (infinite when numeric is 0 and they differ).
        public let relativeError: Double
        /// atol + rtol·|numeric|, the largest absolute error allowed here.
        public let tolerance: Double
        /// Within tolerance, at a recognised kink, or a mismatch.
        public let status: Status
    }

    /// The comparison for one input tensor.
    public struct Input: Sendable {
        /// The input's name, as given to `gradcheck(names:)` or "x0", "x1", ….
        public let name: String
        /// The input's shape.
        public let shape: [Int]
        /// The worst entries (largest error relative to its tolerance) first.
        public let worst: [Entry]
        /// How many Jacobian entries of this input are outside the tolerance (and not at a kink).
        public let mismatches: Int
        /// How many entries sit at a non-differentiable point whose one-sided slopes bracket the tape's value.
        public let kinks: Int
        /// The largest |analytic − numeric| over this input's entries.
        public let maxAbsoluteError: Double
        /// The tape gave this input a gradient of exactly zero everywhere while the finite
        /// differences show that the output depends on it: the input is not connected to the
        /// output on the tape (a layer initializer that copied it, `withoutGradients`, `detached()`).
        public let notConnected: Bool
        /// True when no entry of this input is a mismatch.
        public var passed: Bool { mismatches == 0 }
        /// Per element of the input (row-major), its worst entry over the outputs: 0 ok, 1 kink, 2 mismatch.
        var elementStatus: [UInt8] = []
    }

    /// "gradcheck" or "gradgradcheck": which check made this report.
    public let check: String
    /// The comparison for each input, in the order given.
    public let inputs: [Input]
    /// The shape of the checked function's output (`[]`: a scalar).
    public let outputShape: [Int]
    /// The step and tolerances the check used.
    public let tolerance: GradCheckTolerance
    /// Two backward passes over fresh graphs gave bitwise identical gradients.
    public let backwardIsDeterministic: Bool
    /// A zero upstream gradient gave all-zero gradients.
    public let zeroUpstreamGivesZero: Bool
    /// The function's graph at the inputs, for ``html(title:)``, and each input's node in it.
    var graph: TapeGraph?
    var inputNodes: [Int?] = []

    /// True when every entry is within tolerance (or at a recognised kink) and both extra checks hold.
    public var passed: Bool { inputs.allSatisfy(\.passed) && backwardIsDeterministic && zeroUpstreamGivesZero }

    /// The entries that failed among those kept in each input's ``Input/worst`` list (at most
    /// `worst` per input; ``Input/mismatches`` counts them all), worst first.
    public var mismatches: [(input: String, entry: Entry)] {
        inputs.flatMap { input in input.worst.filter { $0.status == .mismatch }.map { (input.name, $0) } }
    }

    /// The verdict, then each input's worst entries with their coordinates and both values.
    public var description: String {
        var output = outputShape.isEmpty ? "scalar output"
            : check == "gradgradcheck" ? "\(outputShape.reduce(1, *)) first derivatives" : "output \(outputShape)"
        if check.hasSuffix("(fast)") { output += " along a random direction u (∂output [] is uᵀ·output)" }
        var lines = ["\(check) \(passed ? "PASSED" : "FAILED") — \(output), eps \(tolerance.eps), "
                     + "atol \(tolerance.atol), rtol \(tolerance.rtol)"]
        if !backwardIsDeterministic { lines.append("  ✗ backward twice gave different gradients") }
        if !zeroUpstreamGivesZero { lines.append("  ✗ a zero upstream gradient gave non-zero gradients") }
        for input in inputs {
            lines.append("  \(input.name) \(input.shape): \(input.passed ? "ok" : "\(input.mismatches) mismatched")"
                         + (input.kinks > 0 ? ", \(input.kinks) at kinks" : "")
                         + ", max |error| \(fmt(input.maxAbsoluteError))")
            if input.notConnected {
                lines.append("    \(input.name) is not connected to the output: the tape's gradient is 0 everywhere, "
                             + "but the finite differences are not.")
                lines.append("    Usual causes: a layer whose initializer copies the tensor (Parameter(copying:)) instead "
                             + "of using it, withoutGradients { … } or detached() on the way from \(input.name) to the output.")
            }
            let shown = input.worst.filter { $0.status != .ok }
            guard !shown.isEmpty else { continue }
            lines.append("    " + pad("element", 22) + pad("∂output", 12) + pad("analytic", 14) + pad("numeric", 14)
                         + pad("|error|", 12) + pad("tolerance", 12) + "status")
            for e in shown {
                let status: String
                switch e.status {
                case .ok: status = "ok"
                case .mismatch: status = "MISMATCH"
                case .kink(let l, let r): status = "kink: left slope \(fmt(l)), right slope \(fmt(r)), rule chose \(fmt(e.analytic))"
                }
                lines.append("    " + pad("\(input.name)\(e.inputIndex)", 22) + pad("\(e.outputIndex)", 12)
                             + pad(fmt(e.analytic), 14) + pad(fmt(e.numeric), 14) + pad(fmt(e.absoluteError), 12)
                             + pad(fmt(e.tolerance), 12) + status)
            }
        }
        return lines.joined(separator: "\n")
    }

    private func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

/// Checks the tape's gradients of `function` at `inputs` against central finite differences,
/// entry by entry of the full Jacobian (one backward pass per output element), in Double.
///
/// ```swift
/// let x = Tensor<Double>.randomNormal([2, 3], seed: 1)
/// let report = gradcheck(inputs: [x], names: ["x"]) { $0[0].softmax(axis: 1) }
/// print(report)          // gradcheck PASSED — …
/// ```
/// Also checks that backward twice gives identical gradients and that a zero upstream gives
/// zero gradients. Entries at non-differentiable points are reported as kinks, not failures,
/// when the rule's value is one of the one-sided slopes or between them.
///
/// With `fastMode` (PyTorch's `fast_mode=True`) it compares one number per input instead of the
/// full Jacobian: uᵀ·J·v for random directions u (output) and v (input), from one backward pass
/// and two evaluations per input, so a model with 10⁵ parameters is checked in seconds. When an
/// input disagrees, it bisects the input's elements to the ones that disagree and reports them
/// as the full check does: coordinates, the tape's value and the finite differences' (of the
/// output weighted by u; `outputIndex` is then `[]`), up to `2·worst` of them.
///
/// ```swift
/// let report = gradcheck(inputs: model.parameters.map(\.value) + [x], fastMode: true) { v in … }
/// ```
public func gradcheck(inputs: [Tensor<Double>], names: [String]? = nil, eps: Double = 1e-6, atol: Double = 1e-5,
                      rtol: Double = 1e-3, worst: Int = 5, fastMode: Bool = false,
                      _ function: ([Tensor<Double>]) -> Tensor<Double>) -> GradCheckReport {
    let tolerance = GradCheckTolerance(eps: eps, atol: atol, rtol: rtol)
    let names = names ?? inputs.indices.map { "input\($0)" }
    require(names.count == inputs.count, "gradcheck: \(names.count) names for \(inputs.count) inputs")
    if fastMode {
        return fastGradcheck(inputs: inputs, names: names, tolerance: tolerance, worst: worst, seed: 0x5EED, function)
    }
    let plain = inputs.map { $0.detached() }
    func evaluate(_ xs: [Tensor<Double>]) -> [Double] { withoutGradients { function(xs).scalars } }

    // Analytic Jacobian, one backward per output element; with `capturing`, also the graph for the report's page.
    func analyticJacobian(capturing: Bool) -> (outputShape: [Int], rows: [[Double]], graph: TapeGraph?)? {
        let leaves = plain.enumerated().map { $1.requiringGrad(named: names[$0]) }
        let output = withRecording(true) { function(leaves) }
        let m = output.count
        let graph = capturing ? TapeGraph(of: output, names: zip(names, leaves).map { ($0, $1) }, locate: leaves) : nil
        guard output.requiresGrad else {
            return (output.shape, [[Double]](repeating: [Double](repeating: 0, count: plain.map(\.count).reduce(0, +)), count: m),
                    graph)
        }
        var rows: [[Double]] = []
        for i in 0..<m {
            var seed = [Double](repeating: 0, count: m)
            seed[i] = 1
            guard let grads = try? gradients(of: output, wrt: leaves, upstream: Tensor(seed, shape: output.shape),
                                             retainGraph: true) else { return nil }
            rows.append(grads.flatMap(\.scalars))
        }
        return (output.shape, rows, graph)
    }

    guard let first = analyticJacobian(capturing: true), let second = analyticJacobian(capturing: false) else {
        trap("gradcheck: backward failed")
    }
    let (outputShape, analytic) = (first.outputShape, first.rows)
    let deterministic = analytic == second.rows

    // A zero upstream must give zero gradients.
    let zeroOK: Bool = {
        let leaves = plain.enumerated().map { $1.requiringGrad(named: names[$0]) }
        let output = withRecording(true) { function(leaves) }
        guard output.requiresGrad, let grads = try? gradients(of: output, wrt: leaves, upstream: .zeros(output.shape))
        else { return true }
        return grads.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } }
    }()

    let base = evaluate(plain)
    var reports: [GradCheckReport.Input] = []
    var column = 0
    for (j, x) in plain.enumerated() {
        var entries: [GradCheckReport.Entry] = []
        var mismatches = 0, kinks = 0, maxError = 0.0, analyticAllZero = true
        var elementStatus = [UInt8](repeating: 0, count: x.count)
        let inputStrides = Shape.strides(x.shape), outStrides = Shape.strides(outputShape)
        for k in 0..<x.count {
            func shifted(_ delta: Double) -> [Double] {
                var values = x.scalars
                values[k] += delta
                var xs = plain
                xs[j] = Tensor(values, shape: x.shape)
                return evaluate(xs)
            }
            let plus = shifted(eps), minus = shifted(-eps)
            // Evaluated at ±eps/2 only when some entry looks like a kink, once per input element.
            var halfCache: (plus: [Double], minus: [Double])?
            func halfShifted() -> (plus: [Double], minus: [Double]) {
                if let halfCache { return halfCache }
                let values = (shifted(eps / 2), shifted(-eps / 2))
                halfCache = values
                return values
            }
            for i in 0..<base.count {
                let numeric = (plus[i] - minus[i]) / (2 * eps)
                let a = analytic[i][column + k]
                if a != 0 { analyticAllZero = false }
                let error = Swift.abs(a - numeric)
                let allowed = atol + rtol * Swift.abs(numeric)
                // Where the one-sided slopes differ, x ± eps straddles a kink. That is reported even
                // when the central difference happens to agree with the rule (|x| at 0 gives 0 both ways).
                let left = (base[i] - minus[i]) / eps, right = (plus[i] - base[i]) / eps
                let lo = Swift.min(left, right), hi = Swift.max(left, right)
                let slack = atol + rtol * Swift.max(Swift.abs(left), Swift.abs(right))
                var oneSidedDiffer = Swift.abs(left - right) > slack
                if oneSidedDiffer {
                    // Curvature also separates the one-sided slopes, by f''·eps: that gap halves
                    // exactly with eps, while a kink's does not. Look again at eps / 2.
                    let (halfPlus, halfMinus) = halfShifted()
                    let halfGap = (halfPlus[i] - base[i]) / (eps / 2) - (base[i] - halfMinus[i]) / (eps / 2)
                    let gap = right - left
                    if Swift.abs(halfGap - gap / 2) <= 0.1 * Swift.abs(gap / 2) { oneSidedDiffer = false }
                }
                var status = GradCheckReport.Status.ok
                if oneSidedDiffer && a >= lo - slack && a <= hi + slack {
                    status = .kink(leftSlope: left, rightSlope: right)
                    kinks += 1
                    elementStatus[k] = Swift.max(elementStatus[k], 1)
                } else if !(error <= allowed) {
                    status = .mismatch
                    mismatches += 1
                    elementStatus[k] = 2
                }
                maxError = Swift.max(maxError, error.isNaN ? .infinity : error)
                let entry = GradCheckReport.Entry(
                    inputIndex: unflatten(k, inputStrides), outputIndex: unflatten(i, outStrides), analytic: a,
                    numeric: numeric, absoluteError: error, relativeError: error / Swift.max(Swift.abs(numeric), 1e-300),
                    tolerance: allowed, status: status)
                entries.append(entry)
            }
        }
        // Worst first: failures, then kinks, then by error relative to tolerance.
        func rank(_ e: GradCheckReport.Entry) -> (Int, Double) {
            switch e.status {
            case .mismatch: return (0, -(e.absoluteError.isNaN ? .infinity : e.absoluteError / e.tolerance))
            case .kink: return (1, -e.absoluteError / e.tolerance)
            case .ok: return (2, -e.absoluteError / e.tolerance)
            }
        }
        entries.sort { rank($0) < rank($1) }
        let keep = Swift.max(worst, entries.filter { $0.status != .ok }.count.clamped(to: 0...worst))
        reports.append(.init(name: names[j], shape: x.shape, worst: Array(entries.prefix(keep)), mismatches: mismatches,
                             kinks: kinks, maxAbsoluteError: maxError, notConnected: analyticAllZero && mismatches > 0,
                             elementStatus: elementStatus))
        column += x.count
    }
    return GradCheckReport(check: "gradcheck", inputs: reports, outputShape: outputShape, tolerance: tolerance,
                           backwardIsDeterministic: deterministic, zeroUpstreamGivesZero: zeroOK,
                           graph: first.graph, inputNodes: first.graph?.located ?? [])
}

/// Checks second derivatives: the gradient of `sum(function(inputs) · u)` for a fixed random
/// `u`, computed on the tape with `createGraph`, is itself gradchecked with respect to the inputs.
///
/// ```swift
/// let report = gradgradcheck(inputs: [x], names: ["x"]) { $0[0].tanh() }
/// ```
public func gradgradcheck(inputs: [Tensor<Double>], names: [String]? = nil, eps: Double = 1e-6, atol: Double = 1e-5,
                          rtol: Double = 1e-3, seed: UInt64 = 0x5EED,
                          _ function: ([Tensor<Double>]) -> Tensor<Double>) -> GradCheckReport {
    let shape = withoutGradients { function(inputs.map { $0.detached() }).shape }
    let u = Tensor<Double>.randomNormal(shape, seed: seed)
    let report = gradcheck(inputs: inputs, names: names, eps: eps, atol: atol, rtol: rtol) { xs in
        func firstOrder(_ leaves: [Tensor<Double>], createGraph: Bool) -> Tensor<Double> {
            let output = function(leaves)
            guard output.requiresGrad,
                  let grads = try? gradients(of: output, wrt: leaves, upstream: u, createGraph: createGraph)
            else { return Tensor<Double>.zeros([leaves.map(\.count).reduce(0, +)]) }
            return Tensor.concatenate(grads.map { $0.reshaped([-1]) }, axis: 0)
        }
        // Analytic pass: the inputs are leaves and the first-order gradient is recorded.
        if xs.contains(where: \.requiresGrad) { return firstOrder(xs, createGraph: true) }
        // Numeric pass: plain inputs, so take the first-order gradient on fresh leaves.
        return withRecording(true) { firstOrder(xs.map { $0.requiringGrad() }, createGraph: false).detached() }
    }
    return GradCheckReport(check: "gradgradcheck", inputs: report.inputs, outputShape: report.outputShape,
                           tolerance: report.tolerance, backwardIsDeterministic: report.backwardIsDeterministic,
                           zeroUpstreamGivesZero: report.zeroUpstreamGivesZero, graph: report.graph,
                           inputNodes: report.inputNodes)
}

func unflatten(_ flat: Int, _ strides: [Int]) -> [Int] {
    var rest = flat
    return strides.map { s in
        defer { rest %= s }
        return rest / s
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}

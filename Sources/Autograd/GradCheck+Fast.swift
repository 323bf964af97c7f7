import Foundation

// gradcheck's fast mode (PyTorch's `fast_mode=True`, JAX's `check_grads` with random directions):
// instead of the full Jacobian, one scalar per input, uᵀ·J·v for random u (output space) and v
// (input space): the tape gives it from one backward pass (⟨Jᵀu, v⟩), finite differences from two
// evaluations along v (⟨u, f(x + εv) − f(x − εv)⟩ / 2ε). Cost: one backward pass and two forward
// passes per input tensor, whatever its size, so a model of 10⁵ parameters is checked in seconds.
//
// When an input disagrees, the check localises the disagreement by bisection: the same comparison
// along v restricted to half of the input's elements (the tape's side is already known: Jᵀu), then
// to the half of that half that disagrees, down to single elements, whose analytic and numeric
// values and coordinates the report lists as the full check's do. About 2·log₂(n) evaluations per
// wrong element found.

/// The fast check of ``gradcheck(inputs:names:eps:atol:rtol:worst:fastMode:_:)``.
func fastGradcheck(inputs: [Tensor<Double>], names: [String], tolerance: GradCheckTolerance, worst: Int,
                   seed: UInt64, _ function: ([Tensor<Double>]) -> Tensor<Double>) -> GradCheckReport {
    let plain = inputs.map { $0.detached() }
    func evaluate(_ xs: [Tensor<Double>]) -> Tensor<Double> { withoutGradients { function(xs) } }
    let base = evaluate(plain)
    var generator = SeededGenerator(seed: seed)
    let u = Tensor<Double>.randomNormal(base.shape, using: &generator)
    let directions = plain.map { Tensor<Double>.randomNormal($0.shape, using: &generator) }

    // The tape's side: Jᵀu for every input, twice (determinism), and a zero upstream.
    func transposedProducts(_ upstream: Tensor<Double>) -> [Tensor<Double>]? {
        let leaves = plain.enumerated().map { $1.requiringGrad(named: names[$0]) }
        let output = withRecording(true) { function(leaves) }
        guard output.requiresGrad else { return plain.map { Tensor<Double>.zeros($0.shape) } }
        return try? gradients(of: output, wrt: leaves, upstream: upstream)
    }
    guard let analytic = transposedProducts(u), let again = transposedProducts(u) else { trap("gradcheck: backward failed") }
    let deterministic = analytic.map(\.scalars) == again.map(\.scalars)
    let zeroOK = transposedProducts(.zeros(base.shape))?.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } } ?? true
    let graph: TapeGraph? = {
        let leaves = plain.enumerated().map { $1.requiringGrad(named: names[$0]) }
        let output = withRecording(true) { function(leaves) }
        return TapeGraph(of: output, names: zip(names, leaves).map { ($0, $1) }, locate: leaves)
    }()

    let eps = tolerance.eps
    var reports: [GradCheckReport.Input] = []
    for (j, x) in plain.enumerated() {
        let g = analytic[j].scalars, v = directions[j].scalars
        let strides = Shape.strides(x.shape)
        /// ⟨u, f(x + εw) − f(x − εw)⟩ / 2ε for the direction w (on input j), and the one-sided slopes.
        func numeric(_ w: [Double]) -> (central: Double, left: Double, right: Double) {
            func shifted(_ scale: Double) -> Double {
                var xs = plain
                xs[j] = Tensor(zip(x.scalars, w).map { $0 + scale * $1 }, shape: x.shape)
                return (u * evaluate(xs)).sum().scalar
            }
            let plus = shifted(eps), minus = shifted(-eps), middle = (u * base).sum().scalar
            return ((plus - minus) / (2 * eps), (middle - minus) / eps, (plus - middle) / eps)
        }
        func restricted(_ range: Range<Int>) -> [Double] {
            var w = [Double](repeating: 0, count: v.count)
            for k in range { w[k] = v[k] }
            return w
        }
        func allowed(_ n: Double) -> Double { tolerance.atol + tolerance.rtol * Swift.abs(n) }
        let whole = zip(g, v).map { $0 * $1 }.reduce(0, +)
        let wholeNumeric = numeric(v).central
        let wholeError = Swift.abs(whole - wholeNumeric)
        let analyticAllZero = g.allSatisfy { $0 == 0 }
        var entries: [GradCheckReport.Entry] = []
        var mismatches = 0, kinks = 0
        var elementStatus = [UInt8](repeating: 0, count: x.count)
        if !(wholeError <= allowed(wholeNumeric)) && x.count > 0 {
            // Bisect: keep the halves whose own directional derivatives disagree.
            var pending: [Range<Int>] = [0..<x.count]
            let budget = Swift.max(worst, 1) * 2
            while let range = pending.popLast(), entries.count < budget {
                if range.count == 1 {
                    let k = range.lowerBound
                    var unit = [Double](repeating: 0, count: x.count)
                    unit[k] = 1
                    let (n, left, right) = numeric(unit)
                    let error = Swift.abs(g[k] - n)
                    let slack = allowed(Swift.max(Swift.abs(left), Swift.abs(right)))
                    var status = GradCheckReport.Status.mismatch
                    if Swift.abs(left - right) > slack && g[k] >= Swift.min(left, right) - slack && g[k] <= Swift.max(left, right) + slack {
                        status = .kink(leftSlope: left, rightSlope: right)
                        kinks += 1
                        elementStatus[k] = 1
                    } else if error <= allowed(n) {
                        continue   // the disagreement was spread over the block, not here
                    } else {
                        mismatches += 1
                        elementStatus[k] = 2
                    }
                    entries.append(.init(inputIndex: unflatten(k, strides), outputIndex: [], analytic: g[k], numeric: n,
                                         absoluteError: error, relativeError: error / Swift.max(Swift.abs(n), 1e-300),
                                         tolerance: allowed(n), status: status))
                    continue
                }
                let middle = range.lowerBound + range.count / 2
                for half in [range.lowerBound..<middle, middle..<range.upperBound] {
                    let a = half.map { g[$0] * v[$0] }.reduce(0, +)
                    let n = numeric(restricted(half)).central
                    if !(Swift.abs(a - n) <= allowed(n)) { pending.append(half) }
                }
            }
            if entries.isEmpty {
                // Disagreement that no single element shows (spread thinly): report the direction itself.
                mismatches = 1
                entries.append(.init(inputIndex: [], outputIndex: [], analytic: whole, numeric: wholeNumeric,
                                     absoluteError: wholeError, relativeError: wholeError / Swift.max(Swift.abs(wholeNumeric), 1e-300),
                                     tolerance: allowed(wholeNumeric), status: .mismatch))
            }
        }
        entries.sort { Swift.abs($0.absoluteError) / $0.tolerance > Swift.abs($1.absoluteError) / $1.tolerance }
        let maxError = Swift.max(wholeError, entries.map(\.absoluteError).max() ?? 0)
        reports.append(.init(name: names[j], shape: x.shape, worst: Array(entries.prefix(Swift.max(worst, 1))),
                             mismatches: mismatches, kinks: kinks, maxAbsoluteError: maxError.isNaN ? .infinity : maxError,
                             notConnected: analyticAllZero && mismatches > 0, elementStatus: elementStatus))
    }
    return GradCheckReport(check: "gradcheck (fast)", inputs: reports, outputShape: base.shape, tolerance: tolerance,
                           backwardIsDeterministic: deterministic, zeroUpstreamGivesZero: zeroOK,
                           graph: graph, inputNodes: graph?.located ?? [])
}

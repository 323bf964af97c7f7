import Autograd

/// Eigenvalues and eigenvectors of a real symmetric matrix (row-major `[Double]`), without LAPACK.
///
/// Both methods return the `leading` largest eigenvalues in decreasing order with unit
/// eigenvectors, each signed so that its entry of largest magnitude is positive.
enum SymmetricEigen {
    /// Cyclic Jacobi rotations until the off-diagonal part is negligible.
    static func jacobi(_ matrix: [Double], size n: Int, leading k: Int) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(n, p + 1) { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * max(scale, .leastNormalMagnitude) || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let tau = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = tau >= 0 ? 1 / (tau + (1 + tau * tau).squareRoot()) : -1 / (-tau + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot()
                    let s = t * c
                    // A ← Jᵀ A J with J the rotation in the (p, q) plane; V ← V J.
                    for r in 0..<n {
                        let arp = a[r * n + p], arq = a[r * n + q]
                        a[r * n + p] = c * arp - s * arq
                        a[r * n + q] = s * arp + c * arq
                    }
                    for col in 0..<n {
                        let apc = a[p * n + col], aqc = a[q * n + col]
                        a[p * n + col] = c * apc - s * aqc
                        a[q * n + col] = s * apc + c * aqc
                    }
                    a[p * n + q] = 0
                    a[q * n + p] = 0
                    for r in 0..<n {
                        let vrp = v[r * n + p], vrq = v[r * n + q]
                        v[r * n + p] = c * vrp - s * vrq
                        v[r * n + q] = s * vrp + c * vrq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        let chosen = order.prefix(k)
        let values = chosen.map { a[$0 * n + $0] }
        let vectors = chosen.map { j in signed((0..<n).map { v[$0 * n + j] }) }
        return (values, vectors)
    }

    /// Power iteration on each eigenvector in turn, orthogonalised against the ones found
    /// (deflation), from a fixed start so that results repeat.
    static func powerIteration(_ matrix: [Double], size n: Int, leading k: Int,
                               maxIterations: Int = 2000, tolerance: Double = 1e-12) -> (values: [Double], vectors: [[Double]]) {
        var values: [Double] = []
        var vectors: [[Double]] = []
        var generator = SeededGenerator(seed: 0x5CA1AB1E)
        func multiply(_ x: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var acc = 0.0
                for j in 0..<n { acc += matrix[i * n + j] * x[j] }
                y[i] = acc
            }
            return y
        }
        func orthogonalize(_ x: inout [Double]) {
            for u in vectors {
                var dot = 0.0
                for i in 0..<n { dot += u[i] * x[i] }
                for i in 0..<n { x[i] -= dot * u[i] }
            }
        }
        func normalize(_ x: inout [Double]) -> Bool {
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else { return false }
            for i in 0..<n { x[i] /= norm }
            return true
        }
        for _ in 0..<k {
            var x = (0..<n).map { _ in generator.nextNormalDouble() }
            orthogonalize(&x)
            if !normalize(&x) { x = [Double](repeating: 0, count: n) }
            var lambda = 0.0
            for _ in 0..<maxIterations {
                var y = multiply(x)
                orthogonalize(&y)
                let ynorm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if ynorm <= 1e-300 {
                    // The remaining eigenvalues are zero: any unit vector orthogonal to the others will do.
                    lambda = 0
                    break
                }
                for i in 0..<n { y[i] /= ynorm }
                var change = 0.0
                for i in 0..<n { change = max(change, abs(abs(y[i]) - abs(x[i]))) }
                x = y
                lambda = ynorm
                if change < tolerance { break }
            }
            // Rayleigh quotient for the final value.
            let ax = multiply(x)
            var rq = 0.0
            for i in 0..<n { rq += x[i] * ax[i] }
            values.append(x.contains(where: { $0 != 0 }) ? rq : lambda)
            vectors.append(signed(x))
        }
        return (values, vectors)
    }

    /// The vector flipped, if needed, so that its entry of largest magnitude is positive.
    static func signed(_ x: [Double]) -> [Double] {
        var best = 0
        for i in x.indices where abs(x[i]) > abs(x[best]) + 1e-12 { best = i }
        return x.isEmpty || x[best] >= 0 ? x : x.map { -$0 }
    }
}

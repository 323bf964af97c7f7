// The scalar chain of `bench --only chain`, differentiated by Swift's own compile-time automatic
// differentiation: a reference row for the tape's per-op cost (issue 22), not something the
// library uses. Built only where the toolchain ships `_Differentiation`.
#if canImport(_Differentiation)
import _Differentiation

enum CompileTimeChain {
    static let isAvailable = true

    @differentiable(reverse)
    static func chain(_ x: Double, _ b: Double, _ a: Double, iterations: Int) -> Double {
        var y = x
        var i = 0
        while i < iterations {
            y = y * b + a
            i += 1
        }
        return y
    }

    /// d/dx of the chain of `length` ops (two per iteration, as the tape's chain counts them).
    static func derivative(length: Int) -> Double {
        gradient(at: 1.0) { x in chain(x, 1.000_000_1, 0, iterations: length / 2) }
    }
}
#else
enum CompileTimeChain {
    static let isAvailable = false
    static func derivative(length: Int) -> Double { 0 }
}
#endif

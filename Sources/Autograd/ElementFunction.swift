/// The forward pass of an elementwise op: a function of one scalar, written once for any
/// ``TensorScalar`` and declared beside the op that uses it.
///
/// ```swift
/// @usableFromInline struct ReciprocalSquareRoot: ElementFunction {
///     @inlinable init() {}
///     @inlinable func callAsFunction<S: TensorScalar>(_ x: S) -> S { 1 / x.squareRoot() }
/// }
/// // in the op: Tensor.record("rsqrt", …, scalars: map(ReciprocalSquareRoot()), …)
/// ```
///
/// ``Tensor/map(_:)`` runs it in a loop compiled for `Float` or `Double`, also when the op is
/// called from code that is generic over the scalar type (a layer, `fit`): `map` picks the scalar
/// type with a run-time test that folds away in specialised code, and calls the function's `float`
/// or `double` entry point, which the conformance compiles for that type.
@usableFromInline
protocol ElementFunction {
    /// The function's value at `x`.
    func callAsFunction<S: TensorScalar>(_ x: S) -> S
    /// The function at a `Float` and at a `Double`: requirements (given by the extension below),
    /// so that `map` reaches code compiled for the concrete type through the witness table even
    /// when it runs unspecialised (an op called from code generic over the scalar type, such as
    /// a layer), instead of calling the generic `callAsFunction`, whose constants and elementary
    /// functions then go through generic conversions and witnesses for every element.
    func float(_ x: Float) -> Float
    func double(_ x: Double) -> Double
}

extension ElementFunction {
    @inlinable func float(_ x: Float) -> Float { self(x) }
    @inlinable func double(_ x: Double) -> Double { self(x) }
}

extension Tensor {
    /// The elements with `f` applied to each, in a loop compiled for the concrete scalar type.
    @inlinable
    func map<F: ElementFunction>(_ f: F) -> [Scalar] {
        let n = count
        return Tensor.makeScalars(count: n) { out in
            scalars.withUnsafeBufferPointer { x in
                guard let xp = UnsafeRawPointer(x.baseAddress), let op = UnsafeMutableRawPointer(out.baseAddress) else { return }
                if Scalar.self == Float.self {
                    let (x, out) = (xp.assumingMemoryBound(to: Float.self), op.assumingMemoryBound(to: Float.self))
                    for i in 0..<n { out[i] = f.float(x[i]) }
                } else if Scalar.self == Double.self {
                    let (x, out) = (xp.assumingMemoryBound(to: Double.self), op.assumingMemoryBound(to: Double.self))
                    for i in 0..<n { out[i] = f.double(x[i]) }
                } else {
                    Tensor.mapLoop(f, xp.assumingMemoryBound(to: Scalar.self), op.assumingMemoryBound(to: Scalar.self), n)
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func mapLoop<F: ElementFunction, S: TensorScalar>(_ f: F, _ x: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>,
                                                             _ n: Int) {
        for i in 0..<n { out[i] = f(x[i]) }
    }
}

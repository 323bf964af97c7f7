import Foundation

/// The element type of a ``Tensor``: `Float` (for training) or `Double` (for gradient checks).
///
/// The protocol carries the elementary functions the kernels need. Only `Float` and `Double`
/// conform: the kernels are compiled for exactly those two.
///
/// ```swift
/// let x = Tensor<Double>([1, 2, 3])
/// let y = Tensor<Float>.zeros([2, 2])
/// ```
public protocol TensorScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// e raised to `x`.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm of `x`.
    static func log(_ x: Self) -> Self
    /// The hyperbolic tangent of `x`.
    static func tanh(_ x: Self) -> Self
    /// `x` raised to `y`.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// `log(1 + x)`, accurate near zero.
    static func log1p(_ x: Self) -> Self
    /// The sine of `x` (radians).
    static func sin(_ x: Self) -> Self
    /// The cosine of `x` (radians).
    static func cos(_ x: Self) -> Self
    /// `exp(x) − 1`, accurate near zero.
    static func expm1(_ x: Self) -> Self
    /// The error function, 2/√π ∫₀ˣ e^(−t²) dt.
    static func erf(_ x: Self) -> Self
    /// The complementary error function, 1 − erf(x), accurate where erf(x) is close to 1.
    static func erfc(_ x: Self) -> Self
}

extension Float: TensorScalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
    @inlinable public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inlinable public static func sin(_ x: Float) -> Float { Foundation.sin(x) }
    @inlinable public static func cos(_ x: Float) -> Float { Foundation.cos(x) }
    @inlinable public static func expm1(_ x: Float) -> Float { Foundation.expm1(x) }
    @inlinable public static func erf(_ x: Float) -> Float { Foundation.erf(x) }
    @inlinable public static func erfc(_ x: Float) -> Float { Foundation.erfc(x) }
}

extension Double: TensorScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inlinable public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    @inlinable public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inlinable public static func erfc(_ x: Double) -> Double { Foundation.erfc(x) }
}

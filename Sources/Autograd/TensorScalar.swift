import Foundation

/// The element type of a ``Tensor``: `Float` (for training) or `Double` (for gradient checks).
///
/// The protocol carries the elementary functions the kernels need and a table of
/// kernels specialised for the concrete type, so that generic tensor code called from
/// another module still runs loops compiled for `Float` or `Double`.
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
    /// Kernels compiled for this concrete type.
    static var _kernels: _Kernels<Self> { get }
}

extension Float: TensorScalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
    @inlinable public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    /// Kernels specialised for `Float`.
    public static let _kernels = _Kernels<Float>.specialized()
}

extension Double: TensorScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    /// Kernels specialised for `Double`.
    public static let _kernels = _Kernels<Double>.specialized()
}

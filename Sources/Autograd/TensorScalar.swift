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

    // Entry points of the ops. Each public op calls its entry point here, which runs the op's
    // implementation compiled for this concrete type: a generic op called from another module
    // (a layer, a user's model) would otherwise run unspecialised, looking up type metadata and
    // copying through value witnesses, several times slower on small tensors. The entry points
    // have one implementation each (TensorScalar+Ops.swift); Float and Double get copies
    // specialised by the compiler. Adding an op: add its entry point here and there.

    // Elementwise
    /// The specialised entry point of the op `add`.
    static func _add(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `subtract`.
    static func _subtract(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `multiply`.
    static func _multiply(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `divide`.
    static func _divide(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `negate`.
    static func _negate(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `pow`.
    static func _pow(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `pow`.
    static func _pow(_ x: Tensor<Self>, _ exponent: Self) -> Tensor<Self>
    /// The specialised entry point of the op `exp`.
    static func _exp(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `log`.
    static func _log(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `sqrt`.
    static func _sqrt(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `abs`.
    static func _abs(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `tanh`.
    static func _tanh(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `sigmoid`.
    static func _sigmoid(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `relu`.
    static func _relu(_ x: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `leakyRelu`.
    static func _leakyRelu(_ x: Tensor<Self>, slope: Self) -> Tensor<Self>
    /// The specialised entry point of the op `clamped`.
    static func _clamped(_ x: Tensor<Self>, lower: Self, upper: Self) -> Tensor<Self>
    /// The specialised entry point of the op `maximum`.
    static func _maximum(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `minimum`.
    static func _minimum(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `select`.
    static func _select(_ condition: Tensor<Self>, _ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self>

    // Shapes
    /// The specialised entry point of the op `reshaped`.
    static func _reshaped(_ x: Tensor<Self>, _ shape: [Int]) -> Tensor<Self>
    /// The specialised entry point of the op `permuted`.
    static func _permuted(_ x: Tensor<Self>, _ axes: [Int]) -> Tensor<Self>
    /// The specialised entry point of the op `expanded`.
    static func _expanded(_ x: Tensor<Self>, to shape: [Int]) -> Tensor<Self>
    /// The specialised entry point of the op `slice`.
    static func _slice(_ x: Tensor<Self>, lower: [Int], upper: [Int], steps: [Int]) -> Tensor<Self>
    /// The specialised entry point of the op `embedded`.
    static func _embedded(_ x: Tensor<Self>, into shape: [Int], lower: [Int], steps: [Int], fill: Self) -> Tensor<Self>
    /// The specialised entry point of the op `concatenate`.
    static func _concatenate(_ tensors: [Tensor<Self>], axis: Int) -> Tensor<Self>
    /// The specialised entry point of the op `gather`.
    static func _gather(_ x: Tensor<Self>, axis: Int, indices: Tensor<Self>) -> Tensor<Self>
    /// The specialised entry point of the op `scatterAdding`.
    static func _scatterAdding(_ x: Tensor<Self>, axis: Int, indices: Tensor<Self>, values: Tensor<Self>) -> Tensor<Self>

    // Reductions, products, softmax
    /// The specialised entry point of the op `sum`.
    static func _sum(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self>
    /// The specialised entry point of the op `max`.
    static func _max(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self>
    /// The specialised entry point of the op `min`.
    static func _min(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self>
    /// The specialised entry point of the op `matmul`.
    static func _matmul(_ a: Tensor<Self>, _ b: Tensor<Self>, transposeA: Bool, transposeB: Bool) -> Tensor<Self>
    /// The specialised entry point of the op `softmax`.
    static func _softmax(_ x: Tensor<Self>, axis: Int) -> Tensor<Self>
    /// The specialised entry point of the op `logSoftmax`.
    static func _logSoftmax(_ x: Tensor<Self>, axis: Int) -> Tensor<Self>

    // Convolution and pooling
    /// The specialised entry point of the op `unfolded`.
    static func _unfolded(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D, padValue: Self) -> Tensor<Self>
    /// The specialised entry point of the op `folded`.
    static func _folded(_ x: Tensor<Self>, imageSize: Size2D, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self>
    /// The specialised entry point of the op `conv2d`.
    static func _conv2d(_ x: Tensor<Self>, _ weight: Tensor<Self>, bias: Tensor<Self>?, stride: Size2D, padding: Size2D, groups: Int) -> Tensor<Self>
    /// The specialised entry point of the op `convTranspose2d`.
    static func _convTranspose2d(_ x: Tensor<Self>, _ weight: Tensor<Self>, bias: Tensor<Self>?, stride: Size2D, padding: Size2D, outputPadding: Size2D, groups: Int) -> Tensor<Self>
    /// The specialised entry point of the op `maxPool2D`.
    static func _maxPool2D(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self>
    /// The specialised entry point of the op `avgPool2D`.
    static func _avgPool2D(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self>

    // The backward pass
    /// The specialised entry point of the op `backpropagate`.
    static func _backpropagate(from root: Tensor<Self>, upstream: Tensor<Self>?, targets: [Tensor<Self>]?, retainGraph: Bool, createGraph: Bool, trace: ((ChainRuleStep) -> Void)?) throws -> [Tensor<Self>]
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

import CKernels
import Foundation

// The raw loops behind the ops. Nothing here knows about the tape: each kernel reads
// buffers and writes a buffer. `_Kernels<S>.specialized()` is called once per concrete
// scalar type, so every closure in the table points at code compiled for that type.

/// An elementwise function of one tensor, applied by the unary kernel.
@usableFromInline
enum UnaryKernel<S: TensorScalar>: Sendable {
    case negate, exp, log, sqrt, abs, tanh, sigmoid, relu, sign
    /// 1 where x > 0, else `otherwise` (the derivative of relu and leaky relu).
    case step(otherwise: S)
    case leakyRelu(slope: S)
    case powScalar(S)
    case addScalar(S)
    case mulScalar(S)
    case clamp(lower: S, upper: S)
    /// 1 where lower < x < upper, else 0 (the derivative of clamp, 0 at the bounds as in PyTorch).
    case insideMask(lower: S, upper: S)
    case reciprocal
    /// Special functions and activations whose Float forms run vectorised in C (see `VectorMath`).
    case expm1, log1p, erf, erfc, silu, softplus
    /// The exact GELU x·Φ(x) and its derivative Φ(x) + x·φ(x).
    case gelu, geluSlope
    /// GELU with tanh, ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³), and its derivative.
    case geluTanh, geluTanhSlope
    /// mish x·tanh(softplus(x)).
    case mish
    /// ELU: x for x > 0, alpha·(eˣ − 1) otherwise.
    case elu(alpha: S)
    /// sin and cos (radians).
    case sin, cos
}

/// An elementwise function of two broadcast tensors, applied by the binary kernel.
@usableFromInline
enum BinaryKernel: Sendable {
    case add, subtract, multiply, divide, pow, maximum, minimum
    /// Comparison masks: 1 where the comparison holds, else 0.
    case greater, greaterEqual, less, lessEqual, equal
}

/// The reductions the reduce kernel performs over a set of axes.
@usableFromInline
enum ReduceKernel: Sendable { case sum, max, min }

/// A view of a buffer as broadcast to an output shape: offset and per-axis strides
/// (0 on broadcast axes).
@usableFromInline
struct StridedView: Sendable {
    @usableFromInline var offset: Int
    @usableFromInline var strides: [Int]

    @inlinable init(offset: Int, strides: [Int]) {
        self.offset = offset
        self.strides = strides
    }
}

/// Where the matrices of a batched product lie in a buffer: the batch view gives the offset of
/// each product's matrix (per-axis strides over the batch shape, 0 where broadcast), and element
/// (i, j) of a matrix is `rowStride·i + columnStride·j` from there. A transposed or permuted
/// operand (a head of [batch, T, heads·d]) is just other strides.
@usableFromInline
struct MatrixLayout: Sendable {
    @usableFromInline var batch: StridedView
    @usableFromInline var rowStride: Int
    @usableFromInline var columnStride: Int

    @inlinable init(batch: StridedView, rowStride: Int, columnStride: Int) {
        (self.batch, self.rowStride, self.columnStride) = (batch, rowStride, columnStride)
    }
}

/// The kernels and tape entry points compiled for one scalar type.
///
/// Ops are `@inlinable`, so that a model written with concrete types runs them specialised; but
/// generic code in another module (a layer's `callAsFunction`, `fit`) runs them unspecialised.
/// Everything heavy an op does — its loops, recording it on the tape, the backward walk — goes
/// through this table, which is built once per scalar type inside this module, so that part always
/// runs compiled for `Float` or `Double` whoever calls the op.
@usableFromInline
final class Kernels<S: TensorScalar>: Sendable {
    @usableFromInline let unary: @Sendable (UnaryKernel<S>, UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void
    /// Sets entry (i, j) of every [rows, columns] matrix of a buffer to −∞ where j > i (a causal
    /// attention mask, see `Tensor.scaledSoftmax`).
    @usableFromInline let causalFill: @Sendable (UnsafeMutableBufferPointer<S>, Int, Int) -> Void
    /// GELU and its slope in one pass (see `Loops.geluPair`): x → gelu(x), gelu′(x); the exact
    /// GELU, or with the flag set the tanh approximation.
    @usableFromInline let geluPair: @Sendable (Bool, UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>,
                                               UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let binary: @Sendable (BinaryKernel, UnsafeBufferPointer<S>, StridedView, UnsafeBufferPointer<S>,
                                             StridedView, [Int], UnsafeMutableBufferPointer<S>) -> Void
    /// `binary` for two operands of one shape, both contiguous: no broadcast views to build,
    /// which is most of the cost of an op on a handful of elements.
    @usableFromInline let binarySameShape: @Sendable (BinaryKernel, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                                      UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let select: @Sendable (UnsafeBufferPointer<S>, StridedView, UnsafeBufferPointer<S>, StridedView,
                                             UnsafeBufferPointer<S>, StridedView, [Int], UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let copy: @Sendable (UnsafeBufferPointer<S>, StridedView, [Int], UnsafeMutableBufferPointer<S>) -> Void
    /// Writes a contiguous buffer of `shape` through a strided view of the output (the adjoint of `copy`).
    @usableFromInline let embed: @Sendable (UnsafeBufferPointer<S>, [Int], StridedView, UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let reduce: @Sendable (ReduceKernel, UnsafeBufferPointer<S>, [Int], Set<Int>,
                                             UnsafeMutableBufferPointer<S>, UnsafeMutablePointer<Int>?) -> Void
    @usableFromInline let matmul: @Sendable (UnsafeBufferPointer<S>, StridedView, Bool, UnsafeBufferPointer<S>, StridedView,
                                             Bool, [Int], Int, Int, Int, UnsafeMutableBufferPointer<S>) -> Void
    /// Batched product with every operand, the output too, laid out by a ``MatrixLayout``.
    @usableFromInline let stridedMatmul: @Sendable (UnsafeBufferPointer<S>, MatrixLayout, UnsafeBufferPointer<S>, MatrixLayout,
                                                    [Int], Int, Int, Int, UnsafeMutableBufferPointer<S>, MatrixLayout) -> Void
    @usableFromInline let unfold: @Sendable (UnsafeBufferPointer<S>, ConvGeometry, S, UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let fold: @Sendable (UnsafeBufferPointer<S>, ConvGeometry, UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let maxPool: @Sendable (UnsafeBufferPointer<S>, ConvGeometry, UnsafeMutableBufferPointer<S>,
                                              UnsafeMutableBufferPointer<Int>) -> Void
    /// Softmax (or, when the flag is set, log-softmax) along the middle axis of an [outer, length,
    /// inner] buffer; returns whether some slice was −∞ everywhere (it gets zeros).
    @usableFromInline let softmax: @Sendable (UnsafeBufferPointer<S>, Int, Int, Int, Bool, UnsafeMutableBufferPointer<S>) -> Bool
    /// Running sums along the middle axis of an [outer, length, inner] buffer, from the end when `reverse`.
    @usableFromInline let cumulativeSum: @Sendable (UnsafeBufferPointer<S>, Int, Int, Int, Bool, UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let scatterByIndex: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<Int>,
                                                     UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let gatherByIndex: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<Int>,
                                                    UnsafeMutableBufferPointer<S>) -> Void
    @usableFromInline let addByIndex: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<Int>,
                                                 UnsafeMutableBufferPointer<S>) -> Void
    /// Converts index values to `Int`; returns the position of the first that is not a whole
    /// number in `0..<bound`, or nil.
    @usableFromInline let wholeNumbers: @Sendable (UnsafeBufferPointer<S>, Int, UnsafeMutableBufferPointer<Int>) -> Int?
    /// `count` copies of a value: `Array(repeating:count:)` called from code the compiler did not
    /// specialise copies element by element through the type's value witnesses.
    @usableFromInline let filled: @Sendable (S, Int) -> [S]
    /// The fused LSTM cell (see `Loops.lstmCell`): gates, cell state, batch, hidden → (h′ | c′), activations.
    @usableFromInline let lstmCell: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, Int, Int,
                                               UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void
    /// Its vector-Jacobian product (see `Loops.lstmCellBackward`).
    @usableFromInline let lstmCellBackward: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                                       UnsafeBufferPointer<S>?, Int, Int, UnsafeMutableBufferPointer<S>,
                                                       UnsafeMutableBufferPointer<S>) -> Void
    /// The fused GRU cell (see `Loops.gruCell`): input and hidden gates, hidden state, batch, hidden → h′, activations.
    @usableFromInline let gruCell: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, Int, Int,
                                              UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void
    /// Its vector-Jacobian product (see `Loops.gruCellBackward`).
    @usableFromInline let gruCellBackward: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                                      UnsafeBufferPointer<S>, UnsafeBufferPointer<S>?, Int, Int,
                                                      UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>,
                                                      UnsafeMutableBufferPointer<S>) -> Void
    /// One direction of a recurrent layer, its steps in one loop (see `Loops.recurrentSequence`).
    let recurrentSequence: @Sendable (RecurrentSequenceCell, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                      UnsafeBufferPointer<S>?, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>?, Int, Int, Int,
                                      Bool, UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void
    /// Its backward pass through time (see `Loops.recurrentSequenceBackward`).
    let recurrentSequenceBackward: @Sendable (RecurrentSequenceCell, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                              UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, UnsafeBufferPointer<S>,
                                              UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, Int, Int, Int, Bool,
                                              UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>,
                                              UnsafeMutableBufferPointer<S>, UnsafeMutableBufferPointer<S>) -> Void
    /// The fused batch normalization (see `Loops.batchNorm`): x, outer, channels, inner, eps →
    /// x̂, mean, variance, √(var + eps).
    @usableFromInline let batchNorm: @Sendable (UnsafeBufferPointer<S>, Int, Int, Int, S, UnsafeMutableBufferPointer<S>,
                                                UnsafeMutablePointer<S>, UnsafeMutablePointer<S>, UnsafeMutablePointer<S>) -> Void
    /// Its vector-Jacobian product with the affine map's (see `Loops.batchNormBackward`): g, x̂,
    /// outer, channels, inner, √(var + eps), weight → dx, (Σg, Σg·x̂).
    @usableFromInline let batchNormBackward: @Sendable (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, Int, Int, Int,
                                                        UnsafeBufferPointer<S>, UnsafeBufferPointer<S>?,
                                                        UnsafeMutableBufferPointer<S>, UnsafeMutablePointer<S>?) -> Void
    /// x̂·w + b per channel (see `Loops.channelAffine`).
    @usableFromInline let channelAffine: @Sendable (UnsafeBufferPointer<S>, Int, Int, Int, UnsafeBufferPointer<S>?,
                                                    UnsafeBufferPointer<S>?, UnsafeMutableBufferPointer<S>) -> Void
    /// Records an op on this thread's tape (see `Tensor.record`).
    @usableFromInline let record: @Sendable (OpName, (() -> String)?, consuming NodeInputs<S>, [Int],
                                             TensorElements<S>, @escaping DerivativeRule<S>) -> Tensor<S>
    /// Remembers the versions of a new node's leaf inputs (see `Node.recordLeafVersions`).
    @usableFromInline let recordLeafVersions: @Sendable (Node<S>) -> Void
    /// The backward walk (see `Backpropagation.run`).
    @usableFromInline let backpropagate: @Sendable (Tensor<S>, Tensor<S>?, [Tensor<S>]?, Bool, Bool,
                                                    ((ChainRuleStep) -> Void)?) throws -> [Tensor<S>]
    /// Frees the graph behind a node being deinitialised (see `Node.releaseGraph`): the deinit
    /// of a generic class always runs unspecialised.
    let releaseGraph: @Sendable (Node<S>) -> Void

    /// Builds the table; called once per concrete type, so the compiler specialises each entry for it.
    init() {
        Allocator.tune()
        unary = { op, x, out in Loops.unary(op, x, out) }
        geluPair = { tanh, x, out, slope in Loops.geluPair(tanh, x, out, slope) }
        causalFill = { x, rows, columns in Loops.causalFill(x, rows, columns) }
        binary = { op, a, av, b, bv, shape, out in Loops.binary(op, a, av, b, bv, shape, out) }
        binarySameShape = { op, a, b, out in Loops.binarySameShape(op, a, b, out) }
        select = { c, cv, a, av, b, bv, shape, out in Loops.select(c, cv, a, av, b, bv, shape, out) }
        copy = { x, xv, shape, out in Loops.copy(x, xv, shape, out) }
        embed = { x, shape, outView, out in Loops.embed(x, shape, outView, out) }
        reduce = { op, x, shape, axes, out, winners in Loops.reduce(op, x, shape, axes, out, winners) }
        matmul = { a, av, ta, b, bv, tb, batch, m, k, n, out in Loops.matmul(a, av, ta, b, bv, tb, batch, m, k, n, out) }
        stridedMatmul = { a, al, b, bl, batch, m, k, n, out, ol in Loops.stridedMatmul(a, al, b, bl, batch, m, k, n, out, ol) }
        unfold = { x, g, pad, out in Loops.unfold(x, g, pad, out) }
        fold = { x, g, out in Loops.fold(x, g, out) }
        maxPool = { x, g, out, winners in Loops.maxPool(x, g, out, winners) }
        softmax = { x, outer, length, inner, log, out in Loops.softmax(x, outer, length, inner, log, out) }
        cumulativeSum = { x, outer, length, inner, reverse, out in Loops.cumulativeSum(x, outer, length, inner, reverse, out) }
        scatterByIndex = { x, index, out in Loops.scatterByIndex(x, index, out) }
        gatherByIndex = { x, index, out in Loops.gatherByIndex(x, index, out) }
        addByIndex = { x, index, out in Loops.addByIndex(x, index, out) }
        wholeNumbers = { x, bound, out in Loops.wholeNumbers(x, bound, out) }
        lstmCell = { gates, cell, batch, hidden, out, saved in Loops.lstmCell(gates, cell, batch, hidden, out, saved) }
        lstmCellBackward = { up, gates, cell, saved, batch, hidden, dGates, dCell in
            Loops.lstmCellBackward(up, gates, cell, saved, batch, hidden, dGates, dCell)
        }
        gruCell = { x, hh, state, batch, hidden, out, saved in Loops.gruCell(x, hh, state, batch, hidden, out, saved) }
        gruCellBackward = { up, x, hh, state, saved, batch, hidden, dx, dhh, dState in
            Loops.gruCellBackward(up, x, hh, state, saved, batch, hidden, dx, dhh, dState)
        }
        recurrentSequence = { kind, projected, weight, bias, h0, c0, steps, batch, hidden, reversed, out, saved in
            Loops.recurrentSequence(kind, projected, weight, bias, h0, c0, steps, batch, hidden, reversed, out, saved)
        }
        recurrentSequenceBackward = { kind, up, projected, weight, h0, c0, output, saved, steps, batch, hidden, reversed,
                                      dProjected, dHiddenGates, dh0, dc0 in
            Loops.recurrentSequenceBackward(kind, up, projected, weight, h0, c0, output, saved, steps, batch, hidden, reversed,
                                            dProjected, dHiddenGates, dh0, dc0)
        }
        batchNorm = { x, outer, channels, inner, eps, out, mean, variance, deviation in
            Loops.batchNorm(x, outer, channels, inner, eps, out, mean, variance, deviation)
        }
        batchNormBackward = { g, normalized, outer, channels, inner, deviation, scale, out, sums in
            Loops.batchNormBackward(g, normalized, outer, channels, inner, deviation, scale, out, sums)
        }
        channelAffine = { normalized, outer, channels, inner, weight, bias, out in
            Loops.channelAffine(normalized, outer, channels, inner, weight, bias, out)
        }
        filled = { value, count in [S](repeating: value, count: count) }
        record = { op, attributes, inputs, shape, scalars, rule in
            Tensor.recordNode(op, attributes, inputs: inputs, shape: shape, elements: scalars, rule: rule)
        }
        backpropagate = { root, upstream, targets, retainGraph, createGraph, trace in
            try Backpropagation.run(from: root, upstream: upstream, targets: targets, retainGraph: retainGraph,
                                    createGraph: createGraph, trace: trace)
        }
        releaseGraph = { node in node.releaseGraph() }
        recordLeafVersions = { node in node.recordLeafVersions() }
    }
}

/// The tables for the two scalar types (built on first use).
@usableFromInline let floatKernels = Kernels<Float>()
@usableFromInline let doubleKernels = Kernels<Double>()

extension TensorScalar {
    /// The table compiled for this scalar type. In specialised code the test folds away.
    @inlinable static var kernels: Kernels<Self> {
        if Self.self == Float.self { return unsafeBitCast(floatKernels, to: Kernels<Self>.self) }
        if Self.self == Double.self { return unsafeBitCast(doubleKernels, to: Kernels<Self>.self) }
        trap("Tensor: \(Self.self) is not a supported scalar type (Float or Double)")
    }
}

/// The transcendental unary kernels as vectorised polynomial kernels in C (Sources/CKernels/vmath.c:
/// AVX-512, AVX2 or portable, chosen at run time), each within a stated bound of the exact result,
/// measured by scripts/test_vmath.sh and VectorMathAccuracyTests. Float: ≤ 1 ulp for exp, expm1,
/// log, log1p, erf, erfc, GELU and its slope, GELU with tanh and its slope, ELU, mish, sin and cos; 1.5 for
/// sigmoid and SiLU; 2 for tanh and softplus. Double: ≤ 1 ulp for exp, expm1, log, log1p, sigmoid,
/// SiLU, GELU with tanh and its slope (relative to the exact slope, its zero included), ELU, sin and
/// cos; 1.5 for GELU's slope (the same) and mish; 2 for tanh, softplus, erf, erfc and GELU.
enum VectorMath {
    typealias FloatKernel = @convention(c) (Int32, Int, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void
    typealias DoubleKernel = @convention(c) (Int32, Int, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void

    static func doubleKernel<S>(_ op: UnaryKernel<S>) -> DoubleKernel? {
        switch op {
        case .exp: return ck_vexp_f64
        case .expm1: return ck_vexpm1_f64
        case .log: return ck_vlog_f64
        case .log1p: return ck_vlog1p_f64
        case .tanh: return ck_vtanh_f64
        case .sigmoid: return ck_vsigmoid_f64
        case .silu: return ck_vsilu_f64
        case .softplus: return ck_vsoftplus_f64
        case .erf: return ck_verf_f64
        case .erfc: return ck_verfc_f64
        case .gelu: return ck_vgelu_f64
        case .geluSlope: return ck_vgelu_slope_f64
        case .geluTanh: return ck_vgelu_tanh_f64
        case .geluTanhSlope: return ck_vgelu_tanh_slope_f64
        case .mish: return ck_vmish_f64
        case .sin: return ck_vsin_f64
        case .cos: return ck_vcos_f64
        default: return nil
        }
    }

    /// Whether `op` has a C kernel for the scalar type `S`.
    static func hasKernel<S>(_ op: UnaryKernel<S>) -> Bool {
        // ELU's kernels take alpha besides the arrays (`ck_velu_f32`, `ck_velu_f64`).
        if case .elu = op { return S.self == Float.self || S.self == Double.self }
        if S.self == Float.self { return floatKernel(op) != nil }
        if S.self == Double.self { return doubleKernel(op) != nil }
        return false
    }

    static func floatKernel<S>(_ op: UnaryKernel<S>) -> FloatKernel? {
        switch op {
        case .exp: return ck_vexp_f32
        case .expm1: return ck_vexpm1_f32
        case .log: return ck_vlog_f32
        case .log1p: return ck_vlog1p_f32
        case .tanh: return ck_vtanh_f32
        case .sigmoid: return ck_vsigmoid_f32
        case .silu: return ck_vsilu_f32
        case .softplus: return ck_vsoftplus_f32
        case .erf: return ck_verf_f32
        case .erfc: return ck_verfc_f32
        case .gelu: return ck_vgelu_f32
        case .geluSlope: return ck_vgelu_slope_f32
        case .geluTanh: return ck_vgelu_tanh_f32
        case .geluTanhSlope: return ck_vgelu_tanh_slope_f32
        case .mish: return ck_vmish_f32
        case .sin: return ck_vsin_f32
        case .cos: return ck_vcos_f32
        default: return nil
        }
    }

    /// Runs `op` through its C kernel when `S` has one for it; false otherwise (the caller loops).
    @inline(__always)
    static func run<S>(_ x: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>, _ op: UnaryKernel<S>) -> Bool {
        guard !x.isEmpty else { return hasKernel(op) }
        let xp = UnsafeRawPointer(x.baseAddress), yp = UnsafeMutableRawPointer(out.baseAddress)
        if case .elu(let alpha) = op {
            if S.self == Float.self, let alpha = alpha as? Float {
                ck_velu_f32(ck_isa(), x.count, xp?.assumingMemoryBound(to: Float.self), yp?.assumingMemoryBound(to: Float.self),
                            Double(alpha))
                return true
            }
            if S.self == Double.self, let alpha = alpha as? Double {
                ck_velu_f64(ck_isa(), x.count, xp?.assumingMemoryBound(to: Double.self), yp?.assumingMemoryBound(to: Double.self),
                            alpha)
                return true
            }
            return false
        }
        if S.self == Float.self, let f = floatKernel(op) {
            f(ck_isa(), x.count, xp?.assumingMemoryBound(to: Float.self), yp?.assumingMemoryBound(to: Float.self))
            return true
        }
        if S.self == Double.self, let f = doubleKernel(op) {
            f(ck_isa(), x.count, xp?.assumingMemoryBound(to: Double.self), yp?.assumingMemoryBound(to: Double.self))
            return true
        }
        return false
    }
}

/// Geometry of a 2-D sliding window over NCHW images (shared by unfold, fold and max pooling).
/// A window's cell (ky, kx) reads the input at (y·strideY − padY + ky·dilationY, x·strideX − padX +
/// kx·dilationX), so a dilated kernel spans dilation·(kernel − 1) + 1 cells (PyTorch's convention).
@usableFromInline
struct ConvGeometry: Sendable, Hashable {
    @usableFromInline var batch: Int, channels: Int, height: Int, width: Int
    @usableFromInline var kernelHeight: Int, kernelWidth: Int
    @usableFromInline var strideY: Int, strideX: Int
    @usableFromInline var padY: Int, padX: Int
    @usableFromInline var dilationY: Int, dilationX: Int
    /// The cells a window spans along each axis.
    @inlinable var spanHeight: Int { dilationY * (kernelHeight - 1) + 1 }
    @inlinable var spanWidth: Int { dilationX * (kernelWidth - 1) + 1 }
    @inlinable var outHeight: Int { (height + 2 * padY - spanHeight) / strideY + 1 }
    @inlinable var outWidth: Int { (width + 2 * padX - spanWidth) / strideX + 1 }
    @inlinable var isDilated: Bool { dilationY != 1 || dilationX != 1 }

    @inlinable init(batch: Int, channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                    strideY: Int, strideX: Int, padY: Int, padX: Int, dilationY: Int = 1, dilationX: Int = 1) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        (self.strideY, self.strideX, self.padY, self.padX) = (strideY, strideX, padY, padX)
        (self.dilationY, self.dilationX) = (dilationY, dilationX)
    }
}

@usableFromInline
enum Loops {
    @inline(__always)
    static func unaryMap<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>,
                                          _ f: (S) -> S) {
        guard let xp = x.baseAddress, let op = out.baseAddress else { return }
        for i in 0..<x.count { op[i] = f(xp[i]) }
    }

    /// Elements of the cheapest maps (an addition, a ReLU: bound by memory) worth handing to
    /// another thread: a map is split in runs of at least this much work, where an element of a
    /// vectorised function (exp, tanh, …; a Double element costs about twice a Float one, not
    /// measured separately) counts as `vectorWeight` such elements and one of a scalar libm loop
    /// (pow with an exponent other than 2) as `scalarWeight`. Measured on a 2-core x86-64 with AVX-512
    /// (Examples bench --only threads): 2 threads first gain on 2^17 additions and 2^16 Float exps.
    static let elementsPerThread = 1 << 16
    static let vectorWeight = 2, scalarWeight = 16

    /// The work of one element of `op`, in elements of an addition.
    static func weight<S>(_ op: UnaryKernel<S>) -> Int {
        if isCheap(op) { return 1 }
        return VectorMath.hasKernel(op) ? vectorWeight : scalarWeight
    }

    /// Whether an element of `op` costs about as much as an addition (else a transcendental function).
    static func isCheap<S>(_ op: UnaryKernel<S>) -> Bool {
        switch op {
        case .negate, .sqrt, .abs, .relu, .sign, .step, .leakyRelu, .addScalar, .mulScalar, .clamp, .insideMask,
             .reciprocal:
            return true
        case .powScalar(let p): return p == 2
        default: return false
        }
    }

    /// `body(start, count)` over 0..<n, in one run per thread when `n` elements of `weight` each
    /// are worth splitting (runs start at multiples of 64 elements), else in one call here.
    @inline(__always)
    static func elementRuns(_ n: Int, weight: Int = 1, _ body: (Int, Int) -> Void) {
        let parts = Parallel.parts(work: n * weight, minimum: elementsPerThread)
        if parts == 1 { return body(0, n) }
        Parallel.ranges(n, parts: parts, alignment: 64, body)
    }

    static func unary<S: TensorScalar>(_ op: UnaryKernel<S>, _ x: UnsafeBufferPointer<S>,
                                       _ out: UnsafeMutableBufferPointer<S>) {
        // Each element is computed alone (the vector kernels' tails included), so runs on several
        // threads give the bits of one run.
        guard let xp = x.baseAddress, let yp = out.baseAddress else { return }
        elementRuns(x.count, weight: weight(op)) { start, count in
            unaryRun(op, UnsafeBufferPointer(start: xp + start, count: count),
                     UnsafeMutableBufferPointer(start: yp + start, count: count))
        }
    }

    /// −∞ at every entry (i, j), j > i, of each [rows, columns] matrix of `x`.
    static func causalFill<S: TensorScalar>(_ x: UnsafeMutableBufferPointer<S>, _ rows: Int, _ columns: Int) {
        guard let base = x.baseAddress, rows > 0, columns > 1 else { return }
        for matrix in 0..<(x.count / (rows * columns)) {
            for i in 0..<Swift.min(rows, columns - 1) {
                (base + (matrix * rows + i) * columns + i + 1).update(repeating: -.infinity, count: columns - i - 1)
            }
        }
    }

    /// GELU into `out` and its slope into `slope`, each element's bits those of the `.gelu` and
    /// `.geluSlope` kernels (`.geluTanh` and `.geluTanhSlope` when `tanh`): for the exact Float
    /// GELU one vector pass sharing Φ(x) (`ck_vgelu_pair_f32`), otherwise the two kernels one
    /// after the other on each thread's run.
    static func geluPair<S: TensorScalar>(_ tanh: Bool, _ x: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>,
                                          _ slope: UnsafeMutableBufferPointer<S>) {
        guard let xp = x.baseAddress, let yp = out.baseAddress, let sp = slope.baseAddress else { return }
        let (value, derivative): (UnaryKernel<S>, UnaryKernel<S>) = tanh ? (.geluTanh, .geluTanhSlope) : (.gelu, .geluSlope)
        // Both results cost about one and a half of the single kernel's element (two for tanh).
        elementRuns(x.count, weight: (tanh ? 4 : 3) * weight(value) / 2) { start, count in
            if S.self == Float.self && !tanh {
                ck_vgelu_pair_f32(ck_isa(), count, UnsafeRawPointer(xp + start).assumingMemoryBound(to: Float.self),
                                  UnsafeMutableRawPointer(yp + start).assumingMemoryBound(to: Float.self),
                                  UnsafeMutableRawPointer(sp + start).assumingMemoryBound(to: Float.self))
                return
            }
            let input = UnsafeBufferPointer(start: xp + start, count: count)
            unaryRun(value, input, UnsafeMutableBufferPointer(start: yp + start, count: count))
            unaryRun(derivative, input, UnsafeMutableBufferPointer(start: sp + start, count: count))
        }
    }

    static func unaryRun<S: TensorScalar>(_ op: UnaryKernel<S>, _ x: UnsafeBufferPointer<S>,
                                          _ out: UnsafeMutableBufferPointer<S>) {
        if VectorMath.run(x, out, op) { return }
        switch op {
        case .negate: unaryMap(x, out) { -$0 }
        case .exp: unaryMap(x, out) { S.exp($0) }
        case .log: unaryMap(x, out) { S.log($0) }
        case .sqrt: unaryMap(x, out) { $0.squareRoot() }
        case .abs: unaryMap(x, out) { Swift.abs($0) }
        case .tanh: unaryMap(x, out) { S.tanh($0) }
        case .sigmoid:
            // Split by sign so that exp never overflows.
            unaryMap(x, out) { v in
                if v >= 0 { return 1 / (1 + S.exp(-v)) }
                let e = S.exp(v)
                return e / (1 + e)
            }
        // `!(x <= 0)` keeps a NaN (as PyTorch does) where `x > 0 ? x : 0` would turn it into 0.
        case .relu: unaryMap(x, out) { !($0 <= 0) ? $0 : 0 }
        case .sign: unaryMap(x, out) { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? $0 : 0)) }
        case .step(let otherwise): unaryMap(x, out) { $0 > 0 ? 1 : otherwise }
        case .leakyRelu(let slope): unaryMap(x, out) { $0 > 0 ? $0 : $0 * slope }
        case .powScalar(let p):
            if p == 2 { unaryMap(x, out) { $0 * $0 } } else { unaryMap(x, out) { S.pow($0, p) } }
        case .addScalar(let c): unaryMap(x, out) { $0 + c }
        case .mulScalar(let c): unaryMap(x, out) { $0 * c }
        case .clamp(let lo, let hi): unaryMap(x, out) { Swift.min(Swift.max($0, lo), hi) }
        case .insideMask(let lo, let hi): unaryMap(x, out) { ($0 > lo && $0 < hi) ? 1 : 0 }
        case .reciprocal: unaryMap(x, out) { 1 / $0 }
        case .expm1: unaryMap(x, out) { S.expm1($0) }
        case .log1p: unaryMap(x, out) { S.log1p($0) }
        case .erf: unaryMap(x, out) { S.erf($0) }
        case .erfc: unaryMap(x, out) { S.erfc($0) }
        case .silu: unaryMap(x, out) { SigmoidLinear()($0) }
        case .softplus: unaryMap(x, out) { Softplus()($0) }
        case .gelu: unaryMap(x, out) { GaussianErrorLinear()($0) }
        case .geluSlope: unaryMap(x, out) { GaussianErrorLinearSlope()($0) }
        case .geluTanh: unaryMap(x, out) { GaussianErrorLinearTanh()($0) }
        case .geluTanhSlope: unaryMap(x, out) { GaussianErrorLinearTanhSlope()($0) }
        case .mish: unaryMap(x, out) { Mish()($0) }
        case .elu(let alpha): unaryMap(x, out) { $0 > 0 ? $0 : alpha * S.expm1($0) }
        case .sin: unaryMap(x, out) { S.sin($0) }
        case .cos: unaryMap(x, out) { S.cos($0) }
        }
    }

    /// Walks an output shape in row-major order, calling `body` once per innermost row
    /// with the starting offsets of each strided input. The walk is over the shape with its axes
    /// of size 1 dropped and neighbouring axes merged wherever every view steps through them as
    /// through one axis (a permuted [C, N, 1] copy or a bias over [N, C, 1] is then one run per
    /// row of C, not C·N runs of one element): the same elements in the same order, in fewer,
    /// longer rows.
    @inline(__always)
    static func forEachRow(_ shape: [Int], _ views: [StridedView],
                           _ body: (_ outStart: Int, _ offsets: [Int], _ inner: Int, _ innerStrides: [Int]) -> Void) {
        let (merged, mergedViews) = coalesced(shape, views)
        forEachRowOfCoalesced(merged, mergedViews, body)
    }

    /// `shape` and `views` without axes of size 1, and with each pair of neighbouring axes merged
    /// where every view's outer stride is its inner stride times the inner size (the row-major
    /// output always qualifies). A shape of no elements is returned as it is.
    static func coalesced(_ shape: [Int], _ views: [StridedView]) -> ([Int], [StridedView]) {
        if shape.contains(0) || shape.count <= 1 { return (shape, views) }
        var sizes: [Int] = []
        var strides = views.map { _ in [Int]() }
        sizes.reserveCapacity(shape.count)
        for axis in shape.indices where shape[axis] != 1 {
            if let last = sizes.indices.last,
               views.indices.allSatisfy({ strides[$0][last] == views[$0].strides[axis] * shape[axis] }) {
                sizes[last] *= shape[axis]
                for v in views.indices { strides[v][last] = views[v].strides[axis] }
            } else {
                sizes.append(shape[axis])
                for v in views.indices { strides[v].append(views[v].strides[axis]) }
            }
        }
        if sizes.isEmpty { return ([1], views.map { StridedView(offset: $0.offset, strides: [0]) }) }
        return (sizes, views.indices.map { StridedView(offset: views[$0].offset, strides: strides[$0]) })
    }

    @inline(__always)
    static func forEachRowOfCoalesced(_ shape: [Int], _ views: [StridedView],
                                      _ body: (_ outStart: Int, _ offsets: [Int], _ inner: Int, _ innerStrides: [Int]) -> Void) {
        let rank = shape.count
        if rank == 0 {
            body(0, views.map(\.offset), 1, views.map { _ in 0 })
            return
        }
        let inner = shape[rank - 1]
        let innerStrides = views.map { $0.strides[rank - 1] }
        let total = shape.reduce(1, *)
        if total == 0 { return }
        var counter = [Int](repeating: 0, count: rank - 1)
        var offsets = views.map(\.offset)
        var outStart = 0
        while true {
            body(outStart, offsets, inner, innerStrides)
            outStart += inner
            // Advance the multi-index over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                counter[axis] += 1
                for v in 0..<views.count { offsets[v] += views[v].strides[axis] }
                if counter[axis] < shape[axis] { break }
                for v in 0..<views.count { offsets[v] -= views[v].strides[axis] * shape[axis] }
                counter[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    @inline(__always)
    static func binaryMap<S: TensorScalar>(_ a: UnsafeBufferPointer<S>, _ av: StridedView,
                                           _ b: UnsafeBufferPointer<S>, _ bv: StridedView,
                                           _ shape: [Int], _ out: UnsafeMutableBufferPointer<S>,
                                           _ f: (S, S) -> S) {
        let count = out.count
        guard count > 0, let aBase = a.baseAddress, let bBase = b.baseAddress, let o = out.baseAddress else { return }
        // Loops over pointers offset once, so that no index addition needs an overflow check
        // (a checked `offset + i` kept these loops from being vectorised).
        @inline(__always) func both(_ x: UnsafePointer<S>, _ y: UnsafePointer<S>, _ o: UnsafeMutablePointer<S>, _ n: Int) {
            for i in 0..<n { o[i] = f(x[i], y[i]) }
        }
        @inline(__always) func left(_ x: UnsafePointer<S>, _ y: S, _ o: UnsafeMutablePointer<S>, _ n: Int) {
            for i in 0..<n { o[i] = f(x[i], y) }
        }
        @inline(__always) func right(_ x: S, _ y: UnsafePointer<S>, _ o: UnsafeMutablePointer<S>, _ n: Int) {
            for i in 0..<n { o[i] = f(x, y[i]) }
        }
        // Fast paths: both contiguous, or one side a single broadcast value.
        if av.strides.allSatisfy({ $0 == 0 }) && isContiguous(bv, shape) {
            right(aBase[av.offset], bBase + bv.offset, o, count)
            return
        }
        if isContiguous(av, shape) {
            if isContiguous(bv, shape) {
                both(aBase + av.offset, bBase + bv.offset, o, count)
                return
            }
            if bv.strides.allSatisfy({ $0 == 0 }) {
                left(aBase + av.offset, bBase[bv.offset], o, count)
                return
            }
        }
        forEachRow(shape, [av, bv]) { start, offsets, inner, steps in
            var ia = offsets[0], ib = offsets[1]
            let sa = steps[0], sb = steps[1]
            // Contiguous or broadcast rows (a bias added to each row of a batch) as plain loops
            // the compiler vectorises.
            if sa == 1 && sb == 1 {
                both(aBase + ia, bBase + ib, o + start, inner)
            } else if sa == 1 && sb == 0 {
                left(aBase + ia, bBase[ib], o + start, inner)
            } else if sa == 0 && sb == 1 {
                right(aBase[ia], bBase + ib, o + start, inner)
            } else {
                for j in 0..<inner {
                    o[start &+ j] = f(aBase[ia], bBase[ib])
                    ia &+= sa
                    ib &+= sb
                }
            }
        }
    }

    static func isContiguous(_ view: StridedView, _ shape: [Int]) -> Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            if shape[axis] != 1 && view.strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    static func binary<S: TensorScalar>(_ op: BinaryKernel, _ a: UnsafeBufferPointer<S>, _ av: StridedView,
                                        _ b: UnsafeBufferPointer<S>, _ bv: StridedView,
                                        _ shape: [Int], _ out: UnsafeMutableBufferPointer<S>) {
        // A large map of contiguous operands (or one a single broadcast value): one run per
        // thread, each element computed alone as one thread would.
        let count = out.count
        if Parallel.parts(work: count * (op == .pow ? scalarWeight : 1), minimum: elementsPerThread) > 1,
           let aBase = a.baseAddress, let bBase = b.baseAddress, let o = out.baseAddress {
            let aWhole = isContiguous(av, shape), bWhole = isContiguous(bv, shape)
            let aScalar = av.strides.allSatisfy { $0 == 0 }, bScalar = bv.strides.allSatisfy { $0 == 0 }
            if (aWhole || aScalar) && (bWhole || bScalar) && !(aScalar && bScalar) {
                let x = aBase + av.offset, y = bBase + bv.offset
                elementRuns(count, weight: op == .pow ? scalarWeight : 1) { start, n in
                    let runShape = [n]
                    binaryRun(op, UnsafeBufferPointer(start: aScalar ? x : x + start, count: aScalar ? 1 : n),
                              StridedView(offset: 0, strides: [aScalar ? 0 : 1]),
                              UnsafeBufferPointer(start: bScalar ? y : y + start, count: bScalar ? 1 : n),
                              StridedView(offset: 0, strides: [bScalar ? 0 : 1]), runShape,
                              UnsafeMutableBufferPointer(start: o + start, count: n))
                }
                return
            }
        }
        binaryRun(op, a, av, b, bv, shape, out)
    }

    static func binarySameShape<S: TensorScalar>(_ op: BinaryKernel, _ a: UnsafeBufferPointer<S>,
                                                 _ b: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>) {
        let count = out.count
        guard count > 64 else {
            // Small operands (scalar graphs): one plain loop, without building views and shapes.
            guard let x = a.baseAddress, let y = b.baseAddress, let o = out.baseAddress else { return }
            withFunction(of: op) { f in for i in 0..<count { o[i] = f(x[i], y[i]) } }
            return
        }
        let flat = StridedView(offset: 0, strides: [1])
        binary(op, a, flat, b, flat, [count], out)
    }

    static func binaryRun<S: TensorScalar>(_ op: BinaryKernel, _ a: UnsafeBufferPointer<S>, _ av: StridedView,
                                           _ b: UnsafeBufferPointer<S>, _ bv: StridedView,
                                           _ shape: [Int], _ out: UnsafeMutableBufferPointer<S>) {
        withFunction(of: op) { f in binaryMap(a, av, b, bv, shape, out, f) }
    }

    /// Calls `body` with the elementwise function of `op`: the one table of what each binary kernel computes.
    @inlinable @inline(__always)
    static func withFunction<S: TensorScalar>(of op: BinaryKernel, _ body: ((S, S) -> S) -> Void) {
        switch op {
        case .add: body { $0 + $1 }
        case .subtract: body { $0 - $1 }
        case .multiply: body { $0 * $1 }
        case .divide: body { $0 / $1 }
        case .pow: body { S.pow($0, $1) }
        // NaN wins, so that a NaN is never silently dropped.
        case .maximum: body { ($0 >= $1 || $0.isNaN) ? $0 : $1 }
        case .minimum: body { ($0 <= $1 || $0.isNaN) ? $0 : $1 }
        case .greater: body { $0 > $1 ? 1 : 0 }
        case .greaterEqual: body { $0 >= $1 ? 1 : 0 }
        case .less: body { $0 < $1 ? 1 : 0 }
        case .lessEqual: body { $0 <= $1 ? 1 : 0 }
        case .equal: body { $0 == $1 ? 1 : 0 }
        }
    }

    static func select<S: TensorScalar>(_ c: UnsafeBufferPointer<S>, _ cv: StridedView,
                                        _ a: UnsafeBufferPointer<S>, _ av: StridedView,
                                        _ b: UnsafeBufferPointer<S>, _ bv: StridedView,
                                        _ shape: [Int], _ out: UnsafeMutableBufferPointer<S>) {
        guard let cp = c.baseAddress, let ap = a.baseAddress, let bp = b.baseAddress, let op = out.baseAddress else { return }
        forEachRow(shape, [cv, av, bv]) { start, offsets, inner, steps in
            let o = op + start
            // The common rows as plain loops (no overflow checks, vectorisable): a mask broadcast
            // over a batch (stride 1) picking between a contiguous row and a scalar (masked fill).
            if steps[0] == 1 && steps[1] == 0 && steps[2] == 1 {
                let (cr, fill, br) = (cp + offsets[0], ap[offsets[1]], bp + offsets[2])
                for j in 0..<inner { o[j] = cr[j] != 0 ? fill : br[j] }
                return
            }
            if steps[0] == 1 && steps[1] == 1 && steps[2] == 1 {
                let (cr, ar, br) = (cp + offsets[0], ap + offsets[1], bp + offsets[2])
                for j in 0..<inner { o[j] = cr[j] != 0 ? ar[j] : br[j] }
                return
            }
            var ic = offsets[0], ia = offsets[1], ib = offsets[2]
            let (sc, sa, sb) = (steps[0], steps[1], steps[2])
            for j in 0..<inner {
                o[j] = cp[ic] != 0 ? ap[ia] : bp[ib]
                ic &+= sc
                ia &+= sa
                ib &+= sb
            }
        }
    }

    static func copy<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ xv: StridedView, _ shape: [Int],
                                      _ out: UnsafeMutableBufferPointer<S>) {
        guard let xp = x.baseAddress, let op = out.baseAddress else { return }
        let (merged, views) = coalesced(shape, [xv])
        if merged.count == 3 && views[0].strides[2] == 1 && !merged.contains(0) {
            // A permute that keeps rows (a [C, N, L] map read as [N, C, L]): plain nested loops
            // over pointers instead of a closure call per row of L.
            let (n0, n1, inner) = (merged[0], merged[1], merged[2])
            let (s0, s1) = (views[0].strides[0], views[0].strides[1])
            var o = op
            for i in 0..<n0 {
                var source = xp + views[0].offset + i &* s0
                for _ in 0..<n1 {
                    for k in 0..<inner { o[k] = source[k] }
                    o += inner
                    source += s1
                }
            }
            return
        }
        forEachRowOfCoalesced(merged, views) { start, offsets, inner, steps in
            var i = offsets[0]
            let s = steps[0]
            if s == 1 && inner >= 64 {
                (op + start).update(from: xp + i, count: inner)
            } else if s == 1 {
                // Short rows (a permuted [N, C, 7] feature map): a loop costs less than a memmove call.
                let (o, x) = (op + start, xp + i)
                for j in 0..<inner { o[j] = x[j] }
            } else if s == 0 {
                let (o, v) = (op + start, xp[i])
                for j in 0..<inner { o[j] = v }
            } else {
                let o = op + start
                for j in 0..<inner {
                    o[j] = xp[i]
                    i &+= s
                }
            }
        }
    }

    /// Writes `x` (contiguous, of `shape`) row by row through the strided view `outView` of `out`.
    static func embed<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ shape: [Int], _ outView: StridedView,
                                       _ out: UnsafeMutableBufferPointer<S>) {
        var source = 0
        forEachRow(shape, [outView]) { _, offsets, inner, steps in
            var o = offsets[0]
            for j in 0..<inner {
                out[o] = x[source + j]
                o += steps[0]
            }
            source += inner
        }
    }

    /// Reduces `x` (of `shape`) over `axes` into `out` (the keep-dims shape, row-major).
    /// For max and min, `winners` (when given) receives, per output element, the flat
    /// index in `x` of the first element that attains the extreme in row-major order.
    static func reduce<S: TensorScalar>(_ op: ReduceKernel, _ x: UnsafeBufferPointer<S>, _ shape: [Int],
                                        _ axes: Set<Int>, _ out: UnsafeMutableBufferPointer<S>,
                                        _ winners: UnsafeMutablePointer<Int>?) {
        let rank = shape.count
        // Output strides laid over the input shape: 0 on reduced axes.
        var outStrides = [Int](repeating: 0, count: rank)
        var acc = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where !axes.contains(axis) {
            outStrides[axis] = acc
            acc *= shape[axis]
        }
        switch op {
        case .sum:
            // Pairwise, in Summation.swift: a long sum stays exact to about log₂(n)·ε.
            sum(x, shape, axes, out)
        case .max, .min:
            let isMax = op == .max
            var seen = [Bool](repeating: false, count: out.count)
            var inIndex = 0
            forEachRow(shape, [StridedView(offset: 0, strides: outStrides)]) { _, offsets, inner, steps in
                var o = offsets[0]
                let s = steps[0]
                for j in 0..<inner {
                    let v = x[inIndex + j]
                    let current = out[o]
                    // Strict comparison keeps the first winner; a NaN always wins once.
                    let better = !seen[o] || (!current.isNaN && (v.isNaN || (isMax ? v > current : v < current)))
                    if better {
                        out[o] = v
                        seen[o] = true
                        winners?[o] = inIndex + j
                    }
                    o += s
                }
                inIndex += inner
            }
        }
    }

    /// Batched matrix product: for each batch index, out[m×n] = op(a)[m×k] · op(b)[k×n], where
    /// op transposes the stored matrix when its flag is set (a stored [k, m], b stored [n, k]):
    /// the transposes are read through strides, never copied. The views give each operand's
    /// offset and batch strides (0 where broadcast); matrices are row-major, the output contiguous.
    static func matmul<S: TensorScalar>(_ a: UnsafeBufferPointer<S>, _ av: StridedView, _ transposeA: Bool,
                                        _ b: UnsafeBufferPointer<S>, _ bv: StridedView, _ transposeB: Bool,
                                        _ batch: [Int], _ m: Int, _ k: Int, _ n: Int,
                                        _ out: UnsafeMutableBufferPointer<S>) {
        // Element (i, p) of op(a) is at i·ars + p·acs; element (p, j) of op(b) at p·brs + j·bcs.
        let (ars, acs) = transposeA ? (1, m) : (k, 1)
        let (brs, bcs) = transposeB ? (1, k) : (n, 1)
        stridedMatmul(a, MatrixLayout(batch: av, rowStride: ars, columnStride: acs),
                      b, MatrixLayout(batch: bv, rowStride: brs, columnStride: bcs), batch, m, k, n, out,
                      MatrixLayout(batch: StridedView(offset: 0, strides: Shape.strides(batch).map { $0 * m * n }),
                                   rowStride: n, columnStride: 1))
    }

    /// Batched matrix product with every matrix read (and written) through its layout: for each
    /// batch index, out[m×n] = a[m×k] · b[k×n]. The output's column stride must be 1 (the GEMM
    /// writes rows); its products must not overlap, and together they must cover the buffer.
    static func stridedMatmul<S: TensorScalar>(_ a: UnsafeBufferPointer<S>, _ al: MatrixLayout,
                                               _ b: UnsafeBufferPointer<S>, _ bl: MatrixLayout,
                                               _ batch: [Int], _ m: Int, _ k: Int, _ n: Int,
                                               _ out: UnsafeMutableBufferPointer<S>, _ ol: MatrixLayout) {
        guard let oBase = out.baseAddress else { return }
        guard let aBase = a.baseAddress, let bBase = b.baseAddress else {
            oBase.initialize(repeating: 0, count: out.count)   // k = 0: every product is an empty sum
            return
        }
        let (ars, acs, brs, bcs, ldc) = (al.rowStride, al.columnStride, bl.rowStride, bl.columnStride, ol.rowStride)
        // Where each product of the batch reads its operands and writes its result.
        var batchOffsets: [(a: Int, b: Int, out: Int)] = []
        forEachRow(batch + [1], [StridedView(offset: al.batch.offset, strides: al.batch.strides + [0]),
                                 StridedView(offset: bl.batch.offset, strides: bl.batch.strides + [0]),
                                 StridedView(offset: ol.batch.offset, strides: ol.batch.strides + [0])]) { _, offsets, inner, steps in
            // Batch axes merged into one row: one product per element of the row.
            for j in 0..<inner {
                batchOffsets.append((offsets[0] + j * steps[0], offsets[1] + j * steps[1], offsets[2] + j * steps[2]))
            }
        }
        let operandOffsets = batchOffsets
        func product(_ index: Int) {
            let ap = aBase + operandOffsets[index].a, bp = bBase + operandOffsets[index].b, op = oBase + operandOffsets[index].out
            // Large products go to the packed, blocked GEMM (which overwrites its output); small ones
            // stay in a plain loop, where packing would cost more than it saves.
            // (S is Float or Double, both GemmScalar; the cast opens it as one, once per type.)
            if m * n * k >= 16 * 16 * 16, let gemmType = S.self as? any GemmScalar.Type {
                func packed<G: GemmScalar>(_: G.Type) {
                    Gemm.multiply(m: m, n: n, k: k,
                                  a: .init(base: UnsafeRawPointer(ap).assumingMemoryBound(to: G.self), rowStride: ars, columnStride: acs),
                                  b: .init(base: UnsafeRawPointer(bp).assumingMemoryBound(to: G.self), rowStride: brs, columnStride: bcs),
                                  c: UnsafeMutableRawPointer(op).assumingMemoryBound(to: G.self), ldc: ldc)
                }
                packed(gemmType)
                return
            }
            if bcs == 1 {
                for i in 0..<m {
                    let row = op + i * ldc
                    row.initialize(repeating: 0, count: n)
                    for p in 0..<k {
                        let aip = ap[i * ars + p * acs]
                        let brow = bp + p * brs
                        for j in 0..<n { row[j] += aip * brow[j] }
                    }
                }
            } else {
                for i in 0..<m {
                    let row = op + i * ldc
                    for j in 0..<n {
                        var total: S = 0
                        for p in 0..<k { total += ap[i * ars + p * acs] * bp[p * brs + j * bcs] }
                        row[j] = total
                    }
                }
            }
        }
        // A batch of products each too small to split across threads (a convolution's per-image
        // products): each thread takes a run of the batch.
        let count = operandOffsets.count
        let parts = Parallel.parts(work: count * m * n * k, minimum: Gemm.workPerThread, limit: count)
        if parts > 1 && m * n * k < Gemm.parallelThreshold {
            let shared = Unchecked(product)
            Parallel.ranges(count, parts: parts) { start, length in
                for index in start..<(start + length) { shared.value(index) }
            }
        } else {
            for index in 0..<count { product(index) }
        }
    }

    /// im2col: [N, C, H, W] → [N, C·kh·kw, L] with L = outHeight·outWidth; cells outside
    /// the image read `padValue`.
    static func unfold<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ g: ConvGeometry, _ padValue: S,
                                        _ out: UnsafeMutableBufferPointer<S>) {
        guard let xBase = x.baseAddress, let outBase = out.baseAddress else { return }
        let oh = g.outHeight, ow = g.outWidth, sx = g.strideX
        // Each output row is a run of at most a few dozen cells: pointer loops with wrapping
        // arithmetic (no overflow checks), which the compiler vectorises, not memmove calls.
        var dst = outBase
        for n in 0..<g.batch {
            for c in 0..<g.channels {
                let plane = xBase + (n &* g.channels &+ c) &* g.height &* g.width
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        // Output columns xx whose cell lies inside the image: lo..<hi.
                        let shift = kx &* g.dilationX - g.padX
                        let lo = Swift.min(ow, shift >= 0 ? 0 : (-shift + sx - 1) / sx)
                        let hi = Swift.max(lo, Swift.min(ow, g.width - shift <= 0 ? 0 : (g.width - shift - 1) / sx + 1))
                        for y in 0..<oh {
                            let iy = y &* g.strideY &- g.padY &+ ky &* g.dilationY
                            if iy < 0 || iy >= g.height {
                                for j in 0..<ow { dst[j] = padValue }
                            } else {
                                let row = plane + (iy &* g.width &+ shift)
                                for j in 0..<lo { dst[j] = padValue }
                                if sx == 1 {
                                    for j in lo..<hi { dst[j] = row[j] }
                                } else {
                                    for j in lo..<hi { dst[j] = row[j &* sx] }
                                }
                                for j in hi..<ow { dst[j] = padValue }
                            }
                            dst += ow
                        }
                    }
                }
            }
        }
    }

    /// col2im, the adjoint of unfold: [N, C·kh·kw, L] → [N, C, H, W], summing overlaps.
    static func fold<S: TensorScalar>(_ cols: UnsafeBufferPointer<S>, _ g: ConvGeometry,
                                      _ out: UnsafeMutableBufferPointer<S>) {
        for i in 0..<out.count { out[i] = 0 }
        let oh = g.outHeight, ow = g.outWidth
        var o = 0
        for n in 0..<g.batch {
            for c in 0..<g.channels {
                let plane = (n * g.channels + c) * g.height * g.width
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let shift = kx * g.dilationX - g.padX
                        let lo = Swift.min(ow, shift >= 0 ? 0 : (-shift + g.strideX - 1) / g.strideX)
                        let hi = Swift.max(lo, Swift.min(ow, g.width - shift <= 0 ? 0 : (g.width - shift - 1) / g.strideX + 1))
                        for y in 0..<oh {
                            let iy = y * g.strideY - g.padY + ky * g.dilationY
                            if iy >= 0 && iy < g.height {
                                let row = plane + iy * g.width + shift
                                if g.strideX == 1 {
                                    for j in lo..<hi { out[row + j] += cols[o + j] }
                                } else {
                                    for j in lo..<hi { out[row + j * g.strideX] += cols[o + j] }
                                }
                            }
                            o += ow
                        }
                    }
                }
            }
        }
    }

    /// Max pooling of every plane of `x` (the geometry's batch counts planes, channels is 1):
    /// for each window the largest cell, the first in row-major order on ties, a NaN winning
    /// once — the same choice as `max` over unfolded windows. Padding cells never win; `winners`
    /// receives the flat index of the winning cell in `x` (−1 only for a window with no cell inside).
    static func maxPool<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ g: ConvGeometry,
                                         _ out: UnsafeMutableBufferPointer<S>, _ winners: UnsafeMutableBufferPointer<Int>) {
        let oh = g.outHeight, ow = g.outWidth, h = g.height, w = g.width
        let kh = g.kernelHeight, kw = g.kernelWidth, sx = g.strideX, dy = g.dilationY, dx = g.dilationX
        let planeSize = h * w
        guard let xBase = x.baseAddress, let oBase = out.baseAddress, let wBase = winners.baseAddress else { return }
        // Output columns whose windows lie inside the image horizontally: lo..<hi.
        let lo = Swift.min(ow, (g.padX + sx - 1) / sx)
        let hi = Swift.max(lo, Swift.min(ow, w - g.spanWidth + g.padX < 0 ? 0 : (w - g.spanWidth + g.padX) / sx + 1))
        // A window touching the padding: only the cells inside the image compete, so padding never
        // wins, not even over a window of −∞ (the first inside cell wins then, as in PyTorch).
        // A window with no cell inside (possible only when a dilated window straddles a tiny
        // input) gives −∞, index −1.
        func borderWindow(_ base: Int, _ y0: Int, _ xx: Int, _ o: Int) {
            let x0 = xx * sx - g.padX
            var best: S = -.infinity
            var bestIndex = -1
            for ky in 0..<kh {
                let iy = y0 + ky * dy
                guard iy >= 0 && iy < h else { continue }
                for kx in 0..<kw {
                    let ix = x0 + kx * dx
                    guard ix >= 0 && ix < w else { continue }
                    let v = x[base + iy * w + ix]
                    if bestIndex < 0 || (!best.isNaN && (v.isNaN || v > best)) {
                        best = v
                        bestIndex = base + iy * w + ix
                    }
                }
            }
            out[o] = best
            winners[o] = bestIndex
        }
        var o = 0
        for plane in 0..<(g.batch * g.channels) {
            let base = plane * planeSize
            for y in 0..<oh {
                let y0 = y * g.strideY - g.padY
                if y0 < 0 || y0 + g.spanHeight > h {
                    for xx in 0..<ow { borderWindow(base, y0, xx, o + xx) }
                    o += ow
                    continue
                }
                for xx in 0..<lo { borderWindow(base, y0, xx, o + xx) }
                let corner = base + y0 * w + lo * sx - g.padX
                windows(xBase, corner, w, kh, kw, sx, dy, dx, hi - lo, oBase + o + lo, wBase + o + lo)
                for xx in hi..<ow { borderWindow(base, y0, xx, o + xx) }
                o += ow
            }
        }
    }

    /// Interior windows of a row, by the C kernel for Float and Double (whose vector path for
    /// 2×2 windows of stride 2 runs only without dilation).
    @inline(__always)
    static func windows<S: TensorScalar>(_ x: UnsafePointer<S>, _ corner: Int, _ w: Int, _ kh: Int, _ kw: Int, _ sx: Int,
                                         _ dy: Int, _ dx: Int, _ count: Int, _ out: UnsafeMutablePointer<S>,
                                         _ winners: UnsafeMutablePointer<Int>) {
        guard count > 0 else { return }
        if S.self == Float.self {
            ck_smaxpool_windows(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), corner, w, kh, kw, sx, dy, dx, count,
                                UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), winners)
        } else if S.self == Double.self {
            ck_dmaxpool_windows(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), corner, w, kh, kw, sx, dy, dx, count,
                                UnsafeMutableRawPointer(out).assumingMemoryBound(to: Double.self), winners)
        } else {
            for j in 0..<count {
                let first = corner + j * sx
                var best = x[first], bestIndex = first
                for ky in 0..<kh {
                    for kx in (ky == 0 ? 1 : 0)..<kw {
                        let i = first + ky * dy * w + kx * dx
                        if !best.isNaN && (x[i].isNaN || x[i] > best) { best = x[i]; bestIndex = i }
                    }
                }
                out[j] = best
                winners[j] = bestIndex
            }
        }
    }

    /// Softmax along the middle axis of `x` seen as [outer, length, inner], one block of
    /// [length, inner] at a time: the maximum m of each slice, e = exp(x − m), the slice totals by
    /// the same pairwise sums as `sum` (Summation.swift), then e / Σe — or, for log-softmax,
    /// x − (log Σe + m). These are the composition's expressions in the same order, so the values
    /// are those of max, exp, sum and divide. A slice that is −∞ everywhere (fully masked) gets
    /// zeros; a NaN or +∞ makes its slice NaN (as PyTorch). Returns whether some slice was fully masked.
    /// eˣ in place, by the exp op's own kernel (the vectorised one for Float), so that the fused
    /// softmax gives the composition's bits.
    @inline(__always)
    static func expInPlace<S: TensorScalar>(_ p: UnsafeMutablePointer<S>, _ n: Int) {
        if S.self == Float.self {
            let f = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            ck_vexp_f32(ck_isa(), n, f, f)
        } else if S.self == Double.self {
            let f = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
            ck_vexp_f64(ck_isa(), n, f, f)
        } else {
            for i in 0..<n { p[i] = S.exp(p[i]) }
        }
    }

    /// log of one value by the log op's kernel (see `expInPlace`).
    @inline(__always)
    static func elementLog<S: TensorScalar>(_ v: S) -> S {
        var y = v
        if S.self == Float.self {
            withUnsafeMutablePointer(to: &y) { p in
                let f = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
                ck_vlog_f32(ck_isa(), 1, f, f)
            }
        } else if S.self == Double.self {
            withUnsafeMutablePointer(to: &y) { p in
                let f = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
                ck_vlog_f64(ck_isa(), 1, f, f)
            }
        } else {
            return S.log(v)
        }
        return y
    }

    static func softmax<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ outer: Int, _ length: Int, _ inner: Int,
                                         _ log: Bool, _ out: UnsafeMutableBufferPointer<S>) -> Bool {
        guard length > 0, inner > 0, let xp = x.baseAddress, let op = out.baseAddress else { return false }
        var fullyMasked = false
        if inner == 1 {
            // Contiguous rows (softmax over the last axis): one row at a time, no bookkeeping.
            for r in 0..<outer {
                let xs = xp + r &* length, os = op + r &* length
                var peak = xs[0], sawNaN = false
                for l in 0..<length {
                    let v = xs[l]
                    sawNaN = sawNaN || v.isNaN
                    if v > peak { peak = v }
                }
                if sawNaN { peak = .nan }
                if peak == -.infinity {
                    fullyMasked = true
                    os.update(repeating: 0, count: length)
                    continue
                }
                for l in 0..<length { os[l] = xs[l] - peak }
                expInPlace(os, length)
                let total = contiguousSum(UnsafePointer(os), length)
                if log {
                    let shift = elementLog(total) + peak
                    for l in 0..<length { os[l] = xs[l] - shift }
                } else {
                    for l in 0..<length { os[l] = os[l] / total }
                }
            }
            return fullyMasked
        }
        let peaks = UnsafeMutablePointer<S>.allocate(capacity: inner), totals = UnsafeMutablePointer<S>.allocate(capacity: inner)
        let masked = UnsafeMutablePointer<Bool>.allocate(capacity: inner)
        defer {
            peaks.deallocate()
            totals.deallocate()
            masked.deallocate()
        }
        for o in 0..<outer {
            let xs = xp + o &* length &* inner, os = op + o &* length &* inner
            peaks.update(from: xs, count: inner)
            for l in 1..<length {
                let row = xs + l &* inner
                for i in 0..<inner {
                    let v = row[i]
                    if v.isNaN || peaks[i].isNaN { peaks[i] = .nan } else if v > peaks[i] { peaks[i] = v }
                }
            }
            // A fully masked slice: no shift, so that its exponentials are all 0 (and its total 0).
            for i in 0..<inner {
                masked[i] = peaks[i] == -.infinity
                if masked[i] {
                    peaks[i] = 0
                    fullyMasked = true
                }
            }
            for l in 0..<length {
                let row = xs + l &* inner, target = os + l &* inner
                for i in 0..<inner { target[i] = row[i] - peaks[i] }
                expInPlace(target, inner)
            }
            if inner == 1 {
                totals[0] = contiguousSum(UnsafePointer(os), length)
            } else {
                sumRows(UnsafePointer(os), count: length, width: inner, into: totals)
            }
            if log {
                for i in 0..<inner { totals[i] = elementLog(totals[i]) + peaks[i] }
                for l in 0..<length {
                    let row = xs + l &* inner, target = os + l &* inner
                    for i in 0..<inner { target[i] = masked[i] ? 0 : row[i] - totals[i] }
                }
            } else {
                for l in 0..<length {
                    let target = os + l &* inner
                    for i in 0..<inner where !masked[i] { target[i] = target[i] / totals[i] }
                }
            }
        }
        return fullyMasked
    }

    /// Running sums along the middle axis of `x` seen as [outer, length, inner]: each slice of
    /// `inner` elements is the previous slice's sum plus its own (a loop the compiler vectorises
    /// over `inner`); `reverse` runs from the last slice to the first.
    static func cumulativeSum<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ outer: Int, _ length: Int, _ inner: Int,
                                               _ reverse: Bool, _ out: UnsafeMutableBufferPointer<S>) {
        guard length > 0, inner > 0, let xp = x.baseAddress, let op = out.baseAddress else { return }
        for o in 0..<outer {
            let base = o &* length &* inner
            let first = reverse ? length - 1 : 0, step = reverse ? -inner : inner
            var current = base &+ first &* inner
            (op + current).update(from: xp + current, count: inner)
            for _ in 1..<length {
                let previous = op + current
                current &+= step
                let source = xp + current, target = op + current
                for j in 0..<inner { target[j] = previous[j] + source[j] }
            }
        }
    }

    /// out (zeroed first) gets x[i] added at index[i], skipping negative indices.
    static func scatterByIndex<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ index: UnsafeBufferPointer<Int>,
                                                _ out: UnsafeMutableBufferPointer<S>) {
        for i in 0..<out.count { out[i] = 0 }
        for i in 0..<x.count where index[i] >= 0 { out[index[i]] += x[i] }
    }

    /// out[i] = x[index[i]], or 0 where the index is negative.
    static func gatherByIndex<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ index: UnsafeBufferPointer<Int>,
                                               _ out: UnsafeMutableBufferPointer<S>) {
        for i in 0..<out.count { out[i] = index[i] >= 0 ? x[index[i]] : 0 }
    }

    /// out[index[i]] += x[i] (every index valid), keeping what `out` holds.
    static func addByIndex<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ index: UnsafeBufferPointer<Int>,
                                            _ out: UnsafeMutableBufferPointer<S>) {
        for i in 0..<x.count { out[index[i]] += x[i] }
    }

    static func wholeNumbers<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ bound: Int,
                                              _ out: UnsafeMutableBufferPointer<Int>) -> Int? {
        let limit = S(bound)
        for i in 0..<x.count {
            let v = x[i]
            // Also false for NaN, so a NaN index is reported rather than converted.
            guard v >= 0 && v < limit && v.rounded(.towardZero) == v else { return i }
            out[i] = Int(v)
        }
        return nil
    }
}

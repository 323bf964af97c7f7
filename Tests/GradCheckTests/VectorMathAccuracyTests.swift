import XCTest
import CKernels
import Foundation
@testable import Autograd

// The vectorised Float functions of Sources/CKernels/vmath.c against the exact result: a coarse
// sweep of the whole Float line (every 20011th bit pattern: both signs, subnormals, infinities,
// NaNs) on every instruction set this CPU has, their special values, and the tail of an array.
// scripts/test_vmath.sh runs the same sweep every 97th pattern on an optimised build.

#if arch(x86_64) && os(Linux)
/// The reference in 64-bit precision (long double libm).
typealias Exact = Float80
private func exactExp(_ x: Exact) -> Exact { expl(x) }
private func exactExpm1(_ x: Exact) -> Exact { expm1l(x) }
private func exactLog(_ x: Exact) -> Exact { logl(x) }
private func exactLog1p(_ x: Exact) -> Exact { log1pl(x) }
private func exactTanh(_ x: Exact) -> Exact { tanhl(x) }
private func exactErf(_ x: Exact) -> Exact { erfl(x) }
private func exactErfc(_ x: Exact) -> Exact { erfcl(x) }
private func exactSin(_ x: Exact) -> Exact { sinl(x) }
private func exactCos(_ x: Exact) -> Exact { cosl(x) }
#else
typealias Exact = Double
private func exactExp(_ x: Exact) -> Exact { Foundation.exp(x) }
private func exactExpm1(_ x: Exact) -> Exact { Foundation.expm1(x) }
private func exactLog(_ x: Exact) -> Exact { Foundation.log(x) }
private func exactLog1p(_ x: Exact) -> Exact { Foundation.log1p(x) }
private func exactTanh(_ x: Exact) -> Exact { Foundation.tanh(x) }
private func exactErf(_ x: Exact) -> Exact { Foundation.erf(x) }
private func exactErfc(_ x: Exact) -> Exact { Foundation.erfc(x) }
private func exactSin(_ x: Exact) -> Exact { Foundation.sin(x) }
private func exactCos(_ x: Exact) -> Exact { Foundation.cos(x) }
#endif

final class VectorMathAccuracyTests: XCTestCase {
    typealias Kernel = @convention(c) (Int32, Int, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void

    struct Function {
        let name: String
        let kernel: Kernel
        let exact: (Exact) -> Exact
        /// The stated bound in ulps of the exact result (CKernels.h, docs/HowTheEngineWorks.md).
        let bound: Double
    }

    static let rootHalf: Exact = 0.707106781186547524400844362104849039
    static var functions: [Function] { [
        Function(name: "exp", kernel: ck_vexp_f32, exact: exactExp, bound: 1),
        Function(name: "expm1", kernel: ck_vexpm1_f32, exact: exactExpm1, bound: 1),
        Function(name: "log", kernel: ck_vlog_f32, exact: exactLog, bound: 1),
        Function(name: "log1p", kernel: ck_vlog1p_f32, exact: exactLog1p, bound: 1),
        Function(name: "tanh", kernel: ck_vtanh_f32, exact: exactTanh, bound: 2),
        Function(name: "sigmoid", kernel: ck_vsigmoid_f32, exact: { 1 / (1 + exactExp(-$0)) }, bound: 1.5),
        Function(name: "silu", kernel: ck_vsilu_f32, exact: { $0 / (1 + exactExp(-$0)) }, bound: 1.5),
        Function(name: "softplus", kernel: ck_vsoftplus_f32,
                 exact: { $0 > 0 ? $0 + exactLog1p(exactExp(-$0)) : exactLog1p(exactExp($0)) }, bound: 2),
        Function(name: "erf", kernel: ck_verf_f32, exact: exactErf, bound: 1),
        Function(name: "erfc", kernel: ck_verfc_f32, exact: exactErfc, bound: 1),
        Function(name: "gelu", kernel: ck_vgelu_f32, exact: { $0 * 0.5 * exactErfc(-$0 * rootHalf) }, bound: 1),
        Function(name: "gelu_slope", kernel: ck_vgelu_slope_f32,
                 exact: { x in
                     let r = 0.5 * exactErfc(-x * rootHalf) + x * 0.398942280401432677939946059934381868 * exactExp(-0.5 * x * x)
                     // Far in the negative tail both terms underflow; the slope is negative.
                     return r == 0 && x < 0 ? -0.0 : r
                 },
                 bound: 1),
        Function(name: "gelu_tanh", kernel: ck_vgelu_tanh_f32, exact: exactGeluTanh, bound: 1),
        Function(name: "gelu_tanh_slope", kernel: ck_vgelu_tanh_slope_f32, exact: exactGeluTanhSlope, bound: 1),
        // SELU's alpha as a Float, which ELU receives as a double.
        Function(name: "elu", kernel: { ck_velu_f32($0, $1, $2, $3, Double(Float(1.6732632423543772848))) },
                 exact: { $0 > 0 ? $0 : Exact(Float(1.6732632423543772848)) * exactExpm1($0) }, bound: 1),
        Function(name: "mish", kernel: ck_vmish_f32, exact: exactMish, bound: 1),
        Function(name: "sin", kernel: ck_vsin_f32, exact: exactSin, bound: 1),
        Function(name: "cos", kernel: ck_vcos_f32, exact: exactCos, bound: 1),
    ] }

    /// GELU with tanh as x·σ(2u) (the same real number as ½x(1 + tanh u); 1 + tanh u would
    /// cancel in the negative tail), u = √(2/π)(x + 0.044715x³).
    static func twoU(_ x: Exact) -> Exact { 1.595769121605730711759661198648454 * (x + 0.044715 * x * x * x) }
    static func exactGeluTanh(_ x: Exact) -> Exact {
        if x.isInfinite { return x > 0 ? x : .nan }
        return x / (1 + exactExp(-twoU(x)))
    }
    /// Its derivative σ + V·σ(1 − σ), σ = σ(2u), V = 2√(2/π)(x + 3·0.044715x³).
    static func exactGeluTanhSlope(_ x: Exact) -> Exact {
        if x.isInfinite { return .nan }
        let t = twoU(x), v = 1.595769121605730711759661198648454 * (x + 3 * 0.044715 * x * x * x)
        let r: Exact
        if t >= 0 {
            let f = exactExp(-t), s = 1 / (1 + f)
            r = s + v * f * s * s
        } else {
            let f = exactExp(t), d = 1 + f
            r = f * (1 + f + v) / (d * d)
        }
        return r == 0 && x < 0 ? -0.0 : r
    }
    static func exactMish(_ x: Exact) -> Exact {
        if x == -.infinity { return .nan }
        return x * exactTanh(x > 0 ? x + exactLog1p(exactExp(-x)) : exactLog1p(exactExp(x)))
    }

    /// The instruction sets of this CPU, best first (2 AVX-512F, 1 AVX2+FMA, 0 portable).
    static var isas: [Int32] { Array((0...ck_isa()).reversed()) }

    func testEveryFunctionWithinItsBoundOverTheFloatLine() {
        let stride: UInt64 = 20011
        var inputs: [Float] = []
        var bits: UInt64 = 0
        while bits <= UInt64(UInt32.max) {
            inputs.append(Float(bitPattern: UInt32(bits)))
            bits += stride
        }
        // An odd count leaves a tail on every vector width.
        XCTAssertNotEqual(inputs.count % 16, 0)
        for function in Self.functions {
            let exact = inputs.map { function.exact(Exact($0)) }
            for isa in Self.isas {
                let worst = VectorKernelChecks.worstError(of: { function.kernel($0, $1, $2, $3) }, isa: isa, inputs: inputs,
                                                          exact: exact)
                XCTAssertLessThanOrEqual(worst.error, function.bound,
                                         "\(function.name) on ISA \(isa): \(worst.error) ulps at x = \(worst.at) (\(worst.at.bitPattern))")
            }
        }
    }

    func testSpecialValuesAndThresholds() {
        let inf = Float.infinity, nan = Float.nan
        // (function, x, expected); NaN expected means NaN; zeros are compared with their sign.
        let cases: [(String, Float, Float)] = [
            ("exp", 0, 1), ("exp", -0.0, 1), ("exp", inf, inf), ("exp", -inf, 0), ("exp", nan, nan),
            ("exp", 88.72284, inf), ("exp", -103.973, 0), ("exp", -1000, 0), ("exp", 1000, inf),
            ("expm1", -0.0, -0.0), ("expm1", 0, 0), ("expm1", inf, inf), ("expm1", -inf, -1), ("expm1", 88.72284, inf),
            ("expm1", Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude), ("expm1", -50, -1),
            ("log", 0, -inf), ("log", -0.0, -inf), ("log", 1, 0), ("log", -1, nan), ("log", inf, inf), ("log", -inf, nan),
            ("log", nan, nan),
            ("log1p", -0.0, -0.0), ("log1p", -1, -inf), ("log1p", -2, nan), ("log1p", inf, inf), ("log1p", 0, 0),
            ("log1p", -Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude),
            ("tanh", -0.0, -0.0), ("tanh", inf, 1), ("tanh", -inf, -1), ("tanh", 20, 1), ("tanh", nan, nan),
            ("sigmoid", inf, 1), ("sigmoid", -inf, 0), ("sigmoid", 0, 0.5), ("sigmoid", nan, nan),
            ("silu", -0.0, -0.0), ("silu", inf, inf), ("silu", -inf, nan), ("silu", -200, -0.0),
            ("silu", Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude),
            ("softplus", inf, inf), ("softplus", -inf, 0), ("softplus", 1000, 1000), ("softplus", nan, nan),
            ("erf", -0.0, -0.0), ("erf", inf, 1), ("erf", -inf, -1), ("erf", nan, nan),
            ("erfc", inf, 0), ("erfc", -inf, 2), ("erfc", 0, 1), ("erfc", 11, 0), ("erfc", nan, nan),
            ("gelu", -0.0, -0.0), ("gelu", inf, inf), ("gelu", -inf, nan), ("gelu", -20, -0.0), ("gelu", nan, nan),
            ("gelu_slope", 0, 0.5), ("gelu_slope", inf, nan), ("gelu_slope", -inf, nan), ("gelu_slope", 20, 1),
            ("gelu_slope", -20, -0.0),
            ("gelu_tanh", -0.0, -0.0), ("gelu_tanh", inf, inf), ("gelu_tanh", -inf, nan), ("gelu_tanh", -20, -0.0),
            ("gelu_tanh", nan, nan), ("gelu_tanh", 20, 20), ("gelu_tanh", Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude),
            ("gelu_tanh_slope", 0, 0.5), ("gelu_tanh_slope", inf, nan), ("gelu_tanh_slope", -inf, nan),
            ("gelu_tanh_slope", 20, 1), ("gelu_tanh_slope", -20, -0.0), ("gelu_tanh_slope", nan, nan),
            ("elu", -0.0, -0.0), ("elu", inf, inf), ("elu", -inf, -Float(1.6732632423543772848)), ("elu", nan, nan),
            ("elu", -200, -Float(1.6732632423543772848)), ("elu", 3, 3),
            ("mish", -0.0, -0.0), ("mish", inf, inf), ("mish", -inf, nan), ("mish", -200, -0.0), ("mish", nan, nan),
            ("mish", 100, 100),
            ("sin", -0.0, -0.0), ("sin", 0, 0), ("sin", inf, nan), ("sin", -inf, nan), ("sin", nan, nan),
            ("sin", Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude),
            ("sin", 1e30, Float(Foundation.sin(Double(Float(1e30))))),
            ("cos", 0, 1), ("cos", -0.0, 1), ("cos", inf, nan), ("cos", -inf, nan), ("cos", nan, nan),
            ("cos", 1e30, Float(Foundation.cos(Double(Float(1e30))))),
        ]
        for isa in Self.isas {
            for (name, x, expected) in cases {
                guard let function = Self.functions.first(where: { $0.name == name }) else { return XCTFail(name) }
                var y: Float = 0
                function.kernel(isa, 1, [x], &y)
                let same = expected.isNaN ? y.isNaN : (y == expected && y.sign == expected.sign)
                XCTAssertTrue(same, "\(name)(\(x)) on ISA \(isa) = \(y), expected \(expected)")
            }
            // GELU's negative tail keeps its digits (PyTorch's Float GELU returns −0 here).
            var y: Float = 0
            ck_vgelu_f32(isa, 1, [-5.85], &y)
            XCTAssertEqual(Double(y), -1.43785186e-8, accuracy: 2e-15)
            // So does GELU with tanh's: ½x(1 + tanh u) in Float is 0 or off by its whole size at
            // x = −8, where the value is −3.1077829375e-21.
            ck_vgelu_tanh_f32(isa, 1, [-8], &y)
            XCTAssertEqual(Double(y), -3.1077829375011112e-21, accuracy: 3.1077829375e-21 * 1e-7)
        }
    }

    /// Every array length gives each element the value it gets inside a long array, on every ISA.
    func testTailsGiveTheSameBitsAsWholeVectors() {
        VectorKernelChecks.assertTailsGiveTheSameBitsAsWholeVectors(Self.functions.map { f in (f.name, { f.kernel($0, $1, $2, $3) }) })
    }

    /// The ops run these kernels for Float: their values are the kernels'.
    func testOpsUseTheKernels() {
        let x = Tensor<Float>((0..<37).map { Float($0) * 0.3 - 6 })
        var y = [Float](repeating: 0, count: 37)
        let isa = ck_isa()
        let pairs: [(Tensor<Float>, Kernel)] = [
            (x.exp(), ck_vexp_f32), (x.tanh(), ck_vtanh_f32), (x.sigmoid(), ck_vsigmoid_f32), (x.erf(), ck_verf_f32),
            (x.erfc(), ck_verfc_f32), (x.expm1(), ck_vexpm1_f32), (x.gelu(), ck_vgelu_f32), (x.silu(), ck_vsilu_f32),
            (x.softplus(), ck_vsoftplus_f32), (x.geluSlope(), ck_vgelu_slope_f32),
            (x.gelu(approximate: .tanh), ck_vgelu_tanh_f32), (x.geluTanhSlope(), ck_vgelu_tanh_slope_f32), (x.mish(), ck_vmish_f32),
            (x.elu(), { ck_velu_f32($0, $1, $2, $3, 1) }), (x.elu(alpha: 0.3), { ck_velu_f32($0, $1, $2, $3, Double(Float(0.3))) }),
            (x.sin(), ck_vsin_f32), (x.cos(), ck_vcos_f32),
        ]
        for (op, kernel) in pairs {
            kernel(isa, 37, x.scalars, &y)
            XCTAssertEqual(op.scalars.map(\.bitPattern), y.map(\.bitPattern))
        }
        // Arguments from 1.6e6 up (the lanes handed to libm) among others.
        let wide = x * 1e6
        ck_vsin_f32(isa, 37, wide.scalars, &y)
        XCTAssertEqual(wide.sin().scalars.map(\.bitPattern), y.map(\.bitPattern))
        let positive = x.abs() + 0.5
        ck_vlog_f32(isa, 37, positive.scalars, &y)
        XCTAssertEqual(positive.log().scalars, y)
        ck_vlog1p_f32(isa, 37, positive.scalars, &y)
        XCTAssertEqual(positive.log1p().scalars, y)
        // A recorded GELU with tanh computes its slope with its values and keeps it: the gradient
        // of its sum is the slope kernel's, and its values the value kernel's.
        let leaf = x.requiringGrad()
        let g = leaf.gelu(approximate: .tanh)
        ck_vgelu_tanh_f32(isa, 37, x.scalars, &y)
        XCTAssertEqual(g.scalars.map(\.bitPattern), y.map(\.bitPattern))
        guard let gradient = try? gradients(of: g.sum(), wrt: [leaf]).first else { return XCTFail("no gradient") }
        ck_vgelu_tanh_slope_f32(isa, 37, x.scalars, &y)
        XCTAssertEqual(gradient.scalars.map(\.bitPattern), y.map(\.bitPattern))
    }
}

import XCTest
import CKernels
import Foundation
@testable import Autograd

// The vectorised Double functions of Sources/CKernels/vmath.c against the exact result in 64-bit
// precision (long double libm, on x86-64 Linux): a sweep of bit patterns over the whole Double
// line, a dense sample of [−750, 750] and of magnitudes 2⁻⁶⁰…2¹⁰, on every instruction set this
// CPU has; their special values and thresholds; the tail of an array; the ops using them.
// scripts/test_vmath.sh runs larger samples on an optimised build.

#if arch(x86_64) && os(Linux)
final class VectorMathDoubleAccuracyTests: XCTestCase {
    typealias Kernel = @convention(c) (Int32, Int, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void
    typealias Exact = Float80

    struct Function {
        let name: String
        let kernel: Kernel
        let exact: (Exact) -> Exact
        /// The stated bound in ulps of the exact result (CKernels.h, docs/HowTheEngineWorks.md).
        let bound: Double
    }

    static var functions: [Function] { [
        Function(name: "exp", kernel: ck_vexp_f64, exact: { expl($0) }, bound: 1),
        Function(name: "expm1", kernel: ck_vexpm1_f64, exact: { expm1l($0) }, bound: 1),
        Function(name: "log", kernel: ck_vlog_f64, exact: { logl($0) }, bound: 1),
        Function(name: "log1p", kernel: ck_vlog1p_f64, exact: { log1pl($0) }, bound: 1),
        Function(name: "tanh", kernel: ck_vtanh_f64, exact: { tanhl($0) }, bound: 2),
        Function(name: "sigmoid", kernel: ck_vsigmoid_f64, exact: { 1 / (1 + expl(-$0)) }, bound: 1),
        Function(name: "silu", kernel: ck_vsilu_f64, exact: { $0 / (1 + expl(-$0)) }, bound: 1),
        Function(name: "softplus", kernel: ck_vsoftplus_f64,
                 exact: { $0 > 0 ? $0 + log1pl(expl(-$0)) : log1pl(expl($0)) }, bound: 2),
        Function(name: "erf", kernel: ck_verf_f64, exact: { erfl($0) }, bound: 2),
        Function(name: "erfc", kernel: ck_verfc_f64, exact: { erfcl($0) }, bound: 2),
        Function(name: "gelu", kernel: ck_vgelu_f64,
                 exact: { $0 * 0.5 * erfcl(-$0 * 0.707106781186547524400844362104849039) }, bound: 2),
    ] }

    static var isas: [Int32] { Array((0...ck_isa()).reversed()) }

    /// Every 2⁴⁴-th bit pattern or so (2²⁰ + 1 of them), 2¹⁸ values spread over [−750, 750] and
    /// 2¹⁸ of magnitudes 2⁻⁶⁰…2¹⁰ of both signs: 1,572,865 inputs, an odd count.
    static var inputs: [Double] {
        var out: [Double] = []
        let count: UInt64 = 1 << 20
        let step = (UInt64.max / count) | 1
        for i in 0...count { out.append(Double(bitPattern: i &* step)) }
        var generator = SplitMix(state: 0x5EED)
        for _ in 0..<(1 << 18) { out.append(-750 + 1500 * Double(generator.next() >> 11) * 0x1p-53) }
        for _ in 0..<(1 << 18) {
            let r = generator.next()
            let exponent = UInt64(1023 - 60) + (r >> 52 & 0x7ff) % 71
            out.append(Double(bitPattern: (r & 0x800f_ffff_ffff_ffff) | exponent << 52))
        }
        return out
    }

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testEveryFunctionWithinItsBoundOverTheDoubleLine() {
        let inputs = Self.inputs
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
        let inf = Double.infinity, nan = Double.nan
        let tiny = Double.leastNonzeroMagnitude, largest = Double.greatestFiniteMagnitude
        // (function, x, expected); NaN expected means NaN; zeros are compared with their sign.
        let cases: [(String, Double, Double)] = [
            ("exp", 0, 1), ("exp", -0.0, 1), ("exp", inf, inf), ("exp", -inf, 0), ("exp", nan, nan),
            ("exp", 709.79, inf), ("exp", -745.2, 0), ("exp", -745.1, tiny), ("exp", -1e4, 0), ("exp", 1e4, inf),
            ("exp", 709.782712893384, Foundation.exp(709.782712893384)), ("exp", -708.4, Foundation.exp(-708.4)),
            ("expm1", -0.0, -0.0), ("expm1", 0, 0), ("expm1", inf, inf), ("expm1", -inf, -1), ("expm1", 709.79, inf),
            ("expm1", tiny, tiny), ("expm1", -50, -1), ("expm1", 1e-300, 1e-300),
            ("log", 0, -inf), ("log", -0.0, -inf), ("log", 1, 0), ("log", -1, nan), ("log", inf, inf), ("log", -inf, nan),
            ("log", nan, nan), ("log", tiny, Foundation.log(tiny)), ("log", largest, Foundation.log(largest)),
            ("log1p", -0.0, -0.0), ("log1p", -1, -inf), ("log1p", -2, nan), ("log1p", inf, inf), ("log1p", 0, 0),
            ("log1p", -tiny, -tiny), ("log1p", largest, Foundation.log(largest)),
            ("tanh", -0.0, -0.0), ("tanh", inf, 1), ("tanh", -inf, -1), ("tanh", 22, 1), ("tanh", nan, nan),
            ("tanh", 1e-300, 1e-300), ("tanh", -tiny, -tiny),
            ("sigmoid", inf, 1), ("sigmoid", -inf, 0), ("sigmoid", 0, 0.5), ("sigmoid", nan, nan), ("sigmoid", -800, 0),
            ("silu", -0.0, -0.0), ("silu", inf, inf), ("silu", -inf, nan), ("silu", -800, -0.0), ("silu", largest, largest),
            ("silu", -largest, -0.0),
            ("softplus", inf, inf), ("softplus", -inf, 0), ("softplus", 1e4, 1e4), ("softplus", nan, nan),
            ("softplus", -800, 0),
            ("erf", -0.0, -0.0), ("erf", inf, 1), ("erf", -inf, -1), ("erf", nan, nan), ("erf", 6, 1),
            ("erf", tiny, Foundation.erf(tiny)),
            ("erfc", inf, 0), ("erfc", -inf, 2), ("erfc", 0, 1), ("erfc", 27.3, 0), ("erfc", -6, 2), ("erfc", nan, nan),
            ("gelu", -0.0, -0.0), ("gelu", inf, inf), ("gelu", -inf, nan), ("gelu", -40, -0.0), ("gelu", nan, nan),
            ("gelu", 0, 0), ("gelu", 40, 40),
        ]
        for isa in Self.isas {
            for (name, x, expected) in cases {
                guard let function = Self.functions.first(where: { $0.name == name }) else { return XCTFail(name) }
                var y = 0.0
                function.kernel(isa, 1, [x], &y)
                let same = expected.isNaN ? y.isNaN : (y == expected && y.sign == expected.sign)
                XCTAssertTrue(same, "\(name)(\(x)) on ISA \(isa) = \(y), expected \(expected)")
            }
        }
    }

    /// Every array length gives each element the value it gets inside a long array, on every ISA.
    func testTailsGiveTheSameBitsAsWholeVectors() {
        VectorKernelChecks.assertTailsGiveTheSameBitsAsWholeVectors(Self.functions.map { f in (f.name, { f.kernel($0, $1, $2, $3) }) })
    }

    /// The ops run these kernels for Double: their values are the kernels'.
    func testOpsUseTheKernels() {
        let x = Tensor<Double>((0..<37).map { Double($0) * 0.3 - 6 })
        var y = [Double](repeating: 0, count: 37)
        let isa = ck_isa()
        let pairs: [(Tensor<Double>, Kernel)] = [
            (x.exp(), ck_vexp_f64), (x.tanh(), ck_vtanh_f64), (x.sigmoid(), ck_vsigmoid_f64), (x.expm1(), ck_vexpm1_f64),
            (x.silu(), ck_vsilu_f64), (x.softplus(), ck_vsoftplus_f64), (x.erf(), ck_verf_f64),
            (x.erfc(), ck_verfc_f64), (x.gelu(), ck_vgelu_f64),
        ]
        for (op, kernel) in pairs {
            kernel(isa, 37, x.scalars, &y)
            XCTAssertEqual(op.scalars.map(\.bitPattern), y.map(\.bitPattern))
        }
        let positive = x.abs() + 0.5
        ck_vlog_f64(isa, 37, positive.scalars, &y)
        XCTAssertEqual(positive.log().scalars, y)
        ck_vlog1p_f64(isa, 37, positive.scalars, &y)
        XCTAssertEqual(positive.log1p().scalars, y)
    }
}
#endif

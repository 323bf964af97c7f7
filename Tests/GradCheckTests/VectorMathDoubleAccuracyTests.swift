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
        Function(name: "gelu_slope", kernel: ck_vgelu_slope_f64, exact: geluSlope, bound: 1.5),
    ] }

    /// GELU's slope Φ(x) + x·φ(x) in 64-bit precision. Near its zero x₀ = −0.7517… the two terms
    /// cancel and 64 bits are not enough for a double's digits there: within 0.36 of x₀ the
    /// reference is the slope's Taylor series at x₀ (30 terms from the recurrence of its
    /// derivatives φ·qₙ, q₁ = 2 − x², qₙ₊₁ = qₙ′ − x·qₙ, in mpmath at 80 digits; truncation below
    /// 1e-25 relative), in h = x − x₀ with x₀ as a double plus a rest (x − x₀hi is exact there), as
    /// scripts/test_vmath.c.
    static func geluSlope(_ x: Exact) -> Exact {
        // x₀hi as the double it is (a Float80 literal would be another number).
        let h = (x - Exact(-0.7517915246935645 as Double)) - slopeRootRest
        guard Swift.abs(h) <= 0.36 else {
            let r = 0.5 * erfcl(-x * 0.707106781186547524400844362104849039)
                + x * 0.398942280401432677939946059934381868 * expl(-0.5 * x * x)
            // Far in the negative tail both terms underflow even here; the slope is negative.
            return r == 0 && x < 0 ? -0.0 : r
        }
        return slopeTaylor.reversed().reduce(Exact(0)) { $0 * h + $1 } * h
    }

    /// x₀ − x₀hi, x₀hi the double nearest x₀.
    static let slopeRootRest: Exact = 1.495675917700988327320555e-17
    static let slopeTaylor: [Exact] = [
        0.4314939923140469197865072,
        0.3882849829905519978580804,
        -0.01819967639867108710056929,
        -0.114008233297221708552437,
        -0.01477152214824433771783813,
        0.01942167983818906588903428,
        0.004539228379125415573634314,
        -0.002239538068073497151278949,
        -0.0007448268386746816242731353,
        0.0001863397462323351328044368,
        0.00008615947861116571627794471,
        -0.00001121438018842664137520905,
        -0.000007748461307003719125262295,
        0.0000004328450625739227546754888,
        0.0000005702764979242107237229701,
        -1.604426549424642758570375e-9,
        -3.545986646178386648417632e-8,
        -1.396942086426202065978305e-9,
        1.903198405013139772895494e-9,
        1.450641893877942489820416e-10,
        -8.950037692726255463155592e-11,
        -9.950340824808053553778512e-12,
        3.725967039270118628922531e-12,
        5.482292964742324008376907e-13,
        -1.382011824060105674541803e-13,
        -2.587150847550750724541097e-14,
        4.57816782427133432411136e-15,
        1.078966251823015913391001e-15,
        -1.350709468114931793805942e-16,
        -4.051438528160148765707511e-17
    ]

    static var isas: [Int32] { Array((0...ck_isa()).reversed()) }

    /// Every 2⁴⁴-th bit pattern or so (2²⁰ + 1 of them), 2¹⁸ values spread over [−750, 750],
    /// 2¹⁸ of magnitudes 2⁻⁶⁰…2¹⁰ of both signs and 2¹⁶ around GELU's slope's zero: 1,638,401
    /// inputs, an odd count.
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
        // Around GELU's slope's zero x₀ at every scale: x₀ + u·2⁻ᵏ, u in [−1, 1), k in 0…52.
        for _ in 0..<(1 << 16) {
            let r = generator.next()
            let u = 2 * Double(r >> 11) * 0x1p-53 - 1
            out.append(-0.7517915246935645 + u * Double(sign: .plus, exponent: -Int(r % 53), significand: 1))
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
            ("gelu_slope", 0, 0.5), ("gelu_slope", -0.0, 0.5), ("gelu_slope", inf, nan), ("gelu_slope", -inf, nan),
            ("gelu_slope", nan, nan), ("gelu_slope", 40, 1), ("gelu_slope", -40, -0.0), ("gelu_slope", -1e300, -0.0),
            ("gelu_slope", 1e300, 1), ("gelu_slope", -0.7517915246935645, -6.453751729367753e-18),
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
            (x.erfc(), ck_verfc_f64), (x.gelu(), ck_vgelu_f64), (x.geluSlope(), ck_vgelu_slope_f64),
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

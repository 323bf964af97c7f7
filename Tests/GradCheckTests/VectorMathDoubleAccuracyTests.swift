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
        Function(name: "gelu_tanh", kernel: ck_vgelu_tanh_f64, exact: geluTanh, bound: 1),
        Function(name: "gelu_tanh_slope", kernel: ck_vgelu_tanh_slope_f64, exact: geluTanhSlope, bound: 1),
        Function(name: "elu", kernel: { ck_velu_f64($0, $1, $2, $3, 1.6732632423543772) },
                 exact: { $0 > 0 ? $0 : Exact(1.6732632423543772 as Double) * expm1l($0) }, bound: 1),
        Function(name: "mish", kernel: ck_vmish_f64,
                 exact: { x in
                     x == -.infinity ? .nan : x * tanhl(x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x)))
                 },
                 bound: 1.5),
        // Lanes from |x| = 1.6e6 up are computed by sinl and cosl themselves (see vmath_body.h):
        // there this checks the dispatch, and scripts/test_vmath.c checks them against libquadmath.
        Function(name: "sin", kernel: ck_vsin_f64, exact: { sinl($0) }, bound: 1),
        Function(name: "cos", kernel: ck_vcos_f64, exact: { cosl($0) }, bound: 1),
    ] }

    /// c₁x + c₃x³ as hi + lo in 64-bit precision (products exact by fused multiply-adds, the sum by
    /// TwoSum), c₁ and c₃ each given as hi + lo: for 2u = 2√(2/π)(x + 0.044715x³) (c₃ = 0.044715c₁)
    /// and V = 2√(2/π)(x + 3·0.044715x³) of GELU with tanh. In the negative tail the result's
    /// relative error is |2u| (up to 745) times the absolute error of 2u: a plain Float80 2u would
    /// leave the reference 0.4 ulp of a double off there.
    static func cubic(_ x: Exact, _ c1: (Exact, Exact), _ c3: (Exact, Exact)) -> (Exact, Exact) {
        let x2 = x * x, x2l = (-x2).addingProduct(x, x)
        let x3 = x2 * x, x3l = (-x3).addingProduct(x2, x) + x2l * x
        let a = c1.0 * x, al = (-a).addingProduct(c1.0, x) + c1.1 * x
        let b = c3.0 * x3, bl = (-b).addingProduct(c3.0, x3) + (c3.0 * x3l + c3.1 * x3)
        let s = a + b, bb = s - a
        return (s, ((a - (s - bb)) + (b - bb)) + (al + bl))
    }
    static let c1: (Exact, Exact) = (1.595769121605730711706272, 5.351177755720478292013163e-20)
    static let c3: (Exact, Exact) = (0.07135481627260024877721376, -8.750062144008984958247768e-22)
    static let threeC3: (Exact, Exact) = (0.214064448817800746324865, 4.15124493483170722507225e-21)
    /// e^(−(t + tl)) for a small correction tl (relative to t; where e^(−t) overflows or underflows
    /// the correction cannot matter, and 1 − tl, for t = 10¹⁹, would not be a correction).
    static func expNeg(_ t: (Exact, Exact)) -> Exact {
        let e = expl(-t.0)
        return e.isInfinite || e == 0 ? e : e * (1 - t.1)
    }
    /// GELU with tanh as x·σ(2u) (1 + tanh u would cancel in the negative tail), the same real number
    /// as ½x(1 + tanh u).
    static func geluTanh(_ x: Exact) -> Exact {
        if x.isInfinite { return x > 0 ? x : .nan }
        return x / (1 + expNeg(cubic(x, c1, c3)))
    }
    /// Its derivative σ + V·σ(1 − σ), σ = σ(2u), V = 2√(2/π)(x + 3·0.044715x³); within 0.36 of its
    /// zero x₀ = −0.75246… its Taylor series at x₀ (30 terms, mpmath at 150 digits; truncation below
    /// 1e-24 relative), in h = x − x₀ with x₀ as a double plus a rest, as for GELU's slope.
    static func geluTanhSlope(_ x: Exact) -> Exact {
        if x.isInfinite { return .nan }
        let h = (x - Exact(-0.7524614220710163 as Double)) - tanhSlopeRootRest
        if Swift.abs(h) <= 0.36 { return tanhSlopeTaylor.reversed().reduce(Exact(0)) { $0 * h + $1 } * h }
        let t = cubic(x, c1, c3), v = cubic(x, c1, threeC3)
        let r: Exact
        if t.0 >= 0 {
            let f = expNeg(t), s = 1 / (1 + f)
            r = s + v.0 * f * s * s
        } else {
            let f = expNeg((-t.0, -t.1)), d = 1 + f
            r = f * ((1 + f) + v.0 + v.1) / (d * d)
        }
        return r == 0 && x < 0 ? -0.0 : r
    }
    static let tanhSlopeRootRest: Exact = 3.635560509207686845016705e-17
    static let tanhSlopeTaylor: [Exact] = [
        0.4304000910248585090799274,
        0.3875184461357889264213778,
        -0.0157828535218480283419059,
        -0.1139444830809589871106425,
        -0.01661932834305256269227603,
        0.01968230945983311748701955,
        0.005261059254921911879379609,
        -0.002422731845875097299239679,
        -0.0009274420230205448962683819,
        0.0002639276405268105256778031,
        0.0001242522780263978193793871,
        -0.00003495617169443611732972887,
        -0.00001595089687164510475574806,
        0.000005918611710894005047667972,
        0.000002433551634429954444776535,
        -0.00000098986477474336658341444,
        -0.0000004310248298802901481176818,
        0.0000001415755698772947294453061,
        7.520740909289921514891601e-8,
        -1.697821745978102150239845e-8,
        -1.196180847972441000237002e-8,
        1.76378027079075641878818e-9,
        1.744987137846621112882575e-9,
        -1.708811216951738012055904e-10,
        -2.433873557833448706040303e-10,
        1.687283177355557919165665e-11,
        3.393384490409003540480397e-11,
        -1.670470825643477103309358e-12,
        -4.827778412316251136927304e-12,
        1.248672701240747589696853e-13
    ]

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
    /// 2¹⁸ of magnitudes 2⁻⁶⁰…2¹⁰ of both signs and 2¹⁶ around each GELU slope's zero: 1,703,937
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
        // Around GELU's slope's zero x₀ at every scale: x₀ + u·2⁻ᵏ, u in [−1, 1), k in 0…52; and
        // around GELU with tanh's slope's zero.
        for root in [-0.7517915246935645, -0.7524614220710163] {
            for _ in 0..<(1 << 16) {
                let r = generator.next()
                let u = 2 * Double(r >> 11) * 0x1p-53 - 1
                out.append(root + u * Double(sign: .plus, exponent: -Int(r % 53), significand: 1))
            }
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
            ("gelu_tanh", -0.0, -0.0), ("gelu_tanh", 0, 0), ("gelu_tanh", inf, inf), ("gelu_tanh", -inf, nan),
            ("gelu_tanh", nan, nan), ("gelu_tanh", -40, -0.0), ("gelu_tanh", 40, 40), ("gelu_tanh", largest, largest),
            ("gelu_tanh", -largest, -0.0), ("gelu_tanh", -10, -1.204092348209806e-37),   // mpmath
            ("gelu_tanh_slope", 0, 0.5), ("gelu_tanh_slope", -0.0, 0.5), ("gelu_tanh_slope", inf, nan),
            ("gelu_tanh_slope", -inf, nan), ("gelu_tanh_slope", nan, nan), ("gelu_tanh_slope", 40, 1),
            ("gelu_tanh_slope", -40, -0.0), ("gelu_tanh_slope", 1e300, 1), ("gelu_tanh_slope", -1e300, -0.0),
            ("gelu_tanh_slope", -0.7524614220710163, -1.5647455740893692e-17),                  // mpmath
            ("elu", -0.0, -0.0), ("elu", 0, 0), ("elu", inf, inf), ("elu", -inf, -1.6732632423543772), ("elu", nan, nan),
            ("elu", -800, -1.6732632423543772), ("elu", largest, largest),
            ("mish", -0.0, -0.0), ("mish", 0, 0), ("mish", inf, inf), ("mish", -inf, nan), ("mish", nan, nan),
            ("mish", -800, -0.0), ("mish", largest, largest), ("mish", -largest, -0.0),
            ("sin", -0.0, -0.0), ("sin", 0, 0), ("sin", inf, nan), ("sin", -inf, nan), ("sin", nan, nan), ("sin", tiny, tiny),
            ("sin", -1e-300, -1e-300), ("sin", .pi, 1.2246467991473532e-16), ("sin", 1e22, -0.8522008497671888),  // mpmath
            ("cos", 0, 1), ("cos", -0.0, 1), ("cos", inf, nan), ("cos", -inf, nan), ("cos", nan, nan), ("cos", tiny, 1),
            ("cos", .pi / 2, 6.123233995736766e-17), ("cos", 1e22, 0.523214785395139),                           // mpmath
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

    /// ELU with other alphas than the sweep's, at full Double precision (a Float-rounded alpha
    /// splits exactly and hid the portable path's errors): negative subnormal and tiny inputs,
    /// negatives of every scale, and alphas of every size and sign, zero included, within the bound;
    /// a zero result keeps the sign of alpha·(eˣ − 1).
    func testELUWithEveryKindOfAlphaWithinItsBound() {
        var generator = SplitMix(state: 0xE1)
        var inputs: [Double] = []
        for _ in 0..<(1 << 14) {   // negative subnormals
            inputs.append(-Double(bitPattern: generator.next() & 0x000f_ffff_ffff_ffff))
        }
        for _ in 0..<(1 << 14) {   // negatives of magnitude 2⁻¹⁰⁷⁴…2⁶
            let magnitude = Double(sign: .plus, exponent: -1074 + Int(generator.next() % 1081), significand: 1)
            inputs.append(-magnitude * (1 + Double(generator.next() >> 12) * 0x1p-52))
        }
        inputs.append(contentsOf: [-1, -0.5, -40, -745, -0x1.7p-1030, -Double.leastNonzeroMagnitude])
        let alphas = [1.6732632423543772, 0.3, 1, -2.5, 1e-300, .leastNonzeroMagnitude, 1.4e300, -1.4e300, .greatestFiniteMagnitude]
        for alpha in alphas {
            let exact = inputs.map { Exact(alpha) * expm1l(Exact($0)) }
            for isa in Self.isas {
                let worst = VectorKernelChecks.worstError(of: { ck_velu_f64($0, $1, $2, $3, alpha) }, isa: isa,
                                                          inputs: inputs, exact: exact)
                XCTAssertLessThanOrEqual(worst.error, 1, "elu(alpha: \(alpha)) on ISA \(isa): \(worst.error) ulps at x = \(worst.at)")
            }
        }
        for isa in Self.isas {
            for (alpha, expected) in [(0.0, -0.0), (-0.0, 0.0)] {
                let xs: [Double] = [-1, -0.5, -1e-20, -0x1.7p-1030, -40]
                var ys = [Double](repeating: .nan, count: xs.count)
                ck_velu_f64(isa, xs.count, xs, &ys, alpha)
                for (x, y) in zip(xs, ys) {
                    XCTAssertTrue(y == 0 && y.sign == expected.sign, "elu(\(x), alpha: \(alpha)) on ISA \(isa) = \(y)")
                }
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
            (x.gelu(approximate: .tanh), ck_vgelu_tanh_f64), (x.geluTanhSlope(), ck_vgelu_tanh_slope_f64),
            (x.mish(), ck_vmish_f64), (x.elu(), { ck_velu_f64($0, $1, $2, $3, 1) }),
            (x.elu(alpha: 0.3), { ck_velu_f64($0, $1, $2, $3, 0.3) }),
            (x.sin(), ck_vsin_f64), (x.cos(), ck_vcos_f64),
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

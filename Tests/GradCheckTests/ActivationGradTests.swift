import XCTest
import Foundation
import Autograd
import Layers

/// The special functions (erf, erfc, expm1, log1p, rsqrt) and the activations (softplus, ELU,
/// SELU, SiLU, GELU exact and tanh, mish, hardtanh): values against scalar formulas (Double and
/// Float), gradients and second derivatives by finite differences on odd shapes and permuted
/// inputs, stability at large |x|, and the documented choices at the kinks.
final class ActivationGradTests: XCTestCase {
    typealias T = Tensor<Double>

    /// Every smooth op with a scalar formula written independently of the library's, and a
    /// domain maker for its inputs.
    static var smooth: [(name: String, op: (T) -> T, reference: (Double) -> Double, input: ([Int], UInt64) -> T)] { [
        ("erf", { $0.erf() }, { Foundation.erf($0) }, { GradTest.normal($0, seed: $1) }),
        ("erfc", { $0.erfc() }, { 1 - Foundation.erf($0) }, { GradTest.normal($0, seed: $1) }),
        ("expm1", { $0.expm1() }, { Foundation.exp($0) - 1 }, { GradTest.normal($0, seed: $1) }),
        ("log1p", { $0.log1p() }, { Foundation.log(1 + $0) }, { GradTest.positive($0, seed: $1, low: -0.5) }),
        ("rsqrt", { $0.rsqrt() }, { 1 / $0.squareRoot() }, { GradTest.positive($0, seed: $1) }),
        ("softplus", { $0.softplus() }, { Foundation.log(1 + Foundation.exp($0)) }, { GradTest.normal($0, seed: $1) * 3 }),
        ("softplus(beta: 2)", { $0.softplus(beta: 2) }, { Foundation.log(1 + Foundation.exp(2 * $0)) / 2 },
         { GradTest.normal($0, seed: $1) }),
        ("silu", { $0.silu() }, { $0 / (1 + Foundation.exp(-$0)) }, { GradTest.normal($0, seed: $1) * 3 }),
        ("gelu", { $0.gelu() }, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, { GradTest.normal($0, seed: $1) * 2 }),
        ("gelu tanh", { $0.gelu(approximate: .tanh) },
         { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) },
         { GradTest.normal($0, seed: $1) * 2 }),
        ("mish", { $0.mish() }, { $0 * Foundation.tanh(Foundation.log(1 + Foundation.exp($0))) }, { GradTest.normal($0, seed: $1) * 2 }),
        // Away from their kinks: elu and selu from 0 (the second derivative jumps there), hardtanh from ±1.
        ("elu", { $0.elu() }, { $0 > 0 ? $0 : Foundation.exp($0) - 1 }, { GradTest.awayFromZero($0, seed: $1) }),
        ("elu(alpha: 0.3)", { $0.elu(alpha: 0.3) }, { $0 > 0 ? $0 : 0.3 * (Foundation.exp($0) - 1) },
         { GradTest.awayFromZero($0, seed: $1) }),
        ("selu", { $0.selu() }, { 1.0507009873554805 * ($0 > 0 ? $0 : 1.6732632423543772 * (Foundation.exp($0) - 1)) },
         { GradTest.awayFromZero($0, seed: $1) }),
        ("hardtanh", { $0.hardtanh() }, { Swift.min(Swift.max($0, -1), 1) }, { ActivationGradTests.awayFrom([-1, 1], $0, seed: $1) }),
        ("hardtanh(min: -0.5, max: 2)", { $0.hardtanh(min: -0.5, max: 2) }, { Swift.min(Swift.max($0, -0.5), 2) },
         { ActivationGradTests.awayFrom([-0.5, 2], $0, seed: $1) * 1.5 }),
    ] }

    /// Normal samples at least 0.05 away from each of `points` (so that x ± eps crosses no kink).
    static func awayFrom(_ points: [Double], _ shape: [Int], seed: UInt64) -> T {
        let x = GradTest.normal(shape, seed: seed) * 1.5
        return T(x.scalars.map { v in
            var v = v
            for p in points where Swift.abs(v - p) < 0.05 { v = p + (v < p ? -0.05 : 0.05) }
            return v
        }, shape: shape)
    }

    func testValuesAgainstScalarFormulas() {
        for (name, op, reference, input) in Self.smooth {
            let x = input([4, 7], 3)
            let y = op(x)
            XCTAssertEqual(y.shape, [4, 7], name)
            for (got, v) in zip(y.scalars, x.scalars) {
                let want = reference(v)
                XCTAssertEqual(got, want, accuracy: 1e-14 * Swift.max(1, Swift.abs(want)), "\(name)(\(v))")
            }
            // Float runs its own compiled loop: the same values to Float's precision.
            let f = op(x).scalars.map(Float.init)
            let yf = x.converted(to: Float.self)
            let floatOp: (Tensor<Float>) -> Tensor<Float> = Self.floatVersions[name] ?? { $0 }
            for (got, want) in zip(floatOp(yf).scalars, f) {
                XCTAssertEqual(got, want, accuracy: 2e-6 * Swift.max(1, Swift.abs(want)), "\(name) in Float")
            }
        }
    }

    /// The same ops on Float tensors (for the Float value check).
    static var floatVersions: [String: (Tensor<Float>) -> Tensor<Float>] { [
        "erf": { $0.erf() }, "erfc": { $0.erfc() }, "expm1": { $0.expm1() }, "log1p": { $0.log1p() },
        "rsqrt": { $0.rsqrt() }, "softplus": { $0.softplus() }, "softplus(beta: 2)": { $0.softplus(beta: 2) },
        "silu": { $0.silu() }, "gelu": { $0.gelu() }, "gelu tanh": { $0.gelu(approximate: .tanh) },
        "mish": { $0.mish() }, "elu": { $0.elu() }, "elu(alpha: 0.3)": { $0.elu(alpha: 0.3) }, "selu": { $0.selu() },
        "hardtanh": { $0.hardtanh() }, "hardtanh(min: -0.5, max: 2)": { $0.hardtanh(min: -0.5, max: 2) },
    ] }

    /// Called from code generic over the scalar type (as a layer calls them), the element
    /// functions run through their Float and Double entry points: the same values.
    func testGenericCallersGetTheSameValues() {
        func viaGeneric<S: TensorScalar>(_ x: Tensor<S>) -> [Tensor<S>] {
            [x.gelu(), x.gelu(approximate: .tanh), x.silu(), x.mish(), x.softplus(), x.elu(alpha: 0.5), x.erf(), x.sin()]
        }
        let d = GradTest.normal([3, 5], seed: 9) * 2, f = d.converted(to: Float.self)
        XCTAssertEqual(viaGeneric(d), [d.gelu(), d.gelu(approximate: .tanh), d.silu(), d.mish(), d.softplus(), d.elu(alpha: 0.5),
                                       d.erf(), d.sin()])
        XCTAssertEqual(viaGeneric(f), [f.gelu(), f.gelu(approximate: .tanh), f.silu(), f.mish(), f.softplus(), f.elu(alpha: 0.5),
                                       f.erf(), f.sin()])
    }

    func testFloatVersionsCoverEveryOp() {
        XCTAssertEqual(Set(Self.floatVersions.keys), Set(Self.smooth.map(\.name)))
    }

    func testGradients() {
        for (name, op, _, input) in Self.smooth {
            // Odd, non-square shapes; a batch of 2 on the leading axis.
            GradTest.check([input([3, 5], 11)], names: [name]) { op($0[0]) }
            GradTest.check([input([2, 3, 4], 12)], names: [name]) { op($0[0]) }
            // A permuted (non-contiguous in the original layout) input.
            GradTest.check([input([4, 3, 2], 13)], names: [name]) { op($0[0].permuted([2, 0, 1])) }
        }
    }

    func testSecondDerivatives() {
        for (name, op, _, input) in Self.smooth {
            GradTest.checkSecond([input([3, 5], 21)], names: [name]) { op($0[0]) }
            // Composed with another op, so that the upstream gradient varies.
            GradTest.checkSecond([input([2, 3], 22)], names: [name]) { op($0[0]).squared().sum(axes: [1]) }
        }
    }

    /// Values that PyTorch computes, printed by torch 2.15 in float64 (the torch cross-check script
    /// covers the rest).
    func testKnownValues() {
        // GELU(1) = 0.84134474606854294858… (mpmath): the vectorised kernel gives the correctly
        // rounded 0.8413447460685429; torch prints 0.841344746068543, one ulp above.
        XCTAssertEqual(T([1]).gelu().scalar, 0.8413447460685429, accuracy: 1e-16)
        // GELU with tanh at 1 is 0.84119199060827670478… (mpmath): the kernel gives the correctly
        // rounded 0.8411919906082767; torch prints 0.8411919906082768, one ulp above.
        XCTAssertEqual(T([1]).gelu(approximate: .tanh).scalar, 0.8411919906082767, accuracy: 1e-17)
        XCTAssertEqual(T([-1]).selu().scalar, -1.1113307378125625, accuracy: 1e-15)
        XCTAssertEqual(T([2]).mish().scalar, 1.9439589595339946, accuracy: 1e-15)
        XCTAssertEqual(T([-1]).silu().scalar, -0.2689414213699951, accuracy: 1e-16)
        XCTAssertEqual(T([10]).erfc().scalar, 2.088487583762545e-45, accuracy: 1e-58)
        XCTAssertEqual(T([1e-10]).expm1().scalar, 1.00000000005e-10, accuracy: 1e-25)
        XCTAssertEqual(T([1e-10]).log1p().scalar, 9.999999999500001e-11, accuracy: 1e-25)
    }

    /// Large |x|: finite values and gradients, where naive formulas overflow or lose every digit.
    func testStabilityAtLargeArguments() {
        let x = T([-1000, -40, 40, 1000]).requiringGrad()
        let sp = x.softplus()
        XCTAssertEqual(sp.scalars[0], 0)
        XCTAssertEqual(sp.scalars[1], Foundation.exp(-40.0), accuracy: 1e-30)   // log(1 + e⁻⁴⁰) = e⁻⁴⁰ to 1 ulp
        XCTAssertEqual(sp.scalars[2], 40)
        XCTAssertEqual(sp.scalars[3], 1000)
        for (name, y) in [("softplus", sp), ("silu", x.silu()), ("gelu", x.gelu()), ("gelu tanh", x.gelu(approximate: .tanh)),
                          ("mish", x.mish()), ("elu", x.elu()), ("selu", x.selu())] {
            XCTAssertTrue(y.scalars.allSatisfy(\.isFinite), "\(name): \(y)")
            let g = try? gradients(of: y.sum(), wrt: [x])
            XCTAssertTrue(g?[0].scalars.allSatisfy(\.isFinite) ?? false, "\(name) gradient: \(String(describing: g))")
        }
        // GELU through erfc keeps its digits for negative x: x·Φ(x) at −10 is about −7.6e-23.
        XCTAssertEqual(T([-10]).gelu().scalar, -7.6198530241605260659733432515993e-23, accuracy: 1e-35)   // mpmath
        XCTAssertLessThan(T([-10]).gelu().scalar, 0)
        // And softplus(beta:) divides by beta.
        XCTAssertEqual(T([3]).softplus(beta: 4).scalar, Foundation.log(1 + Foundation.exp(12.0)) / 4, accuracy: 1e-15)
    }

    // MARK: The kinks' documented choices

    func testELUDerivativeAtZeroIsAlpha() {
        for alpha in [1.0, 0.3, 2.5] {
            let x = T([0, 0]).requiringGrad()
            x.elu(alpha: alpha).sum().backward()
            XCTAssertEqual(x.grad, T([alpha, alpha]), "elu'(0) with alpha \(alpha)")
        }
        let x = T([0]).requiringGrad()
        x.selu().sum().backward()
        XCTAssertEqual(x.grad?.scalar ?? 0, 1.0507009873554805 * 1.6732632423543772, accuracy: 1e-15)   // PyTorch: 1.7580993408473766
        // gradcheck at 0: for alpha ≠ 1 the one-sided slopes differ (alpha and 1) and the rule's
        // alpha is one of them, so the report calls it a kink, not a failure.
        let report = GradTest.check([T([0, 0.5, -0.5])], allowKinks: true) { $0[0].elu(alpha: 0.3) }
        XCTAssertEqual(report.inputs[0].kinks, 1, "\(report)")
        // With alpha = 1 elu is smooth to first order at 0.
        GradTest.check([T([0, 0.5, -0.5])]) { $0[0].elu() }
    }

    func testHardtanhGradientIsZeroAtItsBounds() {
        let x = T([-2, -1, -0.5, 0, 0.5, 1, 2]).requiringGrad()
        x.hardtanh().sum().backward()
        XCTAssertEqual(x.grad, T([0, 0, 1, 1, 1, 0, 0]))        // as PyTorch: 0 at −1 and at 1
        let y = T([-0.5, 2, 1]).requiringGrad()
        y.hardtanh(min: -0.5, max: 2).sum().backward()
        XCTAssertEqual(y.grad, T([0, 0, 1]))
        // clamped gives 0 at its bounds too (docs/Conventions.md, as PyTorch 2.x).
        let z = T([-1, 1]).requiringGrad()
        z.clamped(lower: -1, upper: 1).sum().backward()
        XCTAssertEqual(z.grad, T([0, 0]))
        // At a bound the one-sided slopes are 1 and 0: gradcheck reports a kink and accepts 0.
        let report = GradTest.check([T([-1, 1, 0.25])], allowKinks: true) { $0[0].hardtanh() }
        XCTAssertEqual(report.inputs[0].kinks, 2, "\(report)")
    }

    /// The binary cross-entropy of logits goes through the engine's softplus: finite at ±1000, and
    /// its gradient sigmoid(z) − t (over the batch) exact at z = 0.
    func testBinaryCrossEntropyUsesTheStableSoftplus() {
        let z = T([0, 1000, -1000, 2]).requiringGrad()
        let t = T([1, 0, 1, 0])
        let loss = binaryCrossEntropy(logits: z, targets: t)
        XCTAssertTrue(loss.scalar.isFinite)
        loss.backward()
        GradTest.assertClose(z.grad, (z.detached().sigmoid() - t) / 4, accuracy: 1e-16)
        XCTAssertEqual(z.grad?.scalars[0], -0.125)                 // (½ − 1) / 4 at z = 0
        XCTAssertEqual(binaryCrossEntropy(logits: T([1000]), targets: T([0])).scalar, 1000)
    }
    /// GELU keeps the slope it computed with its values (one pass) for its rule: the gradient of a
    /// plain backward pass is bit for bit the recorded rule's (createGraph: upstream · geluSlope(x),
    /// the op; geluTanhSlope(x) for the tanh form), in Float (the vector kernel's pair) and Double,
    /// across the kernel's thread split and at the special points; gelu of a tensor that needs no
    /// gradient gives the same values.
    func testGELUKeepsItsSlopeForTheRule() throws {
        func bits<S: TensorScalar>(_ t: Tensor<S>) -> [String] { t.scalars.map { "\($0)" } }
        func check<S: TensorScalar>(_ x: Tensor<S>, _ u: Tensor<S>) throws {
            for approximate in [GELUApproximation.none, .tanh] {
                let leaf = x.requiringGrad()
                XCTAssertEqual(bits(leaf.gelu(approximate: approximate)), bits(x.gelu(approximate: approximate)))
                let plain = try gradients(of: leaf.gelu(approximate: approximate), wrt: [leaf], upstream: u)[0]
                let recorded = try gradients(of: leaf.gelu(approximate: approximate), wrt: [leaf], upstream: u,
                                             createGraph: true)[0]
                XCTAssertEqual(bits(plain), bits(recorded), "\(approximate)")
            }
        }
        for count in [13, 100_003] {
            let x = GradTest.normal([count], seed: 21) * 3, u = GradTest.normal([count], seed: 22)
            try check(x, u)
            try check(x.converted(to: Float.self), u.converted(to: Float.self))
        }
        // The slope's zero, ±0, ±∞, NaN, the far tails.
        let special = T([-0.7517915246935645, -0.7524614220710163, 0, -0.0, .infinity, -.infinity, .nan, -40, 40, -6, 1e-30])
        try check(special, T.ones(special.shape))
        try check(special.converted(to: Float.self), Tensor<Float>.ones(special.shape))
        GradTest.checkSecond([GradTest.normal([3, 5], seed: 23) * 2], names: ["gelu"]) { $0[0].gelu() }
    }
}

import XCTest
import Autograd
import Layers

/// Forward mode: for every primitive op, the Jacobian-vector product J·v from `jvp` agrees with
/// reverse mode (⟨u, J v⟩ = ⟨Jᵀu, v⟩ for random u and v) and with central finite differences
/// along v; through a whole layer stack; forward and reverse Jacobians agree.
final class ForwardModeTests: XCTestCase {
    typealias T = Tensor<Double>

    /// Checks `function` at `inputs` along random tangents: against finite differences and
    /// against the reverse pass.
    func assertJVP(_ name: String, _ inputs: [T], tolerance: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line,
                   _ function: ([T]) -> T) {
        let tangents = inputs.enumerated().map { T.randomNormal($1.shape, seed: 100 + UInt64($0)) }
        let (value, derivative) = jvp(of: function, at: inputs, along: tangents)
        let plain = withoutGradients { function(inputs) }
        XCTAssertEqual(value, plain, "\(name): the value is the function's", file: file, line: line)
        XCTAssertEqual(derivative.shape, plain.shape, name, file: file, line: line)
        // Finite differences along the tangents.
        let eps = 1e-6
        let plus = withoutGradients { function(zip(inputs, tangents).map { $0 + $1 * eps }) }
        let minus = withoutGradients { function(zip(inputs, tangents).map { $0 - $1 * eps }) }
        let numeric = (plus - minus) / (2 * eps)
        let error = zip(derivative.scalars, numeric.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(error, tolerance, "\(name): J·v against finite differences", file: file, line: line)
        // The reverse pass: ⟨u, J v⟩ = ⟨Jᵀu, v⟩.
        let u = T.randomNormal(plain.shape, seed: 7)
        let leaves = inputs.map { $0.requiringGrad() }
        let y = function(leaves)
        guard y.requiresGrad, let vjp = try? gradients(of: y, wrt: leaves, upstream: u) else {
            XCTAssertEqual(derivative, T.zeros(plain.shape), "\(name): constant, so J·v = 0", file: file, line: line)
            return
        }
        let forward = (u * derivative).sum().scalar
        let reverse = zip(vjp, tangents).map { ($0 * $1).sum().scalar }.reduce(0, +)
        XCTAssertEqual(forward, reverse, accuracy: 1e-10 * max(1, abs(reverse)), "\(name): ⟨u, Jv⟩ = ⟨Jᵀu, v⟩", file: file, line: line)
    }

    let a = T.randomNormal([3, 4], seed: 1)
    let b = T.randomNormal([3, 4], seed: 2)
    var positive: T { a.abs() + 0.5 }

    func testElementwiseOps() {
        let unary: [(String, (T) -> T)] = [
            ("exp", { $0.exp() }), ("log", { ($0.abs() + 0.5).log() }), ("sqrt", { ($0.abs() + 0.5).sqrt() }),
            ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }), ("relu", { ($0 + 0.05).relu() }),
            ("leakyRelu", { ($0 + 0.05).leakyRelu(slope: 0.1) }), ("abs", { ($0 + 0.05).abs() }),
            ("sin", { $0.sin() }), ("cos", { $0.cos() }), ("erf", { $0.erf() }), ("erfc", { $0.erfc() }),
            ("expm1", { $0.expm1() }), ("log1p", { ($0.abs()).log1p() }), ("rsqrt", { ($0.abs() + 0.5).rsqrt() }),
            ("softplus", { $0.softplus() }), ("elu", { $0.elu(alpha: 1.5) }), ("selu", { $0.selu() }), ("silu", { $0.silu() }),
            ("gelu", { $0.gelu() }), ("gelu tanh", { $0.gelu(approximate: .tanh) }), ("mish", { $0.mish() }),
            ("hardtanh", { $0.hardtanh(min: -0.7, max: 0.8) }), ("clamped", { $0.clamped(lower: -0.5, upper: 0.6) }),
            ("pow", { ($0.abs() + 0.5).pow(2.5) }), ("negate", { -$0 }), ("squared", { $0.squared() }),
        ]
        for (name, f) in unary { assertJVP(name, [a]) { f($0[0]) } }
        let binary: [(String, (T, T) -> T)] = [
            ("add", { $0 + $1 }), ("subtract", { $0 - $1 }), ("multiply", { $0 * $1 }), ("divide", { $0 / ($1.abs() + 0.5) }),
            ("maximum", { T.maximum($0, $1) }), ("minimum", { T.minimum($0, $1) }), ("select", { select($0 .> 0, $0, $1 * 2) }),
            ("broadcast row", { $0 * $1[0] }), ("broadcast column", { $0 + $1[0..., 0..<1] }),
        ]
        for (name, f) in binary { assertJVP(name, [a, b]) { f($0[0], $0[1]) } }
    }

    func testReductionsSoftmaxAndShapes() {
        let ops: [(String, (T) -> T)] = [
            ("sum", { $0.sum() }), ("sum axes", { $0.sum(axes: [1]) }), ("mean", { $0.mean(axes: [0]) }),
            ("max", { $0.max(axes: [1]) }), ("min", { $0.min(axes: [0]) }), ("logSumExp", { $0.logSumExp(axes: [1]) }),
            ("variance", { $0.variance(axes: [1]) }), ("softmax", { $0.softmax(axis: 1) }), ("logSoftmax", { $0.logSoftmax(axis: 0) }),
            ("cumulativeSum", { $0.cumulativeSum(axis: 1) }), ("reshaped", { $0.reshaped([4, 3]) }),
            ("permuted", { $0.reshaped([3, 2, 2]).permuted([2, 0, 1]) }), ("transposed", { $0.transposed() }),
            ("expanded", { $0[0..<1].expanded(to: [5, 4]) }), ("slice", { $0.slice(axis: 1, 1..<3) }),
            ("subscript", { $0[.stride(by: -1), 1...] }), ("padded", { $0.padded([(1, 0), (0, 2)]) }),
            ("take", { $0.take(T([2, 0, 2]), axis: 0) }), ("gather", { $0.gather(axis: 1, indices: T(rows: [[3], [0], [1]])) }),
            ("mask", { $0[mask: $0 .> 0] }), ("concatenate", { T.concatenate([$0, $0 * 2], axis: 1) }),
            ("stack", { T.stack([$0, $0.exp()], axis: 0) }), ("tril", { $0.tril() }),
            ("masked", { $0.masked(where: T.triu(rows: 3, columns: 4, diagonal: 1), fill: -1) }),
            ("matmul", { $0.matmul($0.transposed()) }),
        ]
        for (name, f) in ops { assertJVP(name, [a]) { f($0[0]) } }
        assertJVP("matmul of two", [a, b.transposed()]) { $0[0].matmul($0[1]) }
        assertJVP("matmul transposes", [a, b]) { $0[0].matmul($0[1], transposeA: true, transposeB: false) }
        assertJVP("scatterAdding", [a, T.randomNormal([3, 1], seed: 4)]) {
            $0[0].scatterAdding(axis: 1, indices: T(rows: [[2], [0], [2]]), values: $0[1])
        }
    }

    func testConvolutionAndPooling() {
        let images = T.randomNormal([2, 2, 5, 4], seed: 5), filters = T.randomNormal([3, 2, 3, 2], seed: 6)
        assertJVP("conv2d stride padding", [images, filters]) {
            $0[0].conv2d($0[1], stride: (2, 1), padding: (1, 0))
        }
        assertJVP("maxPool2D", [images]) { $0[0].maxPool2D(kernel: (2, 2)) }
        assertJVP("avgPool2D", [images]) { $0[0].avgPool2D(kernel: (2, 2), stride: (1, 1)) }
        let signal = T.randomNormal([2, 3, 9], seed: 7), kernels = T.randomNormal([4, 3, 3], seed: 8)
        assertJVP("conv1d dilation", [signal, kernels]) { $0[0].conv1d($0[1], stride: 2, padding: 1, dilation: 2) }
    }

    func testThroughALayerStack() {
        let model = Sequential<Double> {
            Dense(inputs: 4, outputs: 6, activation: .tanh, seed: 1)
            LayerNorm(normalizedShape: [6])
            Dense(inputs: 6, outputs: 3, activation: .gelu, seed: 2)
        }
        assertJVP("Dense-LayerNorm-Dense", [a]) { model($0[0]) }
        let lstm = LSTM<Double>(inputSize: 4, hiddenSize: 3, seed: 3)
        assertJVP("LSTM", [T.randomNormal([2, 3, 4], seed: 9)]) { lstm($0[0]) }
        let attention = MultiHeadAttention<Double>(dimension: 4, heads: 2, seed: 4)
        assertJVP("causal attention", [T.randomNormal([2, 3, 4], seed: 10)]) { attention($0[0], causal: true) }
        // Along the parameters too: a tangent on the weight, as a sensitivity of the output to it.
        let w = model.parameters[0].value
        assertJVP("with respect to a weight", [a, w]) { v in
            Sequential<Double> { Dense(weight: v[1], activation: .tanh) }(v[0]).sum(axes: [1])
        }
    }

    func testJacobianModesAgree() {
        let x = T([0.3, -1.2])
        let tall: (T) -> T = { x in T.concatenate([x.sin(), x.cos() * x, x.exp()], axis: 0) }   // 6 outputs, 2 inputs
        let forward = jacobian(of: tall, at: x, mode: .forward)
        let reverse = jacobian(of: tall, at: x, mode: .reverse)
        XCTAssertEqual(forward.shape, [6, 2])
        for (f, r) in zip(forward.scalars, reverse.scalars) { XCTAssertEqual(f, r, accuracy: 1e-14) }
        XCTAssertEqual(jacobian(of: tall, at: x), forward, "automatic picks forward for a tall Jacobian")
        let wide: (T) -> T = { $0.softmax().sum(axes: [0], keepDims: true) * $0[0] }
        XCTAssertEqual(jacobian(of: wide, at: T([1, 2, 3])), jacobian(of: wide, at: T([1, 2, 3]), mode: .reverse))
        let f2 = jacobian(of: { $0.softmax() }, at: T([1, 2, 3]), mode: .forward)
        let r2 = jacobian(of: { $0.softmax() }, at: T([1, 2, 3]), mode: .reverse)
        for (f, r) in zip(f2.scalars, r2.scalars) { XCTAssertEqual(f, r, accuracy: 1e-15) }
    }

    func testAWrongRuleShowsAgainstFiniteDifferences() {
        // A custom op whose rule is off by a factor 2: forward mode inherits it (it is built from
        // the reverse rules), and finite differences along a direction expose it.
        func wrongSquare(_ x: T) -> T {
            T.customOp("wrongSquare", inputs: [x], value: withoutGradients { x * x }) { upstream, inputs, _ in
                [upstream * inputs[0] * 4]
            }
        }
        let x = T([0.5, -1, 2]), v = T([1, 1, 1])
        let derivative = jvp(of: wrongSquare, at: x, along: v).derivative
        XCTAssertEqual(derivative.scalars, [2, -4, 8], "4x, the wrong rule's")
        XCTAssertNotEqual(derivative.scalars, (x * 2).scalars, "the true derivative is 2x")
    }

    func testJVPOfAConstantAndSecondOrder() {
        let (value, derivative) = jvp(of: { _ in T([1, 2]) }, at: T([3]), along: T([1]))
        XCTAssertEqual(value, T([1, 2]))
        XCTAssertEqual(derivative, T.zeros([2]))
        // Forward over reverse: the JVP of the gradient is the Hessian-vector product.
        let f: (T) -> T = { v in v[0] * v[0] * v[1] + v[0] * v[1] * v[1] - 6 * v[0] * v[1] }
        let x = T([2, 2]), v = T([1, -0.5])
        let hv = jvp(of: { gradient(of: f, at: $0, createGraph: true) }, at: x, along: v).derivative
        XCTAssertEqual(hv, hessianVectorProduct(of: f, at: x, vector: v))
    }
}

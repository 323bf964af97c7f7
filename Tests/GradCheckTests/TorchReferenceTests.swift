import XCTest
import Foundation
import Autograd

/// The Swift half of `scripts/check_ops_against_torch.py`. Skipped unless `OPS_TORCH_DIR` names a
/// folder:
///
///     OPS_TORCH_DIR=/tmp/ops swift test --filter GradCheckTests.TorchReferenceTests
///     python3 scripts/check_ops_against_torch.py /tmp/ops
///
/// For every case (an op with its settings, on fixed seeded inputs, in Double) it writes the
/// inputs, the output, the gradient of ⟨upstream, output⟩ with respect to each input and, where the
/// op is smooth, the second derivative: the gradient of Σᵢ ⟨directionᵢ, gradientᵢ⟩ (the Hessian of
/// ⟨upstream, output⟩ applied to the directions). The script recomputes all of it with PyTorch in
/// float64 and prints the largest differences per op.
final class TorchReferenceTests: XCTestCase {
    typealias T = Tensor<Double>

    /// One op on fixed inputs. `op` and `params` name the PyTorch computation in the script.
    struct Case {
        let name: String
        let op: String
        var params = "{}"
        let inputs: [T]
        /// Which inputs are differentiated (masks are not).
        var differentiable: [Bool]? = nil
        /// Whether to write second derivatives (smooth ops; piecewise-linear ones have none).
        var second = true
        let function: ([T]) -> T
    }

    static var cases: [Case] {
        let n = { (shape: [Int], seed: UInt64) in T.randomNormal(shape, seed: seed) }
        let positive = { (shape: [Int], seed: UInt64) in T.randomUniform(shape, lower: 0.2, upper: 3, seed: seed) }
        /// Normal values kept 0.05 away from the points given (kinks).
        func away(_ shape: [Int], _ seed: UInt64, _ points: [Double], scale: Double = 1) -> T {
            T(n(shape, seed).scalars.map { v in
                var v = v * scale
                for p in points where Swift.abs(v - p) < 0.05 { v = p + (v < p ? -0.05 : 0.05) }
                return v
            }, shape: shape)
        }
        var cases: [Case] = []
        // Elementwise.
        let x = n([3, 7], 1) * 2
        cases += [
            Case(name: "erf", op: "erf", inputs: [x]) { $0[0].erf() },
            Case(name: "erfc", op: "erfc", inputs: [x]) { $0[0].erfc() },
            Case(name: "expm1", op: "expm1", inputs: [x]) { $0[0].expm1() },
            Case(name: "log1p", op: "log1p", inputs: [positive([3, 7], 2) - 0.9]) { $0[0].log1p() },
            Case(name: "rsqrt", op: "rsqrt", inputs: [positive([3, 7], 3)]) { $0[0].rsqrt() },
            Case(name: "softplus", op: "softplus", inputs: [n([3, 7], 4) * 6]) { $0[0].softplus() },
            Case(name: "softplus(beta: 2)", op: "softplus", params: #"{"beta": 2}"#, inputs: [x]) { $0[0].softplus(beta: 2) },
            Case(name: "elu", op: "elu", inputs: [away([3, 7], 5, [0], scale: 2)]) { $0[0].elu() },
            Case(name: "elu(alpha: 0.3)", op: "elu", params: #"{"alpha": 0.3}"#, inputs: [away([3, 7], 6, [0], scale: 2)]) {
                $0[0].elu(alpha: 0.3)
            },
            Case(name: "selu", op: "selu", inputs: [away([3, 7], 7, [0], scale: 2)]) { $0[0].selu() },
            Case(name: "silu", op: "silu", inputs: [x]) { $0[0].silu() },
            Case(name: "gelu", op: "gelu", inputs: [x]) { $0[0].gelu() },
            Case(name: "gelu(approximate: .tanh)", op: "gelu", params: #"{"approximate": "tanh"}"#, inputs: [x]) {
                $0[0].gelu(approximate: .tanh)
            },
            Case(name: "mish", op: "mish", inputs: [x]) { $0[0].mish() },
            Case(name: "hardtanh", op: "hardtanh", inputs: [away([3, 7], 8, [-1, 1], scale: 1.5)]) { $0[0].hardtanh() },
            Case(name: "hardtanh(min: -0.5, max: 2)", op: "hardtanh", params: #"{"min": -0.5, "max": 2}"#,
                 inputs: [away([3, 7], 9, [-0.5, 2], scale: 2)]) { $0[0].hardtanh(min: -0.5, max: 2) },
        ]
        // Masks and softmax of masked rows ([2, 3, 5]: row (0, 1) fully masked).
        let mask = T([0, 1, 0, 1, 0,  1, 1, 1, 1, 1,  0, 0, 1, 0, 0,
                      1, 0, 0, 0, 0,  0, 1, 1, 0, 1,  0, 0, 0, 0, 0], shape: [2, 3, 5])
        let scores = n([2, 3, 5], 10)
        cases += [
            Case(name: "tril(diagonal: -1)", op: "tril", params: #"{"diagonal": -1}"#, inputs: [n([2, 4, 5], 11)], second: false) {
                $0[0].tril(diagonal: -1)
            },
            Case(name: "triu(diagonal: 2)", op: "triu", params: #"{"diagonal": 2}"#, inputs: [n([2, 4, 5], 12)], second: false) {
                $0[0].triu(diagonal: 2)
            },
            Case(name: "masked softmax", op: "masked_softmax", inputs: [scores, mask], differentiable: [true, false]) {
                $0[0].masked(where: $0[1], fill: -.infinity).softmax()
            },
            Case(name: "masked softmax (axis 1)", op: "masked_softmax", params: #"{"dim": 1}"#, inputs: [scores, mask],
                 differentiable: [true, false]) { $0[0].masked(where: $0[1], fill: -.infinity).softmax(axis: 1) },
            Case(name: "masked logSoftmax", op: "masked_log_softmax", inputs: [scores, mask], differentiable: [true, false]) {
                $0[0].masked(where: $0[1], fill: -.infinity).logSoftmax()
            },
            Case(name: "causal attention", op: "causal_attention", params: #"{"heads": 3}"#,
                 inputs: [n([2, 5, 12], 13), n([2, 5, 12], 14), n([2, 5, 12], 15)]) { x in
                let s = T.headScores(queries: x[0], keys: x[1], heads: 3) / 2
                return T.headOutputs(weights: s.masked(where: T.triu(rows: 5, diagonal: 1), fill: -.infinity).softmax(),
                                     values: x[2], heads: 3)
            },
        ]
        // Cumulative sums (linear: no second derivative).
        let c = n([3, 4, 5], 16)
        for (axis, reverse) in [(0, false), (1, false), (-1, false), (-1, true), (0, true)] {
            cases.append(Case(name: "cumulativeSum(axis: \(axis)\(reverse ? ", reverse" : ""))", op: "cumsum",
                              params: #"{"dim": \#(axis), "reverse": \#(reverse)}"#, inputs: [c], second: false) {
                $0[0].cumulativeSum(axis: axis, reverse: reverse)
            })
        }
        // Convolution and pooling with dilation.
        let image = n([2, 4, 9, 8], 17)
        for (i, (stride, padding, dilation)) in [((1, 1), (2, 2), (2, 2)), ((2, 1), (1, 2), (3, 2)), ((2, 2), (3, 1), (3, 3))].enumerated() {
            let geometry = #""stride": [\#(stride.0), \#(stride.1)], "padding": [\#(padding.0), \#(padding.1)], "dilation": [\#(dilation.0), \#(dilation.1)]"#
            let w = n([6, 2, 3, 2], 20 + UInt64(i)), b = n([6], 30 + UInt64(i))
            cases.append(Case(name: "conv2d \(i + 1) (dilation \(dilation), groups 2)", op: "conv2d", params: "{\(geometry), \"groups\": 2}",
                              inputs: [image, w, b]) {
                $0[0].conv2d($0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: 2)
            })
            let kernel = (3, 2)
            let poolPadding = (Swift.min(padding.0, 1), Swift.min(padding.1, 1))
            let poolGeometry = #""kernel": [3, 2], "stride": [\#(stride.0), \#(stride.1)], "padding": [\#(poolPadding.0), \#(poolPadding.1)], "dilation": [\#(dilation.0), \#(dilation.1)]"#
            cases.append(Case(name: "maxPool2D \(i + 1) (dilation \(dilation))", op: "max_pool2d", params: "{\(poolGeometry)}",
                              inputs: [GradTest.distinct([2, 3, 9, 8], seed: 40 + UInt64(i))], second: false) {
                $0[0].maxPool2D(kernel: kernel, stride: stride, padding: poolPadding, dilation: dilation)
            })
            cases.append(Case(name: "avgPool2D \(i + 1) (dilation \(dilation))", op: "avg_pool2d", params: "{\(poolGeometry)}",
                              inputs: [image], second: false) {
                $0[0].avgPool2D(kernel: kernel, stride: stride, padding: poolPadding, dilation: dilation)
            })
            cases.append(Case(name: "unfold \(i + 1) (dilation \(dilation))", op: "unfold",
                              params: #"{"kernel": [3, 2], \#(geometry)}"#, inputs: [image], second: false) {
                $0[0].unfolded(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            })
        }
        let columns = image.unfolded(kernel: (3, 2), stride: (2, 1), padding: (1, 2), dilation: (3, 2))
        cases.append(Case(name: "fold (dilation (3, 2))", op: "fold",
                          params: #"{"size": [9, 8], "kernel": [3, 2], "stride": [2, 1], "padding": [1, 2], "dilation": [3, 2]}"#,
                          inputs: [n(columns.shape, 18)], second: false) {
            $0[0].folded(imageSize: (9, 8), kernel: (3, 2), stride: (2, 1), padding: (1, 2), dilation: (3, 2))
        })
        cases.append(Case(name: "convTranspose2d (dilation (2, 3))", op: "conv_transpose2d",
                          params: #"{"stride": [2, 2], "padding": [1, 2], "output_padding": [1, 0], "dilation": [2, 3]}"#,
                          inputs: [n([2, 3, 4, 5], 19), n([3, 4, 3, 2], 22), n([4], 23)]) {
            $0[0].convTranspose2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 2), outputPadding: (1, 0), dilation: (2, 3))
        })
        // 1-D.
        let sequence = n([2, 4, 13], 24)
        for (i, (stride, padding, dilation)) in [(1, 0, 1), (2, 3, 3), (1, 4, 2)].enumerated() {
            cases.append(Case(name: "conv1d \(i + 1) (stride \(stride), padding \(padding), dilation \(dilation))", op: "conv1d",
                              params: #"{"stride": \#(stride), "padding": \#(padding), "dilation": \#(dilation), "groups": 2}"#,
                              inputs: [sequence, n([6, 2, 3], 25 + UInt64(i)), n([6], 28 + UInt64(i))]) {
                $0[0].conv1d($0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: 2)
            })
            let p = Swift.min(padding, 1)
            cases.append(Case(name: "maxPool1D \(i + 1) (dilation \(dilation))", op: "max_pool1d",
                              params: #"{"kernel": 3, "stride": \#(stride), "padding": \#(p), "dilation": \#(dilation)}"#,
                              inputs: [GradTest.distinct([2, 4, 13], seed: 50 + UInt64(i))], second: false) {
                $0[0].maxPool1D(kernel: 3, stride: stride, padding: p, dilation: dilation)
            })
            cases.append(Case(name: "avgPool1D \(i + 1) (dilation \(dilation))", op: "avg_pool1d",
                              params: #"{"kernel": 3, "stride": \#(stride), "padding": \#(p), "dilation": \#(dilation)}"#,
                              inputs: [sequence], second: false) {
                $0[0].avgPool1D(kernel: 3, stride: stride, padding: p, dilation: dilation)
            })
        }
        // Attention's products.
        let (q, k) = (n([2, 6, 12], 60), n([2, 4, 12], 61))
        cases += [
            Case(name: "headScores (3 heads, Tq 6, Tk 4)", op: "head_scores", params: #"{"heads": 3}"#, inputs: [q, k]) {
                T.headScores(queries: $0[0], keys: $0[1], heads: 3)
            },
            Case(name: "headOutputs (3 heads, Tq 6, Tk 4)", op: "head_outputs", params: #"{"heads": 3}"#,
                 inputs: [n([2, 3, 6, 4], 62), k]) { T.headOutputs(weights: $0[0], values: $0[1], heads: 3) },
            Case(name: "matmul(transposeB: true)", op: "matmul_tb", inputs: [n([2, 3, 4, 5], 63), n([2, 3, 6, 5], 64)]) {
                $0[0].matmul($0[1], transposeA: false, transposeB: true)
            },
        ]
        return cases
    }

    func testWriteCasesForTorch() throws {
        guard let folder = ProcessInfo.processInfo.environment["OPS_TORCH_DIR"], !folder.isEmpty else {
            throw XCTSkip("set OPS_TORCH_DIR to write the ops' values for scripts/check_ops_against_torch.py")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var entries: [String] = []
        for (index, c) in Self.cases.enumerated() {
            let flags = c.differentiable ?? c.inputs.map { _ in true }
            let leaves = zip(c.inputs, flags).map { $1 ? $0.requiringGrad() : $0 }
            let wrt = zip(leaves, flags).filter(\.1).map(\.0)
            let output = c.function(leaves)
            let upstream = T.randomNormal(output.shape, seed: 1000 + UInt64(index))
            let first = try gradients(of: output, wrt: wrt, upstream: upstream, retainGraph: true, createGraph: c.second)
            var fields = [#""name": \#(Self.json(c.name))"#, #""op": \#(Self.json(c.op))"#, #""params": \#(c.params)"#,
                          #""inputs": [\#(c.inputs.map(Self.json).joined(separator: ", "))]"#,
                          #""differentiable": [\#(flags.map { "\($0)" }.joined(separator: ", "))]"#,
                          #""output": \#(Self.json(output))"#, #""upstream": \#(Self.json(upstream))"#,
                          #""gradients": [\#(first.map(Self.json).joined(separator: ", "))]"#]
            if c.second {
                let directions = first.enumerated().map { T.randomNormal($1.shape, seed: 2000 + UInt64(100 * index + $0)) }
                let inner = zip(first, directions).map { ($0 * $1).sum() }.reduce(T(0), +)
                // A gradient that does not depend on the inputs (hardtanh's) has a zero derivative.
                let second = inner.requiresGrad ? try gradients(of: inner, wrt: wrt) : wrt.map { T.zeros(like: $0) }
                fields += [#""directions": [\#(directions.map(Self.json).joined(separator: ", "))]"#,
                           #""second": [\#(second.map(Self.json).joined(separator: ", "))]"#]
            }
            entries.append("{" + fields.joined(separator: ", ") + "}")
        }
        let path = folder + "/ops_cases.json"
        try ("[\n" + entries.joined(separator: ",\n") + "\n]\n").write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(entries.count) cases to \(path)")
    }

    /// A JSON string literal.
    static func json(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A tensor as {"shape": […], "data": […]}: numbers in Swift's shortest round-trip form (exact),
    /// non-finite ones as the strings "inf", "-inf", "nan".
    static func json(_ t: T) -> String {
        let data = t.scalars.map { v -> String in
            if v.isNaN { return "\"nan\"" }
            if v.isInfinite { return v > 0 ? "\"inf\"" : "\"-inf\"" }
            return "\(v)"
        }
        return #"{"shape": [\#(t.shape.map(String.init).joined(separator: ", "))], "data": [\#(data.joined(separator: ", "))]}"#
    }

    /// The cases' names are unique (the script reports by name) and every case runs.
    func testCasesAreWellFormed() {
        let cases = Self.cases
        XCTAssertEqual(Set(cases.map(\.name)).count, cases.count)
        for c in cases {
            XCTAssertEqual(c.differentiable?.count ?? c.inputs.count, c.inputs.count, c.name)
            XCTAssertFalse(c.function(c.inputs).scalars.contains(where: \.isNaN), c.name)
        }
    }
}

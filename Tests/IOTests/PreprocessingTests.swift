import XCTest
import Autograd
import DataFormats

final class PreprocessingTests: XCTestCase {
    private func assertClose<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>, tolerance: S = 1e-6,
                                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !(abs(x - y) <= tolerance) {
            XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
            return
        }
    }

    func testStandardScaler() {
        let train = Tensor<Double>(rows: [[1, 10, 0.1], [3, 10, 0.1], [5, 10, 0.1]])
        let s = StandardScaler(fitting: train)
        assertClose(s.mean, Tensor([3, 10, 0.1]))
        assertClose(s.scale, Tensor([(8.0 / 3).squareRoot(), 1, 1]))
        let z = s.transform(train)
        XCTAssertFalse(z.scalars.contains { $0.isNaN })
        // The constant columns become exact zeros (no rounding noise scaled up).
        XCTAssertEqual(z.scalars[1], 0)
        XCTAssertEqual(z.scalars[2], 0)
        XCTAssertEqual(z.scalars[5], 0)
        let column0 = [z.scalars[0], z.scalars[3], z.scalars[6]]
        XCTAssertEqual(column0.reduce(0, +), 0, accuracy: 1e-12)
        XCTAssertEqual(column0.map { $0 * $0 }.reduce(0, +) / 3, 1, accuracy: 1e-12)
        // Applied to other data with the training statistics.
        assertClose(s.transform(Tensor(rows: [[3, 11, 0.1]])), Tensor(rows: [[0, 1, 0]]))
        assertClose(s.inverseTransform(z), train, tolerance: 1e-12)
        // Float, and a single sample (everything constant).
        let one = StandardScaler(fitting: Tensor<Float>(rows: [[2, -1]]))
        XCTAssertEqual(one.transform(Tensor<Float>(rows: [[2, -1]])), Tensor<Float>(rows: [[0, 0]]))
    }

    func testMinMaxScaler() {
        let train = Tensor<Float>(rows: [[0, 5, -2], [10, 5, 2], [5, 5, 0]])
        let s = MinMaxScaler(fitting: train)
        assertClose(s.transform(train), Tensor(rows: [[0, 0, 0], [1, 0, 1], [0.5, 0, 0.5]]))
        assertClose(s.transform(Tensor(rows: [[20, 7, -4]])), Tensor(rows: [[2, 2, -0.5]]))
        assertClose(s.inverseTransform(s.transform(train)), train)
        let symmetric = MinMaxScaler(fitting: train, range: -1...1)
        assertClose(symmetric.transform(train), Tensor(rows: [[-1, -1, -1], [1, -1, 1], [0, -1, 0]]))
        XCTAssertFalse(symmetric.transform(train).scalars.contains { $0.isNaN })
    }

    func testOneHotEncoder() throws {
        let e = OneHotEncoder<Float>(classCount: 3)
        let y = try e.transform(Tensor([2, 0, 1]))
        XCTAssertEqual(y, Tensor<Float>(rows: [[0, 0, 1], [1, 0, 0], [0, 1, 0]]))
        XCTAssertEqual(e.inverseTransform(y), Tensor<Float>([2, 0, 1]))
        XCTAssertEqual(e.inverseTransform(Tensor(rows: [[0.1, 0.7, 0.2]])), Tensor<Float>([1]))

        let fitted = try OneHotEncoder(fitting: Tensor<Double>([7, -1, 7, 3]))
        XCTAssertEqual(fitted.categories, [-1, 3, 7])
        XCTAssertEqual(try fitted.transform(Tensor([3])), Tensor<Double>(rows: [[0, 1, 0]]))
        IOTest.expectDataError(.invalidValue, mentions: ["element 1", "a label among -1.0, 3.0, 7.0", "found 5.0"]) {
            _ = try fitted.transform(Tensor([3, 5]))
        }
        IOTest.expectDataError(.invalidValue, mentions: ["element 1", "found 1.5"]) {
            _ = try e.transform(Tensor([0, 1.5]))
        }
        IOTest.expectDataError(.invalidValue, mentions: ["NaN"]) {
            _ = try OneHotEncoder(fitting: Tensor<Float>([1, .nan]))
        }
        XCTAssertEqual(OneHotEncoder<Float>(categories: [1, -1, 1]).categories, [-1, 1])
    }

    func testPCAOnALine() {
        let x = Tensor<Double>(rows: [[1, 2], [2, 4], [3, 6], [4, 8]])
        let pca = PCA(fitting: x, components: 1)
        assertClose(pca.explainedVarianceRatio, Tensor([1]), tolerance: 1e-12)
        // Direction (1, 2)/√5, signed so its largest entry is positive.
        assertClose(pca.components, Tensor(rows: [[1 / 5.0.squareRoot(), 2 / 5.0.squareRoot()]]), tolerance: 1e-12)
        // Variance along it: the projections are ±1.5√5, ±0.5√5 → var = 5 · (2.25 + 0.25) · 2 / 3.
        assertClose(pca.explainedVariance, Tensor([5 * 5.0 / 3]), tolerance: 1e-10)
        assertClose(pca.inverseTransform(pca.transform(x)), x, tolerance: 1e-12)
    }

    func testPCAKnownCovarianceAndMethodsAgree() {
        // Data with covariance diag(9, 4, 1) rotated: build samples ±3e1, ±2e2, ±1e3 in a rotated basis.
        let c = 0.6, s = 0.8
        let axes = [[c, s, 0], [-s, c, 0], [0, 0, 1]]
        let scales = [3.0, 2.0, 1.0]
        var rows: [[Double]] = []
        for (axis, scale) in zip(axes, scales) {
            rows.append(axis.map { $0 * scale + 1 })
            rows.append(axis.map { -$0 * scale + 1 })
        }
        let x = Tensor<Double>(rows: rows)
        // Each axis contributes 2·scale² over n − 1 = 5.
        let expected = scales.map { 2 * $0 * $0 / 5 }
        for method in [PCA<Double>.Method.jacobi, .powerIteration] {
            let pca = PCA(fitting: x, components: 3, method: method)
            assertClose(pca.explainedVariance, Tensor(expected), tolerance: 1e-9)
            assertClose(pca.explainedVarianceRatio, Tensor(expected.map { $0 / expected.reduce(0, +) }), tolerance: 1e-9)
            assertClose(pca.components, Tensor(rows: [[c, s, 0], [s, -c, 0], [0, 0, 1]]), tolerance: 1e-6)
            assertClose(pca.mean, Tensor([1, 1, 1]), tolerance: 1e-12)
            assertClose(pca.inverseTransform(pca.transform(x)), x, tolerance: 1e-8)
        }
    }

    func testPCAOnRandomDataJacobiVersusPowerIteration() {
        var rng = SeededGenerator(seed: 21)
        let mix = Tensor<Double>.randomNormal([6, 6], using: &rng).scalars
        let raw = Tensor<Double>.randomNormal([200, 6], using: &rng).scalars
        var rows: [[Double]] = []
        for r in 0..<200 {
            var row = [Double](repeating: 0, count: 6)
            for j in 0..<6 {
                for k in 0..<6 { row[j] += raw[r * 6 + k] * mix[k * 6 + j] * Double(k + 1) }
            }
            rows.append(row)
        }
        let x = Tensor<Double>(rows: rows)
        let a = PCA(fitting: x, components: 3, method: .jacobi)
        let b = PCA(fitting: x, components: 3, method: .powerIteration)
        assertClose(a.explainedVariance, b.explainedVariance, tolerance: 1e-6)
        assertClose(a.components, b.components, tolerance: 1e-5)
        // Components are orthonormal; variances decrease; ratios sum to at most 1.
        let w = a.components.scalars
        for i in 0..<3 {
            for j in 0..<3 {
                let dot = (0..<6).map { w[i * 6 + $0] * w[j * 6 + $0] }.reduce(0, +)
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-10)
            }
        }
        XCTAssertTrue(zip(a.explainedVariance.scalars, a.explainedVariance.scalars.dropFirst()).allSatisfy { $0 >= $1 })
        XCTAssertLessThanOrEqual(a.explainedVarianceRatio.scalars.reduce(0, +), 1 + 1e-12)
        // The projection's variance along each component is that component's explained variance.
        let z = a.transform(x).scalars
        for j in 0..<3 {
            let column = (0..<200).map { z[$0 * 3 + j] }
            let variance = column.map { $0 * $0 }.reduce(0, +) / 199
            XCTAssertEqual(variance, a.explainedVariance.scalars[j], accuracy: 1e-8 * variance)
        }
        // Float data works too, and constant data has zero variance but no NaN.
        let f = PCA(fitting: x.converted(to: Float.self), components: 2)
        XCTAssertEqual(Double(f.explainedVariance.scalars[0]), a.explainedVariance.scalars[0], accuracy: 1e-3 * a.explainedVariance.scalars[0])
        let flat = PCA(fitting: Tensor<Double>.ones([4, 3]), components: 2)
        XCTAssertEqual(flat.explainedVarianceRatio.scalars, [0, 0])
        XCTAssertFalse(flat.components.scalars.contains { $0.isNaN })
    }
}

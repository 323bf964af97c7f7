import Autograd

/// Principal component analysis: the directions of largest variance of the training data,
/// from the eigendecomposition of its covariance matrix (computed here, without LAPACK).
///
/// Components are orthonormal rows sorted by decreasing variance; each is signed so that its
/// entry of largest magnitude is positive, which makes results reproducible.
///
/// ```swift
/// let pca = PCA(fitting: x, components: 2)        // x: [samples, features]
/// let z = pca.transform(x)                         // [samples, 2]
/// print(pca.explainedVarianceRatio)                // e.g. [0.92, 0.05]
/// let approx = pca.inverseTransform(z)             // back to [samples, features]
/// ```
public struct PCA<Scalar: TensorScalar>: Sendable {
    /// How the eigenvectors of the covariance matrix are found.
    ///
    /// ```swift
    /// let pca = PCA(fitting: x, components: 3, method: .powerIteration)
    /// ```
    public enum Method: Sendable {
        /// Cyclic Jacobi rotations: every eigenpair, O(features³) per sweep; exact and robust.
        case jacobi
        /// Power iteration with deflation: only the `k` leading pairs, O(k · features²) per iteration.
        case powerIteration
        /// Jacobi up to 200 features, power iteration above.
        case automatic
    }

    /// The mean of each feature of the training data, shape [features].
    ///
    /// ```swift
    /// PCA(fitting: Tensor<Double>(rows: [[0, 0], [2, 4]]), components: 1).mean   // [1, 2]
    /// ```
    public let mean: Tensor<Scalar>
    /// The principal axes, shape [components, features], orthonormal rows.
    ///
    /// ```swift
    /// PCA(fitting: x, components: 2).components.shape   // [2, features]
    /// ```
    public let components: Tensor<Scalar>
    /// The variance along each component (eigenvalues of the covariance, divisor n − 1), shape [components].
    ///
    /// ```swift
    /// PCA(fitting: x, components: 2).explainedVariance   // e.g. [4.2, 0.24]
    /// ```
    public let explainedVariance: Tensor<Scalar>
    /// Each component's share of the total variance, shape [components].
    ///
    /// ```swift
    /// PCA(fitting: x, components: 2).explainedVarianceRatio   // e.g. [0.92, 0.05]
    /// ```
    public let explainedVarianceRatio: Tensor<Scalar>

    /// Fits `k` components to `data` of shape [samples, features].
    ///
    /// ```swift
    /// let pca = PCA(fitting: Tensor<Double>(rows: [[1, 2], [2, 4], [3, 6]]), components: 1)
    /// pca.explainedVarianceRatio   // [1.0]: the points lie on a line
    /// ```
    /// - Precondition: `data` is 2-D with at least one row, and 1 ≤ `k` ≤ features.
    public init(fitting data: Tensor<Scalar>, components k: Int, method: Method = .automatic) {
        require(data.rank == 2, "PCA: data of shape \(data.shape) is not 2-D [samples, features]")
        let n = data.shape[0], d = data.shape[1]
        require(n >= 1, "PCA: cannot fit on zero samples")
        require(k >= 1 && k <= d, "PCA: \(k) components requested from \(d) features (need 1...\(d))")
        let x = data.scalars
        var mu = [Double](repeating: 0, count: d)
        for r in 0..<n { for c in 0..<d { mu[c] += Double(x[r * d + c]) } }
        for c in 0..<d { mu[c] /= Double(n) }
        // Covariance C = Xcᵀ Xc / (n − 1), accumulated row by row (upper triangle, then mirrored).
        var cov = [Double](repeating: 0, count: d * d)
        var centered = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for c in 0..<d { centered[c] = Double(x[r * d + c]) - mu[c] }
            for i in 0..<d where centered[i] != 0 {
                let ci = centered[i]
                for j in i..<d { cov[i * d + j] += ci * centered[j] }
            }
        }
        let divisor = Double(max(n - 1, 1))
        for i in 0..<d {
            for j in i..<d {
                cov[i * d + j] /= divisor
                cov[j * d + i] = cov[i * d + j]
            }
        }
        let total = (0..<d).map { cov[$0 * d + $0] }.reduce(0, +)
        let useJacobi: Bool
        switch method {
        case .jacobi: useJacobi = true
        case .powerIteration: useJacobi = false
        case .automatic: useJacobi = d <= 200
        }
        let (values, vectors) = useJacobi ? SymmetricEigen.jacobi(cov, size: d, leading: k)
                                          : SymmetricEigen.powerIteration(cov, size: d, leading: k)
        mean = Tensor(mu.map { Scalar($0) }, shape: [d])
        components = Tensor(vectors.flatMap { $0.map { Scalar($0) } }, shape: [k, d])
        let variances = values.map { max($0, 0) }
        explainedVariance = Tensor(variances.map { Scalar($0) }, shape: [k])
        explainedVarianceRatio = Tensor(variances.map { total > 0 ? Scalar($0 / total) : 0 }, shape: [k])
    }

    /// Projects `data` ([samples, features]) onto the components: `(data − mean) · componentsᵀ`, shape [samples, k].
    ///
    /// ```swift
    /// let z = pca.transform(testX)
    /// ```
    public func transform(_ data: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = mean.count, k = components.shape[0]
        require(data.rank == 2 && data.shape[1] == d, "PCA.transform: data of shape \(data.shape) is not [samples, \(d)]")
        let n = data.shape[0]
        let x = data.scalars, mu = mean.scalars, w = components.scalars
        var out = [Scalar](repeating: 0, count: n * k)
        for r in 0..<n {
            for j in 0..<k {
                var acc: Double = 0
                for c in 0..<d { acc += Double(x[r * d + c] - mu[c]) * Double(w[j * d + c]) }
                out[r * k + j] = Scalar(acc)
            }
        }
        return Tensor(out, shape: [n, k])
    }

    /// Maps projected data ([samples, k]) back to feature space: `z · components + mean`.
    ///
    /// ```swift
    /// let reconstructed = pca.inverseTransform(pca.transform(x))
    /// ```
    public func inverseTransform(_ projected: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = mean.count, k = components.shape[0]
        require(projected.rank == 2 && projected.shape[1] == k,
                     "PCA.inverseTransform: data of shape \(projected.shape) is not [samples, \(k)]")
        let n = projected.shape[0]
        let z = projected.scalars, mu = mean.scalars, w = components.scalars
        var out = [Scalar](repeating: 0, count: n * d)
        for r in 0..<n {
            for c in 0..<d {
                var acc = Double(mu[c])
                for j in 0..<k { acc += Double(z[r * k + j]) * Double(w[j * d + c]) }
                out[r * d + c] = Scalar(acc)
            }
        }
        return Tensor(out, shape: [n, d])
    }
}

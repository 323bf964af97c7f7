/// The Jacobian by reverse mode: one backward pass per output element (see
/// ``jacobian(of:at:mode:)``).
func reverseJacobian<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>) -> Tensor<Scalar> {
    let leaf = x.detached().requiringGrad(named: "x")
    let output = withRecording(true) { function(leaf) }
    guard output.requiresGrad else { return .zeros(output.shape + x.shape) }
    var values: [Scalar] = []
    values.reserveCapacity(output.count * x.count)
    for i in 0..<output.count {
        var seed = [Scalar](repeating: 0, count: output.count)
        seed[i] = 1
        do {
            let g = try gradients(of: output, wrt: [leaf], upstream: Tensor(seed, shape: output.shape), retainGraph: true)
            values.append(contentsOf: g[0].scalars)
        } catch {
            trap("jacobian: \(error)")
        }
    }
    return Tensor(values, shape: output.shape + x.shape)
}

/// The Hessian of a scalar `function` at `x`: shape `x.shape + x.shape`, computed by
/// differentiating the tape's own gradient (reverse over reverse).
///
/// ```swift
/// // f(x, y) = x²y + xy² − 6xy at (2, 2): [[4, 2], [2, 4]]
/// let h = hessian(of: { v in v[0] * v[0] * v[1] + v[0] * v[1] * v[1] - 6 * v[0] * v[1] },
///                 at: Tensor<Double>([2, 2]))
/// ```
public func hessian<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>) -> Tensor<Scalar> {
    reverseJacobian(of: { v in gradient(of: function, at: v, createGraph: true) }, at: x)
}

/// The gradient of a scalar `function` at `x`. With `createGraph`, the gradient is recorded
/// (when `x` is part of a graph) so that it can be differentiated again.
public func gradient<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
                             createGraph: Bool = false) -> Tensor<Scalar> {
    let leaf = x.requiresGrad ? x : x.requiringGrad(named: "x")
    let value = withRecording(true) { function(leaf) }
    require(value.count == 1, "gradient: the function returned shape \(value.shape), not a scalar")
    guard value.requiresGrad else { return .zeros(x.shape) }
    do {
        return try gradients(of: value, wrt: [leaf], createGraph: createGraph)[0]
    } catch {
        trap("gradient: \(error)")
    }
}

/// The Hessian-vector product H(x)·v of a scalar `function`, without forming H: the gradient
/// of ⟨∇f(x), v⟩ (one reverse-over-reverse pass).
///
/// ```swift
/// let hv = hessianVectorProduct(of: f, at: x, vector: v)
/// ```
public func hessianVectorProduct<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
                                         vector v: Tensor<Scalar>) -> Tensor<Scalar> {
    require(v.shape == x.shape, "hessianVectorProduct: vector \(v.shape) does not match point \(x.shape)")
    let leaf = x.detached().requiringGrad(named: "x")
    return withRecording(true) {
        let g = gradient(of: function, at: leaf, createGraph: true)
        let directional = (g * v.detached()).sum()
        guard directional.requiresGrad else { return Tensor<Scalar>.zeros(x.shape) }
        do {
            return try gradients(of: directional, wrt: [leaf])[0]
        } catch {
            trap("hessianVectorProduct: \(error)")
        }
    }
}

// Forward mode: Jacobian-vector products J·v, by transposing reverse mode (the "double vjp").
//
// The reverse pass computes the vector-Jacobian product u ↦ Jᵀu, which is linear in u. Recorded
// with `createGraph`, it is a graph whose input is u; the gradient of ⟨Jᵀu, v⟩ with respect to u
// is then J·v. So every op that reverse mode differentiates twice (all of them: gradgradcheck
// proves each) has a forward derivative with no tangent rule of its own to write, keep in step
// and test: one forward pass, one recorded backward pass and one backward pass through that,
// about three times the cost of a reverse pass (measured in docs/HowTheEngineWorks.md).

/// How ``jacobian(of:at:mode:)`` builds the Jacobian: one reverse pass per output element, or
/// one forward (Jacobian-vector) product per input element.
public enum JacobianMode: Sendable, Equatable {
    /// Reverse mode when the outputs are no more than the inputs, forward mode otherwise (the
    /// fewer passes, each costing about the same up to the forward mode's constant factor).
    case automatic
    /// One backward pass per output element: for wide Jacobians (few outputs, many inputs).
    case reverse
    /// One Jacobian-vector product per input element: for tall Jacobians (few inputs, many outputs).
    case forward
}

/// The value of `function` at `x` and its directional derivative along `v`, J(x)·v, in one
/// pass of forward mode (JAX's `jvp`, PyTorch's `torch.func.jvp`).
///
/// ```swift
/// let (y, dy) = jvp(of: { $0.sin() * $0 }, at: Tensor<Double>([1, 2]), along: Tensor([1, 0]))
/// // dy = [cos 1 · 1 + sin 1, 0]: the derivative along the first coordinate
/// ```
/// - Precondition: `v` has the shape of `x`.
public func jvp<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>, along v: Tensor<Scalar>)
-> (value: Tensor<Scalar>, derivative: Tensor<Scalar>) {
    jvp(of: { function($0[0]) }, at: [x], along: [v])
}

/// The value of a function of several tensors and its directional derivative along tangents
/// `vs` (one per input, each of its input's shape): Σᵢ ∂f/∂xᵢ · vᵢ.
///
/// ```swift
/// let (y, dy) = jvp(of: { $0[0].matmul($0[1]) }, at: [a, b], along: [da, db])   // da·b + a·db
/// ```
/// - Precondition: as many tangents as inputs, each of its input's shape.
public func jvp<Scalar>(of function: ([Tensor<Scalar>]) -> Tensor<Scalar>, at xs: [Tensor<Scalar>],
                        along vs: [Tensor<Scalar>]) -> (value: Tensor<Scalar>, derivative: Tensor<Scalar>) {
    require(xs.count == vs.count, "jvp: \(vs.count) tangents for \(xs.count) inputs")
    for (i, (x, v)) in zip(xs, vs).enumerated() {
        require(x.shape == v.shape, "jvp: tangent \(i) of shape \(v.shape) does not match input \(i) of shape \(x.shape)")
    }
    let leaves = xs.enumerated().map { $1.detached().requiringGrad(named: "x\($0)") }
    return withRecording(true) {
        let y = function(leaves)
        guard y.requiresGrad else { return (y.detached(), Tensor<Scalar>.zeros(y.shape)) }
        // u's value does not matter (Jᵀu is linear in u); zeros keep every rule finite.
        let u = Tensor<Scalar>.zeros(y.shape).requiringGrad(named: "u")
        do {
            let transposed = try gradients(of: y, wrt: leaves, upstream: u, createGraph: true)
            var inner: Tensor<Scalar>?
            for (g, v) in zip(transposed, vs) where g.requiresGrad {
                let term = (g * v.detached()).sum()
                inner = inner.map { $0 + term } ?? term
            }
            guard let inner else { return (y.detached(), Tensor<Scalar>.zeros(y.shape)) }
            return (y.detached(), try gradients(of: inner, wrt: [u])[0])
        } catch {
            trap("jvp: \(error)")
        }
    }
}

/// The Jacobian of `function` at `x`, shape `output.shape + x.shape` (entry [i…, j…] =
/// ∂output[i…] / ∂x[j…]), by reverse mode (one backward pass per output element) or forward mode
/// (one ``jvp(of:at:along:)-(_,Tensor<Scalar>,_)`` per input element); `.automatic` picks the one with fewer passes.
///
/// ```swift
/// let tall = jacobian(of: { x in Tensor.concatenate([x.sin(), x.cos(), x * x], axis: 0) }, at: x2, mode: .forward)
/// let j = jacobian(of: { $0.softmax() }, at: Tensor<Double>([1, 2, 3]))   // [3, 3]
/// ```
public func jacobian<Scalar>(of function: (Tensor<Scalar>) -> Tensor<Scalar>, at x: Tensor<Scalar>,
                             mode: JacobianMode = .automatic) -> Tensor<Scalar> {
    let useForward: Bool
    switch mode {
    case .reverse: useForward = false
    case .forward: useForward = true
    case .automatic:
        let outputs = withoutGradients { function(x.detached()).count }
        useForward = outputs > x.count
    }
    guard useForward else { return reverseJacobian(of: function, at: x) }
    var columns: [[Scalar]] = []
    var outputShape: [Int] = []
    for j in 0..<x.count {
        var direction = [Scalar](repeating: 0, count: x.count)
        direction[j] = 1
        let (value, derivative) = jvp(of: function, at: x, along: Tensor(direction, shape: x.shape))
        outputShape = value.shape
        columns.append(derivative.scalars)
    }
    // Columns are ∂output/∂x[j]: the Jacobian is their transpose, output-major.
    let m = outputShape.reduce(1, *)
    if x.count == 0 { return .zeros(withoutGradients { function(x.detached()).shape } + x.shape) }
    var values = [Scalar](repeating: 0, count: m * x.count)
    for (j, column) in columns.enumerated() {
        for i in 0..<m { values[i * x.count + j] = column[i] }
    }
    return Tensor(values, shape: outputShape + x.shape)
}

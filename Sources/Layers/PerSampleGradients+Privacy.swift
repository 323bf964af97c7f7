// DP-SGD (Abadi et al. 2016, as Opacus does it): clip each example's gradient to norm C, sum,
// add Gaussian noise N(0, σ²C²) to every element, divide by the batch size.

/// A DP-SGD gradient made by ``PerSampleGradients/privatized(clipNorm:noiseMultiplier:using:)``:
/// each example's gradient clipped to `clipNorm`, summed, noised and divided by the batch size.
/// ``assign(to:)`` stores it in the model's `.grad`, so that any optimizer's `step()` applies it.
///
/// ```swift
/// var noise = SeededGenerator(seed: 42)
/// let update = perSample.privatized(clipNorm: 1.0, noiseMultiplier: 1.1, using: &noise)
/// update.assign(to: model)
/// sgd.step()
/// ```
public struct PrivateGradients<Scalar: TensorScalar>: CustomStringConvertible {
    /// The noisy mean gradient of each parameter, under the names of ``PerSampleGradients/gradients``.
    ///
    /// ```swift
    /// for (name, g) in update.gradients { print(name, g.shape) }
    /// ```
    public let gradients: [(name: String, gradient: Tensor<Scalar>)]
    /// Each example's gradient norm before clipping, [batch].
    ///
    /// ```swift
    /// update.norms.max()        // the largest example gradient seen
    /// ```
    public let norms: Tensor<Scalar>
    /// Each example's factor min(1, C / (norm + 10⁻⁶)), [batch] (Opacus' clipping factor).
    ///
    /// ```swift
    /// (update.clipFactors .< 1).sum()     // how many examples were clipped
    /// ```
    public let clipFactors: Tensor<Scalar>
    /// Each example's gradient norm after clipping, [batch]: at most the clip norm.
    ///
    /// ```swift
    /// update.clippedNorms.max().scalar <= 1.0     // true for clipNorm 1
    /// ```
    public let clippedNorms: Tensor<Scalar>
    /// The clip norm C.
    ///
    /// ```swift
    /// update.clipNorm      // 1.0
    /// ```
    public let clipNorm: Double
    /// The noise multiplier σ: the noise's standard deviation is σ·C (before dividing by the batch).
    ///
    /// ```swift
    /// update.noiseMultiplier     // 1.1
    /// ```
    public let noiseMultiplier: Double

    /// The noisy gradient of the parameter with this name.
    ///
    /// ```swift
    /// let w = update["layers.0.weight"]
    /// ```
    public subscript(name: String) -> Tensor<Scalar>? {
        gradients.first { $0.name == name }?.gradient
    }

    /// Stores each gradient in the `.grad` of the model's parameter of the same name, replacing
    /// what was there, so that an optimizer's `step()` applies the DP-SGD update.
    ///
    /// ```swift
    /// update.assign(to: model)
    /// adam.step()
    /// ```
    /// - Precondition: the model has a parameter of every name, of the same shape.
    public func assign<Model: Module>(to model: Model) where Model.Scalar == Scalar {
        let parameters = Dictionary(model.namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { first, _ in first })
        for (name, gradient) in gradients {
            guard let parameter = parameters[name] else {
                trap("PrivateGradients.assign(to:): the model has no parameter named \(name) (gradient \(gradient.shape))")
            }
            require(parameter.shape == gradient.shape,
                    "PrivateGradients.assign(to:): \(name) is \(parameter.shape) in the model, but its gradient is \(gradient.shape)")
            parameter.value.grad = gradient
        }
    }

    /// The clip norm, the noise multiplier and the number of examples clipped.
    ///
    /// ```swift
    /// print(update)     // DP-SGD gradient: clip norm 1.0, noise multiplier 1.1, 12 of 64 examples clipped
    /// ```
    public var description: String {
        let clipped = clipFactors.scalars.filter { $0 < 1 }.count
        return "DP-SGD gradient: clip norm \(clipNorm), noise multiplier \(noiseMultiplier), "
            + "\(clipped) of \(clipFactors.count) examples clipped"
    }
}

extension PerSampleGradients {
    /// The DP-SGD gradient: each example's gradient (over all parameters together) scaled by
    /// min(1, C / (‖g_b‖ + 10⁻⁶)) so that its norm is at most C, the scaled gradients summed,
    /// Gaussian noise N(0, σ²C²) added to every element, and the result divided by the batch size.
    /// The noise is drawn from `generator`, parameter after parameter in the order of
    /// ``gradients``, element after element: the same seed gives the same noise on every platform.
    ///
    /// ```swift
    /// let perSample = perSampleGradients(of: model, inputs: x, targets: y) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
    /// var noise = SeededGenerator(seed: 42)
    /// let update = perSample.privatized(clipNorm: 1.0, noiseMultiplier: 1.1, using: &noise)
    /// update.assign(to: model)       // into .grad
    /// sgd.step()
    /// ```
    /// - Precondition: `clipNorm` > 0, `noiseMultiplier` ≥ 0 (0: clipping only), a batch of at
    ///   least one example.
    public func privatized(clipNorm: Double, noiseMultiplier: Double,
                           using generator: inout SeededGenerator) -> PrivateGradients<Scalar> {
        require(clipNorm > 0 && clipNorm.isFinite, "privatized: clipNorm \(clipNorm) must be positive and finite")
        require(noiseMultiplier >= 0 && noiseMultiplier.isFinite,
                "privatized: noiseMultiplier \(noiseMultiplier) must be non-negative and finite")
        require(batchSize > 0, "privatized: the per-sample gradients hold no examples (batch size 0)")
        let norms = self.norms
        return withoutGradients {
            let factors = (Scalar(clipNorm) / (norms + Scalar(1e-6))).clamped(lower: 0, upper: 1)
            let column = factors.reshaped([batchSize, 1])
            var noisy: [(name: String, gradient: Tensor<Scalar>)] = []
            for (name, g) in gradients {
                let shape = Array(g.shape.dropFirst())
                let size = g.count / batchSize
                let clippedSum = size == 0 ? Tensor<Scalar>.zeros(shape)
                    : (g.reshaped([batchSize, size]) * column).sum(axes: [0]).reshaped(shape)
                let noise = Tensor<Scalar>.randomNormal(shape, standardDeviation: Scalar(noiseMultiplier * clipNorm),
                                                        using: &generator)
                noisy.append((name, (clippedSum + noise) / Scalar(batchSize)))
            }
            return PrivateGradients(gradients: noisy, norms: norms, clipFactors: factors, clippedNorms: norms * factors,
                                    clipNorm: clipNorm, noiseMultiplier: noiseMultiplier)
        }
    }
}

/// The DP-SGD gradient of a batch straight from the model: as
/// `perSampleGradients(of:inputs:targets:strategy:loss:).privatized(clipNorm:noiseMultiplier:using:)`
/// (the same clipping, and the same noise from the same generator), but without forming each
/// example's gradient where a layer has a cheaper way ("ghost clipping"): a `Dense` layer's
/// per-example norms come from ‖g_b‖²‖a_b‖² (over steps, from the products of g's and a's rows),
/// and its clipped sum is one product of the reweighted output gradients with the inputs. Other
/// layers of the vectorized pass form their per-sample gradients; models it does not cover run
/// the loop.
///
/// ```swift
/// var noise = SeededGenerator(seed: 42)
/// let update = privateGradients(of: mlp, inputs: x, targets: labels, clipNorm: 1.0, noiseMultiplier: 1.1,
///                               using: &noise) { crossEntropy(logits: $0, labels: $1, reduction: .none) }
/// update.assign(to: mlp)
/// sgd.step()
/// ```
/// - Precondition: as for ``perSampleGradients(of:inputs:targets:strategy:loss:)`` and
///   ``PerSampleGradients/privatized(clipNorm:noiseMultiplier:using:)``.
public func privateGradients<Model: Layer>(
    of model: Model, inputs: Tensor<Model.Scalar>, targets: Tensor<Model.Scalar>,
    clipNorm: Double, noiseMultiplier: Double, using generator: inout SeededGenerator,
    strategy: PerSampleStrategy = .automatic,
    loss: (_ output: Tensor<Model.Scalar>, _ targets: Tensor<Model.Scalar>) -> Tensor<Model.Scalar>
) -> PrivateGradients<Model.Scalar> {
    require(clipNorm > 0 && clipNorm.isFinite, "privateGradients: clipNorm \(clipNorm) must be positive and finite")
    require(noiseMultiplier >= 0 && noiseMultiplier.isFinite,
            "privateGradients: noiseMultiplier \(noiseMultiplier) must be non-negative and finite")
    require(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0] && inputs.shape[0] > 0,
            "privateGradients: inputs of shape \(inputs.shape) and targets of shape \(targets.shape) "
            + "do not share a first (batch) axis of at least one example")
    // A model of your own goes through perSampleGradients, which checks the batched rules saw every
    // use of its parameters (tied weights would be missed).
    let coverage = PerSampleRecorder<Model.Scalar>.coverage(of: model, path: "")
    if strategy == .loop || coverage.problem != nil || coverage.hasOwnContainers {
        return perSampleGradients(of: model, inputs: inputs, targets: targets, strategy: strategy, loss: loss)
            .privatized(clipNorm: clipNorm, noiseMultiplier: noiseMultiplier, using: &generator)
    }
    PerSampleChecks.refuseBatchStatistics(in: model)
    if let result = PerSampleRecorder<Model.Scalar>(batch: inputs.shape[0])
        .privatize(model, inputs, targets, loss, clipNorm: clipNorm, noiseMultiplier: noiseMultiplier, generator: &generator) {
        return result
    }
    // The pass found a layer that does not see the batch first: the per-sample route says why.
    return perSampleGradients(of: model, inputs: inputs, targets: targets, strategy: strategy, loss: loss)
        .privatized(clipNorm: clipNorm, noiseMultiplier: noiseMultiplier, using: &generator)
}

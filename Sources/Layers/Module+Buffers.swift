extension Module {
    /// Every ``Buffer`` (state that is saved but not trained, such as batch normalization's
    /// running statistics) with its dotted path, found by reflection as parameters are.
    ///
    /// ```swift
    /// struct Net: Layer {
    ///     let dense = Dense<Float>(inputs: 4, outputs: 8)
    ///     let norm = BatchNorm1D<Float>(features: 8)
    ///     func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { norm(dense(x)) }
    /// }
    /// Net().namedBuffers.map(\.name)   // ["norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    /// ```
    public var namedBuffers: [(name: String, buffer: Buffer<Scalar>)] {
        ParameterDiscovery.collect(Buffer<Scalar>.self, from: self, prefix: "").map { ($0.name, $0.object) }
    }

    /// The buffer with this dotted name, if there is one.
    ///
    /// ```swift
    /// let mean = model.buffer(named: "norm.running_mean")?.value
    /// ```
    public func buffer(named name: String) -> Buffer<Scalar>? {
        namedBuffers.first { $0.name == name }?.buffer
    }
}

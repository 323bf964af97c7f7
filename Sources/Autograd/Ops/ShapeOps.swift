// Ops that move elements without computing new values. Each pair of adjoint ops
// (slice ↔ embed, expand ↔ sum, gather ↔ scatterAdd) uses the other as its rule.

extension Tensor {
    @inlinable
    func strided(_ view: StridedView, shape: [Int]) -> [Scalar] {
        let n = shape.reduce(1, *)
        return [Scalar](unsafeUninitializedCapacity: n) { out, initialized in
            scalars.withUnsafeBufferPointer { Scalar.kernels.copy($0, view, shape, out) }
            initialized = n
        }
    }

    // MARK: Reshape

    /// The same elements in a new shape; one size may be -1 to be inferred.
    ///
    /// ```swift
    /// let m = Tensor<Float>.arange(0, 6).reshaped([2, -1])   // shape [2, 3]
    /// ```
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = Shape.elementCount(newShape.enumerated().filter { $0.offset != hole }.map(\.element)) ?? 0
            require(known > 0 && count % known == 0,
                         "reshape: cannot infer -1 in \(newShape) for \(count) elements (shape \(shape))")
            target[hole] = count / known
        }
        require(target.allSatisfy { $0 >= 0 } && Shape.elementCount(target) == count,
                     "reshape: shape \(shape) (\(count) elements) cannot be viewed as \(newShape)")
        if target == shape { return self }
        return Tensor.record("reshape", "shape: \(target)", input: self, shape: target, scalars: scalars) { c in
            .gradients(c.upstream.reshaped(c.inputShape(0)))
        }
    }

    /// Flattens the axes from `startAxis` on into one.
    @inlinable
    public func flattened(from startAxis: Int = 0) -> Tensor {
        let start = Shape.normalize(axis: startAxis, rank: Swift.max(rank, 1), op: "flattened")
        return reshaped(Array(shape[..<start]) + [shape[start...].reduce(1, *)])
    }

    /// Inserts an axis of size 1 at `axis`.
    @inlinable
    public func unsqueezed(at axis: Int) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank + 1, op: "unsqueezed")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes the axis `axis`, which must have size 1.
    @inlinable
    public func squeezed(at axis: Int) -> Tensor {
        if rank == 0 {
            // Axis 0 or −1 of a 0-d tensor, as in PyTorch: nothing to remove.
            _ = Shape.normalize(axis: axis, rank: 1, op: "squeezed")
            return self
        }
        let a = Shape.normalize(axis: axis, rank: rank, op: "squeezed")
        require(shape[a] == 1, "squeezed: axis \(axis) of shape \(shape) has size \(shape[a]), not 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    // MARK: Permute

    /// The axes reordered: axis i of the result is axis `axes[i]` of this tensor.
    ///
    /// ```swift
    /// let nhwc = images.permuted([0, 2, 3, 1])
    /// ```
    @inlinable
    public func permuted(_ axes: [Int]) -> Tensor {
        require(axes.count == rank && Set(axes) == Set(0..<rank),
                     "permute: \(axes) is not a permutation of the \(rank) axes of shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let own = Shape.strides(shape)
        let outShape = axes.map { shape[$0] }
        let values = strided(StridedView(offset: 0, strides: axes.map { own[$0] }), shape: outShape)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Tensor.record("permute", "axes: \(axes)", input: self, shape: outShape, scalars: values) { c in
            .gradients(c.upstream.permuted(inverse))
        }
    }

    /// The last two axes swapped (the matrix transpose for 2-D tensors).
    @inlinable
    public func transposed() -> Tensor {
        require(rank >= 2, "transposed: tensor of shape \(shape) has fewer than 2 axes")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    // MARK: Broadcast and its adjoint

    /// This tensor broadcast to `target` (NumPy rules); the gradient is summed back.
    @inlinable
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let check = Shape.broadcast(shape, target, op: "expand")
        require(check == target, "expand: shape \(shape) cannot be broadcast to \(target)")
        let values = strided(Shape.broadcastView(shape, to: target), shape: target)
        return Tensor.record("expand", "shape: \(target)", input: self, shape: target, scalars: values) { c in
            .gradients(c.sum(c.upstream, toInput: 0))
        }
    }

    /// Sums over the axes that broadcasting from `target` would have expanded, giving a
    /// tensor of shape `target`. This is how a broadcast op's gradient returns to its input.
    @inlinable
    public func sum(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        return sumBroadcastAxes(toShape: target)
    }

    /// `sum(toShape:)` when the shapes differ (kept apart so that the usual case, equal shapes,
    /// inlines into the rules).
    @usableFromInline
    func sumBroadcastAxes(toShape target: [Int]) -> Tensor {
        let lead = rank - target.count
        require(lead >= 0, "sum(toShape:): \(shape) has fewer axes than \(target)")
        var axes = Array(0..<lead)
        for (i, size) in target.enumerated() where size == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }

    // MARK: Slice and its adjoint

    /// Elements `start..<end` with `step` along `axis`.
    ///
    /// ```swift
    /// let firstTwoColumns = m.slice(axis: 1, 0..<2)
    /// ```
    @inlinable
    public func slice(axis: Int, _ range: Range<Int>, step: Int = 1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "slice")
        require(step > 0, "slice: step \(step) must be positive")
        require(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: range \(range) is out of bounds for axis \(a) of shape \(shape)")
        var lower = [Int](repeating: 0, count: rank), upper = shape, steps = [Int](repeating: 1, count: rank)
        lower[a] = range.lowerBound
        upper[a] = range.upperBound
        steps[a] = step
        return slice(lower: lower, upper: upper, steps: steps)
    }

    /// The sub-tensor at `lower..<upper` with `steps` on every axis.
    @inlinable
    func slice(lower: [Int], upper: [Int], steps: [Int]) -> Tensor {
        var outShape = [Int](repeating: 0, count: rank)
        for axis in 0..<rank {
            outShape[axis] = Swift.max(0, (upper[axis] - lower[axis] + steps[axis] - 1) / steps[axis])
        }
        if outShape == shape { return self }
        let own = Shape.strides(shape)
        let offset = zip(lower, own).map(*).reduce(0, +)
        let view = StridedView(offset: offset, strides: zip(own, steps).map(*))
        let values = strided(view, shape: outShape)
        let inShape = shape
        return Tensor.record("slice", "lower: \(lower), upper: \(upper), steps: \(steps)", input: self,
                             shape: outShape, scalars: values) { c in
            .gradients(c.upstream.embedded(into: inShape, lower: lower, steps: steps, fill: 0))
        }
    }

    /// This tensor placed into a tensor of `target` shape filled with `fill`, at `lower` with
    /// `steps` (the adjoint of slicing).
    @inlinable
    func embedded(into target: [Int], lower: [Int], steps: [Int], fill: Scalar) -> Tensor {
        var values = Scalar.kernels.filled(fill, target.reduce(1, *))
        let own = Shape.strides(target)
        let outView = StridedView(offset: zip(lower, own).map(*).reduce(0, +), strides: zip(own, steps).map(*))
        values.withUnsafeMutableBufferPointer { dst in
            scalars.withUnsafeBufferPointer { Scalar.kernels.embed($0, shape, outView, dst) }
        }
        var upper = [Int](repeating: 0, count: rank)
        for axis in 0..<rank { upper[axis] = lower[axis] + (shape[axis] - 1) * steps[axis] + 1 }
        return Tensor.record("embed", "shape: \(target), lower: \(lower), steps: \(steps)", input: self,
                             shape: target, scalars: values) { c in
            .gradients(c.upstream.slice(lower: lower, upper: upper, steps: steps))
        }
    }

    /// Pads each axis with `widths[axis] = (before, after)` cells of `value`.
    ///
    /// ```swift
    /// let padded = image.padded([(0, 0), (0, 0), (1, 1), (1, 1)])   // NCHW, one pixel of zeros
    /// ```
    @inlinable
    public func padded(_ widths: [(before: Int, after: Int)], value: Scalar = 0) -> Tensor {
        require(widths.count == rank, "pad: \(widths.count) widths given for a tensor of rank \(rank)")
        require(widths.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "pad: widths must not be negative")
        let target = (0..<rank).map { shape[$0] + widths[$0].before + widths[$0].after }
        return embedded(into: target, lower: widths.map(\.before), steps: [Int](repeating: 1, count: rank),
                                fill: value)
    }

    // MARK: Join

    /// The tensors joined along `axis`; all other sizes must agree.
    ///
    /// ```swift
    /// let both = Tensor.concatenate([a, b], axis: 0)
    /// ```
    @inlinable
    public static func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "concatenate: no tensors given")
        let first = tensors[0]
        let a = Shape.normalize(axis: axis, rank: first.rank, op: "concatenate")
        for t in tensors {
            var s1 = t.shape, s0 = first.shape
            require(s1.count == s0.count, "concatenate: shapes \(s0) and \(s1) have different ranks")
            s1[a] = 0
            s0[a] = 0
            require(s1 == s0, "concatenate: shapes \(first.shape) and \(t.shape) differ outside axis \(a)")
        }
        var outShape = first.shape
        outShape[a] = tensors.map { $0.shape[a] }.reduce(0, +)
        let outer = first.shape[..<a].reduce(1, *)
        var values = [Scalar]()
        values.reserveCapacity(outShape.reduce(1, *))
        let blocks = tensors.map { $0.shape[a...].reduce(1, *) }
        for o in 0..<outer {
            for (t, block) in zip(tensors, blocks) {
                values.append(contentsOf: t.scalars[(o * block)..<((o + 1) * block)])
            }
        }
        let sizes = tensors.map { $0.shape[a] }
        return record("concatenate", "axis: \(a)", inputs: NodeInputs(tensors), shape: outShape, scalars: values) { c in
            var start = 0
            return InputGradients(sizes.enumerated().map { i, size in
                defer { start += size }
                return c.needsGradient[i] ? c.upstream.slice(axis: a, start..<(start + size)) : nil
            })
        }
    }

    /// The tensors, all of one shape, stacked along a new axis.
    @inlinable
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stack: no tensors given")
        require(tensors.allSatisfy { $0.shape == tensors[0].shape },
                     "stack: shapes differ: \(tensors.map(\.shape))")
        return concatenate(tensors.map { $0.unsqueezed(at: axis) }, axis: axis)
    }

    // MARK: Gather and its adjoint

    /// Picks along `axis` by `indices` (a tensor of whole numbers of the same rank):
    /// `out[i][j][k] = self[i][indices[i][j][k]][k]` for axis 1, as `torch.gather`.
    ///
    /// ```swift
    /// // log-probabilities of the true classes, labels of shape [batch, 1]:
    /// let picked = logProbabilities.gather(axis: 1, indices: labels)
    /// ```
    @inlinable
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "gather")
        let offsets = Tensor.flatOffsets(indices, along: a, of: shape, op: "gather")
        let values = [Scalar](unsafeUninitializedCapacity: offsets.count) { out, initialized in
            scalars.withUnsafeBufferPointer { x in
                offsets.withUnsafeBufferPointer { Scalar.kernels.gatherByIndex(x, $0, out) }
            }
            initialized = offsets.count
        }
        let inShape = shape
        return Tensor.record("gather", "axis: \(a)", input: self, shape: indices.shape, scalars: values) { c in
            .gradients(c.upstream.scatteredByIndex(offsets, into: inShape))
        }
    }

    /// This tensor with `values` added at the positions `indices` name along `axis`
    /// (`self[i][indices[i][j][k]][k] += values[i][j][k]` for axis 1), as `torch.scatter_add`.
    @inlinable
    public func scatterAdding(axis: Int, indices: Tensor, values: Tensor) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "scatterAdding")
        require(values.shape == indices.shape,
                     "scatterAdding: values of shape \(values.shape) do not match indices of shape \(indices.shape)")
        let offsets = Tensor.flatOffsets(indices, along: a, of: shape, op: "scatterAdding")
        var out = scalars
        values.scalars.withUnsafeBufferPointer { x in
            offsets.withUnsafeBufferPointer { index in
                out.withUnsafeMutableBufferPointer { Scalar.kernels.addByIndex(x, index, $0) }
            }
        }
        let indexShape = indices.shape
        return Tensor.record("scatterAdd", "axis: \(a)", inputs: self, values, shape: shape, scalars: out) { c in
            .gradients(c.upstream, c.needsGradient[1] ? c.upstream.gatheredByIndex(offsets, shape: indexShape) : nil)
        }
    }

    /// For each element of `indices` (whole numbers in `0..<shape[axis]`), the flat position in
    /// a tensor of `shape` that it names: its own position with the coordinate on `axis` replaced.
    @inlinable
    static func flatOffsets(_ indices: Tensor, along axis: Int, of shape: [Int], op: String) -> [Int] {
        require(indices.rank == shape.count, "\(op): indices of shape \(indices.shape) must have rank \(shape.count)")
        for d in 0..<shape.count where d != axis {
            require(indices.shape[d] <= shape[d],
                         "\(op): indices of shape \(indices.shape) exceed shape \(shape) on axis \(d)")
        }
        let index = wholeNumberPositions(indices, bound: shape[axis], op: op, axis: axis, of: shape)
        return Shape.offsets(replacingAxis: axis, with: index, indexShape: indices.shape, in: shape)
    }
}

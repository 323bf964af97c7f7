/// A subscript resolved against a shape: for every axis of the tensor, the positions it keeps
/// (first position, signed step, count), and the shape of the result. Reading composes
/// `slice` (positive steps), `reverse` (the axes walked backwards) and `reshape` (integer
/// indices drop their axis, `.newAxis` adds one), so every form is differentiable through
/// those ops' rules.
struct IndexPlan {
    /// The subscript as written, for messages: "[0, 1..<3]".
    let text: String
    let shape: [Int]
    /// Per axis of the tensor: the first selected position, the signed step and the count.
    var starts: [Int]
    var steps: [Int]
    var counts: [Int]
    /// The result's shape: the sliced axes' counts in order, 1 for each new axis, no axis
    /// for an integer index.
    var resultShape: [Int] = []

    init(_ operations: [TensorIndexOperation], shape: [Int]) {
        self.shape = shape
        text = "[" + operations.map(\.description).joined(separator: ", ") + "]"
        let rank = shape.count
        starts = [Int](repeating: 0, count: rank)
        steps = [Int](repeating: 1, count: rank)
        counts = shape
        let context = "subscript \(text) of a tensor of shape \(shape)"
        let ellipses = operations.filter { $0 == .ellipsis }.count
        require(ellipses <= 1, "\(context): at most one .ellipsis is allowed, found \(ellipses)")
        let consuming = operations.filter {
            if case .index = $0 { return true }
            if case .slice = $0 { return true }
            return false
        }.count
        require(consuming <= rank,
                "\(context): \(consuming) \(consuming == 1 ? "index" : "indices") for \(rank) \(rank == 1 ? "axis" : "axes")"
                + (rank == 0 ? " (a 0-d tensor takes only .ellipsis and .newAxis)" : ""))
        let whole = TensorIndexOperation.slice(TensorSlice(start: nil, end: nil))
        var expanded: [TensorIndexOperation] = []
        for operation in operations {
            if operation == .ellipsis {
                expanded += Array(repeating: whole, count: rank - consuming)
            } else {
                expanded.append(operation)
            }
        }
        if ellipses == 0 { expanded += Array(repeating: whole, count: rank - consuming) }

        var axis = 0
        for operation in expanded {
            switch operation {
            case .index(let index):
                let n = shape[axis]
                let position = index < 0 ? index + n : index
                require(position >= 0 && position < n,
                        "\(context): index \(index) is out of range for axis \(axis) of size \(n) "
                        + "(valid: \(n == 0 ? "none, the axis is empty" : "-\(n)...\(n - 1)"))")
                starts[axis] = position
                counts[axis] = 1
                axis += 1
            case .slice(let slice):
                (starts[axis], steps[axis], counts[axis]) = Self.resolve(slice, size: shape[axis], axis: axis, context: context)
                resultShape.append(counts[axis])
                axis += 1
            case .newAxis:
                resultShape.append(1)
            case .ellipsis:
                break
            }
        }
    }

    /// Python's `slice.indices`, except that a bound outside the axis traps instead of being
    /// clipped: the first position, the step and the number of positions selected.
    static func resolve(_ slice: TensorSlice, size n: Int, axis: Int, context: String)
        -> (start: Int, step: Int, count: Int) {
        let step = slice.step
        require(step != 0, "\(context): the step of \(slice) on axis \(axis) is 0")
        func bound(_ value: Int, _ role: String) -> Int {
            let v = value < 0 ? value + n : value
            require(v >= 0 && v <= n, "\(context): the \(role) \(value) of \(slice) is out of range for axis \(axis) "
                    + "of size \(n) (valid: -\(n)...\(n))")
            return v
        }
        func position(_ value: Int, _ role: String) -> Int {
            let v = value < 0 ? value + n : value
            require(v >= 0 && v < n, "\(context): the \(role) \(value) of \(slice) is not a position of axis \(axis) "
                    + "of size \(n) (valid: \(n == 0 ? "none, the axis is empty" : "-\(n)...\(n - 1)"))")
            return v
        }
        if step > 0 {
            let start = slice.start.map { bound($0, "start") } ?? 0
            let end = slice.end.map { slice.includesEnd ? position($0, "end") + 1 : bound($0, "end") } ?? n
            return (start, step, Swift.max(0, (end - start + step - 1) / step))
        }
        let start = slice.start.map { position($0, "start") } ?? n - 1
        let end = slice.end.map { slice.includesEnd ? position($0, "end") - 1 : bound($0, "end") } ?? -1
        return (start, step, Swift.max(0, (start - end - step - 1) / -step))
    }

    /// The selected positions as a slice with positive steps: its lowest position and step per
    /// axis, and the axes to reverse afterwards (those walked backwards).
    var ascending: (lower: [Int], steps: [Int], reversedAxes: [Int]) {
        var lower = starts, up = steps, reversedAxes: [Int] = []
        for axis in 0..<shape.count {
            if counts[axis] == 0 {
                lower[axis] = 0
                up[axis] = 1
            } else if steps[axis] < 0 {
                lower[axis] = starts[axis] + (counts[axis] - 1) * steps[axis]
                up[axis] = -steps[axis]
                if counts[axis] > 1 { reversedAxes.append(axis) }
            }
        }
        return (lower, up, reversedAxes)
    }

    /// The selected elements of `x` (recorded when `x` is).
    func read<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let (lower, up, reversedAxes) = ascending
        var upper = lower
        for axis in 0..<shape.count { upper[axis] = lower[axis] + (counts[axis] - 1) * up[axis] + 1 }
        return x.slice(lower: lower, upper: upper, steps: up).reversed(axes: reversedAxes).reshaped(resultShape)
    }

    /// `value` with leading axes of size 1 dropped until it can broadcast to the result shape,
    /// or a trap naming both shapes.
    func broadcastable<Scalar>(_ value: Tensor<Scalar>) -> Tensor<Scalar> {
        IndexPlan.broadcastable(value, to: resultShape, text: text, shape: shape)
    }

    /// `value` fitted to a selected `region` of a tensor of shape `shape` as every subscript write
    /// fits it (leading axes of size 1 dropped), or a trap naming the subscript and both shapes.
    static func broadcastable<Scalar>(_ value: Tensor<Scalar>, to region: [Int], text: String, shape: [Int]) -> Tensor<Scalar> {
        var valueShape = value.shape
        while valueShape.count > region.count && valueShape.first == 1 { valueShape.removeFirst() }
        let lead = region.count - valueShape.count
        let fits = lead >= 0 && valueShape.indices.allSatisfy { valueShape[$0] == 1 || valueShape[$0] == region[$0 + lead] }
        require(fits, "subscript assignment \(text) of a tensor of shape \(shape): a value of shape \(value.shape) "
                + "does not broadcast to the selected region of shape \(region)")
        return valueShape == value.shape ? value : value.reshaped(valueShape)
    }

    /// Writes `value` (already broadcastable, see ``broadcastable(_:)``) into `scalars` in place.
    func write<Scalar>(_ value: Tensor<Scalar>, into scalars: inout [Scalar]) {
        guard !counts.contains(0) else { return }
        let region = value.detached().expanded(to: resultShape)
        let own = Shape.strides(shape)
        var offset = 0, strides = own
        for axis in 0..<shape.count {
            offset += starts[axis] * own[axis]
            strides[axis] = own[axis] * steps[axis]
        }
        let view = StridedView(offset: offset, strides: strides)
        scalars.withUnsafeMutableBufferPointer { out in
            region.scalars.withUnsafeBufferPointer { Scalar.kernels.embed($0, counts, view, out) }
        }
    }

    /// `x` with the selected region replaced by `value`, as recorded ops: the gradient reaches
    /// `x` outside the region and `value` inside it (PyTorch's copy into a slice).
    func replacing<Scalar>(in x: Tensor<Scalar>, with value: Tensor<Scalar>) -> Tensor<Scalar> {
        let (lower, up, reversedAxes) = ascending
        let region = value.expanded(to: resultShape).reshaped(counts).reversed(axes: reversedAxes)
        let placed = region.embedded(into: shape, lower: lower, steps: up, fill: 0)
        let mask = Tensor<Scalar>.ones(counts).embedded(into: shape, lower: lower, steps: up, fill: 0)
        return select(mask, placed, x)
    }
}

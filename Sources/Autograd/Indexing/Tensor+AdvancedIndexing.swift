// PyTorch's advanced indexing: a boolean mask (`x[mask]`) and a tensor of positions along an axis
// (`x[idx]`, `x[:, idx]`); `torch.gather` is `gather(axis:indices:)` (ShapeOps). Each read is one gather of flat positions
// (`gatheredByIndex`, whose rule is the matching scatter), so gradients of any order flow; each
// write follows the rules of the basic subscripts (see `subscript(_:)`).

extension Tensor {
    /// The elements where `mask` is non-zero, PyTorch's `x[mask]` for a boolean mask: `mask` has
    /// this tensor's shape, or the shape of its leading axes, and the result is
    /// [number selected] followed by the remaining axes, in row-major order. Recorded: the
    /// gradient goes back to the selected elements.
    ///
    /// Writing `x[mask: m] = value` replaces the selected elements with `value` broadcast to
    /// [number selected, remaining axes…] (a single value fills them all), by the rules of the
    /// other subscripts: in place on a plain tensor or inside ``withoutGradients(_:)``, refused on
    /// a leaf while recording, recorded on a recorded result.
    ///
    /// ```swift
    /// let x = Tensor<Double>([[1, -2, 3], [-4, 5, -6]])
    /// x[mask: x .> 0]                 // [1, 3, 5]          x[x > 0]
    /// x[mask: Tensor([0, 1])]         // [[-4, 5, -6]]      rows where the mask is set
    /// var y = x
    /// y[mask: y .< 0] = Tensor(0)     // [[1, 0, 3], [0, 5, 0]]   y[y < 0] = 0
    /// ```
    public subscript(mask mask: Tensor) -> Tensor {
        get {
            let selection = maskSelection(mask)
            return gatheredByIndex(selection.offsets, shape: selection.shape)
        }
        set {
            let selection = maskSelection(mask)
            write(newValue, atOffsets: selection.offsets, region: selection.shape, text: "[mask: …]")
        }
    }

    /// The slices at `indices` along `axis` (default the first), PyTorch's `x[idx]` for an integer
    /// tensor `idx` (and `x[:, idx]` with `axis: 1`): the axis is replaced by `indices.shape`.
    /// The same as ``take(_:axis:)``; a repeated index reads its slice again and adds its gradients.
    ///
    /// Writing `x[at: idx] = value` replaces those slices (PyTorch's `x[idx] = value`), `value`
    /// broadcast to the selected region's shape, by the rules of the other subscripts; an index
    /// may not repeat in a write (which value would win is undefined, in PyTorch too).
    ///
    /// ```swift
    /// let table = Tensor<Double>.arange(0, 12).reshaped([4, 3])
    /// table[at: Tensor([3, 0, 3])]            // rows 3, 0, 3: [[9, 10, 11], [0, 1, 2], [9, 10, 11]]
    /// table[at: Tensor([2]), axis: 1]         // the last column as [4, 1]
    /// var t = table
    /// t[at: Tensor([1, 2])] = Tensor(0)       // rows 1 and 2 zeroed
    /// ```
    public subscript(at indices: Tensor, axis axis: Int = 0) -> Tensor {
        get { take(indices, axis: axis) }
        set {
            let selection = positionSelection(indices, axis: axis, op: "subscript assignment [at: …]")
            var seen = Set<Scalar>()
            for index in indices.scalars where !seen.insert(index).inserted {
                trap("subscript assignment [at: …] of a tensor of shape \(shape): index \(index) repeats in indices "
                     + "\(indices.shape); which value would win is undefined (PyTorch's too): give each position once")
            }
            write(newValue, atOffsets: selection.offsets, region: selection.shape, text: "[at: …, axis: \(axis)]")
        }
    }

    /// The flat offsets a mask selects, and the shape of the selection.
    func maskSelection(_ mask: Tensor) -> (offsets: [Int], shape: [Int]) {
        require(mask.rank <= rank && Array(shape.prefix(mask.rank)) == mask.shape,
                "subscript [mask: …]: a mask of shape \(mask.shape) is not the shape of a tensor of shape \(shape) "
                + "nor of its leading axes")
        let inner = shape[mask.rank...].reduce(1, *)
        var offsets: [Int] = []
        for (position, flag) in mask.scalars.enumerated() where flag != 0 {
            let start = position * inner
            for j in 0..<inner { offsets.append(start + j) }
        }
        let selected = inner == 0 ? 0 : offsets.count / inner
        return (offsets, [selected] + Array(shape[mask.rank...]))
    }

    /// The flat offsets of the slices at `indices` along `axis`, as ``take(_:axis:)`` reads them.
    func positionSelection(_ indices: Tensor, axis: Int, op: String) -> (offsets: [Int], shape: [Int]) {
        let a = Shape.normalize(axis: axis, rank: rank, op: op)
        let positions = Tensor.wholeNumberPositions(indices, bound: shape[a], op: op, axis: a, of: shape)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var offsets: [Int] = []
        offsets.reserveCapacity(outer * positions.count * inner)
        for block in 0..<outer {
            for i in positions {
                let start = (block * shape[a] + i) * inner
                for j in 0..<inner { offsets.append(start + j) }
            }
        }
        return (offsets, Array(shape[..<a]) + indices.shape + Array(shape[(a + 1)...]))
    }

    /// `indices` as Ints, or a trap naming the first that is not a whole number in `0..<bound`
    /// (saying which: out of range, or not whole), for positions along `axis` of `shape`. Shared
    /// by the position subscripts, `gather` and `scatterAdding`.
    @usableFromInline
    static func wholeNumberPositions(_ indices: Tensor, bound: Int, op: String, axis: Int, of shape: [Int]) -> [Int] {
        var positions = [Int](repeating: 0, count: indices.count)
        let bad = indices.scalars.withUnsafeBufferPointer { x in
            positions.withUnsafeMutableBufferPointer { Scalar.kernels.wholeNumbers(x, bound, $0) }
        }
        if let bad {
            let value = indices.scalars[bad]
            let problem = value.rounded() == value ? "is out of range 0..<\(bound)" : "is not a whole number in 0..<\(bound)"
            trap("\(op): index \(value) at position \(bad) of indices \(indices.shape) \(problem) (axis \(axis) of shape \(shape))")
        }
        return positions
    }

    /// Replaces the elements at `offsets` (a region of shape `region`, in its row-major order)
    /// with `value` broadcast to `region`, by the rules of the basic subscripts' writes.
    mutating func write(_ value: Tensor, atOffsets offsets: [Int], region: [Int], text: String) {
        let shaped = IndexPlan.broadcastable(value, to: region, text: text, shape: shape).expanded(to: region)
        let recording = ThreadTape.isRecordingOnThisThread
        if recording { refuseWritingIntoALeaf(text) }
        if recording && (node != nil || shaped.node != nil) {
            // Recorded: the region's gradient goes to the value, the rest to the old tensor.
            let placed = shaped.reshaped([offsets.count]).scatteredByIndex(offsets, into: shape)
            let selected = Tensor.ones([offsets.count]).scatteredByIndex(offsets, into: shape).detached()
            self = select(selected, placed, self)
            return
        }
        var updated = scalars
        let values = shaped.detached().scalars
        for (i, offset) in offsets.enumerated() { updated[offset] = values[i] }
        if node == nil {
            elements = .many(updated)
        } else {
            assign(Tensor(shape: shape, scalars: updated))
        }
    }
}

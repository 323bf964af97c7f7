// Subscripts as in NumPy and PyTorch, written as in mlx-swift (see `TensorIndex`). Reading is
// composed of slice, reverse and reshape, so it is recorded and differentiable; writing is
// described on `subscript(_:)`.

extension Tensor {
    /// The part of this tensor that the indices select, NumPy's and PyTorch's basic indexing:
    /// an integer picks one position and removes its axis, a range or `.stride(from:to:by:)`
    /// keeps the positions it selects, `.ellipsis` stands for the axes the other indices leave,
    /// `.newAxis` inserts an axis of size 1. Axes not named at the end are kept whole.
    /// Negative integers and bounds count from the end. See ``TensorIndex`` for the table of
    /// PyTorch's forms and ours.
    ///
    /// ```swift
    /// let x = Tensor<Double>.arange(0, 12).reshaped([3, 4])
    /// x[0..., 1]                    // [1, 5, 9]            x[:, 1]
    /// x[0, 1..<3]                   // [1, 2]               x[0, 1:3]
    /// x[-1]                         // [8, 9, 10, 11]       x[-1]
    /// x[.ellipsis, -2]              // [2, 6, 10]           x[..., -2]
    /// x[.stride(by: 2), .stride(by: -1)]   // rows 0 and 2, columns reversed: x[::2, ::-1]
    /// x[.newAxis].shape             // [1, 3, 4]            x[None]
    /// x[1, 2]                       // a 0-d tensor (6); x[index: 1, 2] gives the Float/Double
    /// ```
    ///
    /// **Reading** is recorded like any op (it is a slice, a reverse and a reshape), so gradients
    /// flow back to the selected elements; `x[i]` of a parameter is differentiable.
    ///
    /// **Writing** `x[indices] = value` replaces the selected elements with `value`, broadcast to
    /// the selected region's shape (leading axes of size 1 of `value` are dropped first, as in
    /// PyTorch):
    /// - on a tensor that does not require gradients, or inside ``withoutGradients(_:)``, the
    ///   elements are written in place. A leaf that requires gradients stays that leaf and counts
    ///   the update as ``assign(_:)`` does (a later backward through an op that read the old
    ///   values throws). `w.data[indices] = value` does the same anywhere.
    /// - on a leaf that requires gradients while recording, it traps: writing into a parameter
    ///   is an update (do it in `withoutGradients { … }` or through `w.data`), as PyTorch refuses
    ///   an in-place op on a leaf that requires grad outside `torch.no_grad()`.
    /// - on a recorded result (or when `value` requires gradients) while recording, the tensor
    ///   becomes a new recorded result equal to `self` with the region replaced: the gradient
    ///   reaches `self` outside the region and `value` inside it.
    ///
    /// ```swift
    /// var m = Tensor<Float>.zeros([3, 4])
    /// m[0, 1..<3] = Tensor([7, 8])          // row 0 becomes [0, 7, 8, 0]
    /// m[0..., 0] = Tensor(1)                // first column of ones (broadcast)
    /// var w = Tensor<Double>.zeros([2, 2]).requiringGrad(named: "w")
    /// withoutGradients { w[0] = Tensor([1, 2]) }   // w is still the leaf 'w'
    /// w.data[1, .stride(by: -1)] = Tensor([3, 4])  // the same, anywhere: row 1 becomes [4, 3]
    /// ```
    public subscript(_ indices: any TensorIndex...) -> Tensor {
        get { self[indices: indices] }
        set { self[indices: indices] = newValue }
    }

    /// The subscript with its indices in an array, for code that builds them:
    ///
    /// ```swift
    /// let lastOfAxis2: [any TensorIndex] = [0..., 0..., -1]
    /// let y = x[indices: lastOfAxis2]      // x[:, :, -1]
    /// ```
    /// (A plain `x[[0, 2]]` is not accepted: in NumPy it would pick rows 0 and 2, which this
    /// subscript does not do.)
    public subscript(indices indices: [any TensorIndex]) -> Tensor {
        get { IndexPlan(indices.map(\.tensorIndexOperation), shape: shape).read(self) }
        set { write(newValue, at: indices.map(\.tensorIndexOperation)) }
    }

    /// The sub-tensor at `index` along the first axis (that axis removed); negative counts from
    /// the end. The same as the general subscript with one integer.
    ///
    /// ```swift
    /// let lastRow = m[-1]
    /// ```
    public subscript(_ index: Int) -> Tensor {
        get { IndexPlan([.index(index)], shape: shape).read(self) }
        set { write(newValue, at: [.index(index)]) }
    }

    /// The sub-tensor at `range` along the first axis; negative bounds count from the end.
    ///
    /// ```swift
    /// let firstTwoRows = m[0..<2]
    /// ```
    public subscript(_ range: Range<Int>) -> Tensor {
        get { self[indices: [range]] }
        set { self[indices: [range]] = newValue }
    }

    /// Traps when this tensor is a leaf that requires gradients (called while recording): a write
    /// would make it a recorded result, where an update in place was meant.
    func refuseWritingIntoALeaf(_ text: String) {
        guard let node, node.isLeaf else { return }
        let leaf = name.map { "'\($0)'" } ?? "of shape \(shape)"
        trap("subscript assignment \(text): the tensor \(leaf) is a leaf that requires gradients, and writing "
             + "into it while recording would make it a recorded result. To update it in place (it stays the leaf), "
             + "write inside withoutGradients { … } or through .data: w.data\(text) = value")
    }

    /// `x[indices] = value`: see ``subscript(_:)-(any TensorIndex...)``.
    mutating func write(_ value: Tensor, at operations: [TensorIndexOperation]) {
        let plan = IndexPlan(operations, shape: shape)
        let value = plan.broadcastable(value)
        let recording = ThreadTape.isRecordingOnThisThread
        if recording { refuseWritingIntoALeaf(plan.text) }
        if recording && (node != nil || value.node != nil) {
            self = plan.replacing(in: self, with: value)
            return
        }
        if node == nil {
            var updated = scalars
            elements = .many([])    // so that `updated` is the array's only reference, written in place
            plan.write(value, into: &updated)
            elements = .many(updated)
        } else {
            var updated = scalars
            plan.write(value, into: &updated)
            assign(Tensor(shape: shape, scalars: updated))
        }
    }
}

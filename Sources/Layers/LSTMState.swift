/// The two states of an LSTM: the hidden state (its output) and the cell state (its memory).
///
/// For an ``LSTMCell`` both are [batch, hidden]; for an ``LSTM`` both are
/// [layers, batch, hidden], as PyTorch's `(h_n, c_n)`.
///
/// ```swift
/// let start = LSTMState(hidden: Tensor<Float>.zeros([2, 4, 8]), cell: Tensor.zeros([2, 4, 8]))
/// let (output, final) = lstm(x, state: start)
/// final.hidden.shape        // [2, 4, 8]
/// ```
public struct LSTMState<Scalar: TensorScalar> {
    /// The hidden state h.
    ///
    /// ```swift
    /// let h = state.hidden
    /// ```
    public var hidden: Tensor<Scalar>
    /// The cell state c.
    ///
    /// ```swift
    /// let c = state.cell
    /// ```
    public var cell: Tensor<Scalar>

    /// A state from its two tensors (of one shape).
    ///
    /// ```swift
    /// let state = LSTMState(hidden: Tensor<Double>.zeros([3, 5]), cell: Tensor.zeros([3, 5]))
    /// ```
    public init(hidden: Tensor<Scalar>, cell: Tensor<Scalar>) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// Which query–key pairs attention may use, beyond `causal:` and the key padding mask: PyTorch's
/// `attn_mask`, boolean or additive.
///
/// The mask is [T, S] (the same for every sequence and head) or [batch · heads, T, S] (one per
/// sequence and head, sequence-major, as PyTorch lays it out), for T queries and S keys. A query
/// whose keys are all hidden attends to nothing: its weights are 0 and its output the projection
/// of zeros (PyTorch gives NaN there).
///
/// ```swift
/// // Only keys within 2 positions of the query: a banded (local) attention.
/// let far = Tensor<Float>((0..<25).map { abs($0 / 5 - $0 % 5) > 2 ? 1 : 0 }, shape: [5, 5])
/// let y = attention(query: x, key: x, value: x, attentionMask: .hidden(far))
/// let biased = attention(query: x, key: x, value: x, attentionMask: .additive(alibiBias))   // added to the scores
/// ```
public enum AttentionMask<Scalar: TensorScalar> {
    /// Non-zero (PyTorch's `True`) marks a pair that may not be attended.
    case hidden(Tensor<Scalar>)
    /// Added to the scaled scores before the softmax (0 keeps a pair, −∞ hides it, anything
    /// else biases it); it is a constant, not differentiated.
    case additive(Tensor<Scalar>)

    /// The mask as a tensor, whichever kind.
    var tensor: Tensor<Scalar> {
        switch self {
        case .hidden(let t), .additive(let t): return t
        }
    }
}

import XCTest
import Foundation
import Layers

/// Bad input to the new layers stops the program with a message naming the layer, the shapes
/// and what was expected. Each case runs in a child process (this test binary started again
/// with the case's name in its environment), since the trap ends the process that hits it.
final class LayerBadInputTests: XCTestCase {
    static let roleKey = "AUTOGRAD_LAYER_BAD_INPUT_CASE"

    /// Each case: the code that must trap, and fragments its message must hold.
    static let cases: [String: (run: @Sendable () -> Void, expected: [String])] = [
        "embedding index out of range": ({
            _ = Embedding<Float>(count: 5, dimension: 2, seed: 1)(Tensor(rows: [[1, 4], [7, 2]]))
        }, ["Embedding: index 7 at position [1, 0] of indices [2, 2] is out of range 0..<5 (table [5, 2])"]),
        "embedding index negative": ({
            _ = Embedding<Double>(count: 5, dimension: 2, seed: 1)(Tensor([2, -1]))
        }, ["Embedding: index -1 at position [1] of indices [2] is out of range 0..<5 (table [5, 2])"]),
        "embedding index not whole": ({
            _ = Embedding<Double>(count: 5, dimension: 2, seed: 1)(Tensor([0, 1.5]))
        }, ["Embedding: index 1.5 at position [1] of indices [2] is not a whole number in 0..<5 (table [5, 2])"]),
        "lstm sequence of the wrong width": ({
            _ = LSTM<Float>(inputSize: 3, hiddenSize: 4, seed: 1)(Tensor.zeros([2, 5, 7]))
        }, ["LSTM: input of shape [2, 5, 7] is not [batch, time, 3]", "[batch, time, features] (batchFirst: true)"]),
        "time-major gru sequence of the wrong width": ({
            _ = GRU<Float>(inputSize: 3, hiddenSize: 4, batchFirst: false, seed: 1)(Tensor.zeros([5, 2, 7]))
        }, ["GRU: input of shape [5, 2, 7] is not [time, batch, 3]", "[time, batch, features] (batchFirst: false)"]),
        "bidirectional rnn state with one direction": ({
            let rnn = RNN<Float>(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, seed: 1)
            _ = rnn(Tensor.zeros([2, 5, 3]), state: Tensor.zeros([2, 2, 4]))
        }, ["RNN: initial hidden state of shape [2, 2, 4] is not [4, 2, 4] ([layers·2 directions, batch, hiddenSize]"]),
        "reverse cells that do not fit": ({
            _ = GRU(cells: [GRUCell<Float>(inputSize: 3, hiddenSize: 4, seed: 1), GRUCell(inputSize: 4, hiddenSize: 4, seed: 2)],
                    reverseCells: [GRUCell(inputSize: 3, hiddenSize: 4, seed: 3), GRUCell(inputSize: 8, hiddenSize: 4, seed: 4)])
        }, ["GRU: layer 1 takes inputs of 4 features, but layer 0 gives 8 (forward and reverse, 4 each)"]),
        "gru input without a time axis": ({
            _ = GRU<Float>(inputSize: 3, hiddenSize: 4, seed: 1)(Tensor.zeros([2, 3]))
        }, ["GRU: input of shape [2, 3] is not [batch, time, 3]"]),
        "lstm state of the wrong shape": ({
            let lstm = LSTM<Float>(inputSize: 3, hiddenSize: 4, layers: 2, seed: 1)
            _ = lstm(Tensor.zeros([2, 5, 3]), state: LSTMState(hidden: .zeros([1, 2, 4]), cell: .zeros([2, 2, 4])))
        }, ["LSTM: initial hidden state of shape [1, 2, 4] is not [2, 2, 4] ([layers, batch, hiddenSize])"]),
        "lstm cell state of the wrong shape": ({
            let lstm = LSTM<Float>(inputSize: 3, hiddenSize: 4, seed: 1)
            _ = lstm(Tensor.zeros([2, 5, 3]), state: LSTMState(hidden: .zeros([1, 2, 4]), cell: .zeros([1, 3, 4])))
        }, ["LSTM: initial cell state of shape [1, 3, 4] is not [1, 2, 4]"]),
        "rnn cell state of the wrong shape": ({
            _ = RNNCell<Float>(inputSize: 3, hiddenSize: 4, seed: 1)(Tensor.zeros([2, 3]), state: Tensor.zeros([2, 5]))
        }, ["RNNCell: hidden state of shape [2, 5] is not [2, 4] ([batch, hiddenSize])"]),
        "gru cell input of the wrong width": ({
            _ = GRUCell<Float>(inputSize: 3, hiddenSize: 4, seed: 1)(Tensor.zeros([2, 6]), state: nil)
        }, ["GRUCell: input of shape [2, 6] is not [batch, 3]"]),
        "stacked cells that do not fit": ({
            _ = LSTM(cells: [LSTMCell<Float>(inputSize: 3, hiddenSize: 4, seed: 1), LSTMCell(inputSize: 5, hiddenSize: 4, seed: 2)])
        }, ["LSTM: layer 1 takes inputs of 5 features, but layer 0 gives 4"]),
        "batch norm of the wrong width": ({
            _ = BatchNorm1D<Float>(features: 3)(Tensor.zeros([4, 5]))
        }, ["BatchNorm1D: input of shape [4, 5] is not [batch, 3] or [batch, 3, length]"]),
        "batch norm 2d on a sequence": ({
            _ = BatchNorm2D<Float>(features: 3)(Tensor.zeros([4, 3, 5]))
        }, ["BatchNorm2D: input of shape [4, 3, 5] is not [batch, 3, height, width]"]),
        "batch norm training on one value per feature": ({
            _ = BatchNorm1D<Float>(features: 3)(Tensor.zeros([1, 3]))
        }, ["BatchNorm1D: input of shape [1, 3] has 1 value per feature; training needs more than 1"]),
        "layer norm of the wrong shape": ({
            _ = LayerNorm<Float>(normalizedShape: [4])(Tensor.zeros([2, 5]))
        }, ["LayerNorm: input of shape [2, 5] does not end with the normalized shape [4]"]),
        "attention key padding mask of the wrong shape": ({
            let attention = MultiHeadAttention<Float>(dimension: 8, heads: 2, seed: 1)
            _ = attention(Tensor.zeros([2, 5, 8]), causal: true, keyPaddingMask: Tensor.zeros([2, 4]))
        }, ["MultiHeadAttention: key padding mask of shape [2, 4] is not [2, 5] ([batch, key length]"]),
        "attention input of the wrong width": ({
            _ = MultiHeadAttention<Float>(dimension: 8, heads: 2, seed: 1)(Tensor.zeros([2, 5, 6]))
        }, ["MultiHeadAttention: query of shape [2, 5, 6] is not [batch, time, 8]"]),
        "attention heads that do not divide the dimension": ({
            _ = MultiHeadAttention<Float>(dimension: 10, heads: 4, seed: 1)
        }, ["MultiHeadAttention: dimension 10 is not divisible into 4 heads"]),
        "transformer block padding mask of the wrong shape": ({
            _ = TransformerBlock<Float>(dimension: 8, heads: 2, seed: 1)(Tensor.zeros([2, 5, 8]), causal: false,
                                                                         keyPaddingMask: Tensor.zeros([5, 2]))
        }, ["MultiHeadAttention: key padding mask of shape [5, 2] is not [2, 5]"]),
        "group norm with channels not divisible": ({
            _ = GroupNorm<Float>(groups: 4, channels: 6)
        }, ["GroupNorm: 6 channels cannot be split into 4 groups"]),
    ]

    /// Fragments a case's message must not hold (an index out of range is not called "not a whole number").
    static let absent: [String: [String]] = [
        "embedding index out of range": ["not a whole number"],
        "embedding index negative": ["not a whole number"],
        "embedding index not whole": ["out of range"],
    ]

    func testMessagesNameTheLayerShapesAndExpectation() throws {
        try runTrapCases(Self.cases, roleKey: Self.roleKey, test: "GradCheckTests.LayerBadInputTests/testMessagesNameTheLayerShapesAndExpectation",
                         absent: Self.absent)
    }
}

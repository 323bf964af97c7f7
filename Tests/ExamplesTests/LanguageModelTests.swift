import XCTest
import Autograd
import Layers
import Optim
@testable import Examples

/// The character-level models the examples and the benchmark share: shapes, parameter counts,
/// and a few Adam steps on a repeating text that lower the next-token loss.
final class LanguageModelTests: XCTestCase {
    /// Windows of `text` (indices) of length `context`: inputs and the next characters.
    func windows(_ text: [Float], context: Int) -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        let starts = Array(stride(from: 0, to: text.count - context - 1, by: 2))
        return (Tensor(starts.flatMap { text[$0..<($0 + context)] }, shape: [starts.count, context]),
                Tensor(starts.flatMap { text[($0 + 1)..<($0 + context + 1)] }, shape: [starts.count, context]))
    }

    func train(_ model: some Layer<Float>, _ data: (inputs: Tensor<Float>, targets: Tensor<Float>), steps: Int,
               learningRate: Double = 1e-2) -> [Float] {
        let adam = Adam(model, learningRate: learningRate)
        return (0..<steps).map { _ in
            let loss = Models.nextTokenLoss(logits: model(data.inputs), targets: data.targets)
            model.zeroGrad()
            loss.backward()
            adam.step()
            return loss.scalar
        }
    }

    func testCharacterGPTAndLSTMLearnARepeatingText() {
        let text = Array(repeating: [0, 1, 2, 3, 1, 2, 4], count: 6).flatMap { $0 }.map(Float.init)
        let data = windows(text, context: 8)
        let gpt = Models.CharacterGPT(vocabulary: 5, context: 8, dimension: 16, heads: 2, seed: 1)
        XCTAssertEqual(gpt(data.inputs).shape, [data.inputs.shape[0], 8, 5])
        let gptLosses = train(gpt, data, steps: 15)
        XCTAssertLessThan(gptLosses.last ?? .infinity, 0.5 * gptLosses[0], "GPT losses \(gptLosses)")
        let lstm = Models.CharacterLSTM(vocabulary: 5, dimension: 8, hidden: 16, seed: 2)
        XCTAssertEqual(lstm.namedParameters.map(\.name),
                       ["tokens.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
                        "head.weight", "head.bias"])
        let lstmLosses = train(lstm, data, steps: 15, learningRate: 4e-2)
        XCTAssertLessThan(lstmLosses.last ?? .infinity, 0.5 * lstmLosses[0], "LSTM losses \(lstmLosses)")
    }

    func testTheGPTConfigurationSize() {
        // 27 characters, embedding 64, context 16, 2 blocks of 4 heads.
        let gpt = Models.CharacterGPT(vocabulary: 27, seed: 1)
        XCTAssertEqual(gpt.parameterCount, 27 * 64 + 16 * 64 + 2 * 49_984 + 2 * 64 + 64 * 27 + 27)
    }
}

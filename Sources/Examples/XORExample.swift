import Autograd
import Foundation
import Layers
import Optim

/// Worked example 6: XOR. A 2-3-2 network (one hidden layer of three tanh units, a softmax
/// output over two classes) learns it; a network with no hidden layer cannot, because no
/// straight line separates (0,1) and (1,0) from (0,0) and (1,1).
enum XORExample {
    static let inputs = Tensor<Double>(rows: [[0, 0], [0, 1], [1, 0], [1, 1]])
    static let labels = Tensor<Double>([0, 1, 1, 0])

    struct Outcome {
        /// Softmax outputs for the four inputs, [4][2].
        var probabilities: [[Double]]
        /// The first epoch (1-based) after which all four were classified right, if any.
        var firstAllRight: Int?
        /// The first epoch after which every right-class output was above 0.9, if any.
        var firstConfident: Int?
        var epochs: Int
        var finalLoss: Double

        var correct: Int {
            zip(probabilities, XORExample.labels.scalars).filter { p, y in (p[1] > p[0] ? 1.0 : 0.0) == y }.count
        }
        var allRight: Bool { correct == 4 }
        /// The output for the right class, per input.
        var rightClassProbabilities: [Double] { zip(probabilities, XORExample.labels.scalars).map { $0[Int($1)] } }
        var confident: Bool { rightClassProbabilities.allSatisfy { $0 > 0.9 } }
    }

    struct TwoLayer: Layer {
        let hidden: Dense<Double>
        let output: Dense<Double>
        func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { output(hidden(x)) }
    }

    /// Trains `model` on the four points with full-batch gradient descent (the five-line loop)
    /// and cross-entropy on its logits, recording when it first gets all four right.
    static func train<M: Layer>(_ model: M, epochs: Int, learningRate: Double) -> Outcome where M.Scalar == Double {
        let optimizer = SGD(model, learningRate: learningRate, momentum: 0.9)
        var outcome = Outcome(probabilities: [], firstAllRight: nil, firstConfident: nil, epochs: epochs, finalLoss: .nan)
        for epoch in 1...max(epochs, 1) {
            let loss = crossEntropy(logits: model(inputs), labels: labels)
            model.zeroGrad()
            loss.backward()
            optimizer.step()
            outcome.finalLoss = loss.scalar
            outcome.probabilities = withInference { model(inputs).softmax(axis: 1).rows }
            if outcome.firstAllRight == nil && outcome.allRight { outcome.firstAllRight = epoch }
            if outcome.firstConfident == nil && outcome.confident { outcome.firstConfident = epoch }
        }
        return outcome
    }

    static func hiddenNetwork(seed: UInt64) -> TwoLayer {
        var rng = SeededGenerator(seed: seed)
        return TwoLayer(hidden: Dense(inputs: 2, outputs: 3, activation: .tanh, using: &rng),
                        output: Dense(inputs: 3, outputs: 2, using: &rng))
    }

    static func noHiddenNetwork(seed: UInt64) -> Dense<Double> {
        Dense(inputs: 2, outputs: 2, seed: seed)
    }

    static func table(_ outcome: Outcome) -> String {
        let rows = (0..<4).map { i -> [String] in
            let p = outcome.probabilities[i], y = Int(labels.scalars[i])
            let predicted = p[1] > p[0] ? 1 : 0
            return ["(\(Text.number(inputs.rows[i][0])), \(Text.number(inputs.rows[i][1])))", "\(y)",
                    String(format: "%.4f", p[0]), String(format: "%.4f", p[1]),
                    predicted == y ? (p[y] > 0.9 ? "right, > 0.9" : "right") : "WRONG"]
        }
        return Text.table(["input", "XOR", "P(class 0)", "P(class 1)", "verdict"], rows)
    }

    static func run(_ options: inout Options) throws {
        let epochs = try options.int("epochs", default: 1000)
        let seed = UInt64(try options.int("seed", default: 1))
        let learningRate = try Run.parseDouble(&options, "lr", default: 0.1)
        print(Text.heading("Worked example 6: XOR with a 2-3-2 network (tanh hidden layer, softmax output)"))
        print("Full-batch gradient descent (SGD, learning rate \(Text.number(learningRate)), momentum 0.9), "
              + "cross-entropy loss, \(epochs) epochs, seed \(seed).")
        let hidden = train(hiddenNetwork(seed: seed), epochs: epochs, learningRate: learningRate)
        print("\n2-3-2 network after \(epochs) epochs (loss \(String(format: "%.5f", hidden.finalLoss))):")
        print(table(hidden))
        print("  all four right from epoch \(hidden.firstAllRight.map(String.init) ?? "— (never)"); "
              + "every right-class output above 0.9 from epoch \(hidden.firstConfident.map(String.init) ?? "— (never)")")

        let linear = train(noHiddenNetwork(seed: seed), epochs: epochs, learningRate: learningRate)
        print("\nNo hidden layer (2-2, softmax output) after \(epochs) epochs (loss \(String(format: "%.5f", linear.finalLoss))):")
        print(table(linear))
        print("  \(linear.correct) of 4 right: a softmax of an affine function separates the classes with a straight "
              + "line, and no line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other. The best it "
              + "can do is the loss log 2 = 0.693 with every output 0.5.")
    }
}

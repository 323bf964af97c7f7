import Autograd
import Foundation
import Layers
import Optim

/// The choices of the classic course networks that `digits` and `mnist` take from the command
/// line: hidden layers, their activation, the loss on the softmax output, the optimizer and the
/// learning-rate schedule. `--hidden 30 --activation sigmoid --loss mse --optimizer sgd
/// --schedule time-based` is the standard homework network.
struct ClassicNetwork: Equatable {
    enum ActivationChoice: String, CaseIterable {
        case sigmoid, tanh, relu, leakyRelu = "leaky-relu"

        var activation: Activation {
            switch self {
            case .sigmoid: return .sigmoid
            case .tanh: return .tanh
            case .relu: return .relu
            case .leakyRelu: return .leakyRelu(slope: 0.01)
            }
        }
    }

    enum LossChoice: String, CaseIterable {
        case crossEntropy = "cross-entropy", mse

        var description: String {
            switch self {
            case .crossEntropy: return "cross-entropy of the softmax"
            case .mse: return "MSE: ½‖softmax − one-hot‖², mean over the batch"
            }
        }
    }

    enum OptimizerChoice: String, CaseIterable {
        case sgd, momentum, rmsprop, adagrad, adam

        /// The learning rate used when `--lr` is not given.
        var defaultLearningRate: Double {
            switch self {
            case .sgd: return 0.5
            case .momentum: return 0.05
            case .adagrad: return 0.05
            case .rmsprop, .adam: return 1e-3
            }
        }

        var description: String {
            switch self {
            case .sgd: return "SGD"
            case .momentum: return "SGD + momentum 0.9"
            case .rmsprop: return "RMSProp"
            case .adagrad: return "Adagrad"
            case .adam: return "Adam"
            }
        }
    }

    enum ScheduleChoice: String, CaseIterable {
        case constant, timeBased = "time-based", step, cosine
    }

    var hidden = [128]
    var activation = ActivationChoice.relu
    var loss = LossChoice.crossEntropy
    var optimizer = OptimizerChoice.adam
    var schedule = ScheduleChoice.constant
    /// nil: the optimizer's ``OptimizerChoice/defaultLearningRate``.
    var learningRate: Double? = nil

    var initialLearningRate: Double { learningRate ?? optimizer.defaultLearningRate }

    /// The schedule over a run of `epochs` epochs of `batchesPerEpoch` steps: time-based decay
    /// lr₀/(1 + k·t) with k = 1/(all steps), so the rate halves by the end; step decay halving
    /// it every third of the run; cosine annealing to 0 over the run.
    func learningRateSchedule(epochs: Int, batchesPerEpoch: Int) -> any LearningRateSchedule {
        let steps = max(epochs * batchesPerEpoch, 1), lr = initialLearningRate
        switch schedule {
        case .constant: return lr
        case .timeBased: return TimeBasedDecay(initial: lr, decay: 1 / Double(steps))
        case .step: return StepDecay(initial: lr, stepSize: max(steps / 3, 1), factor: 0.5)
        case .cosine: return CosineAnnealing(initial: lr, minimum: 0, steps: steps)
        }
    }

    func scheduleDescription(epochs: Int, batchesPerEpoch: Int) -> String {
        let steps = max(epochs * batchesPerEpoch, 1)
        switch schedule {
        case .constant: return "constant"
        case .timeBased: return "time-based decay lr₀/(1 + t/\(steps))"
        case .step: return "step decay ×0.5 every \(max(steps / 3, 1)) steps"
        case .cosine: return "cosine annealing to 0 over \(steps) steps"
        }
    }

    func makeOptimizer<M: Module>(_ model: M, epochs: Int, batchesPerEpoch: Int) -> any Optimizer<Float>
        where M.Scalar == Float {
        let rate = learningRateSchedule(epochs: epochs, batchesPerEpoch: batchesPerEpoch)
        switch optimizer {
        case .sgd: return SGD(model, learningRate: rate)
        case .momentum: return SGD(model, learningRate: rate, momentum: 0.9)
        case .rmsprop: return RMSProp(model, learningRate: rate)
        case .adagrad: return Adagrad(model, learningRate: rate)
        case .adam: return Adam(model, learningRate: rate)
        }
    }

    /// The dense network inputs → hidden (each `activation`) → 10 logits; the softmax is in the
    /// loss. He initialization under the rectifiers, Xavier under sigmoid and tanh.
    func model(inputs: Int, classes: Int = 10, seed: UInt64) -> Sequential<Float> {
        Models.mlp(inputs: inputs, hidden: hidden, outputs: classes, activation: activation.activation, seed: seed)
    }

    /// The loss of logits against class indices: cross-entropy of the softmax, or the squared
    /// error between the softmax and the one-hot target.
    var lossFunction: @Sendable (Tensor<Float>, Tensor<Float>) -> Tensor<Float> {
        switch loss {
        case .crossEntropy: return Run.crossEntropyLoss
        case .mse: return ClassicNetwork.softmaxSquaredError
        }
    }

    /// ½‖softmax(logits) − one-hot(labels)‖² averaged over the batch.
    @Sendable static func softmaxSquaredError(_ logits: Tensor<Float>, _ labels: Tensor<Float>) -> Tensor<Float> {
        let classes = Tensor<Float>.arange(0, Float(logits.shape[1]))
        let oneHot = labels.detached().unsqueezed(at: 1) .== classes          // [batch, classes] of 0 and 1
        return l2Loss(predicted: logits.softmax(axis: 1), targets: oneHot, reduction: .batchMean)
    }

    func describe(inputs: Int) -> String {
        "dense \(([inputs] + hidden + [10]).map(String.init).joined(separator: "-")) (\(activation.rawValue), "
            + "softmax output), \(loss.description), \(optimizer.description)"
    }

    /// The options `digits` and `mnist` share, as accepted by their subcommands.
    static let optionNames = ["hidden", "activation", "loss", "optimizer", "schedule", "lr"]

    /// Reads `--hidden N[,N…]`, `--activation`, `--loss`, `--optimizer`, `--schedule` and `--lr`
    /// over `defaults`; a bad value is a usage error naming the option and the accepted values.
    static func parse(_ options: inout Options, defaults: ClassicNetwork = ClassicNetwork()) throws -> ClassicNetwork {
        var network = defaults
        if let text = options.string("hidden") {
            let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw UsageError(message: "--hidden expects positive layer sizes separated by commas (e.g. 128 or 256,64), got '\(text)'")
            }
            network.hidden = sizes.compactMap { $0 }
        }
        network.activation = try choice(&options, "activation", default: network.activation)
        network.loss = try choice(&options, "loss", default: network.loss)
        network.optimizer = try choice(&options, "optimizer", default: network.optimizer)
        network.schedule = try choice(&options, "schedule", default: network.schedule)
        if let text = options.string("lr") {
            guard let lr = Double(text) else { throw UsageError(message: "--lr expects a number, got '\(text)'") }
            guard lr > 0, lr.isFinite else { throw UsageError(message: "--lr expects a positive learning rate, got '\(text)'") }
            network.learningRate = lr
        }
        return network
    }

    /// `--hidden` and `--activation` shape the dense network only: with `--model cnn` they are
    /// a usage error rather than silently ignored.
    static func rejectDenseOptions(_ options: inout Options, model: DigitsExample.ModelKind) throws {
        guard model == .cnn else { return }
        if let name = ["hidden", "activation"].first(where: { options.isGiven($0) }) {
            throw UsageError(message: "--\(name) applies to the dense network, not to --model cnn")
        }
    }

    static func choice<C: CaseIterable & RawRepresentable>(_ options: inout Options, _ name: String, default value: C) throws -> C
        where C.RawValue == String {
        guard let text = options.string(name) else { return value }
        guard let chosen = C(rawValue: text) else {
            throw UsageError(message: "--\(name) expects one of \(C.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return chosen
    }
}

/// Something that updates a model's parameters from their gradients: SGD, RMSProp, Adagrad,
/// Adam, AdamW, or your own.
///
/// An optimizer keeps the model's parameters (by reference), a learning-rate
/// ``schedule`` it consults at every step, a ``stepCount``, and per-parameter state such as
/// momentum buffers, held as named tensors in ``parameterState``. Its update rule,
/// ``update(_:gradient:state:learningRate:)``, is written with ordinary tensor ops (a
/// "graph function"): ``step()`` runs it without recording, and
/// ``unrolled(from:learningRate:steps:createGraph:loss:)`` runs it on the tape, so that a loss
/// after the steps can be differentiated with respect to the learning rate or the initial
/// weights.
///
/// ```swift
/// let optimizer = Adam(model, learningRate: 1e-3)
/// for (x, y) in Batches(inputs: images, targets: labels, batchSize: 64, shuffleSeed: 1) {
///     let loss = crossEntropy(logits: model(x), labels: y)
///     model.zeroGrad()
///     loss.backward()
///     optimizer.step()
/// }
/// ```
///
/// To write your own, store the five requirements and implement `update`; `step()`,
/// `zeroGrad()`, `state` and `loadState(_:)` come from the protocol:
///
/// ```swift
/// final class SignSGD<Scalar: TensorScalar>: Optimizer {
///     let namedParameters: [(name: String, parameter: Parameter<Scalar>)]
///     var schedule: any LearningRateSchedule
///     var stepCount = 0
///     var parameterState: [[String: Tensor<Scalar>]]
///     init<M: Module>(_ model: M, learningRate: any LearningRateSchedule) where M.Scalar == Scalar {
///         namedParameters = model.namedParameters
///         schedule = learningRate
///         parameterState = Array(repeating: [:], count: namedParameters.count)
///     }
///     func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>,
///                 state: inout [String: Tensor<Scalar>], learningRate: Tensor<Scalar>) -> Tensor<Scalar> {
///         value - learningRate * gradient.sign()
///     }
/// }
/// ```
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters.
    associatedtype Scalar: TensorScalar

    /// The parameters being trained, with the names used in ``state``, in the model's order.
    ///
    /// ```swift
    /// optimizer.namedParameters.map(\.name)   // ["dense1.weight", "dense1.bias", …]
    /// ```
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }

    /// The learning rate as a function of ``stepCount``, consulted at every step.
    ///
    /// ```swift
    /// optimizer.schedule = StepDecay(initial: 0.1, stepSize: 1000, factor: 0.5)
    /// ```
    var schedule: any LearningRateSchedule { get set }

    /// How many steps have been taken (the step the schedule is asked about next).
    ///
    /// ```swift
    /// optimizer.step(); optimizer.stepCount   // 1
    /// ```
    var stepCount: Int { get set }

    /// The state of each parameter (same order as ``namedParameters``): named tensors such as
    /// "momentumBuffer", "expAvg", "expAvgSq", "step". Empty for a parameter not yet updated.
    ///
    /// ```swift
    /// adam.parameterState[0]["expAvg"]   // the first moment of the first parameter
    /// ```
    var parameterState: [[String: Tensor<Scalar>]] { get set }

    /// The update rule for one parameter, written with tensor ops: the new value from the
    /// current value, its gradient, its state (updated in place) and the learning rate (a
    /// 0-d tensor, which may require gradients). Recorded on the tape exactly when the ops
    /// would be; ``step()`` calls it without recording.
    ///
    /// ```swift
    /// var state: [String: Tensor<Double>] = [:]
    /// let next = sgd.update(w, gradient: g, state: &state, learningRate: Tensor(0.1))
    /// ```
    func update(_ value: Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout [String: Tensor<Scalar>],
                learningRate: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Optimizer {
    /// The parameters being trained, without their names.
    ///
    /// ```swift
    /// optimizer.parameters.count
    /// ```
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// The learning rate the next step will use: the schedule at ``stepCount``.
    ///
    /// ```swift
    /// let sgd = SGD(model, learningRate: TimeBasedDecay(initial: 0.1, decay: 1))
    /// sgd.step()
    /// sgd.learningRate   // 0.05
    /// ```
    public var learningRate: Double { schedule.learningRate(at: stepCount) }

    /// Updates every parameter that has a gradient with ``update(_:gradient:state:learningRate:)``,
    /// without recording, then advances ``stepCount``. Parameters without a gradient are left
    /// alone (and their state is not created), as in PyTorch.
    ///
    /// ```swift
    /// model.zeroGrad()
    /// loss.backward()
    /// optimizer.step()
    /// ```
    public func step() {
        let rate = Tensor<Scalar>(Scalar(learningRate))
        let entries = namedParameters
        var states = parameterState
        // Taken out while the step runs, so that each state tensor (Adam's moments) has one owner
        // and the fused update writes it in place instead of copying it first.
        parameterState = []
        if states.count != entries.count { states = Array(repeating: [:], count: entries.count) }
        withoutGradients {
            for (index, entry) in entries.enumerated() {
                guard let gradient = entry.parameter.grad else { continue }
                let next = update(entry.parameter.value.detached(), gradient: gradient.detached(),
                                  state: &states[index], learningRate: rate)
                entry.parameter.assign(next)
            }
        }
        parameterState = states
        stepCount += 1
    }

    /// Clears the gradient of every parameter this optimizer updates.
    ///
    /// ```swift
    /// optimizer.zeroGrad()
    /// ```
    public func zeroGrad() {
        for entry in namedParameters { entry.parameter.zeroGrad() }
    }

    /// The optimizer's state as named tensors, for checkpointing: "step" (the step count as a
    /// 0-d tensor) and "⟨parameter name⟩.⟨slot⟩" for each piece of per-parameter state.
    ///
    /// ```swift
    /// let saved = adam.state      // ["step": 3, "dense.weight.expAvg": …, "dense.weight.expAvgSq": …, …]
    /// ```
    public var state: [String: Tensor<Scalar>] {
        var out: [String: Tensor<Scalar>] = ["step": Tensor(Scalar(stepCount))]
        for (entry, slots) in zip(namedParameters, parameterState) {
            for (slot, tensor) in slots {
                out[entry.name.isEmpty ? slot : "\(entry.name).\(slot)"] = tensor
            }
        }
        return out
    }

    /// Replaces the optimizer's state with one saved from ``state`` (of an optimizer of the same
    /// kind over parameters with the same names and shapes). Parameters the saved state does not
    /// mention start fresh.
    ///
    /// ```swift
    /// let saved = adam.state
    /// let resumed = Adam(model, learningRate: 1e-3)
    /// try resumed.loadState(saved)
    /// ```
    /// - Throws: ``OptimizerStateError`` when a key names no parameter, when a tensor's shape
    ///   does not fit, or when "step" is missing or not a whole number.
    public func loadState(_ saved: [String: Tensor<Scalar>]) throws {
        guard let step = saved["step"], step.count == 1, let count = Int(exactly: step.scalars[0]), count >= 0 else {
            throw OptimizerStateError.missingStepCount
        }
        let entries = namedParameters
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() { index[entry.name] = i }
        var states = [[String: Tensor<Scalar>]](repeating: [:], count: entries.count)
        for (key, tensor) in saved where key != "step" {
            let (name, slot) = Self.splitKey(key)
            guard let i = index[name] else { throw OptimizerStateError.unknownKey(key) }
            let shape = entries[i].parameter.shape
            // 0-d slots (per-parameter step counts) are allowed whatever the parameter's shape.
            guard tensor.shape == shape || tensor.shape.isEmpty else {
                throw OptimizerStateError.shapeMismatch(key: key, expected: shape, found: tensor.shape)
            }
            states[i][slot] = tensor.detached()
        }
        parameterState = states
        stepCount = count
    }

    static func splitKey(_ key: String) -> (name: String, slot: String) {
        guard let dot = key.lastIndex(of: ".") else { return ("", key) }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }
}

/// Why ``Optimizer/loadState(_:)`` rejected a saved state.
///
/// ```swift
/// do { try adam.loadState(saved) } catch let error as OptimizerStateError { print(error) }
/// ```
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The saved state has no "step" entry holding a whole number ≥ 0.
    case missingStepCount
    /// A key names no parameter of this optimizer.
    case unknownKey(String)
    /// A saved tensor's shape differs from its parameter's.
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    /// A sentence saying what is wrong.
    ///
    /// ```swift
    /// print(OptimizerStateError.missingStepCount)
    /// ```
    public var description: String {
        switch self {
        case .missingStepCount:
            return "loadState: the saved state has no \"step\" entry with a whole number of steps"
        case .unknownKey(let key):
            return "loadState: \"\(key)\" names no parameter of this optimizer"
        case .shapeMismatch(let key, let expected, let found):
            return "loadState: \"\(key)\" has shape \(found), but its parameter has shape \(expected)"
        }
    }
}

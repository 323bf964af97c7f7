import Foundation

// Watching a network train, as in Karpathy's makemore part 3: per layer, the distribution of the
// activations and of the gradients flowing into them; per parameter, the size of each update
// relative to the parameter. Forward hooks on a `Sequential` see every layer's output (and hang a
// gradient hook on it); a snapshot of the parameters before the optimizer's step gives the
// update, whatever the optimizer.

/// What a layer outputs, for the statistics that only make sense for some activations: the
/// saturation of tanh and sigmoid, the dead units of ReLU.
///
/// ```swift
/// ActivationKind(of: Tanh<Float>())                                          // .tanh
/// ActivationKind(of: Dense<Float>(inputs: 4, outputs: 2, activation: .relu)) // .relu
/// ActivationKind(of: BatchNorm1D<Float>(features: 4))                        // .other
/// ```
public enum ActivationKind: String, Sendable, Hashable, CaseIterable {
    /// A `Tanh` layer, or a `Dense` layer with `activation: .tanh`.
    ///
    /// ```swift
    /// record.layers.filter { $0.kind == .tanh }
    /// ```
    case tanh
    /// A `Sigmoid` layer, or a `Dense` layer with `activation: .sigmoid`.
    ///
    /// ```swift
    /// ActivationKind(of: Sigmoid<Float>()) == .sigmoid     // true
    /// ```
    case sigmoid
    /// A `ReLU` layer, or a `Dense` layer with `activation: .relu`.
    ///
    /// ```swift
    /// record.layers.filter { $0.kind == .relu }.map(\.deadFraction)
    /// ```
    case relu
    /// Anything else (a linear layer, a normalization, …).
    ///
    /// ```swift
    /// ActivationKind(of: Flatten<Float>()) == .other      // true
    /// ```
    case other

    /// The kind of `layer`'s output.
    ///
    /// ```swift
    /// ActivationKind(of: Sigmoid<Double>())     // .sigmoid
    /// ```
    public init<Scalar: TensorScalar>(of layer: any Layer<Scalar>) {
        switch layer {
        case is Tanh<Scalar>: self = .tanh
        case is Sigmoid<Scalar>: self = .sigmoid
        case is ReLU<Scalar>: self = .relu
        case let dense as Dense<Scalar>:
            switch dense.activation {
            case .tanh: self = .tanh
            case .sigmoid: self = .sigmoid
            case .relu: self = .relu
            default: self = .other
            }
        default: self = .other
        }
    }

    /// The fixed range of the outputs, [−1, 1] for tanh and [0, 1] for sigmoid; `nil` when
    /// the outputs are unbounded (their histogram then spans ±max |x| of each batch).
    ///
    /// ```swift
    /// ActivationKind.tanh.outputRange      // -1...1
    /// ```
    public var outputRange: ClosedRange<Double>? {
        switch self {
        case .tanh: return -1...1
        case .sigmoid: return 0...1
        case .relu, .other: return nil
        }
    }
}

/// Counts of values in equal bins between two bounds, NumPy's rule: bin i holds
/// [lower + i·width, lower + (i + 1)·width), the last bin also its upper bound. Values outside the
/// bounds (and NaNs) are counted in ``outside`` only.
///
/// ```swift
/// let h = Histogram([-0.9, -0.1, 0.2, 0.3, 1.0], bins: 4, range: -1...1)
/// h.counts         // [1, 1, 2, 1]: bins [-1, -0.5), [-0.5, 0), [0, 0.5), [0.5, 1]
/// h.centers        // [-0.75, -0.25, 0.25, 0.75]
/// ```
public struct Histogram: Sendable, Hashable {
    /// The lower edge of the first bin.
    ///
    /// ```swift
    /// Histogram([0.5], bins: 2, range: 0...1).lowerBound   // 0
    /// ```
    public let lowerBound: Double
    /// The upper edge of the last bin.
    ///
    /// ```swift
    /// Histogram([0.5], bins: 2, range: 0...1).upperBound   // 1
    /// ```
    public let upperBound: Double
    /// How many values fell in each bin.
    ///
    /// ```swift
    /// Histogram([0.1, 0.2, 0.9], bins: 2, range: 0...1).counts   // [2, 1]
    /// ```
    public let counts: [Int]
    /// How many values fell outside the bounds, or were NaN.
    ///
    /// ```swift
    /// Histogram([0.5, 3], bins: 2, range: 0...1).outside   // 1
    /// ```
    public let outside: Int

    /// The histogram of `values` in `bins` equal bins over `range`.
    ///
    /// ```swift
    /// let h = Histogram([0.1, 0.2, 0.9], bins: 2, range: 0...1)     // counts [2, 1]
    /// ```
    /// - Precondition: `bins` is positive and the range is finite with lower < upper.
    public init(_ values: [Double], bins: Int, range: ClosedRange<Double>) {
        require(bins > 0, "Histogram: bins (\(bins)) must be positive")
        require(range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound,
                "Histogram: the range \(range) must be finite and not empty")
        var counts = [Int](repeating: 0, count: bins), outside = 0
        let lower = range.lowerBound, upper = range.upperBound, scale = Double(bins) / (upper - lower)
        for x in values {
            guard x >= lower && x <= upper else { outside += 1; continue }    // NaN fails both
            counts[Swift.min(Int((x - lower) * scale), bins - 1)] += 1
        }
        (lowerBound, upperBound, self.counts, self.outside) = (lower, upper, counts, outside)
    }

    /// The width of each bin.
    ///
    /// ```swift
    /// Histogram([], bins: 4, range: -1...1).binWidth    // 0.5
    /// ```
    public var binWidth: Double { (upperBound - lowerBound) / Double(counts.count) }

    /// The middle of each bin.
    ///
    /// ```swift
    /// Histogram([], bins: 2, range: 0...1).centers      // [0.25, 0.75]
    /// ```
    public var centers: [Double] { counts.indices.map { lowerBound + (Double($0) + 0.5) * binWidth } }

    /// The counts as a probability density (count / (values in range · bin width), so that the
    /// area under it is 1, as `torch.histogram(density=True)`): histograms of different ranges
    /// can be drawn on one chart. All zeros when no value fell in range.
    ///
    /// ```swift
    /// Histogram([0.1, 0.2, 0.9, 0.6], bins: 2, range: 0...1).densities   // [1, 1]
    /// ```
    public var densities: [Double] {
        let inside = counts.reduce(0, +)
        guard inside > 0 else { return counts.map { _ in 0 } }
        return counts.map { Double($0) / (Double(inside) * binWidth) }
    }
}

/// The mean, standard deviation and histogram of a tensor's elements, computed in `Double`.
///
/// ```swift
/// let s = ValueStatistics(of: Tensor<Float>([1, 2, 3, 4]), bins: 4, range: 0...4)
/// s.mean                 // 2.5
/// s.standardDeviation    // 1.2910 (n − 1 in the denominator, as torch.std)
/// s.histogram.counts     // [0, 1, 1, 2]
/// ```
public struct ValueStatistics: Sendable, Hashable {
    /// The number of elements.
    ///
    /// ```swift
    /// ValueStatistics(of: Tensor<Float>([1, 2]), bins: 2).count     // 2
    /// ```
    public let count: Int
    /// The mean of the elements.
    ///
    /// ```swift
    /// ValueStatistics(of: Tensor<Float>([1, 2]), bins: 2).mean      // 1.5
    /// ```
    public let mean: Double
    /// The sample standard deviation (n − 1 in the denominator, as `torch.std` and makemore);
    /// NaN for fewer than two elements.
    ///
    /// ```swift
    /// ValueStatistics(of: Tensor<Float>([1, 3]), bins: 2).standardDeviation    // 1.4142
    /// ```
    public let standardDeviation: Double
    /// The histogram of the elements.
    ///
    /// ```swift
    /// ValueStatistics(of: Tensor<Float>([1, 3]), bins: 2, range: 0...4).histogram.counts   // [1, 1]
    /// ```
    public let histogram: Histogram

    /// The statistics of `tensor`'s elements, with a histogram of `bins` bins over `range`, or,
    /// when `range` is `nil`, over ±max |x| (±1 when every element is 0 or none is finite).
    ///
    /// ```swift
    /// let s = ValueStatistics(of: Tensor<Double>([-2, 1]), bins: 4)   // bins over [-2, 2]: counts [1, 0, 0, 1]
    /// ```
    public init<Scalar: TensorScalar>(of tensor: Tensor<Scalar>, bins: Int, range: ClosedRange<Double>? = nil) {
        self.init(tensor.scalars.map { Double($0) }, bins: bins, range: range)
    }

    init(_ values: [Double], bins: Int, range: ClosedRange<Double>?) {
        count = values.count
        (mean, standardDeviation) = Self.meanAndDeviation(values)
        let largest = values.lazy.filter(\.isFinite).map(Swift.abs).max() ?? 0
        let bounds = range ?? (largest > 0 ? -largest...largest : -1...1)
        histogram = Histogram(values, bins: bins, range: bounds)
    }

    /// The mean and the sample standard deviation (two passes, for accuracy).
    static func meanAndDeviation(_ values: [Double]) -> (mean: Double, deviation: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, .nan) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(values.count - 1)).squareRoot())
    }
}

/// What ``TrainingDiagnostics`` saw of one layer at one recorded step: its output and the
/// gradient of the loss with respect to that output.
///
/// ```swift
/// let layer = diagnostics.records[0].layers[1]      // the second layer at the first recorded step
/// print(layer.name, layer.activations.standardDeviation, layer.saturation ?? 0, layer.gradients?.standardDeviation ?? 0)
/// ```
public struct LayerRecord: Sendable, Hashable {
    /// The layer's position in the `Sequential`.
    ///
    /// ```swift
    /// record.layers.map(\.index)     // [0, 1, 2, …]
    /// ```
    public let index: Int
    /// The layer's type without its generic parameter: "Dense", "Tanh", "BatchNorm1D", ….
    ///
    /// ```swift
    /// record.layers[1].type     // "Tanh"
    /// ```
    public let type: String
    /// Whether it is a tanh, sigmoid or ReLU layer (which decides ``saturation`` and ``deadFraction``).
    ///
    /// ```swift
    /// record.layers.filter { $0.kind == .tanh }
    /// ```
    public let kind: ActivationKind
    /// Mean, standard deviation and histogram of the layer's output on the batch; the histogram
    /// spans the activation's range for tanh and sigmoid, ±max |x| otherwise.
    ///
    /// ```swift
    /// record.layers[1].activations.standardDeviation
    /// ```
    public let activations: ValueStatistics
    /// For tanh, the fraction of outputs with |t| > 0.97; for sigmoid, of outputs within 0.03 of
    /// 0 or 1: where the derivative (1 − t² or s(1 − s)) is nearly zero. `nil` for other layers.
    ///
    /// ```swift
    /// record.layers[1].saturation      // 0.052: 5.2% of the tanh outputs saturated
    /// ```
    public let saturation: Double?
    /// For ReLU, the fraction of units (the positions of the output other than the batch axis)
    /// that are 0 for every example of the batch: they pass no gradient at all. `nil` for
    /// other layers.
    ///
    /// ```swift
    /// record.layers[1].deadFraction    // 0.25: a quarter of the units dead on this batch
    /// ```
    public let deadFraction: Double?
    /// Mean, standard deviation and histogram (over ±max |g|) of the gradient of the loss with
    /// respect to the layer's output; `nil` until `backward()` has reached it.
    ///
    /// ```swift
    /// record.layers[1].gradients?.standardDeviation
    /// ```
    public internal(set) var gradients: ValueStatistics?

    /// "layer 3 (Tanh)": how charts and tables name the layer.
    ///
    /// ```swift
    /// record.layers[3].name     // "layer 3 (Tanh)"
    /// ```
    public var name: String { "layer \(index) (\(type))" }
}

/// The size of one parameter's update at one recorded step, relative to the parameter:
/// log₁₀(std(update) / std(parameter)), the update being the parameter after the optimizer's
/// step minus before it, and the parameter's spread taken before the step. Around −3 (an update
/// a thousandth of the values' spread) is makemore's rule of thumb for a healthy learning rate.
///
/// ```swift
/// let ratio = diagnostics.records.last?.updates.first { $0.name == "layers.0.weight" }?.log10Ratio
/// ```
public struct UpdateRatio: Sendable, Hashable {
    /// The parameter's name in the model ("layers.0.weight").
    ///
    /// ```swift
    /// record.updates.map(\.name)
    /// ```
    public let name: String
    /// The parameter's shape (a weight matrix has rank 2).
    ///
    /// ```swift
    /// record.updates.filter { $0.shape.count == 2 }    // the weights, as makemore plots them
    /// ```
    public let shape: [Int]
    /// log₁₀(std(after − before) / std(before)), standard deviations with n − 1; −∞ when the step
    /// left the parameter unchanged, +∞ or NaN when all of its values were equal before the
    /// step (a bias at zero, a normalization's gain at one).
    ///
    /// ```swift
    /// record.updates[0].log10Ratio     // -2.7: updates about 1/500 of the weights' spread
    /// ```
    public let log10Ratio: Double
}

/// Everything ``TrainingDiagnostics`` recorded at one step.
///
/// ```swift
/// for record in diagnostics.records {
///     print(record.step, record.layers.map(\.activations.standardDeviation), record.updates.map(\.log10Ratio))
/// }
/// ```
public struct DiagnosticsRecord: Sendable, Hashable {
    /// The step, counted by the diagnostics from 0 (one step per ``TrainingDiagnostics/afterUpdate()``).
    ///
    /// ```swift
    /// diagnostics.records.map(\.step)     // [0, 100, 200, …] with every: 100
    /// ```
    public let step: Int
    /// The layers seen in this step's training forward pass, in the order they ran.
    ///
    /// ```swift
    /// record.layers.filter { $0.kind == .tanh }.map(\.saturation)
    /// ```
    public internal(set) var layers: [LayerRecord] = []
    /// Each parameter's update ratio, in the model's order (empty when the step was not
    /// bracketed by ``TrainingDiagnostics/beforeUpdate()``).
    ///
    /// ```swift
    /// record.updates.map(\.log10Ratio)
    /// ```
    public internal(set) var updates: [UpdateRatio] = []

    /// The record of the layer at `index` in the `Sequential`, if it ran in this step.
    ///
    /// ```swift
    /// record.layer(1)?.saturation
    /// ```
    public func layer(_ index: Int) -> LayerRecord? { layers.first { $0.index == index } }
}

/// Watches a `Sequential` train, as makemore part 3 does by hand: at every recorded step, for
/// each layer, the distribution of its outputs (mean, standard deviation, histogram; the
/// saturation of tanh and sigmoid; the dead units of ReLU) and of the gradients flowing into
/// them, and for each parameter the update-to-data ratio log₁₀(std(update)/std(parameter)).
///
/// It attaches forward hooks to the model when made and removes them with ``detach()``. The
/// update is measured as the parameter after the optimizer's step minus before it, so it works
/// with any optimizer: replace `optimizer.step()` by `diagnostics.step(optimizer)`, or bracket
/// it with ``beforeUpdate()`` and ``afterUpdate()``.
///
/// ```swift
/// let diagnostics = TrainingDiagnostics(model, every: 100)     // steps 0, 100, 200, …
/// for step in 0..<10_000 {
///     let loss = crossEntropy(logits: model(x[step]), labels: y[step])
///     model.zeroGrad()
///     loss.backward()
///     diagnostics.step(optimizer)                 // instead of optimizer.step()
/// }
/// diagnostics.detach()
/// let first = diagnostics.records[0]              // the network at initialisation
/// first.layers.filter { $0.kind == .tanh }.map { $0.saturation ?? 0 }
/// diagnostics.updateRatios(of: "layers.0.weight") // [(step, log10 ratio)] for a plot
/// ```
///
/// With `fit`, pass it as `fit(…, diagnostics:)` instead of calling ``step(_:)``. The hooks are
/// a `Sequential`'s: for a model of your own, make the diagnostics for the `Sequential` inside
/// it (its layers' outputs and its parameters' updates are recorded; `fit` accepts that).
///
/// Only training forward passes are recorded (those whose outputs require gradients): an
/// evaluation inside `withInference` or `withoutGradients` is not. Memory stays bounded: when
/// more than `capacity` steps have been recorded, every other one is dropped and the interval
/// between recorded steps doubles, so the records always span the whole run.
public final class TrainingDiagnostics<Scalar: TensorScalar>: @unchecked Sendable {
    /// The number of bins of every histogram.
    ///
    /// ```swift
    /// TrainingDiagnostics(model).bins     // 50
    /// ```
    public let bins: Int
    /// The most records kept (at least 2).
    ///
    /// ```swift
    /// TrainingDiagnostics(model, capacity: 200).capacity    // 200
    /// ```
    public let capacity: Int

    private let parameters: [(name: String, parameter: Parameter<Scalar>)]
    private let lock = NSLock()
    private var handle: ForwardHookHandle?
    private var currentInterval: Int
    private var steps = 0
    private var stored: [DiagnosticsRecord] = []
    private var pending: DiagnosticsRecord?
    private var snapshot: [[Scalar]]?

    /// Attaches to `model` and records every `every`-th step (from step 0), keeping at most
    /// `capacity` records, with histograms of `bins` bins.
    ///
    /// ```swift
    /// let diagnostics = TrainingDiagnostics(model, every: 10, capacity: 500, bins: 40)
    /// ```
    /// - Precondition: `every` and `bins` are positive, `capacity` is at least 2.
    public init(_ model: Sequential<Scalar>, every: Int = 1, capacity: Int = 1000, bins: Int = 50) {
        require(every > 0, "TrainingDiagnostics: every (\(every)) must be positive")
        require(capacity >= 2, "TrainingDiagnostics: capacity (\(capacity)) must be at least 2")
        require(bins > 0, "TrainingDiagnostics: bins (\(bins)) must be positive")
        self.bins = bins
        self.capacity = capacity
        currentInterval = every
        parameters = model.namedParameters
        handle = model.registerForwardHook { [weak self] index, layer, output in
            self?.observe(index: index, layer: layer, output: output)
            return nil
        }
    }

    deinit { handle?.remove() }

    /// Whether the hooks are still attached (until ``detach()``).
    ///
    /// ```swift
    /// diagnostics.detach(); diagnostics.isAttached    // false
    /// ```
    public var isAttached: Bool { locked { handle != nil } }

    /// Removes the forward hooks from the model: later forward passes are not recorded, and
    /// gradient hooks already hung on this step's outputs do nothing. The records stay.
    /// Detaching twice does nothing.
    ///
    /// ```swift
    /// diagnostics.detach()
    /// ```
    public func detach() {
        let removed: ForwardHookHandle? = locked {
            defer { handle = nil; pending = nil; snapshot = nil }
            return handle
        }
        removed?.remove()
    }

    /// The steps finished so far (each ``afterUpdate()`` or ``step(_:)`` finishes one); the step
    /// being recorded now is this number.
    ///
    /// ```swift
    /// diagnostics.stepCount     // 0 before the first step
    /// ```
    public var stepCount: Int { locked { steps } }

    /// The interval between recorded steps: `every` at first, doubled each time the records
    /// outgrow ``capacity``.
    ///
    /// ```swift
    /// TrainingDiagnostics(model, every: 10).interval     // 10
    /// ```
    public var interval: Int { locked { currentInterval } }

    /// Whether the current step (``stepCount``) is one that is recorded.
    ///
    /// ```swift
    /// if diagnostics.isRecordingStep { print("this step's statistics are kept") }
    /// ```
    public var isRecordingStep: Bool { locked { isAttachedAndRecording } }

    /// The recorded steps, oldest first.
    ///
    /// ```swift
    /// diagnostics.records.first?.layers.map(\.activations.mean)
    /// ```
    public var records: [DiagnosticsRecord] { locked { stored } }

    /// The names of the parameters whose updates are measured, in the model's order.
    ///
    /// ```swift
    /// diagnostics.parameterNames      // ["layers.0.weight", "layers.0.bias", …]
    /// ```
    public var parameterNames: [String] { parameters.map(\.name) }

    /// One parameter's update ratio at each recorded step that measured it, for a plot.
    ///
    /// ```swift
    /// for (step, ratio) in diagnostics.updateRatios(of: "layers.0.weight") { print(step, ratio) }
    /// ```
    public func updateRatios(of name: String) -> [(step: Int, log10Ratio: Double)] {
        records.compactMap { record in
            record.updates.first { $0.name == name }.map { (record.step, $0.log10Ratio) }
        }
    }

    /// Takes a snapshot of the parameters, if this step is recorded: call it just before
    /// `optimizer.step()` (and ``afterUpdate()`` just after).
    ///
    /// ```swift
    /// diagnostics.beforeUpdate()
    /// optimizer.step()
    /// diagnostics.afterUpdate()
    /// ```
    public func beforeUpdate() {
        lock.lock()
        defer { lock.unlock() }
        snapshot = isAttachedAndRecording ? parameters.map { $0.parameter.value.scalars } : nil
    }

    /// Measures each parameter's update against the snapshot of ``beforeUpdate()`` (if this
    /// step is recorded), stores the step's record and moves on to the next step.
    ///
    /// ```swift
    /// diagnostics.beforeUpdate()
    /// optimizer.step()
    /// diagnostics.afterUpdate()
    /// ```
    public func afterUpdate() {
        lock.lock()
        defer { lock.unlock() }
        if let before = snapshot, isAttachedAndRecording {
            var record = pending ?? DiagnosticsRecord(step: steps)
            record.updates = zip(parameters, before).map { entry, old in
                let new = entry.parameter.value.scalars
                let spread = ValueStatistics.meanAndDeviation(old.map { Double($0) }).deviation
                let change = ValueStatistics.meanAndDeviation(zip(new, old).map { Double($0) - Double($1) }).deviation
                return UpdateRatio(name: entry.name, shape: entry.parameter.shape, log10Ratio: Foundation.log10(change / spread))
            }
            pending = record
        }
        if let record = pending { store(record) }
        pending = nil
        snapshot = nil
        steps += 1
    }

    /// `optimizer.step()` between ``beforeUpdate()`` and ``afterUpdate()``: the one line that
    /// replaces `optimizer.step()` in a training loop.
    ///
    /// ```swift
    /// model.zeroGrad()
    /// loss.backward()
    /// diagnostics.step(optimizer)
    /// ```
    public func step<O: Optimizer>(_ optimizer: O) where O.Scalar == Scalar {
        beforeUpdate()
        optimizer.step()
        afterUpdate()
    }

    /// Traps unless these diagnostics are attached and every parameter they watch is one of
    /// `model`'s (made for that model, or for a `Sequential` inside it).
    func checkWatches(_ model: [(name: String, parameter: Parameter<Scalar>)], caller: String) {
        require(isAttached, "\(caller): the diagnostics were detached (detach() removed their hook), so they would record "
                + "nothing; make a new TrainingDiagnostics for this run")
        let owned = Set(model.map { ObjectIdentifier($0.parameter) })
        if let stranger = parameters.first(where: { !owned.contains(ObjectIdentifier($0.parameter)) }) {
            trap("\(caller): the diagnostics watch \(stranger.name) (shape \(stranger.parameter.shape)), which is not a "
                 + "parameter of the model being trained (\(model.count) parameters); make them with "
                 + "TrainingDiagnostics(model) for this model")
        }
    }

    // MARK: Recording

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Whether hooks are attached and the current step is recorded (call with the lock held).
    private var isAttachedAndRecording: Bool { handle != nil && steps % currentInterval == 0 }

    private func observe(index: Int, layer: any Layer<Scalar>, output: Tensor<Scalar>) {
        guard output.requiresGrad else { return }                 // evaluation: not a training step
        let step: Int? = locked { isAttachedAndRecording ? steps : nil }
        guard let step else { return }
        let kind = ActivationKind(of: layer)
        let values = output.scalars.map { Double($0) }
        let record = LayerRecord(index: index, type: Self.typeName(of: layer), kind: kind,
                                 activations: ValueStatistics(values, bins: bins, range: kind.outputRange),
                                 saturation: Self.saturation(values, kind: kind),
                                 deadFraction: kind == .relu ? Self.deadFraction(output) : nil, gradients: nil)
        lock.lock()
        var current = pending ?? DiagnosticsRecord(step: step)
        current.layers.removeAll { $0.index == index }        // a second forward pass in a step replaces the first
        current.layers.append(record)
        pending = current
        lock.unlock()
        let bins = self.bins
        output.registerHook { [weak self] gradient in
            let statistics = ValueStatistics(of: gradient, bins: bins)
            self?.attachGradient(statistics, layer: index, step: step)
            return nil
        }
    }

    private func attachGradient(_ statistics: ValueStatistics, layer index: Int, step: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard handle != nil, var current = pending, current.step == step,
              let position = current.layers.firstIndex(where: { $0.index == index }) else { return }
        current.layers[position].gradients = statistics
        pending = current
    }

    /// Appends a record, thinning the records (every other one, the interval doubled) when
    /// there are more than `capacity` (call with the lock held).
    private func store(_ record: DiagnosticsRecord) {
        stored.append(record)
        while stored.count > capacity {
            currentInterval *= 2
            let interval = currentInterval
            stored.removeAll { $0.step % interval != 0 }
        }
    }

    static func typeName(of layer: any Layer<Scalar>) -> String {
        let full = String(describing: Swift.type(of: layer))
        return String(full.prefix { $0 != "<" })
    }

    static func saturation(_ values: [Double], kind: ActivationKind) -> Double? {
        guard !values.isEmpty else { return nil }
        let saturated: Int
        switch kind {
        case .tanh: saturated = values.reduce(0) { $0 + (Swift.abs($1) > 0.97 ? 1 : 0) }
        case .sigmoid: saturated = values.reduce(0) { $0 + ($1 < 0.03 || $1 > 0.97 ? 1 : 0) }
        case .relu, .other: return nil
        }
        return Double(saturated) / Double(values.count)
    }

    /// The fraction of positions (all axes but the first, the batch) that are ≤ 0 in every example.
    static func deadFraction(_ output: Tensor<Scalar>) -> Double? {
        guard output.rank >= 1, output.count > 0 else { return nil }
        let examples = output.shape[0], units = output.count / Swift.max(examples, 1)
        guard units > 0 else { return nil }
        var alive = [Bool](repeating: false, count: units)
        let scalars = output.scalars
        for e in 0..<examples {
            for u in 0..<units where scalars[e * units + u] > 0 { alive[u] = true }
        }
        return Double(alive.filter { !$0 }.count) / Double(units)
    }
}

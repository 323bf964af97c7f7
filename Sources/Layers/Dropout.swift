import Foundation

/// Inverted dropout: while training, each element is zeroed with probability `rate` and the
/// survivors are scaled by 1 / (1 − rate), so the expected output equals the input; in
/// inference it is the identity.
///
/// Whether it drops is decided by ``LearningPhase/current`` (per thread, ``LearningPhase/training``
/// by default). Masks come from the layer's own `SeededGenerator`, so a run is reproducible;
/// copies of the layer share that generator. The gradient is the upstream gradient times the
/// same mask and scale (the mask is a constant): it is composed from the engine's multiply.
///
/// ```swift
/// let dropout = Dropout<Float>(rate: 0.5, seed: 1)
/// let h = dropout(x)                                          // training: about half zeroed, rest ×2
/// let y = withLearningPhase(.inference) { dropout(x) }        // y == x
/// let fixed = dropout(x, mask: dropout.sampleMask(shape: x.shape))   // an explicit mask, any phase
/// ```
public struct Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of zeroing each element, in [0, 1).
    ///
    /// ```swift
    /// Dropout<Float>(rate: 0.3).rate     // 0.3
    /// ```
    public let rate: Double
    private let source: DropoutMaskSource

    /// A dropout layer; its masks are drawn from a generator seeded with `seed` (or, when `seed`
    /// is `nil`, with the next seed of ``DefaultGenerator``).
    ///
    /// ```swift
    /// let dropout = Dropout<Float>(rate: 0.2, seed: 7)
    /// ```
    /// - Precondition: 0 ≤ rate < 1.
    public init(rate: Double, seed: UInt64? = nil) {
        require(rate >= 0 && rate < 1, "Dropout: rate \(rate) must be in [0, 1)")
        self.rate = rate
        source = DropoutMaskSource(seed: seed ?? DefaultGenerator.nextSeed())
    }

    /// In training, `input` with a fresh random mask applied (see ``callAsFunction(_:mask:)``);
    /// in inference (or with rate 0), `input` itself.
    ///
    /// ```swift
    /// let h = Dropout<Float>(rate: 0.5, seed: 1)(Tensor.ones([4, 4]))   // entries 0 or 2
    /// ```
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard LearningPhase.current == .training, rate > 0 else { return input }
        return self(input, mask: sampleMask(shape: input.shape))
    }

    /// `input · mask / (1 − rate)` for a given keep-mask (1 keeps an element, 0 drops it),
    /// whatever the learning phase. With a fixed mask this is a smooth function of `input`,
    /// which is how dropout is gradchecked.
    ///
    /// ```swift
    /// let mask = Tensor<Double>([1, 0, 1, 1])
    /// let y = Dropout<Double>(rate: 0.25)(Tensor([4, 4, 4, 4]), mask: mask)   // [5.33, 0, 5.33, 5.33]
    /// ```
    /// - Precondition: `mask` broadcasts to the shape of `input` without changing it.
    public func callAsFunction(_ input: Tensor<Scalar>, mask: Tensor<Scalar>) -> Tensor<Scalar> {
        require(mask.rank <= input.rank
                     && zip(mask.shape.reversed(), input.shape.reversed()).allSatisfy { $0 == $1 || $0 == 1 },
                     "Dropout: mask of shape \(mask.shape) does not broadcast to input of shape \(input.shape)")
        return input * (mask.detached() * Scalar(1 / (1 - rate)))
    }

    /// A keep-mask of `shape`: each element 1 with probability 1 − rate, else 0. Advances the
    /// layer's generator.
    ///
    /// ```swift
    /// let mask = Dropout<Float>(rate: 0.5, seed: 3).sampleMask(shape: [2, 4])
    /// ```
    public func sampleMask(shape: [Int]) -> Tensor<Scalar> {
        source.mask(shape: shape, rate: rate)
    }
}

/// The generator of a dropout layer, shared by its copies and safe to use from several threads.
final class DropoutMaskSource: @unchecked Sendable, ParameterFreeValue {
    private let lock = NSLock()
    private var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// The generator's current state (for checkpoints); setting it resumes that sequence.
    var state: SeededGenerator {
        get {
            lock.lock()
            defer { lock.unlock() }
            return generator
        }
        set {
            lock.lock()
            generator = newValue
            lock.unlock()
        }
    }

    func mask<Scalar: TensorScalar>(shape: [Int], rate: Double) -> Tensor<Scalar> {
        let n = shape.reduce(1, *)
        lock.lock()
        let values = (0..<n).map { _ in generator.nextUnitDouble() < rate ? Scalar(0) : Scalar(1) }
        lock.unlock()
        return Tensor(values, shape: shape)
    }
}

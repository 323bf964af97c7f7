import Foundation

/// The number of inputs and outputs feeding one weight, which scale-aware initializers
/// (Xavier/Glorot, He/Kaiming) use to choose their spread.
///
/// ```swift
/// let fans = Fans(shape: [784, 128])          // a matrix W of x.matmul(W), [inputs, outputs]: in 784, out 128
/// let conv = Fans(shape: [16, 3, 5, 5])       // filters [out, in, kh, kw]: in 75, out 400
/// ```
public struct Fans: Sendable, Hashable, CustomStringConvertible {
    /// Inputs feeding each output unit.
    ///
    /// ```swift
    /// Fans(shape: [8, 3, 3, 3]).fanIn     // 27
    /// ```
    public var fanIn: Int
    /// Outputs each input unit feeds.
    ///
    /// ```swift
    /// Fans(shape: [8, 3, 3, 3]).fanOut    // 72
    /// ```
    public var fanOut: Int

    /// Fans given explicitly.
    ///
    /// ```swift
    /// let fans = Fans(fanIn: 3, fanOut: 2)
    /// ```
    public init(fanIn: Int, fanOut: Int) {
        self.fanIn = fanIn
        self.fanOut = fanOut
    }

    /// The fans of a weight of this shape: rank 2 is a matrix W of `x.matmul(W)`, [inputs, outputs]
    /// (note: PyTorch reads rank 2 the other way, as `nn.Linear`'s [outputs, inputs], which is
    /// also ``Dense``'s layout since version 2 — ``Dense`` passes its fans explicitly, so its
    /// initialization does not depend on this); rank ≥ 3 is a filter bank [outChannels, inChannels, kh, kw, …]
    /// (fan in = inChannels·kh·kw, fan out = outChannels·kh·kw); rank 0 and 1 use the element
    /// count for both.
    ///
    /// ```swift
    /// Fans(shape: [4, 3])    // fanIn 4, fanOut 3
    /// ```
    public init(shape: [Int]) {
        switch shape.count {
        case 0: (fanIn, fanOut) = (1, 1)
        case 1: (fanIn, fanOut) = (shape[0], shape[0])
        case 2: (fanIn, fanOut) = (shape[0], shape[1])
        default:
            let receptive = shape[2...].reduce(1, *)
            (fanIn, fanOut) = (shape[1] * receptive, shape[0] * receptive)
        }
    }

    /// "fanIn: 4, fanOut: 3".
    ///
    /// ```swift
    /// print(Fans(shape: [4, 3]))    // fanIn: 4, fanOut: 3
    /// ```
    public var description: String { "fanIn: \(fanIn), fanOut: \(fanOut)" }
}

/// How a layer fills a parameter when it is built: zeros, a constant, random draws with a
/// fixed spread, or Xavier/Glorot and He/Kaiming draws scaled by the weight's ``Fans``.
///
/// Every random initializer draws from the `SeededGenerator` it is given, so the same seed
/// gives the same weights on every platform.
///
/// ```swift
/// let dense = Dense<Float>(inputs: 128, outputs: 10, weightInitializer: .heNormal(), seed: 1)
/// var rng = SeededGenerator(seed: 3)
/// let w = Initializer<Double>.xavierUniform()([4, 3], using: &rng)   // shape [4, 3]
/// ```
public struct Initializer<Scalar: TensorScalar>: Sendable, CustomStringConvertible {
    /// A short name for printing ("heNormal(gain: 1.41421)").
    ///
    /// ```swift
    /// Initializer<Float>.heNormal().name    // "heNormal(negativeSlope: 0.0)"
    /// ```
    public let name: String
    private let body: @Sendable ([Int], Fans, inout SeededGenerator) -> Tensor<Scalar>

    /// An initializer of your own: `body` gets the shape, its fans and the generator to draw from.
    ///
    /// ```swift
    /// let identityLike = Initializer<Float>(name: "eye") { shape, _, _ in .identity(shape[0]) }
    /// ```
    public init(name: String, _ body: @escaping @Sendable (_ shape: [Int], _ fans: Fans,
                                                           _ generator: inout SeededGenerator) -> Tensor<Scalar>) {
        self.name = name
        self.body = body
    }

    /// A tensor of `shape` drawn from `generator`; `fans` default to ``Fans/init(shape:)``.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 1)
    /// let w = Initializer<Float>.heUniform()([3, 8, 3, 3], using: &rng)
    /// ```
    /// - Precondition: the result has the requested shape (checked for custom initializers).
    public func callAsFunction(_ shape: [Int], fans: Fans? = nil, using generator: inout SeededGenerator) -> Tensor<Scalar> {
        let value = body(shape, fans ?? Fans(shape: shape), &generator)
        require(value.shape == shape, "Initializer \(name): made a tensor of shape \(value.shape), not the requested \(shape)")
        return value
    }

    /// A tensor of `shape` drawn from a fresh generator seeded with `seed`.
    ///
    /// ```swift
    /// let w = Initializer<Double>.xavierNormal()([4, 3], seed: 42)
    /// ```
    public func callAsFunction(_ shape: [Int], fans: Fans? = nil, seed: UInt64) -> Tensor<Scalar> {
        var generator = SeededGenerator(seed: seed)
        return self(shape, fans: fans, using: &generator)
    }

    /// The ``name``.
    ///
    /// ```swift
    /// print(Initializer<Float>.zeros)    // constant(0.0)
    /// ```
    public var description: String { name }

    // MARK: Constants

    /// All zeros (the usual bias initializer). Zero weights make every unit of a layer
    /// compute the same thing; use them only for biases or to show why not to.
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 2, outputs: 2, weightInitializer: .zeros)
    /// ```
    public static var zeros: Initializer { constant(0) }

    /// All ones.
    ///
    /// ```swift
    /// let scale = Initializer<Float>.ones([4], seed: 0)
    /// ```
    public static var ones: Initializer { constant(1) }

    /// Every element `value`.
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 2, outputs: 2, biasInitializer: .constant(0.1))
    /// ```
    public static func constant(_ value: Scalar) -> Initializer {
        Initializer(name: "constant(\(value))") { shape, _, _ in .full(shape, value) }
    }

    // MARK: Fixed spread

    /// Normal draws with this mean and standard deviation (`scale`).
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 2, outputs: 2, weightInitializer: .normal(scale: 0.01))
    /// ```
    public static func normal(mean: Scalar = 0, scale standardDeviation: Scalar = 0.01) -> Initializer {
        Initializer(name: "normal(mean: \(mean), scale: \(standardDeviation))") { shape, _, g in
            .randomNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &g)
        }
    }

    /// Uniform draws in [−scale, scale).
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 2, outputs: 2, weightInitializer: .uniform(scale: 0.05))
    /// ```
    public static func uniform(scale: Scalar = 0.05) -> Initializer {
        uniform(lower: -scale, upper: scale)
    }

    /// Uniform draws in [lower, upper).
    ///
    /// ```swift
    /// let positive = Initializer<Float>.uniform(lower: 0, upper: 1)
    /// ```
    public static func uniform(lower: Scalar, upper: Scalar) -> Initializer {
        require(lower <= upper, "Initializer.uniform: lower \(lower) is above upper \(upper)")
        return Initializer(name: "uniform(\(lower)..<\(upper))") { shape, _, g in
            .randomUniform(shape, lower: lower, upper: upper, using: &g)
        }
    }

    // MARK: Xavier / Glorot

    /// Xavier/Glorot normal: standard deviation gain·√(2 / (fanIn + fanOut)). Suits tanh and sigmoid layers.
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 64, outputs: 32, activation: .tanh, weightInitializer: .xavierNormal())
    /// ```
    public static func xavierNormal(gain: Double = 1) -> Initializer {
        Initializer(name: "xavierNormal(gain: \(gain))") { shape, fans, g in
            let std = gain * (2 / Double(Swift.max(fans.fanIn + fans.fanOut, 1))).squareRoot()
            return .randomNormal(shape, standardDeviation: Scalar(std), using: &g)
        }
    }

    /// Xavier/Glorot uniform: draws in [−a, a) with a = gain·√(6 / (fanIn + fanOut)).
    /// The default weight initializer of ``Dense`` and ``Conv2D``.
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 64, outputs: 32, weightInitializer: .xavierUniform())
    /// ```
    public static func xavierUniform(gain: Double = 1) -> Initializer {
        Initializer(name: "xavierUniform(gain: \(gain))") { shape, fans, g in
            let bound = Scalar(gain * (6 / Double(Swift.max(fans.fanIn + fans.fanOut, 1))).squareRoot())
            return .randomUniform(shape, lower: -bound, upper: bound, using: &g)
        }
    }

    /// Another name for ``xavierNormal(gain:)``.
    ///
    /// ```swift
    /// let w = Initializer<Float>.glorotNormal()([3, 2], seed: 0)
    /// ```
    public static func glorotNormal(gain: Double = 1) -> Initializer { xavierNormal(gain: gain) }

    /// Another name for ``xavierUniform(gain:)``.
    ///
    /// ```swift
    /// let w = Initializer<Float>.glorotUniform()([3, 2], seed: 0)
    /// ```
    public static func glorotUniform(gain: Double = 1) -> Initializer { xavierUniform(gain: gain) }

    // MARK: He / Kaiming

    /// He/Kaiming normal: standard deviation √(2 / ((1 + slope²)·fanIn)), for layers followed
    /// by ReLU (`negativeSlope` 0) or leaky ReLU (its slope).
    ///
    /// ```swift
    /// let d = Dense<Float>(inputs: 784, outputs: 128, activation: .relu, weightInitializer: .heNormal())
    /// ```
    public static func heNormal(negativeSlope: Double = 0) -> Initializer {
        Initializer(name: "heNormal(negativeSlope: \(negativeSlope))") { shape, fans, g in
            let std = (2 / ((1 + negativeSlope * negativeSlope) * Double(Swift.max(fans.fanIn, 1)))).squareRoot()
            return .randomNormal(shape, standardDeviation: Scalar(std), using: &g)
        }
    }

    /// He/Kaiming uniform: draws in [−a, a) with a = √(6 / ((1 + slope²)·fanIn)).
    ///
    /// ```swift
    /// let c = Conv2D<Float>(inChannels: 3, outChannels: 8, kernel: 3, weightInitializer: .heUniform())
    /// ```
    public static func heUniform(negativeSlope: Double = 0) -> Initializer {
        Initializer(name: "heUniform(negativeSlope: \(negativeSlope))") { shape, fans, g in
            let bound = Scalar((6 / ((1 + negativeSlope * negativeSlope) * Double(Swift.max(fans.fanIn, 1)))).squareRoot())
            return .randomUniform(shape, lower: -bound, upper: bound, using: &g)
        }
    }

    /// Another name for ``heNormal(negativeSlope:)``.
    ///
    /// ```swift
    /// let w = Initializer<Float>.kaimingNormal()([8, 3, 3, 3], seed: 0)
    /// ```
    public static func kaimingNormal(negativeSlope: Double = 0) -> Initializer { heNormal(negativeSlope: negativeSlope) }

    /// Another name for ``heUniform(negativeSlope:)``.
    ///
    /// ```swift
    /// let w = Initializer<Float>.kaimingUniform()([8, 3, 3, 3], seed: 0)
    /// ```
    public static func kaimingUniform(negativeSlope: Double = 0) -> Initializer { heUniform(negativeSlope: negativeSlope) }
}


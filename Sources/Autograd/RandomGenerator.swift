/// A seedable pseudo-random generator (xoshiro256** seeded through SplitMix64) that gives
/// the same numbers for the same seed on every platform.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let w = Tensor<Float>.randomNormal([3, 2], using: &rng)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The generator's whole state: saving it and restoring it resumes the same sequence.
    public private(set) var state: [UInt64]

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    /// Restores a generator from a saved ``state``.
    /// - Precondition: `state` has four words, not all zero.
    public init(state: [UInt64]) {
        require(state.count == 4 && state.contains { $0 != 0 }, "SeededGenerator: state must be 4 words, not all zero")
        self.state = state
    }

    /// The next 64 random bits (xoshiro256**), advancing the state.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 7)
    /// let bits = rng.next()
    /// let coin = Bool.random(using: &rng)     // any Swift API that takes a generator
    /// ```
    public mutating func next() -> UInt64 {
        let result = rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotate(state[3], 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1) from the top 53 bits (platform-independent).
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal double (Box–Muller on two uniforms; platform-independent up to
    /// the last bit of `log`, `cos`).
    public mutating func nextNormalDouble() -> Double {
        var u1 = nextUnitDouble()
        while u1 == 0 { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        return (-2 * Double.log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

import Foundation
private func _cos(_ x: Double) -> Double { Foundation.cos(x) }

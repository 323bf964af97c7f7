import Foundation

/// The process-wide random sequence that layers draw their initial weights from when they
/// are given neither a `seed` nor a generator.
///
/// It starts from seed 0, so a program that builds the same layers in the same order gets the
/// same weights on every run; ``seed(_:)`` restarts it (as `torch.manual_seed` does). Each layer
/// built without a seed takes one fresh seed from it, so two such layers get different weights.
/// Thread-safe.
///
/// ```swift
/// DefaultGenerator.seed(42)
/// let a = Dense<Float>(inputs: 4, outputs: 3)   // same weights on every run with seed 42
/// ```
public enum DefaultGenerator {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = SeededGenerator(seed: 0)

    /// Restarts the shared sequence from `seed`.
    ///
    /// ```swift
    /// DefaultGenerator.seed(7)
    /// ```
    public static func seed(_ seed: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        generator = SeededGenerator(seed: seed)
    }

    /// The next seed of the shared sequence (what a layer built without a seed uses).
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: DefaultGenerator.nextSeed())
    /// ```
    public static func nextSeed() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return generator.next()
    }
}

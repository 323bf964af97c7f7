#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether layers run as in training or as in evaluation. Only layers whose behaviour
/// differs between the two read it (``Dropout`` drops units only in ``training``).
///
/// The phase is **per thread**, like the engine's tape: setting it on one thread does not
/// change it on another, and every thread starts in ``training``. Prefer the scoped form
/// ``withLearningPhase(_:_:)``, which restores the previous phase even when `body` throws; to
/// evaluate a model, ``withInference(_:)`` sets the phase and stops recording in one scope.
///
/// ```swift
/// let logits = withInference { model(x) }                     // inference phase, nothing recorded
/// let recorded = withLearningPhase(.inference) { model(x) }   // dropout off, still recorded
/// LearningPhase.current = .inference                          // or set it for this thread
/// ```
public enum LearningPhase: Sendable, Hashable, CustomStringConvertible {
    /// Layers behave as while fitting (dropout active). The default on every thread.
    case training
    /// Layers behave as for prediction (dropout is the identity).
    case inference

    /// The phase of the calling thread (``training`` unless set otherwise on this thread).
    ///
    /// ```swift
    /// if LearningPhase.current == .training { print("dropout is on") }
    /// ```
    public static var current: LearningPhase {
        get { PhaseStorage.current.phase }
        set { PhaseStorage.current.phase = newValue }
    }

    /// "training" or "inference".
    ///
    /// ```swift
    /// print(LearningPhase.current)    // training
    /// ```
    public var description: String {
        switch self {
        case .training: return "training"
        case .inference: return "inference"
        }
    }
}

/// Runs `body` with ``LearningPhase/current`` set to `phase` on this thread, then restores
/// the previous phase (also when `body` throws). Calls nest.
///
/// ```swift
/// let accuracy = withLearningPhase(.inference) { evaluate(model, on: testSet) }
/// ```
public func withLearningPhase<T>(_ phase: LearningPhase, _ body: () throws -> T) rethrows -> T {
    let storage = PhaseStorage.current
    let saved = storage.phase
    storage.phase = phase
    defer { storage.phase = saved }
    return try body()
}

/// Runs `body` the way a model is evaluated: without recording gradients and in the
/// ``LearningPhase/inference`` phase (dropout off, and every layer that behaves differently in
/// training set for prediction), then restores both — PyTorch's `model.eval()` and
/// `torch.no_grad()` in one scope. Calls nest; the previous phase and recording state come back
/// also when `body` throws.
///
/// `withoutGradients` alone only stops recording: dropout would still drop.
///
/// ```swift
/// let logits = withInference { model(test.inputs) }
/// print(accuracy(logits: logits, labels: test.targets))
/// ```
public func withInference<T>(_ body: () throws -> T) rethrows -> T {
    try withLearningPhase(.inference) { try withoutGradients(body) }
}

/// This thread's learning phase, kept under a pthread key (the engine keeps its tape the
/// same way), so that concurrent evaluation on one thread never disables dropout on another.
final class PhaseStorage {
    var phase: LearningPhase = .training
    /// The recorder of a batched per-sample pass running on this thread (a
    /// `PerSampleRecorder<Scalar>`), which the built-in layers with parameters report to; `nil`
    /// otherwise. Set only for the duration of that pass's forward.
    var perSampleRecorder: AnyObject?

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<PhaseStorage>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<PhaseStorage>.fromOpaque(pointer).release() }
            #endif
        }
        require(status == 0, "LearningPhase: could not create the thread-local key")
        return key
    }()

    static var current: PhaseStorage {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<PhaseStorage>.fromOpaque(raw).takeUnretainedValue()
        }
        let storage = PhaseStorage()
        pthread_setspecific(key, Unmanaged.passRetained(storage).toOpaque())
        return storage
    }
}

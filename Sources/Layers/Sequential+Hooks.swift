import Foundation

/// Removes the forward hook it was returned for (PyTorch's `RemovableHandle`).
///
/// ```swift
/// let handle = model.registerForwardHook { index, layer, output in print(index, output.shape); return nil }
/// handle.remove()
/// ```
public struct ForwardHookHandle: Sendable {
    let remover: @Sendable () -> Void

    /// Removes the hook: later forward passes no longer call it.
    ///
    /// ```swift
    /// handle.remove()
    /// ```
    public func remove() { remover() }
}

/// The forward hooks of one `Sequential` (a class, so that copies of the container share them).
final class ForwardHooks<Scalar: TensorScalar>: @unchecked Sendable, ParameterFreeValue {
    typealias Hook = (_ index: Int, _ layer: any Layer<Scalar>, _ output: Tensor<Scalar>) -> Tensor<Scalar>?
    private var hooks: [(id: Int, body: Hook)] = []
    private var nextID = 0
    private let lock = NSLock()

    var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return hooks.isEmpty
    }

    func add(_ body: @escaping Hook) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        hooks.append((nextID, body))
        return nextID
    }

    func remove(_ id: Int) {
        lock.lock()
        hooks.removeAll { $0.id == id }
        lock.unlock()
    }

    /// The output through every hook in registration order (each may replace it).
    func run(index: Int, layer: any Layer<Scalar>, output: Tensor<Scalar>) -> Tensor<Scalar> {
        lock.lock()
        let current = hooks
        lock.unlock()
        var y = output
        for (_, body) in current {
            guard let replaced = body(index, layer, y) else { continue }
            y = replaced
        }
        return y
    }
}

extension Sequential {
    /// Registers `hook`, called after each layer runs with the layer's index, the layer and its
    /// output (PyTorch's `register_forward_hook` on every child): to watch activations while a
    /// model trains (their mean, spread, saturation) or, by returning a tensor, to replace the
    /// output that the next layer receives. The output is the recorded tensor itself: a hook can
    /// also call `retainGrad()` or `registerHook(_:)` on it to watch its gradient. Hooks run in the order they were registered, on every call of the
    /// container and of its copies, until removed.
    ///
    /// ```swift
    /// var saturation: [Int: Double] = [:]
    /// let handle = model.registerForwardHook { index, layer, output in
    ///     if layer is Tanh<Float> { saturation[index] = Double((output.abs() .> 0.97).mean().scalar) }
    ///     return nil
    /// }
    /// _ = model(batch)
    /// handle.remove()
    /// ```
    @discardableResult
    public func registerForwardHook(_ hook: @escaping (_ index: Int, _ layer: any Layer<Scalar>, _ output: Tensor<Scalar>) -> Tensor<Scalar>?)
    -> ForwardHookHandle {
        let hooks = forwardHooks
        let id = hooks.add(hook)
        return ForwardHookHandle { hooks.remove(id) }
    }
}

import Foundation

// Tensor hooks and retained gradients, PyTorch's `register_hook` and `retain_grad`. They hang off
// the tensor's node in a side table (`TensorHooks`), flagged on the node, so that the nodes of a
// graph without hooks (nearly all) cost nothing more; the backward walk looks at the table only
// for a flagged node, when that node's whole gradient has arrived.

/// Removes the hook it was returned for (PyTorch's `RemovableHandle`).
///
/// ```swift
/// let handle = h.registerHook { g in print(g); return nil }
/// handle.remove()
/// ```
public struct TensorHookHandle: Sendable {
    let remover: @Sendable () -> Void

    /// Removes the hook; later backward passes no longer call it. Removing twice does nothing.
    ///
    /// ```swift
    /// handle.remove()
    /// ```
    public func remove() { remover() }
}

/// The hooks and the retained gradient of one node.
final class NodeHookState<Scalar: TensorScalar> {
    var hooks: [(id: Int, body: (Tensor<Scalar>) -> Tensor<Scalar>?)] = []
    var retainsGrad = false
    var retainedGrad: Tensor<Scalar>?
}

enum TensorHooks {
    nonisolated(unsafe) private static var table: [ObjectIdentifier: AnyObject] = [:]
    nonisolated(unsafe) private static var nextID = 0
    private static let lock = NSLock()

    static func state<Scalar>(of node: Node<Scalar>) -> NodeHookState<Scalar>? {
        lock.lock()
        defer { lock.unlock() }
        return table[ObjectIdentifier(node)] as? NodeHookState<Scalar>
    }

    /// The node's state, made (and the node flagged) if it has none.
    static func makeState<Scalar>(of node: Node<Scalar>) -> NodeHookState<Scalar> {
        lock.lock()
        defer { lock.unlock() }
        if let state = table[ObjectIdentifier(node)] as? NodeHookState<Scalar> { return state }
        let state = NodeHookState<Scalar>()
        table[ObjectIdentifier(node)] = state
        node.hasHooks = true
        return state
    }

    static func add<Scalar>(_ body: @escaping (Tensor<Scalar>) -> Tensor<Scalar>?, to node: Node<Scalar>) -> TensorHookHandle {
        let state = makeState(of: node)
        lock.lock()
        nextID += 1
        let id = nextID
        state.hooks.append((id, body))
        lock.unlock()
        let box = Unchecked(state)
        return TensorHookHandle {
            lock.lock()
            box.value.hooks.removeAll { $0.id == id }
            lock.unlock()
        }
    }

    static func forget<Scalar>(_ node: Node<Scalar>) {
        lock.lock()
        table[ObjectIdentifier(node)] = nil
        lock.unlock()
    }

    /// The gradient reaching a flagged node, through its hooks in the order they were registered
    /// (each may replace it), then kept as the retained gradient when asked (last, as PyTorch
    /// does: `.grad` shows what the hooks made of it). `retain`: false for `gradients(of:wrt:)`,
    /// which leaves every stored gradient alone.
    static func apply<Scalar>(to gradient: Tensor<Scalar>, at node: Node<Scalar>, retain: Bool) -> Tensor<Scalar> {
        guard let state = state(of: node) else { return gradient }
        var g = gradient
        for (_, body) in state.hooks {
            guard let replaced = body(g) else { continue }
            require(replaced.shape == g.shape,
                    "registerHook: a hook returned a gradient of shape \(replaced.shape) for a tensor of shape \(g.shape)")
            g = replaced
        }
        if retain && state.retainsGrad && !node.isLeaf {
            leafGradientLock.lock()
            state.retainedGrad = state.retainedGrad.map { $0 + g } ?? g
            leafGradientLock.unlock()
        }
        return g
    }
}

extension Tensor {
    /// Registers `hook`, called during every later backward pass with the gradient of the loss
    /// with respect to this tensor once all of it has arrived; returning a tensor replaces that
    /// gradient (it is what flows on to the tensor's inputs, or into a leaf's ``grad``), returning
    /// `nil` keeps it. PyTorch's `register_hook`. Hooks run in the order they were registered,
    /// before a retained gradient is stored (``retainGrad()``). They also run in
    /// ``gradients(of:wrt:upstream:retainGraph:createGraph:)``.
    ///
    /// ```swift
    /// let h = (x.matmul(w)).tanh()
    /// h.registerHook { g in print("∂L/∂h:", g); return nil }      // watch
    /// h.registerHook { g in g.clamped(lower: -1, upper: 1) }       // or replace
    /// loss.backward()
    /// ```
    /// - Precondition: this tensor requires gradients (a leaf or a recorded result).
    @discardableResult
    public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) -> TensorHookHandle {
        guard let node else {
            trap("registerHook: the tensor of shape \(shape) does not require gradients, so no gradient will reach it; "
                 + "register hooks on leaves made with requiringGrad() or on results of recorded ops")
        }
        return TensorHooks.add(hook, to: node)
    }

    /// Makes the next backward passes store this non-leaf tensor's gradient in ``grad`` (added up
    /// across passes, as a leaf's), PyTorch's `retain_grad()`. On a leaf it does nothing (a leaf
    /// always stores its gradient).
    ///
    /// ```swift
    /// let h = x.matmul(w)
    /// h.retainGrad()
    /// h.tanh().sum().backward()
    /// h.grad          // ∂L/∂h = 1 − tanh²(h)
    /// ```
    /// - Precondition: this tensor requires gradients.
    public func retainGrad() {
        guard let node else {
            trap("retainGrad: the tensor of shape \(shape) does not require gradients, so it has no gradient to retain")
        }
        if node.isLeaf { return }
        TensorHooks.makeState(of: node).retainsGrad = true
    }

    /// Whether backward stores this tensor's gradient: a leaf, or a tensor that called ``retainGrad()``.
    ///
    /// ```swift
    /// h.retainsGrad     // false until h.retainGrad()
    /// ```
    public var retainsGrad: Bool {
        guard let node else { return false }
        if node.isLeaf { return true }
        return node.hasHooks && (TensorHooks.state(of: node)?.retainsGrad ?? false)
    }
}

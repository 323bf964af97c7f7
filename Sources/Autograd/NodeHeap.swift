/// The nodes waiting in a backward pass, largest number first (see `Backpropagation.accumulateIntoLeaves`).
struct NodeHeap<Scalar: TensorScalar> {
    private var nodes: [Node<Scalar>] = []

    mutating func push(_ node: Node<Scalar>) {
        nodes.append(node)
        var child = nodes.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard nodes[parent].id < nodes[child].id else { break }
            nodes.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> Node<Scalar>? {
        guard let last = nodes.popLast() else { return nil }
        guard !nodes.isEmpty else { return last }
        let top = nodes[0]
        nodes[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < nodes.count && nodes[left].id > nodes[largest].id { largest = left }
            if right < nodes.count && nodes[right].id > nodes[largest].id { largest = right }
            if largest == parent { break }
            nodes.swapAt(parent, largest)
            parent = largest
        }
        return top
    }

    /// After a pass that stopped early: no gradient stays pending on a node.
    func clearPending() {
        for node in nodes { node.pendingGrad = nil }
    }
}

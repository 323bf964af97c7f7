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

    /// The largest node number waiting, or -1 when none is.
    var largestID: Int { nodes.first?.id ?? -1 }

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
}

/// The gradients waiting for their node's rule in one backward walk, each in the slot its node
/// points to (`Node.pendingSlot`). A slot is handed out again once its node's rule has run, so
/// the storage holds the walk's frontier, not the graph. Plain memory rather than arrays: the
/// bounds and uniqueness checks of an array cost more than the field on every node they replace.
///
/// It also tells which nodes this walk has reached: a slot remembers the node it was handed to,
/// and a node from an earlier walk points to a slot this walk gave another node, or to none yet.
struct PendingGradients<Scalar: TensorScalar>: ~Copyable {
    private var slots: UnsafeMutablePointer<Tensor<Scalar>?>
    /// The node each slot was last handed to.
    private var owners: UnsafeMutablePointer<ObjectIdentifier>
    /// Slots no node holds, as a stack.
    private var free: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    /// Slots handed out so far (all initialised; those on `free` hold nil).
    private var used = 0
    private var freeCount = 0

    init() {
        capacity = 64
        slots = .allocate(capacity: capacity)
        owners = .allocate(capacity: capacity)
        free = .allocate(capacity: capacity)
    }

    deinit {
        slots.deinitialize(count: used)
        slots.deallocate()
        owners.deallocate()
        free.deallocate()
    }

    /// A slot holding `gradient`, the first to reach `node` in this walk.
    mutating func add(_ gradient: Tensor<Scalar>, for node: Node<Scalar>) -> UInt32 {
        let slot: UInt32
        if freeCount > 0 {
            freeCount -= 1
            slot = free[freeCount]
            slots[Int(slot)] = gradient
        } else {
            if used == capacity { grow() }
            (slots + used).initialize(to: gradient)
            slot = UInt32(used)
            used += 1
        }
        owners[Int(slot)] = ObjectIdentifier(node)
        return slot
    }

    /// Whether a gradient has reached `node` in this walk (its rule may have run since: then no
    /// other gradient reaches it, as everything that uses a node was recorded after it).
    func holdsGradient(of node: Node<Scalar>) -> Bool {
        let slot = Int(node.pendingSlot)
        return slot < used && owners[slot] == ObjectIdentifier(node)
    }

    /// Adds `gradient` to the one waiting in `slot`.
    mutating func accumulate(_ gradient: Tensor<Scalar>, at slot: UInt32) {
        let i = Int(slot)
        if let earlier = slots[i] { slots[i] = earlier + gradient } else { slots[i] = gradient }
    }

    /// The gradient in `slot`, which is free afterwards.
    mutating func take(_ slot: UInt32) -> Tensor<Scalar>? {
        let taken = (slots + Int(slot)).move()
        (slots + Int(slot)).initialize(to: nil)
        free[freeCount] = slot
        freeCount += 1
        return taken
    }

    private mutating func grow() {
        let larger = capacity * 2
        let moved = UnsafeMutablePointer<Tensor<Scalar>?>.allocate(capacity: larger)
        moved.moveInitialize(from: slots, count: used)
        slots.deallocate()
        slots = moved
        let ownersMoved = UnsafeMutablePointer<ObjectIdentifier>.allocate(capacity: larger)
        ownersMoved.moveInitialize(from: owners, count: used)
        owners.deallocate()
        owners = ownersMoved
        let freeMoved = UnsafeMutablePointer<UInt32>.allocate(capacity: larger)
        freeMoved.moveInitialize(from: free, count: freeCount)
        free.deallocate()
        free = freeMoved
        capacity = larger
    }
}

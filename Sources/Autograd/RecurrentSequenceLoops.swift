// The loops of the sequence-level recurrent primitives (Ops/RecurrentSequence.swift): a whole
// direction of an LSTM or GRU layer, the input projections already made. Forward, each step is
// the product h·W_hhᵀ and the fused cell kernel (Loops.lstmCell, Loops.gruCell); backward, each
// step is the cell's backward kernel and the product ∂L/∂(h·W_hhᵀ)·W_hh giving ∂L/∂h. The weight
// gradients are not made here: the caller makes each one product over the whole sequence.
//
// Values. The forward loop evaluates what the layer's composed steps evaluated, in the same
// order: the product h·W_hhᵀ as with W_hhᵀ copied row-major (`weightHH.transposed()`; packed
// straight from W_hh when the product packs, the same values), gates = projected + (h·W_hhᵀ + b_hh), then the cell kernel. So the outputs are the composed
// steps' values bit for bit whenever the product of the whole sequence's inputs gives each row
// what the per-step products gave.

/// Which cell a sequence primitive runs.
enum RecurrentSequenceCell: Sendable {
    case lstm, gru

    /// The gate blocks stacked in the weights (LSTM i, f, g, o; GRU r, z, n).
    var gates: Int { self == .lstm ? 4 : 3 }
    /// Per batch row of a step, the activations the cell kernel keeps (LSTM i, f, g, o, tanh c′;
    /// GRU r, z, n), in units of hidden.
    var activationBlocks: Int { self == .lstm ? 5 : 3 }
    /// Per batch row of a step, what else the backward pass reads: the LSTM's cell state c′, the
    /// GRU's projected hidden state h·W_hhᵀ + b_hh (the backward kernel reads its n block).
    var extraBlocks: Int { self == .lstm ? 1 : 3 }
    /// The values kept per step: [batch, activationBlocks·hidden] then [batch, extraBlocks·hidden].
    func savedPerStep(batch: Int, hidden: Int) -> Int { batch * (activationBlocks + extraBlocks) * hidden }
}

extension Loops {
    /// C[m×n] = A[m×k]·B for row-major A, C and a row-major B [k, n] that many products share (a
    /// recurrent weight, at every step): B packed once when `Gemm.multiply` would pack it for
    /// each product, else the product `matmul` makes. Either way each element is what `matmul`
    /// gives (the same kernels, blocks and order of sums). The closure keeps the packed B.
    static func repeatedProduct<S: TensorScalar>(m: Int, k: Int, n: Int, _ b: UnsafeBufferPointer<S>)
        -> (UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void {
        if m * n * k >= 16 * 16 * 16, let bp = b.baseAddress, let gemmType = S.self as? any GemmScalar.Type {
            func prepacked<G: GemmScalar>(_: G.Type) -> ((UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void)? {
                let operand = Gemm.Operand(base: UnsafeRawPointer(bp).assumingMemoryBound(to: G.self), rowStride: n, columnStride: 1)
                // A's layout (row-major [m, k]) is all `packs` reads of it: B's base stands in.
                let layoutOfA = Gemm.Operand(base: operand.base, rowStride: k, columnStride: 1)
                guard Gemm.packs(m: m, n: n, k: k, a: layoutOfA, b: operand) else { return nil }
                let packed = Gemm.PackedB(operand, k: k, n: n)
                return { a, c in
                    Gemm.multiply(m: m, a: Gemm.Operand(base: UnsafeRawPointer(a).assumingMemoryBound(to: G.self), rowStride: k, columnStride: 1),
                                  packed: packed, c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: G.self), ldc: n)
                }
            }
            if let product = prepacked(gemmType) { return product }
        }
        return { a, c in
            matmul(UnsafeBufferPointer(start: a, count: m * k), StridedView(offset: 0, strides: []), false,
                   b, StridedView(offset: 0, strides: []), false, [], m, k, n, UnsafeMutableBufferPointer(start: c, count: m * n))
        }
    }

    /// `repeatedProduct` for B = Wᵀ, W [n, k] row-major (a recurrent weight as the layer keeps
    /// it): packed straight from W through transposed strides when `Gemm.multiply` would pack
    /// (packing copies values, so each product is the bits of the row-major copy's), else through
    /// a row-major copy of Wᵀ, as the composed step multiplied by `weightHH.transposed()`.
    static func repeatedProduct<S: TensorScalar>(m: Int, k: Int, n: Int, transposing w: UnsafeBufferPointer<S>)
        -> (UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void {
        if m * n * k >= 16 * 16 * 16, let wp = w.baseAddress, let gemmType = S.self as? any GemmScalar.Type {
            func prepacked<G: GemmScalar>(_: G.Type) -> ((UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void)? {
                let base = UnsafeRawPointer(wp).assumingMemoryBound(to: G.self)
                // The decision `repeatedProduct` makes for the row-major copy (layouts only: W's base stands in).
                let rowMajor = Gemm.Operand(base: base, rowStride: n, columnStride: 1)
                let layoutOfA = Gemm.Operand(base: base, rowStride: k, columnStride: 1)
                guard Gemm.packs(m: m, n: n, k: k, a: layoutOfA, b: rowMajor) else { return nil }
                let packed = Gemm.PackedB(Gemm.Operand(base: base, rowStride: 1, columnStride: k), k: k, n: n)
                return { a, c in
                    Gemm.multiply(m: m, a: Gemm.Operand(base: UnsafeRawPointer(a).assumingMemoryBound(to: G.self), rowStride: k, columnStride: 1),
                                  packed: packed, c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: G.self), ldc: n)
                }
            }
            if let product = prepacked(gemmType) { return product }
        }
        let transposed = [S](unsafeUninitializedCapacity: n * k) { t, initialized in
            if let tp = t.baseAddress, let wp = w.baseAddress {
                for r in 0..<n { for j in 0..<k { (tp + (j &* n &+ r)).initialize(to: wp[r &* k &+ j]) } }
            }
            initialized = n * k
        }
        return { a, c in
            transposed.withUnsafeBufferPointer { b in
                matmul(UnsafeBufferPointer(start: a, count: m * k), StridedView(offset: 0, strides: []), false,
                       b, StridedView(offset: 0, strides: []), false, [], m, k, n, UnsafeMutableBufferPointer(start: c, count: m * n))
            }
        }
    }

    /// The step the forward pass runs at position `index` of `steps` (the reverse direction reads
    /// the sequence from its end), and the step that ran before it (nil for the first).
    @inline(__always)
    static func sequenceStep(_ index: Int, _ steps: Int, _ reversed: Bool) -> (t: Int, previous: Int?) {
        reversed ? (steps &- 1 &- index, index == 0 ? nil : steps &- index)
                 : (index, index == 0 ? nil : index &- 1)
    }

    /// One direction of a recurrent layer over `steps` steps. `projected` is [steps, batch,
    /// gates·hidden] (x·W_ihᵀ + b_ih), `weightHH` [gates·hidden, hidden], `biasHH` [gates·hidden]
    /// or nil, `hidden0` and `cell0` (LSTM only) [batch, hidden]. Writes the hidden state after
    /// each step to `out` [steps, batch, hidden] at the step's own position (in time order for
    /// either direction), followed for the LSTM by the final cell state [batch, hidden]; and the
    /// values the backward pass reads to `saved` (`savedPerStep` per step, at the step's position).
    static func recurrentSequence<S: TensorScalar>(_ kind: RecurrentSequenceCell, _ projected: UnsafeBufferPointer<S>,
                                                   _ weightHH: UnsafeBufferPointer<S>, _ biasHH: UnsafeBufferPointer<S>?,
                                                   _ hidden0: UnsafeBufferPointer<S>, _ cell0: UnsafeBufferPointer<S>?,
                                                   _ steps: Int, _ batch: Int, _ hidden: Int, _ reversed: Bool,
                                                   _ out: UnsafeMutableBufferPointer<S>, _ saved: UnsafeMutableBufferPointer<S>) {
        let h = hidden, rows = kind.gates &* hidden, stateSize = batch &* hidden, gateSize = batch &* rows
        guard steps > 0, batch > 0, hidden > 0, let pp = projected.baseAddress, let wp = weightHH.baseAddress,
              let h0 = hidden0.baseAddress, let op = out.baseAddress, let sp = saved.baseAddress else { return }
        let perStep = kind.savedPerStep(batch: batch, hidden: h), activationSize = batch &* kind.activationBlocks &* h
        // The product h·W_hhᵀ of one step, the LSTM's gate pre-activations and its (h′ | c′) rows.
        var scratch = [S](repeating: 0, count: 2 &* gateSize &+ 2 &* stateSize)
        let bias = biasHH?.baseAddress
        do {
            let recurrentProduct = repeatedProduct(m: batch, k: h, n: rows, transposing: UnsafeBufferPointer(start: wp, count: rows &* h))
            scratch.withUnsafeMutableBufferPointer { buffer in
                guard let product = buffer.baseAddress else { return }
                let gates = product + gateSize, pair = gates + gateSize
                for index in 0..<steps {
                    let (t, previous) = sequenceStep(index, steps, reversed)
                    let hPrev = previous.map { UnsafePointer(op + $0 &* stateSize) } ?? h0
                    let p = pp + t &* gateSize, s = sp + t &* perStep, extra = s + activationSize
                    // The GRU keeps h·W_hhᵀ + b_hh: the product is made where it is kept.
                    let q = kind == .gru ? extra : product
                    recurrentProduct(hPrev, q)
                    if let bias {
                        for b in 0..<batch {
                            let row = q + b &* rows
                            for j in 0..<rows { row[j] = row[j] + bias[j] }
                        }
                    }
                    let activations = UnsafeMutableBufferPointer(start: s, count: activationSize)
                    switch kind {
                    case .lstm:
                        // gates = projected input + projected hidden state, as `x + h` summed them.
                        for e in 0..<gateSize { gates[e] = p[e] + q[e] }
                        let cPrev: UnsafePointer<S>
                        if let previous {
                            cPrev = UnsafePointer(sp + previous &* perStep + activationSize)
                        } else {
                            guard let c0 = cell0?.baseAddress else { return }
                            cPrev = c0
                        }
                        lstmCell(UnsafeBufferPointer(start: gates, count: gateSize), UnsafeBufferPointer(start: cPrev, count: stateSize),
                                 batch, h, UnsafeMutableBufferPointer(start: pair, count: 2 &* stateSize), activations)
                        let hOut = op + t &* stateSize
                        for b in 0..<batch {
                            let both: UnsafePointer<S> = UnsafePointer(pair + b &* 2 &* h)
                            (hOut + b &* h).update(from: both, count: h)                            // h′
                            (extra + b &* h).update(from: both + h, count: h)                       // c′
                        }
                    case .gru:
                        gruCell(UnsafeBufferPointer(start: p, count: gateSize), UnsafeBufferPointer(start: q, count: gateSize),
                                UnsafeBufferPointer(start: hPrev, count: stateSize), batch, h,
                                UnsafeMutableBufferPointer(start: op + t &* stateSize, count: stateSize), activations)
                    }
                }
            }
        }
        if kind == .lstm {
            // The final cell state after the hidden states: the c′ of the last step run.
            let last = reversed ? 0 : steps &- 1
            let final: UnsafePointer<S> = UnsafePointer(sp + (last &* perStep &+ activationSize))
            (op + steps &* stateSize).update(from: final, count: stateSize)
        }
    }

    /// The vector-Jacobian product of `recurrentSequence` through its steps, run in reverse.
    /// `upstream` is ∂L/∂out (for the LSTM with the final cell state's gradient after the hidden
    /// states'), `output` and `saved` what the forward pass wrote. Writes ∂L/∂projected [steps,
    /// batch, gates·hidden]; ∂L/∂(h·W_hhᵀ + b_hh) of every step to `dHiddenGates` (the GRU's; the
    /// LSTM's is ∂L/∂projected itself, and `dHiddenGates` is not written); ∂L/∂hidden0 and (LSTM)
    /// ∂L/∂cell0 [batch, hidden]. (`cell0`, `dHiddenGates` and `dCell0` are empty where unused.)
    static func recurrentSequenceBackward<S: TensorScalar>(_ kind: RecurrentSequenceCell, _ upstream: UnsafeBufferPointer<S>,
                                                           _ projected: UnsafeBufferPointer<S>, _ weightHH: UnsafeBufferPointer<S>,
                                                           _ hidden0: UnsafeBufferPointer<S>, _ cell0: UnsafeBufferPointer<S>,
                                                           _ output: UnsafeBufferPointer<S>, _ saved: UnsafeBufferPointer<S>,
                                                           _ steps: Int, _ batch: Int, _ hidden: Int, _ reversed: Bool,
                                                           _ dProjected: UnsafeMutableBufferPointer<S>,
                                                           _ dHiddenGates: UnsafeMutableBufferPointer<S>,
                                                           _ dHidden0: UnsafeMutableBufferPointer<S>,
                                                           _ dCell0: UnsafeMutableBufferPointer<S>) {
        let h = hidden, rows = kind.gates &* hidden, stateSize = batch &* hidden, gateSize = batch &* rows
        guard steps > 0, batch > 0, hidden > 0, let up = upstream.baseAddress, let pp = projected.baseAddress,
              let h0 = hidden0.baseAddress, let op = output.baseAddress, let sp = saved.baseAddress,
              let dpp = dProjected.baseAddress, let dh0 = dHidden0.baseAddress else { return }
        let perStep = kind.savedPerStep(batch: batch, hidden: h), activationSize = batch &* kind.activationBlocks &* h
        // ∂L/∂h and ∂L/∂c flowing into the step being run from the steps after it and the
        // output; the LSTM cell's upstream (∂h | ∂c) row by row; ∂L/∂c and the GRU's ∂L/∂h of
        // the state the step read, directly; the product's result.
        var scratch = [S](repeating: 0, count: 7 &* stateSize)
        let recurrentProduct = repeatedProduct(m: batch, k: rows, n: h, weightHH)
        scratch.withUnsafeMutableBufferPointer { buffer in
            guard let dh = buffer.baseAddress else { return }
            let dc = dh + stateSize, pair = dc + stateSize, dStatePrev = pair + 2 &* stateSize
            let product = dStatePrev + stateSize
            if kind == .lstm { dc.update(from: up + steps &* stateSize, count: stateSize) }   // ∂L/∂(final cell state)
            for index in stride(from: steps &- 1, through: 0, by: -1) {
                let (t, previous) = sequenceStep(index, steps, reversed)
                let u = up + t &* stateSize, s = sp + t &* perStep, dp = dpp + t &* gateSize
                for e in 0..<stateSize { dh[e] = dh[e] + u[e] }
                let activations = UnsafeBufferPointer(start: UnsafePointer(s), count: activationSize)
                let p = UnsafeBufferPointer(start: pp + t &* gateSize, count: gateSize)
                let dGates: UnsafeMutablePointer<S>
                switch kind {
                case .lstm:
                    for b in 0..<batch {
                        let both = pair + b &* 2 &* h
                        both.update(from: dh + b &* h, count: h)
                        (both + h).update(from: dc + b &* h, count: h)
                    }
                    let cPrev: UnsafePointer<S>
                    if let previous {
                        cPrev = UnsafePointer(sp + previous &* perStep + activationSize)
                    } else {
                        guard let c0 = cell0.baseAddress else { return }
                        cPrev = c0
                    }
                    // (The gates are read only when no activations are given: `p` stands in.)
                    lstmCellBackward(UnsafeBufferPointer(start: pair, count: 2 &* stateSize), p,
                                     UnsafeBufferPointer(start: cPrev, count: stateSize), activations, batch, h,
                                     UnsafeMutableBufferPointer(start: dp, count: gateSize),
                                     UnsafeMutableBufferPointer(start: dc, count: stateSize))
                    dGates = dp
                case .gru:
                    guard let dhg = dHiddenGates.baseAddress else { return }
                    let hPrev = previous.map { UnsafePointer(op + $0 &* stateSize) } ?? h0
                    dGates = dhg + t &* gateSize
                    gruCellBackward(UnsafeBufferPointer(start: dh, count: stateSize), p,
                                    UnsafeBufferPointer(start: UnsafePointer(s + activationSize), count: gateSize),
                                    UnsafeBufferPointer(start: hPrev, count: stateSize), activations, batch, h,
                                    UnsafeMutableBufferPointer(start: dp, count: gateSize),
                                    UnsafeMutableBufferPointer(start: dGates, count: gateSize),
                                    UnsafeMutableBufferPointer(start: dStatePrev, count: stateSize))
                }
                // ∂L/∂h of the state this step read: through the product h·W_hhᵀ (and the GRU's direct path).
                recurrentProduct(dGates, product)
                if kind == .gru {
                    for e in 0..<stateSize { dh[e] = product[e] + dStatePrev[e] }
                } else {
                    dh.update(from: product, count: stateSize)
                }
            }
            dh0.update(from: dh, count: stateSize)
            if kind == .lstm, let dc0 = dCell0.baseAddress { dc0.update(from: dc, count: stateSize) }
        }
    }
}

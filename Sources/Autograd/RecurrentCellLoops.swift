import CKernels

// The loops of the fused LSTM and GRU cells (Ops/RecurrentCells.swift), one pass over each row
// of the batch. The gate activations go through the unary kernel on each row's blocks, so that
// they are the bits `sigmoid()` and `tanh()` give over a whole tensor (the vectorised C kernels
// for Float and Double; a kernel's value does not depend on where an element
// lies in the array), and the products and sums are evaluated in the order of the composed
// equations: the fused forward passes give the composition's values exactly.

extension Loops {
    /// `op` (sigmoid or tanh) over `count` elements from `x` into `out`.
    @inline(__always)
    static func activate<S: TensorScalar>(_ op: UnaryKernel<S>, _ x: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>,
                                          _ count: Int) {
        unary(op, UnsafeBufferPointer(start: x, count: count), UnsafeMutableBufferPointer(start: out, count: count))
    }

    /// The LSTM cell: from the gate pre-activations [batch, 4·hidden] (i, f, g, o) and the cell
    /// state [batch, hidden], h′ and c′ side by side in `out` [batch, 2·hidden], and the
    /// activations i, f, g, o and tanh(c′) side by side in `saved` [batch, 5·hidden].
    static func lstmCell<S: TensorScalar>(_ gates: UnsafeBufferPointer<S>, _ cell: UnsafeBufferPointer<S>,
                                          _ batch: Int, _ hidden: Int, _ out: UnsafeMutableBufferPointer<S>,
                                          _ saved: UnsafeMutableBufferPointer<S>) {
        guard batch > 0, hidden > 0, let gp = gates.baseAddress, let cp = cell.baseAddress,
              let op = out.baseAddress, let sp = saved.baseAddress else { return }
        let h = hidden
        for b in 0..<batch {
            let g = gp + b &* 4 &* h, c = cp + b &* h, a = sp + b &* 5 &* h
            let hNext = op + b &* 2 &* h, cNext = hNext + h
            activate(.sigmoid, g, a, 2 &* h)                             // i, f
            activate(.tanh, g + 2 &* h, a + 2 &* h, h)                   // g
            activate(.sigmoid, g + 3 &* h, a + 3 &* h, h)                // o
            let (i, f, gg, o, t) = (a, a + h, a + 2 &* h, a + 3 &* h, a + 4 &* h)
            for j in 0..<h { cNext[j] = f[j] * c[j] + i[j] * gg[j] }
            activate(.tanh, UnsafePointer(cNext), t, h)
            for j in 0..<h { hNext[j] = o[j] * t[j] }
        }
    }

    /// The LSTM cell's vector-Jacobian product: from ∂L/∂(h′, c′) [batch, 2·hidden], the gate
    /// pre-activations and the cell state, ∂L/∂gates [batch, 4·hidden] and ∂L/∂c [batch, hidden].
    /// `saved` holds the forward pass's activations (`lstmCell`), or is nil to recompute them.
    static func lstmCellBackward<S: TensorScalar>(_ upstream: UnsafeBufferPointer<S>, _ gates: UnsafeBufferPointer<S>,
                                                  _ cell: UnsafeBufferPointer<S>, _ saved: UnsafeBufferPointer<S>?,
                                                  _ batch: Int, _ hidden: Int, _ dGates: UnsafeMutableBufferPointer<S>,
                                                  _ dCell: UnsafeMutableBufferPointer<S>) {
        guard batch > 0, hidden > 0 else { return }
        guard let saved else {
            var out = [S](repeating: 0, count: batch * 2 * hidden), activations = [S](repeating: 0, count: batch * 5 * hidden)
            out.withUnsafeMutableBufferPointer { o in
                activations.withUnsafeMutableBufferPointer { lstmCell(gates, cell, batch, hidden, o, $0) }
            }
            activations.withUnsafeBufferPointer {
                lstmCellBackward(upstream, gates, cell, $0, batch, hidden, dGates, dCell)
            }
            return
        }
        guard let up = upstream.baseAddress, let cp = cell.baseAddress, let sp = saved.baseAddress,
              let dg = dGates.baseAddress, let dc = dCell.baseAddress else { return }
        if S.self == Float.self {
            // The same expressions vectorised in C (this loop compiles to scalar code): same bits.
            func cast<T>(_ p: UnsafePointer<S>) -> UnsafePointer<T> { UnsafeRawPointer(p).assumingMemoryBound(to: T.self) }
            func cast<T>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<T> {
                UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
            }
            ck_lstm_cell_backward_f32(Gemm.isa, batch, hidden, cast(up), cast(cp), cast(sp), cast(dg), cast(dc))
            return
        }
        let h = hidden
        for b in 0..<batch {
            let u = up + b &* 2 &* h, c = cp + b &* h, a = sp + b &* 5 &* h
            let d = dg + b &* 4 &* h, dcRow = dc + b &* h
            for j in 0..<h {
                let (uh, uc) = (u[j], u[h &+ j])
                let (i, f, g, o, t) = (a[j], a[h &+ j], a[2 &* h &+ j], a[3 &* h &+ j], a[4 &* h &+ j])
                let dcNext = uh * o * (1 - t * t) + uc                   // ∂L/∂c′, through h′ and directly
                d[j] = dcNext * g * (i * (1 - i))
                d[h &+ j] = dcNext * c[j] * (f * (1 - f))
                d[2 &* h &+ j] = dcNext * i * (1 - g * g)
                d[3 &* h &+ j] = uh * t * (o * (1 - o))
                dcRow[j] = dcNext * f
            }
        }
    }

    /// The GRU cell: from the projected input and hidden state [batch, 3·hidden] each (r, z, n)
    /// and the hidden state [batch, hidden], h′ [batch, hidden] in `out` and the activations
    /// r, z, n side by side in `saved` [batch, 3·hidden].
    static func gruCell<S: TensorScalar>(_ input: UnsafeBufferPointer<S>, _ hiddenGates: UnsafeBufferPointer<S>,
                                         _ state: UnsafeBufferPointer<S>, _ batch: Int, _ hidden: Int,
                                         _ out: UnsafeMutableBufferPointer<S>, _ saved: UnsafeMutableBufferPointer<S>) {
        guard batch > 0, hidden > 0, let xp = input.baseAddress, let hp = hiddenGates.baseAddress,
              let statep = state.baseAddress, let op = out.baseAddress, let sp = saved.baseAddress else { return }
        let h = hidden
        var scratch = [S](repeating: 0, count: 3 * h)
        scratch.withUnsafeMutableBufferPointer { buffer in
            guard let pre = buffer.baseAddress else { return }
            for b in 0..<batch {
                let x = xp + b &* 3 &* h, hh = hp + b &* 3 &* h, prev = statep + b &* h
                let a = sp + b &* 3 &* h, hNext = op + b &* h
                for j in 0..<(2 &* h) { pre[j] = x[j] + hh[j] }
                activate(.sigmoid, UnsafePointer(pre), a, 2 &* h)       // r, z
                let (r, z, n) = (a, a + h, a + 2 &* h)
                for j in 0..<h { pre[2 &* h &+ j] = x[2 &* h &+ j] + r[j] * hh[2 &* h &+ j] }
                activate(.tanh, UnsafePointer(pre + 2 &* h), n, h)
                for j in 0..<h { hNext[j] = (1 - z[j]) * n[j] + z[j] * prev[j] }
            }
        }
    }

    /// The GRU cell's vector-Jacobian product: from ∂L/∂h′ [batch, hidden], the projected input
    /// and hidden state and the hidden state, ∂L/∂input and ∂L/∂hiddenGates [batch, 3·hidden]
    /// and ∂L/∂state [batch, hidden]. `saved` holds the forward pass's activations (`gruCell`), or
    /// is nil to recompute them.
    static func gruCellBackward<S: TensorScalar>(_ upstream: UnsafeBufferPointer<S>, _ input: UnsafeBufferPointer<S>,
                                                 _ hiddenGates: UnsafeBufferPointer<S>, _ state: UnsafeBufferPointer<S>,
                                                 _ saved: UnsafeBufferPointer<S>?, _ batch: Int, _ hidden: Int,
                                                 _ dInput: UnsafeMutableBufferPointer<S>,
                                                 _ dHiddenGates: UnsafeMutableBufferPointer<S>,
                                                 _ dState: UnsafeMutableBufferPointer<S>) {
        guard batch > 0, hidden > 0 else { return }
        guard let saved else {
            var out = [S](repeating: 0, count: batch * hidden), activations = [S](repeating: 0, count: batch * 3 * hidden)
            out.withUnsafeMutableBufferPointer { o in
                activations.withUnsafeMutableBufferPointer { gruCell(input, hiddenGates, state, batch, hidden, o, $0) }
            }
            activations.withUnsafeBufferPointer {
                gruCellBackward(upstream, input, hiddenGates, state, $0, batch, hidden, dInput, dHiddenGates, dState)
            }
            return
        }
        guard let up = upstream.baseAddress, let hp = hiddenGates.baseAddress, let statep = state.baseAddress,
              let sp = saved.baseAddress, let dxp = dInput.baseAddress, let dhp = dHiddenGates.baseAddress,
              let dsp = dState.baseAddress else { return }
        let h = hidden
        for b in 0..<batch {
            let u = up + b &* h, hh = hp + b &* 3 &* h, prev = statep + b &* h, a = sp + b &* 3 &* h
            let dx = dxp + b &* 3 &* h, dhh = dhp + b &* 3 &* h, ds = dsp + b &* h
            for j in 0..<h {
                let (r, z, n) = (a[j], a[h &+ j], a[2 &* h &+ j])
                let e = u[j] * (1 - z) * (1 - n * n)                      // ∂L/∂(pre-activation of n)
                let dr = e * hh[2 &* h &+ j] * (r * (1 - r))
                let dz = u[j] * (prev[j] - n) * (z * (1 - z))
                dx[j] = dr
                dhh[j] = dr
                dx[h &+ j] = dz
                dhh[h &+ j] = dz
                dx[2 &* h &+ j] = e
                dhh[2 &* h &+ j] = e * r
                ds[j] = u[j] * z
            }
        }
    }
}

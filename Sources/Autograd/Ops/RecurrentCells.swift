// Fused recurrent cells: the LSTM and GRU step after the two matrix products, as one primitive
// each, as PyTorch runs `nn.LSTM` and `nn.GRU` (`_thnn_fused_lstm_cell`, `_thnn_fused_gru_cell`).
// Composed, an LSTM step is a dozen ops over [batch, 4·hidden] (four slices, three sigmoids, two
// tanh, products, sums), each a pass over memory and a node on the tape, and its backward as
// many again; fused, it is one pass forward and one backward.
//
// Design. An op produces one tensor, and the LSTM cell has two results: `lstmCell` produces h′
// and c′ side by side, [batch, 2·hidden], and the layer cuts them apart with two slices (cheap
// copies of [batch, hidden]; their gradients meet again as one upstream gradient of the cell).
// The backward pass is a primitive of its own, `lstmCellBackward(upstream:gates:cell:)`, one pass
// giving ∂L/∂gates and ∂L/∂c from the upstream gradient, the gates and the cell state: two ops
// (two nodes, one per result, with the same inputs) sharing one run of the kernel, so that no
// result is copied out of a combined buffer. The forward pass keeps the gate activations it
// computed (i, f, g, o, tanh c′) in its rule, and the backward kernel reads them instead of
// evaluating the five transcendental functions again: the same values, as PyTorch's workspace.
// The GRU cell has one result, h′; its backward pass is three ops (∂L/∂input gates, ∂L/∂hidden
// gates, ∂L/∂h) sharing one kernel run.
//
// Differentiability. The rules of the forward cells call the backward primitives, which are
// recorded like any op under `createGraph`; the backward primitives' own rules — the second
// derivatives of the cells — are written with tensor ops (slices, sigmoid, tanh, products,
// concatenation), so that the tape differentiates them again: double backward, third order. A
// backward primitive is linear in the upstream gradient u, so for a weight v on its result,
// ⟨v, Jᵀu⟩ = ⟨u, Jv⟩: its gradient with respect to u is the cell's Jacobian-vector product Jv
// (forward mode, written out below), and its gradient with respect to the gates and the state
// is the derivative of ⟨u, Jv⟩, written out per element. Tested by gradcheck and gradgradcheck
// of each primitive in FusedCellTests.

extension Tensor {
    // MARK: LSTM

    /// The LSTM cell after its products: from the gate pre-activations `gates` = x·W_ihᵀ + b_ih +
    /// h·W_hhᵀ + b_hh [batch, 4·hidden] in PyTorch's order (i, f, g, o) and the cell state `cell`
    /// [batch, hidden], h′ and c′ side by side, [batch, 2·hidden]:
    ///
    ///     i, f, o = σ(gates)ᵢ,f,o, g = tanh(gates)g, c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′)
    ///
    /// in one pass; the values are those of the composed ops, exactly.
    package static func lstmCell(gates: Tensor, cell: Tensor) -> Tensor {
        require(cell.rank == 2 && gates.rank == 2 && gates.shape == [cell.shape[0], 4 * cell.shape[1]],
                "lstmCell: gates of shape \(gates.shape) and cell state of shape \(cell.shape) are not "
                + "[batch, 4·hidden] and [batch, hidden]")
        let (batch, hidden) = (cell.shape[0], cell.shape[1])
        var saved: [Scalar] = []
        let values = makeScalars(count: batch * 2 * hidden) { out in
            saved = [Scalar](unsafeUninitializedCapacity: batch * 5 * hidden) { activations, initialized in
                gates.scalars.withUnsafeBufferPointer { g in
                    cell.scalars.withUnsafeBufferPointer { Scalar.kernels.lstmCell(g, $0, batch, hidden, out, activations) }
                }
                initialized = batch * 5 * hidden
            }
        }
        return record("lstmCell", inputs: gates, cell, shape: [batch, 2 * hidden], scalars: values) { c in
            let (dGates, dCell) = lstmCellBackward(upstream: c.upstream, gates: c.inputs[0], cell: c.inputs[1], saved: saved)
            return .gradients(c.needsGradient[0] ? dGates : nil, c.needsGradient[1] ? dCell : nil)
        }
    }

    /// The vector-Jacobian product of ``lstmCell(gates:cell:)``: from ∂L/∂(h′, c′) `upstream`
    /// [batch, 2·hidden], ∂L/∂gates [batch, 4·hidden] and ∂L/∂cell [batch, hidden], in one pass.
    /// Differentiable again (its rule is written with ops).
    package static func lstmCellBackward(upstream: Tensor, gates: Tensor, cell: Tensor) -> (gates: Tensor, cell: Tensor) {
        require(cell.rank == 2 && gates.shape == [cell.shape[0], 4 * cell.shape[1]]
                && upstream.shape == [cell.shape[0], 2 * cell.shape[1]],
                "lstmCellBackward: upstream \(upstream.shape), gates \(gates.shape) and cell state \(cell.shape) are not "
                + "[batch, 2·hidden], [batch, 4·hidden] and [batch, hidden]")
        return lstmCellBackward(upstream: upstream, gates: gates, cell: cell, saved: nil)
    }

    /// `lstmCellBackward`, reading the forward pass's activations from `saved` when given.
    static func lstmCellBackward(upstream: Tensor, gates: Tensor, cell: Tensor, saved: [Scalar]?) -> (gates: Tensor, cell: Tensor) {
        let (batch, hidden) = (cell.shape[0], cell.shape[1])
        var dCellValues: [Scalar] = []
        let dGatesValues = makeScalars(count: gates.count) { dGates in
            dCellValues = makeScalars(count: cell.count) { dCell in
                upstream.scalars.withUnsafeBufferPointer { u in
                    gates.scalars.withUnsafeBufferPointer { g in
                        cell.scalars.withUnsafeBufferPointer { c in
                            if let saved {
                                saved.withUnsafeBufferPointer {
                                    Scalar.kernels.lstmCellBackward(u, g, c, $0, batch, hidden, dGates, dCell)
                                }
                            } else {
                                Scalar.kernels.lstmCellBackward(u, g, c, nil, batch, hidden, dGates, dCell)
                            }
                        }
                    }
                }
            }
        }
        let inputs = [upstream, gates, cell]
        let dGates = record("lstmCellBackward", "result: gates", inputs: NodeInputs(inputs), shape: gates.shape, scalars: dGatesValues) { c in
            lstmCellSecondOrder(c, gatesWeight: c.upstream, cellWeight: nil)
        }
        let dCell = record("lstmCellBackward", "result: cell", inputs: NodeInputs(inputs), shape: cell.shape, scalars: dCellValues) { c in
            lstmCellSecondOrder(c, gatesWeight: nil, cellWeight: c.upstream)
        }
        return (dGates, dCell)
    }

    /// The rule of `lstmCellBackward`, with tensor ops: for the weights v = (vG, vc) on its results
    /// (zero where nil) and S = ⟨vG, ∂L/∂gates⟩ + ⟨vc, ∂L/∂c⟩ = ⟨u, J·v⟩, the gradients of S with
    /// respect to u (the Jacobian-vector product J·v of the cell: (dh′, dc′)), the gates and c.
    static func lstmCellSecondOrder(_ c: RuleContext<Scalar>, gatesWeight: Tensor?, cellWeight: Tensor?) -> InputGradients<Scalar> {
        let (u, gates, cell) = (c.inputs[0], c.inputs[1], c.inputs[2])
        let hidden = cell.shape[1]
        func block(_ t: Tensor, _ k: Int) -> Tensor { t.slice(axis: 1, k * hidden..<(k + 1) * hidden) }
        let vG = gatesWeight ?? Tensor.zeros(gates.shape), vc = cellWeight ?? Tensor.zeros(cell.shape)
        let (vi, vf, vg, vo) = (block(vG, 0), block(vG, 1), block(vG, 2), block(vG, 3))
        let (uh, uc) = (block(u, 0), block(u, 1))
        let (i, f, g, o) = (block(gates, 0).sigmoid(), block(gates, 1).sigmoid(), block(gates, 2).tanh(), block(gates, 3).sigmoid())
        // The slopes of the activations: σ′ = σ(1 − σ), tanh′ = 1 − tanh².
        let (si, sf, so, sg) = (i * (1 - i), f * (1 - f), o * (1 - o), 1 - g * g)
        let t = (f * cell + i * g).tanh()
        let st = 1 - t * t
        // J·v: the changes of c′ and h′ along v.
        let jc = sf * vf * cell + f * vc + si * vi * g + i * sg * vg
        let jh = so * vo * t + o * st * jc
        // S = uh·so·vo·t + w·jc with w = ∂L/∂c′ = uh·o·(1 − t²) + uc; p = ∂S/∂c′ through t.
        let w = uh * o * st + uc
        let p = st * (uh * so * vo - 2 * uh * o * t * jc)
        var out: [Tensor?] = [c.needsGradient[0] ? Tensor.concatenate([jh, jc], axis: 1) : nil, nil, nil]
        if c.needsGradient[1] {
            let di = p * si * g + w * (si * (1 - 2 * i) * vi * g + si * sg * vg)
            let df = p * sf * cell + w * (sf * (1 - 2 * f) * vf * cell + sf * vc)
            let dg = p * i * sg + w * (si * vi * sg - 2 * i * g * sg * vg)
            let dO = uh * vo * t * so * (1 - 2 * o) + uh * so * st * jc
            out[1] = Tensor.concatenate([di, df, dg, dO], axis: 1)
        }
        if c.needsGradient[2] { out[2] = p * f + w * sf * vf }
        return InputGradients(out)
    }

    // MARK: GRU

    /// The GRU cell after its products: from the projected input `input` = x·W_ihᵀ + b_ih and the
    /// projected hidden state `hidden` = h·W_hhᵀ + b_hh, [batch, 3·hidden] each in PyTorch's order
    /// (r, z, n), and the hidden state `state` [batch, hidden], the next hidden state:
    ///
    ///     r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn), h′ = (1 − z) ⊙ n + z ⊙ h
    ///
    /// in one pass; the values are those of the composed ops, exactly. (The input and hidden parts
    /// stay apart because r multiplies only the hidden part of n.)
    package static func gruCell(input: Tensor, hidden: Tensor, state: Tensor) -> Tensor {
        require(state.rank == 2 && input.rank == 2 && input.shape == [state.shape[0], 3 * state.shape[1]]
                && hidden.shape == input.shape,
                "gruCell: input \(input.shape), hidden \(hidden.shape) and state \(state.shape) are not "
                + "[batch, 3·hidden], [batch, 3·hidden] and [batch, hidden]")
        let (batch, width) = (state.shape[0], state.shape[1])
        var saved: [Scalar] = []
        let values = makeScalars(count: batch * width) { out in
            saved = [Scalar](unsafeUninitializedCapacity: batch * 3 * width) { activations, initialized in
                input.scalars.withUnsafeBufferPointer { x in
                    hidden.scalars.withUnsafeBufferPointer { hh in
                        state.scalars.withUnsafeBufferPointer { Scalar.kernels.gruCell(x, hh, $0, batch, width, out, activations) }
                    }
                }
                initialized = batch * 3 * width
            }
        }
        return record("gruCell", inputs: NodeInputs([input, hidden, state]), shape: [batch, width], scalars: values) { c in
            let d = gruCellBackward(upstream: c.upstream, input: c.inputs[0], hidden: c.inputs[1], state: c.inputs[2], saved: saved)
            return .gradients(c.needsGradient[0] ? d.input : nil, c.needsGradient[1] ? d.hidden : nil, c.needsGradient[2] ? d.state : nil)
        }
    }

    /// The vector-Jacobian product of ``gruCell(input:hidden:state:)``: from ∂L/∂h′ `upstream`
    /// [batch, hidden], ∂L/∂input and ∂L/∂hidden [batch, 3·hidden] and ∂L/∂state [batch, hidden],
    /// in one pass. Differentiable again (its rule is written with ops).
    package static func gruCellBackward(upstream: Tensor, input: Tensor, hidden: Tensor,
                                        state: Tensor) -> (input: Tensor, hidden: Tensor, state: Tensor) {
        require(state.rank == 2 && input.shape == [state.shape[0], 3 * state.shape[1]] && hidden.shape == input.shape
                && upstream.shape == state.shape,
                "gruCellBackward: upstream \(upstream.shape), input \(input.shape), hidden \(hidden.shape) and state "
                + "\(state.shape) are not [batch, hidden], [batch, 3·hidden], [batch, 3·hidden] and [batch, hidden]")
        return gruCellBackward(upstream: upstream, input: input, hidden: hidden, state: state, saved: nil)
    }

    /// `gruCellBackward`, reading the forward pass's activations from `saved` when given.
    static func gruCellBackward(upstream: Tensor, input: Tensor, hidden: Tensor, state: Tensor,
                                saved: [Scalar]?) -> (input: Tensor, hidden: Tensor, state: Tensor) {
        let (batch, width) = (state.shape[0], state.shape[1])
        var dHiddenValues: [Scalar] = [], dStateValues: [Scalar] = []
        let dInputValues = makeScalars(count: input.count) { dInput in
            dHiddenValues = makeScalars(count: hidden.count) { dHidden in
                dStateValues = makeScalars(count: state.count) { dState in
                    upstream.scalars.withUnsafeBufferPointer { u in
                        input.scalars.withUnsafeBufferPointer { x in
                            hidden.scalars.withUnsafeBufferPointer { hh in
                                state.scalars.withUnsafeBufferPointer { h in
                                    if let saved {
                                        saved.withUnsafeBufferPointer {
                                            Scalar.kernels.gruCellBackward(u, x, hh, h, $0, batch, width, dInput, dHidden, dState)
                                        }
                                    } else {
                                        Scalar.kernels.gruCellBackward(u, x, hh, h, nil, batch, width, dInput, dHidden, dState)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputs = [upstream, input, hidden, state]
        let dInput = record("gruCellBackward", "result: input", inputs: NodeInputs(inputs), shape: input.shape, scalars: dInputValues) { c in
            gruCellSecondOrder(c, inputWeight: c.upstream, hiddenWeight: nil, stateWeight: nil)
        }
        let dHidden = record("gruCellBackward", "result: hidden", inputs: NodeInputs(inputs), shape: hidden.shape, scalars: dHiddenValues) { c in
            gruCellSecondOrder(c, inputWeight: nil, hiddenWeight: c.upstream, stateWeight: nil)
        }
        let dState = record("gruCellBackward", "result: state", inputs: NodeInputs(inputs), shape: state.shape, scalars: dStateValues) { c in
            gruCellSecondOrder(c, inputWeight: nil, hiddenWeight: nil, stateWeight: c.upstream)
        }
        return (dInput, dHidden, dState)
    }

    /// The rule of `gruCellBackward`, with tensor ops: for the weights v = (vx, vh, vs) on its
    /// results (zero where nil) and S = ⟨v, Jᵀu⟩ = ⟨u, J·v⟩, the gradients of S with respect to u
    /// (the Jacobian-vector product J·v of the cell: dh′), the input, the hidden part and the state.
    static func gruCellSecondOrder(_ c: RuleContext<Scalar>, inputWeight: Tensor?, hiddenWeight: Tensor?,
                                   stateWeight: Tensor?) -> InputGradients<Scalar> {
        let (u, input, hiddenGates, state) = (c.inputs[0], c.inputs[1], c.inputs[2], c.inputs[3])
        let width = state.shape[1]
        func block(_ t: Tensor, _ k: Int) -> Tensor { t.slice(axis: 1, k * width..<(k + 1) * width) }
        let vx = inputWeight ?? Tensor.zeros(input.shape), vh = hiddenWeight ?? Tensor.zeros(input.shape)
        let vs = stateWeight ?? Tensor.zeros(state.shape)
        // The pre-activations of r and z get the sum of the weights on their two parts.
        let (vr, vz, vxn, vhn) = (block(vx, 0) + block(vh, 0), block(vx, 1) + block(vh, 1), block(vx, 2), block(vh, 2))
        let r = (block(input, 0) + block(hiddenGates, 0)).sigmoid()
        let z = (block(input, 1) + block(hiddenGates, 1)).sigmoid()
        let m = block(hiddenGates, 2)
        let n = (block(input, 2) + r * m).tanh()
        let (sr, sz, sn) = (r * (1 - r), z * (1 - z), 1 - n * n)
        // ∂L/∂(pre-activation of n) = e = u(1 − z)(1 − n²), and S = e·k + vz·u·(h − n)·sz + vs·u·z.
        let k = vr * m * sr + vxn + vhn * r
        let e = u * (1 - z) * sn
        let q = sn * (-2 * u * (1 - z) * n * k - vz * u * sz)                 // ∂S/∂(pre-activation of n)
        var out: [Tensor?] = [nil, nil, nil, nil]
        if c.needsGradient[0] { out[0] = (1 - z) * sn * k + vz * (state - n) * sz + vs * z }
        if c.needsGradient[1] || c.needsGradient[2] {
            let dr = q * m * sr + e * (vr * m * sr * (1 - 2 * r) + vhn * sr)
            let dz = -u * sn * k * sz + vz * u * (state - n) * sz * (1 - 2 * z) + vs * u * sz
            if c.needsGradient[1] { out[1] = Tensor.concatenate([dr, dz, q], axis: 1) }
            if c.needsGradient[2] { out[2] = Tensor.concatenate([dr, dz, q * r + e * vr * sr], axis: 1) }
        }
        if c.needsGradient[3] { out[3] = vz * u * sz }
        return InputGradients(out)
    }
}

// Sequence-level recurrent primitives: one direction of an LSTM or GRU layer over a whole
// sequence as one op, the input projections x_t·W_ihᵀ + b_ih of every step made beforehand by
// the caller in one product ([steps·batch, input]·W_ihᵀ). PyTorch's CPU `nn.LSTM` does the same
// (ATen's `FullLayer` in RNN.cpp projects the whole input first and unbinds it into steps).
//
// Why one op. Run step by step, each step is two small products forward (x_t·W_ihᵀ, h·W_hhᵀ) and
// four backward (∂x, ∂W_ih, ∂h, ∂W_hh), each too small to use the machine well; and cutting the
// projected sequence into steps with slices would give each slice a gradient the size of the
// whole sequence (quadratic in its length). As one op, the forward pass is one small product per
// step (h·W_hhᵀ) and the fused cell kernel; the backward pass is one small product per step
// (∂L/∂h = ∂L/∂gates·W_hh) and the cell's backward kernel, writing the gate gradients of all the
// steps side by side; then ∂L/∂W_hh = Gᵀ·H_prev is one product over the whole sequence, and
// ∂L/∂projected = G (the stacked gate gradients) goes to the projection's own matmul node, whose
// rule makes ∂L/∂W_ih and ∂L/∂x in one product each.
//
// Result. One tensor [steps, batch, hidden] of the hidden state after each step, in time order
// for either direction; the LSTM's has one more row, [steps + 1, batch, hidden], the final cell
// state (the final hidden state is the row of the last step run). One result, so that one
// backward pass through time serves the hidden states and the final cell state together.
//
// Differentiability. Without `createGraph` the rule runs the loop above on what the forward pass
// kept (the cells' activations, the LSTM's cell states, the GRU's projected hidden states). When
// the backward pass is itself recorded, the rule writes the same backward pass through time with
// ops — the forward steps again (slices, matmul, the fused cells) and then the cells' backward
// primitives and products in reverse — so that the tape differentiates it again, as the fused
// batch normalization does (BatchNorm.swift). Tested by gradcheck and gradgradcheck in
// RecurrentSequenceTests.

extension Tensor {
    /// An LSTM over a whole sequence, from the projected inputs `projected` = x·W_ihᵀ + b_ih
    /// [steps, batch, 4·hidden] (gates in PyTorch's order i, f, g, o), the recurrent weight
    /// `weightHH` [4·hidden, hidden] and bias `biasHH` [4·hidden] (or nil), and the initial
    /// hidden and cell states [batch, hidden] (zeros when nil). Returns [steps + 1, batch,
    /// hidden]: the hidden state after each step (row t for step t), then the final cell state.
    /// `reversed` runs the steps from the last to the first (a bidirectional layer's reverse
    /// direction); the rows stay in time order. Each step's values are those of
    /// ``lstmCell(gates:cell:)`` on projected[t] + (h·W_hhᵀ + b_hh), with W_hhᵀ made row-major.
    package static func lstmSequence(projected: Tensor, weightHH: Tensor, biasHH: Tensor?, hidden: Tensor?, cell: Tensor?,
                                     reversed: Bool = false) -> Tensor {
        recurrentSequence(.lstm, projected: projected, weightHH: weightHH, biasHH: biasHH, states: [hidden, cell],
                          reversed: reversed)
    }

    /// A GRU over a whole sequence, from the projected inputs `projected` = x·W_ihᵀ + b_ih
    /// [steps, batch, 3·hidden] (gates in PyTorch's order r, z, n), the recurrent weight
    /// `weightHH` [3·hidden, hidden] and bias `biasHH` [3·hidden] (or nil), and the initial
    /// hidden state [batch, hidden] (zeros when nil). Returns the hidden state after each step,
    /// [steps, batch, hidden] (row t for step t; `reversed` as in ``lstmSequence``). Each step's
    /// values are those of ``gruCell(input:hidden:state:)`` on projected[t] and h·W_hhᵀ + b_hh.
    package static func gruSequence(projected: Tensor, weightHH: Tensor, biasHH: Tensor?, hidden: Tensor?,
                                    reversed: Bool = false) -> Tensor {
        recurrentSequence(.gru, projected: projected, weightHH: weightHH, biasHH: biasHH, states: [hidden], reversed: reversed)
    }

    /// The primitive behind `lstmSequence` and `gruSequence`. Its inputs, in order: projected,
    /// weightHH, the initial states (zeros made here when not given), then biasHH when given.
    static func recurrentSequence(_ kind: RecurrentSequenceCell, projected: Tensor, weightHH: Tensor, biasHH: Tensor?,
                                  states: [Tensor?], reversed: Bool) -> Tensor {
        let name: OpName = kind == .lstm ? "lstmSequence" : "gruSequence", gates = kind.gates
        require(weightHH.rank == 2 && weightHH.shape[1] > 0 && weightHH.shape[0] == gates * weightHH.shape[1],
                "\(name): weightHH of shape \(weightHH.shape) is not [\(gates)·hidden, hidden]")
        let (rows, width) = (weightHH.shape[0], weightHH.shape[1])
        require(projected.rank == 3 && projected.shape[0] > 0 && projected.shape[1] > 0 && projected.shape[2] == rows,
                "\(name): projected of shape \(projected.shape) is not [steps, batch, \(rows)] with steps, batch > 0 "
                + "(\(gates)·hidden, hidden \(width) from weightHH \(weightHH.shape))")
        let (steps, batch) = (projected.shape[0], projected.shape[1])
        if let biasHH { require(biasHH.shape == [rows], "\(name): biasHH of shape \(biasHH.shape) is not [\(rows)]") }
        for (stateName, state) in zip(["hidden", "cell"], states) {
            if let state {
                require(state.shape == [batch, width],
                        "\(name): \(stateName) state of shape \(state.shape) is not [\(batch), \(width)] ([batch, hidden])")
            }
        }
        let initial = states.map { $0 ?? Tensor.zeros([batch, width]) }
        let stateSize = batch * width, savedCount = steps * kind.savedPerStep(batch: batch, hidden: width)
        var saved: [Scalar] = []
        let values = makeScalars(count: (kind == .lstm ? steps + 1 : steps) * stateSize) { out in
            saved = [Scalar](unsafeUninitializedCapacity: savedCount) { buffer, initialized in
                func run(_ bias: UnsafeBufferPointer<Scalar>?) {
                    projected.scalars.withUnsafeBufferPointer { p in
                        weightHH.scalars.withUnsafeBufferPointer { w in
                            initial[0].scalars.withUnsafeBufferPointer { h0 in
                                if kind == .lstm {
                                    initial[1].scalars.withUnsafeBufferPointer { c0 in
                                        Scalar.kernels.recurrentSequence(kind, p, w, bias, h0, c0, steps, batch, width, reversed, out, buffer)
                                    }
                                } else {
                                    Scalar.kernels.recurrentSequence(kind, p, w, bias, h0, nil, steps, batch, width, reversed, out, buffer)
                                }
                            }
                        }
                    }
                }
                if let biasHH { biasHH.scalars.withUnsafeBufferPointer { run($0) } } else { run(nil) }
                initialized = savedCount
            }
        }
        let inputs = [projected, weightHH] + initial + (biasHH.map { [$0] } ?? [])
        let outputShape = [kind == .lstm ? steps + 1 : steps, batch, width]
        return record(name, reversed ? "reversed" : "", inputs: NodeInputs(inputs), shape: outputShape, scalars: values) { c in
            let biasIndex = 2 + initial.count
            let bias = c.inputs.count > biasIndex ? c.inputs[biasIndex] : nil
            let needs = (0..<c.inputs.count).map { c.needsGradient[$0] }
            if isRecordingGradients {
                // Under createGraph: the same backward pass through time, as ops to differentiate again.
                return sequenceGradientsComposed(kind, upstream: c.upstream, projected: c.inputs[0], weightHH: c.inputs[1],
                                                 biasHH: bias, initial: Array(c.inputs[2..<biasIndex]), reversed: reversed,
                                                 needs: needs)
            }
            return sequenceGradients(kind, upstream: c.upstream, projected: c.inputs[0], weightHH: c.inputs[1],
                                     initial: Array(c.inputs[2..<biasIndex]), hasBias: bias != nil, output: values,
                                     saved: saved, reversed: reversed, needs: needs)
        }
    }

    /// The rule of `recurrentSequence` without createGraph: the backward loop on the saved values
    /// (Loops.recurrentSequenceBackward), then ∂L/∂W_hh and ∂L/∂b_hh over the whole sequence,
    /// one product and one sum. The gradients are constants, in the order of the op's inputs.
    static func sequenceGradients(_ kind: RecurrentSequenceCell, upstream: Tensor, projected: Tensor, weightHH: Tensor,
                                  initial: [Tensor], hasBias: Bool, output: [Scalar], saved: [Scalar], reversed: Bool,
                                  needs: [Bool]) -> InputGradients<Scalar> {
        let (steps, batch, rows, width) = (projected.shape[0], projected.shape[1], projected.shape[2], weightHH.shape[1])
        let stateSize = batch * width, gateSize = steps * batch * rows
        var dHiddenGates = kind == .gru ? [Scalar](repeating: 0, count: gateSize) : []
        var dHidden0 = [Scalar](repeating: 0, count: stateSize)
        var dCell0 = kind == .lstm ? [Scalar](repeating: 0, count: stateSize) : []
        let cell0 = kind == .lstm ? initial[1].scalars : []
        let dProjected = makeScalars(count: gateSize) { dp in
            upstream.scalars.withUnsafeBufferPointer { u in
                projected.scalars.withUnsafeBufferPointer { p in
                    weightHH.scalars.withUnsafeBufferPointer { w in
                        initial[0].scalars.withUnsafeBufferPointer { h0 in
                            cell0.withUnsafeBufferPointer { c0 in
                                output.withUnsafeBufferPointer { o in
                                    saved.withUnsafeBufferPointer { s in
                                        dHiddenGates.withUnsafeMutableBufferPointer { dhg in
                                            dHidden0.withUnsafeMutableBufferPointer { dh0 in
                                                dCell0.withUnsafeMutableBufferPointer { dc0 in
                                                    Scalar.kernels.recurrentSequenceBackward(kind, u, p, w, h0, c0, o, s, steps, batch,
                                                                                             width, reversed, dp, dhg, dh0, dc0)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // ∂L/∂(h·W_hhᵀ + b_hh) of every step: the LSTM's is its gate gradient, the GRU's its own.
        let dHidden = kind == .lstm ? dProjected : dHiddenGates
        var out = [Tensor?](repeating: nil, count: needs.count)
        if needs[0] { out[0] = Tensor(dProjected, shape: projected.shape) }
        if needs[1] {
            // The state each step read, in the steps' time order: h0 where the direction starts.
            let previous = makeScalars(count: steps * stateSize) { h in
                guard let hp = h.baseAddress else { return }
                output.withUnsafeBufferPointer { o in
                    initial[0].scalars.withUnsafeBufferPointer { h0 in
                        guard let op = o.baseAddress, let h0p = h0.baseAddress else { return }
                        let (first, rest) = reversed ? (steps - 1, 0) : (0, 1)
                        (hp + first * stateSize).initialize(from: h0p, count: stateSize)
                        (hp + rest * stateSize).initialize(from: op + (1 - rest) * stateSize, count: (steps - 1) * stateSize)
                    }
                }
            }
            // ∂L/∂W_hh = Σ_t ∂(h·W_hhᵀ)_tᵀ · h_prev,t: one product [rows, steps·batch]·[steps·batch, hidden].
            let dWeight = makeScalars(count: rows * width) { dw in
                dHidden.withUnsafeBufferPointer { g in
                    previous.withUnsafeBufferPointer { h in
                        Scalar.kernels.matmul(g, StridedView(offset: 0, strides: []), true, h, StridedView(offset: 0, strides: []),
                                              false, [], rows, steps * batch, width, dw)
                    }
                }
            }
            out[1] = Tensor(dWeight, shape: weightHH.shape)
        }
        for (k, values) in [dHidden0, dCell0].prefix(initial.count).enumerated() where needs[2 + k] {
            out[2 + k] = Tensor(values, shape: [batch, width])
        }
        if hasBias, needs[2 + initial.count] {
            let dBias = makeScalars(count: rows) { db in
                dHidden.withUnsafeBufferPointer { Scalar.kernels.reduce(.sum, $0, [steps * batch, rows], [0], db, nil) }
            }
            out[2 + initial.count] = Tensor(dBias, shape: [rows])
        }
        return InputGradients(out)
    }

    /// The rule of `recurrentSequence` under createGraph, written with ops: the forward steps
    /// again (products, the fused cells), then the backward pass through time with the cells'
    /// backward primitives, which are differentiable again. The same expression as
    /// `sequenceGradients`, so the same values up to rounding.
    static func sequenceGradientsComposed(_ kind: RecurrentSequenceCell, upstream: Tensor, projected: Tensor, weightHH: Tensor,
                                          biasHH: Tensor?, initial: [Tensor], reversed: Bool, needs: [Bool]) -> InputGradients<Scalar> {
        let (steps, batch, rows, width) = (projected.shape[0], projected.shape[1], projected.shape[2], weightHH.shape[1])
        func row(_ t: Tensor, _ index: Int) -> Tensor { t.slice(axis: 0, index..<(index + 1)).squeezed(at: 0) }
        let order = reversed ? Array((0..<steps).reversed()) : Array(0..<steps)
        // What each step read and made: its input projection, its projected hidden state (with
        // the LSTM's gate pre-activations), the states it read.
        var input = [Tensor?](repeating: nil, count: steps), hiddenGates = input, gateValues = input
        var hiddenRead = input, cellRead = input
        var h = initial[0], cell = kind == .lstm ? initial[1] : nil
        for t in order {
            let product = h.matmul(weightHH, transposeA: false, transposeB: true)
            let q = biasHH.map { product + $0 } ?? product
            let p = row(projected, t)
            (input[t], hiddenGates[t], hiddenRead[t]) = (p, q, h)
            if let c = cell {
                let gates = p + q, both = lstmCell(gates: gates, cell: c)
                (gateValues[t], cellRead[t]) = (gates, c)
                h = both.slice(axis: 1, 0..<width)
                cell = both.slice(axis: 1, width..<(2 * width))
            } else {
                h = gruCell(input: p, hidden: q, state: h)
            }
        }
        var dh = Tensor.zeros([batch, width]), dc = kind == .lstm ? row(upstream, steps) : nil
        var dInput = [Tensor](repeating: dh, count: steps), dHidden = dInput
        for t in order.reversed() {
            guard let p = input[t], let q = hiddenGates[t], let hPrev = hiddenRead[t] else { continue }
            dh = dh + row(upstream, t)
            if let dcNext = dc, let gates = gateValues[t], let cPrev = cellRead[t] {
                let d = lstmCellBackward(upstream: Tensor.concatenate([dh, dcNext], axis: 1), gates: gates, cell: cPrev)
                (dInput[t], dHidden[t], dc) = (d.gates, d.gates, d.cell)
                dh = d.gates.matmul(weightHH)
            } else {
                let d = gruCellBackward(upstream: dh, input: p, hidden: q, state: hPrev)
                (dInput[t], dHidden[t]) = (d.input, d.hidden)
                dh = d.hidden.matmul(weightHH) + d.state
            }
        }
        let stackedHidden = Tensor.stack(dHidden, axis: 0).reshaped([steps * batch, rows])
        var out = [Tensor?](repeating: nil, count: needs.count)
        if needs[0] { out[0] = Tensor.stack(dInput, axis: 0) }
        if needs[1] {
            let previous = Tensor.stack(hiddenRead.compactMap { $0 }, axis: 0).reshaped([steps * batch, width])
            out[1] = stackedHidden.matmul(previous, transposeA: true, transposeB: false)
        }
        if needs[2] { out[2] = dh }
        if kind == .lstm, needs[3] { out[3] = dc }
        if biasHH != nil, needs[2 + initial.count] { out[2 + initial.count] = stackedHidden.sum(axes: [0]) }
        return InputGradients(out)
    }
}

// The kernels of the fused batch normalization (Ops/BatchNorm.swift): the input seen as
// [outer, channels, inner] (batch, channels, every spatial axis together), statistics per channel
// over the outer and inner axes. The forward pass computes the composition's expressions in its
// order — the mean as `sum / n` by the pairwise sums of Summation.swift, x − mean, the mean of
// its squares, √(var + eps), the quotient — so its values are those of the composed ops, bit for
// bit; it only skips the tape and the intermediate tensors.

extension Loops {
    /// Rows [outer·channels] of `inner` elements each, shared by the threads when large; each
    /// element is computed alone, so the bits do not depend on the thread count.
    @inline(__always)
    static func channelRows(_ outer: Int, _ channels: Int, _ inner: Int, _ body: (_ row: Int, _ channel: Int) -> Void) {
        let rows = outer * channels
        // A few operations per element: worth another thread from the size of a plain map's split.
        let parts = Parallel.parts(work: rows * inner, minimum: elementsPerThread, limit: rows)
        Parallel.ranges(rows, parts: parts) { start, count in
            for row in start..<(start + count) { body(row, row % channels) }
        }
    }

    /// x̂ = (x − mean)/√(var + eps) per channel with the batch's mean and biased variance; writes
    /// x̂ to `out` and the mean, variance and √(var + eps) of each channel.
    static func batchNorm<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ outer: Int, _ channels: Int, _ inner: Int,
                                           _ eps: S, _ out: UnsafeMutableBufferPointer<S>, _ mean: UnsafeMutablePointer<S>,
                                           _ variance: UnsafeMutablePointer<S>, _ deviation: UnsafeMutablePointer<S>) {
        guard let xp = x.baseAddress, let op = out.baseAddress, x.count > 0 else { return }
        let shape = [outer, channels, inner], axes: Set<Int> = [0, 2]
        let n = S(outer * inner)
        sum(x, shape, axes, UnsafeMutableBufferPointer(start: mean, count: channels))
        for c in 0..<channels { mean[c] = mean[c] / n }
        let squares = UnsafeMutablePointer<S>.allocate(capacity: x.count)
        defer { squares.deallocate() }
        channelRows(outer, channels, inner) { row, c in
            let (xr, orow, sr, m) = (xp + row * inner, op + row * inner, squares + row * inner, mean[c])
            for k in 0..<inner {
                let centered = xr[k] - m
                orow[k] = centered
                sr[k] = centered * centered
            }
        }
        sum(UnsafeBufferPointer(start: squares, count: x.count), shape, axes, UnsafeMutableBufferPointer(start: variance, count: channels))
        for c in 0..<channels {
            variance[c] = variance[c] / n
            deviation[c] = (variance[c] + eps).squareRoot()
        }
        channelRows(outer, channels, inner) { row, c in
            let (orow, d) = (op + row * inner, deviation[c])
            for k in 0..<inner { orow[k] = orow[k] / d }
        }
    }

    /// The vector-Jacobian product of `batchNorm` (statistics of the batch) followed by the affine
    /// map y = x̂·w + b: from the upstream gradient g of y, the normalized x̂, √(var + eps) and w
    /// per channel (nil: 1), dx = w·(g − mean(g) − x̂·mean(g·x̂)) / √(var + eps), the means per
    /// channel; `sums` (when given, 2·channels) receives Σg (∂L/∂b) and Σg·x̂ (∂L/∂w) per channel.
    static func batchNormBackward<S: TensorScalar>(_ g: UnsafeBufferPointer<S>, _ normalized: UnsafeBufferPointer<S>,
                                                   _ outer: Int, _ channels: Int, _ inner: Int,
                                                   _ deviation: UnsafeBufferPointer<S>, _ scale: UnsafeBufferPointer<S>?,
                                                   _ out: UnsafeMutableBufferPointer<S>, _ sums: UnsafeMutablePointer<S>?) {
        guard let gp = g.baseAddress, let hp = normalized.baseAddress, let dp = deviation.baseAddress,
              let op = out.baseAddress, g.count > 0 else { return }
        let shape = [outer, channels, inner], axes: Set<Int> = [0, 2]
        let n = S(outer * inner)
        let means = UnsafeMutablePointer<S>.allocate(capacity: 3 * channels)
        defer { means.deallocate() }
        let (gMean, ghMean, factor) = (means, means + channels, means + 2 * channels)
        sum(g, shape, axes, UnsafeMutableBufferPointer(start: gMean, count: channels))
        channelRows(outer, channels, inner) { row, _ in
            let (gr, hr, orow) = (gp + row * inner, hp + row * inner, op + row * inner)
            for k in 0..<inner { orow[k] = gr[k] * hr[k] }
        }
        sum(UnsafeBufferPointer(start: UnsafePointer(op), count: g.count), shape, axes,
            UnsafeMutableBufferPointer(start: ghMean, count: channels))
        if let sums { sums.update(from: means, count: 2 * channels) }
        for c in 0..<channels {
            gMean[c] = gMean[c] / n
            ghMean[c] = ghMean[c] / n
            factor[c] = scale.map { $0[c] / dp[c] } ?? 1 / dp[c]
        }
        channelRows(outer, channels, inner) { row, c in
            let (gr, hr, orow) = (gp + row * inner, hp + row * inner, op + row * inner)
            let (a, b, f) = (gMean[c], ghMean[c], factor[c])
            for k in 0..<inner { orow[k] = (gr[k] - a - hr[k] * b) * f }
        }
    }

    /// y = x̂·w + b per channel (w or b nil: 1 or 0).
    static func channelAffine<S: TensorScalar>(_ normalized: UnsafeBufferPointer<S>, _ outer: Int, _ channels: Int,
                                               _ inner: Int, _ weight: UnsafeBufferPointer<S>?, _ bias: UnsafeBufferPointer<S>?,
                                               _ out: UnsafeMutableBufferPointer<S>) {
        guard let hp = normalized.baseAddress, let op = out.baseAddress else { return }
        channelRows(outer, channels, inner) { row, c in
            let (hr, orow) = (hp + row * inner, op + row * inner)
            let (w, b) = (weight?[c] ?? 1, bias?[c] ?? 0)
            for k in 0..<inner { orow[k] = hr[k] * w + b }
        }
    }
}

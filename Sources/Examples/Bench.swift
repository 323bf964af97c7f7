import Autograd
import Foundation
import Layers
import Optim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bench`: the speed workloads of the speed issue, each warmed up and repeated, reported as
/// median and spread, GFLOP/s where it applies, and the peak resident memory.
enum Bench {
    struct Figure: Codable {
        /// A short stable name for scripts (bench/compare.py): gemm256, mlp1, mlp2, cnn, chain, memory, …
        let key: String
        let workload: String
        let medianMicroseconds: Double
        let minMicroseconds: Double
        let maxMicroseconds: Double
        let gflops: Double?
        let note: String
        /// The model's parameter count, for the rows that train one of the examples' models
        /// (bench/compare.py checks that PyTorch's twin has as many); absent from the other rows.
        var parameters: Int? = nil
    }

    static func time(repeats: Int, warmup: Int, _ body: () -> Void) -> (median: Double, min: Double, max: Double) {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        samples.sort()
        return (samples[samples.count / 2], samples.first ?? 0, samples.last ?? 0)
    }

    /// Runs split products for `seconds` before anything is timed. The worker threads start with
    /// the first split job, and the kernel takes a few milliseconds to move them off the caller's
    /// core: a GEMM timed right after it ran on one core in about half of the processes (256³ at
    /// 330 µs instead of 175), while PyTorch's threads had been running since its own warm-up.
    static func settleThreads(seconds: Double = 0.2) {
        var rng = SeededGenerator(seed: 99)
        let a = Tensor<Float>.randomNormal([256, 256], using: &rng)
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        while DispatchTime.now().uptimeNanoseconds < end { _ = a.matmul(a) }
    }

    /// Peak resident set size in MiB (getrusage reports KiB on Linux, bytes on macOS).
    ///
    /// On Linux the peak of this process's own memory (`VmHWM`): getrusage's `ru_maxrss` survives
    /// `exec`, so a bench started by `bench/compare.py` reported the Python process's size with
    /// PyTorch loaded (475–600 MiB) as its own.
    static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #else
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kib / 1024
        }
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #endif
    }

    /// Current resident set size in MiB (/proc/self/statm on Linux; the peak elsewhere).
    static func currentResidentMiB() -> Double {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = text.split(separator: " ")
            if fields.count > 1, let pages = Double(fields[1]) {
                return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
            }
        }
        #endif
        return peakResidentMiB()
    }

    /// p ← p − 0.01·∂L/∂p with plain tensor ops (what bench/compare.py does in PyTorch), then zeroes the gradients.
    static func plainSGDStep(_ params: inout [Tensor<Float>]) {
        withoutGradients {
            for i in params.indices {
                if let g = params[i].grad { params[i].assign(params[i] - g * 0.01) }
                params[i].zeroGrad()
            }
        }
    }

    /// One training step of a fully connected classifier (forward, backward, SGD), with ops only.
    static func mlpStep(_ sizes: [Int], batch: Int, seed: UInt64) -> () -> Void {
        var rng = SeededGenerator(seed: seed)
        let weights = zip(sizes, sizes.dropFirst()).map { n, m in
            Tensor<Float>.randomNormal([n, m], standardDeviation: (2 / Float(n)).squareRoot(), using: &rng).requiringGrad()
        }
        let biases = sizes.dropFirst().map { Tensor<Float>.zeros([$0]).requiringGrad() }
        let x = Tensor<Float>.randomNormal([batch, sizes[0]], using: &rng)
        let labels = Tensor<Float>((0..<batch).map { Float($0 % (sizes.last ?? 1)) }, shape: [batch, 1])
        var params = weights + biases
        return {
            var h = x
            for (i, (w, b)) in zip(params[..<weights.count], params[weights.count...]).enumerated() {
                h = h.matmul(w) + b
                if i < weights.count - 1 { h = h.relu() }
            }
            let loss = -h.logSoftmax(axis: 1).gather(axis: 1, indices: labels).mean()
            loss.backward()
            plainSGDStep(&params)
        }
    }

    /// One step of conv(1→8, 3×3, pad 1) → relu → maxpool 2 → dense(1568→10) on 28×28 images.
    static func cnnStep(batch: Int, seed: UInt64) -> () -> Void {
        var rng = SeededGenerator(seed: seed)
        var params = [
            Tensor<Float>.randomNormal([8, 1, 3, 3], standardDeviation: 0.3, using: &rng).requiringGrad(),
            Tensor<Float>.zeros([8]).requiringGrad(),
            Tensor<Float>.randomNormal([1568, 10], standardDeviation: 0.03, using: &rng).requiringGrad(),
            Tensor<Float>.zeros([10]).requiringGrad(),
        ]
        let x = Tensor<Float>.randomNormal([batch, 1, 28, 28], using: &rng)
        let labels = Tensor<Float>((0..<batch).map { Float($0 % 10) }, shape: [batch, 1])
        return {
            let features = x.conv2d(params[0], bias: params[1], padding: (1, 1)).relu().maxPool2D(kernel: (2, 2))
            let logits = features.flattened(from: 1).matmul(params[2]) + params[3]
            let loss = -logits.logSoftmax(axis: 1).gather(axis: 1, indices: labels).mean()
            loss.backward()
            plainSGDStep(&params)
        }
    }

    /// One epoch of `fit` on data of MNIST's shape: 55,000 generated 28×28 images (uniform in
    /// [0, 1)) with random labels, a dense 784-128-10 ReLU network, Adam (lr 1e-3), batch 64,
    /// shuffled, cross-entropy — what a user's training run costs, batching and optimizer included.
    static func epoch(samples: Int, seed: UInt64) -> () -> Void {
        var rng = SeededGenerator(seed: seed)
        let images = Tensor<Float>.randomUniform([samples, 784], lower: 0, upper: 1, using: &rng)
        let labels = Tensor<Float>((0..<samples).map { _ in Float(rng.next() % 10) }, shape: [samples])
        let data = Dataset(inputs: images, targets: labels)
        let model = Sequential<Float> {
            Dense(inputs: 784, outputs: 128, activation: .relu, seed: seed)
            Dense(inputs: 128, outputs: 10, seed: seed + 1)
        }
        let optimizer = Adam(model, learningRate: 1e-3)
        var shuffle = seed
        return {
            shuffle += 1
            _ = fit(model, optimizer: optimizer, loss: { crossEntropy(logits: $0, labels: $1) }, training: data,
                    epochs: 1, batchSize: 64, shuffleSeed: shuffle, output: .silent)
        }
    }

    /// One training step of a character-level language model on a batch of 32 sequences of 16
    /// tokens (vocabulary 27): forward, next-token cross-entropy, backward, Adam.
    static func languageModelStep<Model: Layer>(_ model: Model, seed: UInt64) -> () -> Void where Model.Scalar == Float {
        var rng = SeededGenerator(seed: seed)
        let batch = 32, context = 16, vocabulary = 27
        let tokens = Tensor<Float>((0..<(batch * (context + 1))).map { _ in Float(rng.next() % UInt64(vocabulary)) },
                                   shape: [batch, context + 1])
        let inputs = tokens.slice(axis: 1, 0..<context), targets = tokens.slice(axis: 1, 1..<(context + 1))
        let optimizer = Adam(model, learningRate: 1e-3)
        return {
            let loss = Models.nextTokenLoss(logits: model(inputs), targets: targets)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
    }

    /// One training step of a next-character model of data/names.txt as `MakemoreExample.train`
    /// takes it (makemore's MLP, the WaveNet stack): a batch of 32 contexts of `block` characters
    /// and their next characters (vocabulary 27, fixed random indices), forward in training mode
    /// (batch norm on the batch's statistics), cross-entropy, zeroGrad, backward, and the example's
    /// SGD (learning rate 0.1).
    static func namesModelStep<Model: Layer>(_ model: Model, block: Int, seed: UInt64) -> () -> Void where Model.Scalar == Float {
        var rng = SeededGenerator(seed: seed)
        let batch = 32, vocabulary = UInt64(27)
        let contexts = Tensor<Float>((0..<(batch * block)).map { _ in Float(rng.next() % vocabulary) }, shape: [batch, block])
        let next = Tensor<Float>((0..<batch).map { _ in Float(rng.next() % vocabulary) })
        let sgd = SGD(model, learningRate: MakemoreExample.learningRate(steps: MakemoreExample.Config().steps))
        return {
            let loss = withLearningPhase(.training) { crossEntropy(logits: model(contexts), labels: next) }
            model.zeroGrad()
            loss.backward()
            sgd.step()
        }
    }

    static func run(_ options: inout Options) throws {
        let quick = options.flag("quick")
        let jsonPath = options.string("json")
        let repeats = try options.int("repeats", default: quick ? 5 : 50)
        let only = options.string("only")
        let chainLength = try options.int("chain", default: quick ? 100_000 : 1_000_000)
        func selected(_ key: String) -> Bool { only == nil || only == key }
        var figures: [Figure] = []
        func report(_ name: String, key: String = "", _ t: (median: Double, min: Double, max: Double), gflops: Double? = nil,
                    note: String = "", parameters: Int? = nil) {
            figures.append(Figure(key: key, workload: name, medianMicroseconds: t.median, minMicroseconds: t.min,
                                  maxMicroseconds: t.max, gflops: gflops, note: note, parameters: parameters))
            let g = gflops.map { String(format: "%8.1f GFLOP/s", $0) } ?? String(repeating: " ", count: 16)
            let label = name.padding(toLength: 58, withPad: " ", startingAt: 0)
            print("  " + label + String(format: "%12.1f µs  (min %.1f, max %.1f) ", t.median, t.min, t.max) + g
                  + (note.isEmpty ? "" : "  " + note))
        }
        print("Benchmark (Float, median of \(repeats) runs after warm-up; \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        settleThreads()
        for n in quick ? [256] : [256, 512, 1024] where selected("gemm") {
            var rng = SeededGenerator(seed: 1)
            let a = Tensor<Float>.randomNormal([n, n], using: &rng), b = Tensor<Float>.randomNormal([n, n], using: &rng)
            let t = time(repeats: n >= 1024 ? max(3, repeats / 10) : max(3, repeats / 5), warmup: 1) { _ = a.matmul(b) }
            report("GEMM \(n)×\(n)×\(n)", key: "gemm\(n)", t, gflops: 2 * pow(Double(n), 3) / (t.median * 1e3))
        }
        if selected("mlp") {
            report("MLP 784-128-10, batch 128, one training step", key: "mlp1", time(repeats: repeats, warmup: 3, mlpStep([784, 128, 10], batch: 128, seed: 2)))
            report("MLP 784-256-128-10, batch 32, one step", key: "mlp2", time(repeats: repeats, warmup: 3, mlpStep([784, 256, 128, 10], batch: 32, seed: 3)))
        }
        if selected("cnn") {
            report("CNN conv(1→8,3×3,pad 1)→relu→maxpool 2→dense, batch 32", key: "cnn", time(repeats: max(3, repeats / 5), warmup: 1, cnnStep(batch: 32, seed: 4)))
        }
        if selected("epoch") {
            let samples = quick ? 5_500 : 55_000
            report("one epoch: MLP 784-128-10, Adam, batch 64, \(samples) samples", key: "epoch",
                   time(repeats: quick ? 1 : 3, warmup: 1, epoch(samples: samples, seed: 6)),
                   note: quick ? "(--quick: a tenth of an epoch of MNIST's size)" : "")
        }
        if selected("gpt") {
            let model = Models.CharacterGPT(vocabulary: 27, seed: 7)
            report("GPT (2 blocks, 4 heads, 64 wide, context 16), batch 32, step", key: "gpt",
                   time(repeats: repeats, warmup: 3, languageModelStep(model, seed: 8)))
        }
        if selected("lstm") {
            let model = Models.CharacterLSTM(vocabulary: 27, seed: 9)
            report("LSTM (embedding 64, hidden 128), 16 steps, batch 32, step", key: "lstm",
                   time(repeats: repeats, warmup: 3, languageModelStep(model, seed: 10)))
        }
        if selected("gru") {
            let model = Models.CharacterGRU(vocabulary: 27, dimension: 64, hidden: 128, seed: 9)
            report("GRU (embedding 64, hidden 128), 16 steps, batch 32, step", key: "gru",
                   time(repeats: repeats, warmup: 3, languageModelStep(model, seed: 10)))
        }
        if only == "cells" {
            // The recurrent cells alone after their matrix products (not part of the default run), at
            // the LSTM row's sizes (batch 32, hidden 128), forward and backward: the fused primitives
            // against the same equations composed of ops (what RecurrentKind.step ran before).
            let (batch, hidden) = (32, 128)
            var rng = SeededGenerator(seed: 12)
            let gates = Tensor<Float>.randomNormal([batch, 4 * hidden], using: &rng).requiringGrad()
            let x = Tensor<Float>.randomNormal([batch, 3 * hidden], using: &rng).requiringGrad()
            let hh = Tensor<Float>.randomNormal([batch, 3 * hidden], using: &rng).requiringGrad()
            let state = Tensor<Float>.randomNormal([batch, hidden], using: &rng).requiringGrad()
            func block(_ t: Tensor<Float>, _ k: Int) -> Tensor<Float> { t.slice(axis: 1, k * hidden..<(k + 1) * hidden) }
            func composedLSTM() -> [Tensor<Float>] {
                let (i, f) = (block(gates, 0).sigmoid(), block(gates, 1).sigmoid())
                let (g, o) = (block(gates, 2).tanh(), block(gates, 3).sigmoid())
                let c = f * state + i * g
                return [o * c.tanh(), c]
            }
            func fusedLSTM() -> [Tensor<Float>] {
                let both = Tensor.lstmCell(gates: gates, cell: state)
                return [both.slice(axis: 1, 0..<hidden), both.slice(axis: 1, hidden..<2 * hidden)]
            }
            func composedGRU() -> Tensor<Float> {
                let r = (block(x, 0) + block(hh, 0)).sigmoid(), z = (block(x, 1) + block(hh, 1)).sigmoid()
                let n = (block(x, 2) + r * block(hh, 2)).tanh()
                return (1 - z) * n + z * state
            }
            func lstmStep(_ cell: @escaping () -> [Tensor<Float>]) -> () -> Void {
                { let hc = cell(); _ = try? gradients(of: hc[0].sum() + hc[1].sum(), wrt: [gates, state]) }
            }
            func gruStep(_ cell: @escaping () -> Tensor<Float>) -> () -> Void {
                { _ = try? gradients(of: cell().sum(), wrt: [x, hh, state]) }
            }
            let fusedGRU = { Tensor.gruCell(input: x, hidden: hh, state: state) }
            report("cells: LSTM cell composed of ops, forward + backward", key: "cell-lstm-composed",
                   time(repeats: max(200, repeats), warmup: 10, lstmStep(composedLSTM)))
            report("cells: LSTM cell fused, forward + backward", key: "cell-lstm-fused",
                   time(repeats: max(200, repeats), warmup: 10, lstmStep(fusedLSTM)))
            report("cells: GRU cell composed of ops, forward + backward", key: "cell-gru-composed",
                   time(repeats: max(200, repeats), warmup: 10, gruStep(composedGRU)))
            report("cells: GRU cell fused, forward + backward", key: "cell-gru-fused",
                   time(repeats: max(200, repeats), warmup: 10, gruStep(fusedGRU)))
        }
        if selected("makemore") {
            let config = MakemoreExample.Config()
            let model = Models.MLPLanguageModel(vocabulary: 27, block: config.block, dimension: config.dimension,
                                                hiddenUnits: config.hiddenUnits, seed: config.seed)
            report("makemore MLP (3×10 → 200, BatchNorm, tanh), b32, SGD step", key: "makemore",
                   time(repeats: repeats, warmup: 3, namesModelStep(model, block: config.block, seed: 12)),
                   note: "\(model.parameterCount) parameters", parameters: model.parameterCount)
        }
        if selected("wavenet") {
            let config = WaveNetExample.defaults
            let model = Models.WaveNetLanguageModel(vocabulary: 27, dimension: config.dimension, channels: config.hiddenUnits,
                                                    seed: config.seed)
            report("WaveNet (3 dilated convs of 128, BatchNorm), b32, SGD step", key: "wavenet",
                   time(repeats: repeats, warmup: 3, namesModelStep(model, block: config.block, seed: 13)),
                   note: "\(model.parameterCount) parameters", parameters: model.parameterCount)
        }
        // Per-sample gradients (Bench+PerSample.swift): vectorized, the loop, the batch gradient.
        if selected("persample") { perSampleRows(repeats: repeats) { report($0, key: $1, $2) } }
        if only == "ops" {
            // The CNN step's ops one by one (not part of the default run).
            var rng = SeededGenerator(seed: 4)
            let x = Tensor<Float>.randomNormal([32, 1, 28, 28], using: &rng)
            let w = Tensor<Float>.randomNormal([8, 1, 3, 3], using: &rng).requiringGrad()
            let h = Tensor<Float>.randomNormal([32, 8, 28, 28], using: &rng)
            let hg = h.requiringGrad()
            report("ops: conv2d forward 32×1×28×28 ∗ 8×1×3×3", time(repeats: repeats, warmup: 3) { _ = x.conv2d(w, padding: (1, 1)) })
            report("ops: relu forward 32×8×28×28", time(repeats: repeats, warmup: 3) { _ = h.relu() })
            report("ops: maxPool2D forward 32×8×28×28", time(repeats: repeats, warmup: 3) { _ = h.maxPool2D(kernel: (2, 2)) })
            report("ops: maxPool2D forward + backward", time(repeats: repeats, warmup: 3) { hg.maxPool2D(kernel: (2, 2)).sum().backward() })
            report("ops: conv2d forward + backward", time(repeats: repeats, warmup: 3) { x.conv2d(w, padding: (1, 1)).sum().backward() })
            // Reductions: one long row, the last axis of a matrix, the first axis (a bias gradient).
            let long = Tensor<Float>.randomNormal([1 << 20], using: &rng)
            let m = Tensor<Float>.randomNormal([1024, 1024], using: &rng)
            let tall = Tensor<Float>.randomNormal([4096, 10], using: &rng)
            report("ops: sum of 2^20 elements", time(repeats: repeats, warmup: 3) { _ = long.sum() })
            report("ops: sum over axis 1 of 1024×1024", time(repeats: repeats, warmup: 3) { _ = m.sum(axes: [1]) })
            report("ops: sum over axis 0 of 1024×1024", time(repeats: repeats, warmup: 3) { _ = m.sum(axes: [0]) })
            report("ops: sum over axis 0 of 4096×10", time(repeats: repeats, warmup: 3) { _ = tall.sum(axes: [0]) })
            report("ops: mean of 32×8×28×28", time(repeats: repeats, warmup: 3) { _ = h.mean() })
            report("ops: logSumExp over axis 1 of 1024×1024", time(repeats: repeats, warmup: 3) { _ = m.logSumExp(axes: [1]) })
        }
        if only == "threads" {
            // What sizes are worth sharing with other threads (not part of the default run): compare
            // runs with AUTOGRAD_THREADS=1 and unset. Products of an LSTM's and an MLP's sizes, then
            // elementwise maps and sums of 2^12 to 2^20 Floats.
            var rng = SeededGenerator(seed: 12)
            for (m, k, n) in [(32, 64, 512), (32, 128, 512), (64, 128, 128), (96, 96, 96), (128, 128, 128), (128, 784, 128),
                              (32, 784, 256), (128, 256, 256), (256, 256, 256)] {
                let a = Tensor<Float>.randomNormal([m, k], using: &rng), b = Tensor<Float>.randomNormal([k, n], using: &rng)
                let t = time(repeats: max(50, repeats), warmup: 5) { _ = a.matmul(b) }
                report("threads: GEMM \(m)×\(k)×\(n) (\(m * k * n / 1024)K multiply-adds)", key: "t-gemm\(m)x\(k)x\(n)", t,
                       gflops: 2 * Double(m * n * k) / (t.median * 1e3))
            }
            for log2n in [12, 14, 15, 16, 17, 18, 20] {
                let n = 1 << log2n
                let x = Tensor<Float>.randomUniform([n], lower: -4, upper: 4, using: &rng), y = x * 0.5
                let repeats = max(100, repeats)
                report("threads: add, 2^\(log2n) Floats", key: "t-add\(log2n)", time(repeats: repeats, warmup: 5) { _ = x + y })
                report("threads: exp, 2^\(log2n) Floats", key: "t-exp\(log2n)", time(repeats: repeats, warmup: 5) { _ = x.exp() })
                report("threads: sum, 2^\(log2n) Floats", key: "t-sum\(log2n)", time(repeats: repeats, warmup: 5) { _ = x.sum() })
            }
        }
        if only == "elementwise" {
            // Per-element cost of the transcendental forward kernels on 2²⁰ Floats in [−4, 4] (not
            // part of the default run; best of the runs, as docs/elementwise-speed.md measures).
            var rng = SeededGenerator(seed: 11)
            let n = 1 << 20
            let x = Tensor<Float>.randomUniform([n], lower: -4, upper: 4, using: &rng)
            let ops: [(String, (Tensor<Float>) -> Tensor<Float>)] = [
                ("exp", { $0.exp() }), ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }), ("erf", { $0.erf() }),
                ("gelu", { $0.gelu() }), ("silu", { $0.silu() }), ("log1p of x + 4", { $0.log1p() }),
                ("softplus", { $0.softplus() }), ("expm1", { $0.expm1() }), ("erfc", { $0.erfc() }),
                ("gelu-tanh", { $0.gelu(approximate: .tanh) }), ("elu", { $0.elu() }), ("selu", { $0.selu() }),
                ("mish", { $0.mish() }), ("sin", { $0.sin() }), ("cos", { $0.cos() }),
            ]
            let shifted = x + 4
            for (name, f) in ops {
                let input = name.hasPrefix("log1p") ? shifted : x
                let t = time(repeats: max(30, repeats), warmup: 3) { _ = f(input) }
                report("elementwise: \(name), 2^20 Floats", key: "ew-\(name.prefix { $0 != " " })", t,
                       note: String(format: "%.3f ns/element (best)", t.min * 1e3 / Double(n)))
            }
            // The same inputs in Double for the functions whose Double kernels came last.
            let xd = Tensor<Double>(x.scalars.map(Double.init), shape: x.shape)
            let doubleOps: [(String, (Tensor<Double>) -> Tensor<Double>)] = [
                ("gelu", { $0.gelu() }), ("gelu-tanh", { $0.gelu(approximate: .tanh) }), ("elu", { $0.elu() }),
                ("mish", { $0.mish() }), ("sin", { $0.sin() }), ("cos", { $0.cos() }),
            ]
            for (name, f) in doubleOps {
                let t = time(repeats: max(30, repeats), warmup: 3) { _ = f(xd) }
                report("elementwise: \(name), 2^20 Doubles", key: "ew-d-\(name)", t,
                       note: String(format: "%.3f ns/element (best)", t.min * 1e3 / Double(n)))
            }
        }
        if only == "jacobian" {
            // Forward mode (jvp by transposing the reverse pass) against reverse mode, in Double (not
            // part of the default run): a wide Jacobian (256 inputs → 4 outputs) and a tall one
            // (4 inputs → 256 outputs) of the same small network, each built both ways.
            var rng = SeededGenerator(seed: 21)
            let w = Tensor<Double>.randomNormal([64, 256], standardDeviation: 0.1, using: &rng)
            let v = Tensor<Double>.randomNormal([4, 64], standardDeviation: 0.1, using: &rng)
            let wide: (Tensor<Double>) -> Tensor<Double> = { x in v.matmul(w.matmul(x).tanh()) }                 // [256] → [4]
            let tall: (Tensor<Double>) -> Tensor<Double> = { x in w.transposed().matmul(v.transposed().matmul(x).tanh()) }   // [4] → [256]
            let xWide = Tensor<Double>.randomNormal([256], using: &rng), xTall = Tensor<Double>.randomNormal([4], using: &rng)
            for (name, f, x) in [("wide 256→4", wide, xWide), ("tall 4→256", tall, xTall)] {
                for mode in [JacobianMode.reverse, .forward] {
                    let t = time(repeats: max(10, repeats), warmup: 2) { _ = jacobian(of: f, at: x, mode: mode) }
                    report("jacobian \(name), \(mode)", key: "jacobian-\(name.prefix { $0 != " " })-\(mode)", t)
                }
            }
            let single = time(repeats: max(30, repeats), warmup: 3) { _ = jvp(of: wide, at: xWide, along: xWide) }
            let vjpTime = time(repeats: max(30, repeats), warmup: 3) {
                _ = valueWithGradient(at: xWide) { (wide($0) * Tensor([1, 1, 1, 1])).sum() }
            }
            report("one jvp of the wide function", key: "jvp", single)
            report("one vjp (value and gradient) of the wide function", key: "vjp", vjpTime)
        }
        if only == "attention" {
            // Multi-head causal self-attention's products at GPT-ish sizes (not part of the default
            // run): q, k, v [32, 16, 4·16] as a linear layer makes them, forward and backward, with the
            // heads split and merged by permuted copies, and read through strides instead.
            let (b, t, heads, d) = (32, 16, 4, 16)
            var rng = SeededGenerator(seed: 6)
            let inputs = (0..<3).map { _ in Tensor<Float>.randomNormal([b, t, heads * d], using: &rng).requiringGrad() }
            let upstream = Tensor<Float>.randomNormal([b, t, heads * d], using: &rng)
            let future = Tensor<Float>.triu(rows: t, diagonal: 1)
            let scale = 1 / Float(d).squareRoot()
            func split(_ x: Tensor<Float>) -> Tensor<Float> { x.reshaped([b, t, heads, d]).permuted([0, 2, 1, 3]) }
            func merge(_ x: Tensor<Float>) -> Tensor<Float> { x.permuted([0, 2, 1, 3]).reshaped([b, t, heads * d]) }
            func step(_ attention: @escaping ([Tensor<Float>]) -> Tensor<Float>) -> () -> Void {
                { _ = try? gradients(of: attention(inputs), wrt: inputs, upstream: upstream) }
            }
            let withCopies = step { x in
                let (q, k, v) = (split(x[0]), split(x[1]), split(x[2]))
                return merge(((q.matmul(k.transposed()) * scale).masked(where: future, fill: -.infinity).softmax()).matmul(v))
            }
            let transposedKeys = step { x in
                let (q, k, v) = (split(x[0]), split(x[1]), split(x[2]))
                let scores = q.matmul(k, transposeA: false, transposeB: true) * scale
                return merge(scores.masked(where: future, fill: -.infinity).softmax().matmul(v))
            }
            let strided = step { x in
                let scores = Tensor.headScores(queries: x[0], keys: x[1], heads: heads) * scale
                return Tensor.headOutputs(weights: scores.masked(where: future, fill: -.infinity).softmax(), values: x[2], heads: heads)
            }
            report("attention fwd+bwd: heads and kᵀ as permuted copies", key: "attention-copies", time(repeats: repeats, warmup: 5, withCopies))
            report("attention fwd+bwd: heads copied, kᵀ through strides", key: "attention-transposeB",
                   time(repeats: repeats, warmup: 5, transposedKeys))
            report("attention fwd+bwd: headScores/headOutputs, no copy", key: "attention-strided", time(repeats: repeats, warmup: 5, strided))
            let (q, k, v) = (inputs[0].detached(), inputs[1].detached(), inputs[2].detached())
            let scores = Tensor.headScores(queries: q, keys: k, heads: heads)
            let weights = scores.softmax()
            report("  its parts, forward only: headScores (128 products 16³)", key: "attention-scores",
                   time(repeats: repeats, warmup: 5) { _ = Tensor.headScores(queries: q, keys: k, heads: heads) })
            report("  headOutputs (128 products 16³)", key: "attention-outputs",
                   time(repeats: repeats, warmup: 5) { _ = Tensor.headOutputs(weights: weights, values: v, heads: heads) })
            let masked = scores.masked(where: future, fill: -.infinity)
            report("  scale [32,4,16,16]", key: "attention-scale", time(repeats: repeats, warmup: 5) { _ = scores * scale })
            report("  causal mask", key: "attention-mask",
                   time(repeats: repeats, warmup: 5) { _ = scores.masked(where: future, fill: -.infinity) })
            report("  softmax", key: "attention-softmax", time(repeats: repeats, warmup: 5) { _ = masked.softmax() })
            report("one head split [32,16,4,16] → [32,4,16,16] fwd+bwd", key: "attention-split",
                   time(repeats: repeats, warmup: 5) { _ = try? gradients(of: split(inputs[0]), wrt: [inputs[0]], upstream: split(upstream)) })
        }
        if selected("memory") {
            // Before the chain: its million nodes leave the heap larger than this workload needs.
            // Training the first MLP for 20 epochs must keep resident memory flat after epoch 1.
            let samples = quick ? 1024 : 4096, batch = 128
            let step = mlpStep([784, 128, 10], batch: batch, seed: 5)
            var after: [Double] = []
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<20 {
                for _ in 0..<(samples / batch) { step() }
                after.append(currentResidentMiB())
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let note = String(format: "RSS after epoch 1: %.1f MiB, after epoch 20: %.1f MiB (%+.1f MiB)",
                              after[0], after[19], after[19] - after[0])
            report("MLP 784-128-10 for 20 epochs of \(samples) samples, per step", key: "memory",
                   (seconds * 1e6 / Double(20 * samples / batch), seconds * 1e6 / Double(20 * samples / batch),
                    seconds * 1e6 / Double(20 * samples / batch)), note: note)
        }
        let chain = chainLength
        if selected("chain") {
            var residentAfterFirst: Double?
            // Five repeats: the first two run on fresh pages (the first graph's memory is handed
            // back to the system when it is freed; see `Allocator.returnMemory`), the others reuse
            // the second's, as a training loop's steps do; the median is that steady state.
            let c = time(repeats: quick ? 1 : 5, warmup: 0) {
                do {
                    let x = Tensor<Double>(1).requiringGrad()
                    let b = Tensor<Double>(1.000_000_1), a = Tensor<Double>(0)
                    var y = x
                    for _ in 0..<(chain / 2) { y = y * b + a }
                    y.backward()
                }
                // The graph is freed here: what the first one leaves resident.
                if residentAfterFirst == nil { residentAfterFirst = currentResidentMiB() }
            }
            report("scalar chain x = x·b + a, forward + backward, per op", key: "chain", (c.median / Double(chain), c.min / Double(chain), c.max / Double(chain)),
                   note: String(format: "%d ops; peak RSS of the process after it: %.0f MiB, RSS once the first graph is freed: %.0f MiB",
                                chain, peakResidentMiB(), residentAfterFirst ?? 0))
            if CompileTimeChain.isAvailable {
                // The same chain by Swift's compile-time AD, for reference: what a tape is measured against.
                var derivative = 0.0
                let s = time(repeats: quick ? 1 : 3, warmup: 0) { derivative = CompileTimeChain.derivative(length: chain) }
                report("same chain by Swift's compile-time AD (reference)", key: "chainSwiftAD",
                       (s.median / Double(chain), s.min / Double(chain), s.max / Double(chain)),
                       note: String(format: "import _Differentiation; d/dx = %.6f", derivative))
            }
        }
        print(String(format: "  peak resident memory: %.0f MiB", peakResidentMiB()))
        if let jsonPath {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(figures)
            try Files.writeAtomically(String(decoding: data, as: UTF8.self), to: jsonPath)
            print("Figures written to \(jsonPath)")
        }
    }
}

import Autograd
import Foundation
import Layers

/// `backprop-ninja`: the makemore MLP on one batch, its backward pass derived by hand one
/// intermediate at a time — cross-entropy, the output layer, tanh, batch norm, the hidden
/// layer, the embeddings — and every step checked against the tape with `checkDerivation`.
/// A second run slips at one step (the variance without Bessel's correction) and the report
/// names that step. docs/BackpropNinja.md walks through the same derivation.
enum BackpropNinja {
    struct Config {
        var batchSize = 32
        var block = 3
        var dimension = 10
        var hiddenUnits = 200
        var seed: UInt64 = 42
        /// checkDerivation's tolerances: in Double a right derivation agrees with the tape to
        /// rounding (about 1e-16 relative), so tight tolerances also catch small slips.
        var atol = 1e-12
        var rtol = 1e-9
    }

    /// A batch of contexts [n, block] and next characters [n] (whole numbers in Double), and the
    /// parameters, in the order of ``parameterNames``.
    struct Problem {
        let contexts: Tensor<Double>
        let targets: Tensor<Double>
        let parameters: [Tensor<Double>]
        var n: Int { targets.count }
    }

    static let parameterNames = ["C", "W1", "b1", "bngain", "bnbias", "W2", "b2"]

    /// The batch: `batchSize` training examples drawn with `seed + 1` (makemore's first batch).
    /// The parameters: makemore's shapes, drawn from N(0, 1) with `seed` and scaled as in
    /// Karpathy's "backprop ninja" — small random biases, gains near 1 — so that no gradient is
    /// trivially zero or one and a slip cannot hide behind an initial value.
    static func problem(_ config: Config, names: NamesData) -> Problem {
        let training = names.contexts(names.training, block: config.block)
        var batches = SeededGenerator(seed: config.seed + 1)
        let rows = NamesData.batchIndices(config.batchSize, below: training.next.count, using: &batches)
        let contexts = Tensor<Double>(rows.flatMap { r in
            training.contexts.scalars[(r * config.block)..<((r + 1) * config.block)].map(Double.init)
        }, shape: [rows.count, config.block])
        let targets = Tensor<Double>(rows.map { Double(training.next.scalars[$0]) })
        var rng = SeededGenerator(seed: config.seed)
        let v = names.vocabulary, fanIn = config.block * config.dimension, h = config.hiddenUnits
        func normal(_ shape: [Int]) -> Tensor<Double> { .randomNormal(shape, using: &rng) }
        let parameters = [
            normal([v, config.dimension]),                                    // C
            normal([fanIn, h]) * ((5.0 / 3) / Double(fanIn).squareRoot()),   // W1
            normal([h]) * 0.1,                                               // b1 (useless before batch norm: here to be checked)
            normal([1, h]) * 0.1 + 1,                                        // bngain
            normal([1, h]) * 0.1,                                            // bnbias
            normal([h, v]) * 0.1,                                            // W2
            normal([v]) * 0.1,                                               // b2
        ]
        return Problem(contexts: contexts, targets: targets, parameters: parameters)
    }

    /// The forward pass, broken into the steps the derivation goes through (Karpathy's names),
    /// each marked with `step`. The variance uses Bessel's correction, 1/(n − 1).
    static func forward(_ p: [Tensor<Double>], _ step: (String, Tensor<Double>) -> Tensor<Double>, contexts: Tensor<Double>,
                        targets: Tensor<Double>) -> Tensor<Double> {
        let (C, W1, b1, bngain, bnbias, W2, b2) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        let n = Double(targets.count)
        // Embeddings and the hidden layer.
        let emb = step("emb", Embedding(weight: C)(contexts))                        // [n, 3, 10]
        let embcat = step("embcat", emb.reshaped([targets.count, -1]))               // [n, 30]
        let hprebn = step("hprebn", embcat.matmul(W1) + b1)                          // [n, 200]
        // Batch norm, one operation at a time.
        let bnmeani = step("bnmeani", 1 / n * hprebn.sum(axes: [0], keepDims: true))
        let bndiff = step("bndiff", hprebn - bnmeani)
        let bndiff2 = step("bndiff2", bndiff.squared())
        let bnvar = step("bnvar", 1 / (n - 1) * bndiff2.sum(axes: [0], keepDims: true))    // Bessel's correction
        let bnvarInv = step("bnvar_inv", (bnvar + 1e-5).pow(-0.5))
        let bnraw = step("bnraw", bndiff * bnvarInv)
        let hpreact = step("hpreact", bngain * bnraw + bnbias)
        // Non-linearity and the output layer.
        let h = step("h", hpreact.tanh())
        let logits = step("logits", h.matmul(W2) + b2)                               // [n, 27]
        // Cross-entropy, one operation at a time.
        let logitMaxes = step("logit_maxes", logits.max(axes: [1], keepDims: true))
        let normLogits = step("norm_logits", logits - logitMaxes)                     // subtract the max, for stability
        let counts = step("counts", normLogits.exp())
        let countsSum = step("counts_sum", counts.sum(axes: [1], keepDims: true))
        let countsSumInv = step("counts_sum_inv", countsSum.pow(-1))
        let probs = step("probs", counts * countsSumInv)
        let logprobs = step("logprobs", probs.log())
        return -logprobs.gather(axis: 1, indices: targets.unsqueezed(at: 1)).mean()
    }

    /// The backward pass by hand, from the loss back to the embedding table: each gradient
    /// from the one after it, with the local derivative of one forward step. `bessel: false`
    /// makes the classic slip of differentiating the variance as if it were 1/n · Σ.
    static func handGradients(_ p: [Tensor<Double>], _ f: [String: Tensor<Double>], contexts: Tensor<Double>,
                              targets: Tensor<Double>, bessel: Bool = true) -> [String: Tensor<Double>] {
        func v(_ name: String) -> Tensor<Double> {
            guard let value = f[name] else { trap("backprop-ninja: no forward value named '\(name)'") }
            return value
        }
        let (C, W1, bngain, W2) = (p[0], p[1], p[3], p[5])
        let emb = v("emb"), embcat = v("embcat"), hprebn = v("hprebn"), bndiff = v("bndiff"), bnvar = v("bnvar")
        let bnvarInv = v("bnvar_inv"), bnraw = v("bnraw"), h = v("h"), logits = v("logits")
        let counts = v("counts"), countsSum = v("counts_sum"), countsSumInv = v("counts_sum_inv"), probs = v("probs")
        let count = targets.count, n = Double(count)
        let labels = targets.scalars.map { Int($0) }
        var g: [String: Tensor<Double>] = [:]

        // loss = −(1/n) Σ_i logprobs[i, y_i]: −1/n at each target, 0 elsewhere.
        var dlogprobs = [Double](repeating: 0, count: logits.count)
        for (i, y) in labels.enumerated() { dlogprobs[i * logits.shape[1] + y] = -1 / n }
        g["logprobs"] = Tensor(dlogprobs, shape: logits.shape)
        // logprobs = log(probs)
        g["probs"] = 1 / probs * g["logprobs"]!
        // probs = counts · counts_sum_inv (broadcast along the row): sum over the row for the column.
        g["counts_sum_inv"] = (counts * g["probs"]!).sum(axes: [1], keepDims: true)
        // counts_sum_inv = counts_sum⁻¹
        g["counts_sum"] = -countsSum.pow(-2) * g["counts_sum_inv"]!
        // counts is used twice: in probs, and in counts_sum = Σ_j counts (which copies the row's gradient to each element).
        g["counts"] = countsSumInv * g["probs"]! + Tensor.ones(like: counts) * g["counts_sum"]!
        // counts = exp(norm_logits)
        g["norm_logits"] = counts * g["counts"]!
        // norm_logits = logits − logit_maxes (broadcast): the max gets minus the row's sum (≈ 0: the shift changes nothing).
        g["logit_maxes"] = (-g["norm_logits"]!).sum(axes: [1], keepDims: true)
        // logits: directly, and through the max, which picks one element per row.
        let winners = logits.argmax(axis: 1).scalars.map { Int($0) }
        var picked = [Double](repeating: 0, count: logits.count)
        for (i, j) in winners.enumerated() { picked[i * logits.shape[1] + j] = 1 }
        g["logits"] = g["norm_logits"]! + Tensor(picked, shape: logits.shape) * g["logit_maxes"]!
        // logits = h · W2 + b2
        g["h"] = g["logits"]!.matmul(W2.transposed())
        g["W2"] = h.transposed().matmul(g["logits"]!)
        g["b2"] = g["logits"]!.sum(axes: [0])
        // h = tanh(hpreact): tanh' = 1 − tanh²
        g["hpreact"] = (1 - h.squared()) * g["h"]!
        // hpreact = bngain · bnraw + bnbias (gain and bias broadcast over the batch: sum over it)
        g["bngain"] = (bnraw * g["hpreact"]!).sum(axes: [0], keepDims: true)
        g["bnraw"] = bngain * g["hpreact"]!
        g["bnbias"] = g["hpreact"]!.sum(axes: [0], keepDims: true)
        // bnraw = bndiff · bnvar_inv
        g["bnvar_inv"] = (bndiff * g["bnraw"]!).sum(axes: [0], keepDims: true)
        // bnvar_inv = (bnvar + ε)^(−1/2)
        g["bnvar"] = -0.5 * (bnvar + 1e-5).pow(-1.5) * g["bnvar_inv"]!
        // bnvar = 1/(n − 1) Σ_i bndiff2: each element gets 1/(n − 1) of the column's gradient.
        let divisor = bessel ? n - 1 : n              // bessel: false is the slip this example catches
        g["bndiff2"] = 1 / divisor * Tensor.ones(like: v("bndiff2")) * g["bnvar"]!
        // bndiff is used twice: in bnraw, and in bndiff2 = bndiff².
        g["bndiff"] = bnvarInv * g["bnraw"]! + 2 * bndiff * g["bndiff2"]!
        // bndiff = hprebn − bnmeani (broadcast)
        g["bnmeani"] = (-g["bndiff"]!).sum(axes: [0], keepDims: true)
        // hprebn: directly, and through the mean, which hands each element 1/n of its gradient.
        g["hprebn"] = g["bndiff"]! + 1 / n * Tensor.ones(like: hprebn) * g["bnmeani"]!
        // hprebn = embcat · W1 + b1
        g["embcat"] = g["hprebn"]!.matmul(W1.transposed())
        g["W1"] = embcat.transposed().matmul(g["hprebn"]!)
        g["b1"] = g["hprebn"]!.sum(axes: [0])
        // embcat = emb reshaped: reshape the gradient back.
        g["emb"] = g["embcat"]!.reshaped(emb.shape)
        // emb = C[contexts]: each row of demb is added to the row of C it was read from.
        let dimension = C.shape[1], demb = g["emb"]!.scalars
        var dC = [Double](repeating: 0, count: C.count)
        for (position, token) in contexts.scalars.enumerated() {
            for d in 0..<dimension { dC[Int(token) * dimension + d] += demb[position * dimension + d] }
        }
        g["C"] = Tensor(dC, shape: C.shape)
        return g
    }

    /// The same gradients in the compact forms a derivation ends with: cross-entropy's
    /// (softmax − one-hot)/n for the logits in one step, and batch norm's backward pass in one
    /// formula, bngain·bnvar_inv/n · (n·dhpreact − Σ dhpreact − n/(n − 1)·bnraw·Σ(dhpreact·bnraw)).
    static func compactGradients(_ p: [Tensor<Double>], _ f: [String: Tensor<Double>],
                                 targets: Tensor<Double>) -> [String: Tensor<Double>] {
        guard let logits = f["logits"], let h = f["h"], let bnraw = f["bnraw"], let bnvarInv = f["bnvar_inv"] else {
            trap("backprop-ninja: the compact forms need logits, h, bnraw and bnvar_inv")
        }
        let (bngain, W2) = (p[3], p[5])
        let count = targets.count, n = Double(count), classes = logits.shape[1]
        var oneHot = [Double](repeating: 0, count: logits.count)
        for (i, y) in targets.scalars.enumerated() { oneHot[i * classes + Int(y)] = 1 }
        let dlogits = (logits.softmax(axis: 1) - Tensor(oneHot, shape: logits.shape)) / n
        let dhpreact = (1 - h.squared()) * dlogits.matmul(W2.transposed())
        let dhprebn = bngain * bnvarInv / n
            * (n * dhpreact - dhpreact.sum(axes: [0], keepDims: true)
               - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(axes: [0], keepDims: true))
        return ["logits": dlogits, "hpreact": dhpreact, "hprebn": dhprebn]
    }

    /// Checks `hand` (or the compact forms) on `problem` with the configured tolerances.
    static func check(_ problem: Problem, config: Config,
                      hand: @escaping ([Tensor<Double>], [String: Tensor<Double>]) -> [String: Tensor<Double>])
        -> DerivationReport {
        checkDerivation(at: problem.parameters, names: parameterNames, atol: config.atol, rtol: config.rtol,
                        function: { v, step in forward(v, { step($0, $1) }, contexts: problem.contexts, targets: problem.targets) },
                        hand: hand)
    }

    /// The rule each row's gradient comes from, by the name of the tensor it is the gradient of.
    static let rules: [String: String] = [
        "logprobs": "loss = −mean logprobs[i, yᵢ]: −1/n at each target",
        "probs": "logprobs = log probs: dlogprobs / probs",
        "counts_sum_inv": "probs = counts · counts_sum_inv: Σⱼ counts · dprobs",
        "counts_sum": "counts_sum_inv = counts_sum⁻¹: −counts_sum⁻² · d",
        "counts": "two uses: counts_sum_inv · dprobs + dcounts_sum",
        "norm_logits": "counts = exp(norm_logits): counts · dcounts",
        "logit_maxes": "norm_logits = logits − max: −Σⱼ dnorm_logits (≈ 0)",
        "logits": "two uses: dnorm_logits + one-hot(argmax) · dlogit_maxes",
        "h": "logits = h·W2 + b2: dlogits · W2ᵀ",
        "hpreact": "h = tanh(hpreact): (1 − h²) · dh",
        "bnraw": "hpreact = bngain·bnraw + bnbias: bngain · dhpreact",
        "bnvar_inv": "bnraw = bndiff·bnvar_inv: Σᵢ bndiff · dbnraw",
        "bnvar": "bnvar_inv = (bnvar + ε)^−½: −½(bnvar + ε)^−³⁄₂ · d",
        "bndiff2": "bnvar = Σᵢ bndiff2 / (n − 1): dbnvar / (n − 1)",
        "bndiff": "two uses: bnvar_inv · dbnraw + 2·bndiff · dbndiff2",
        "bnmeani": "bndiff = hprebn − bnmeani: −Σᵢ dbndiff",
        "hprebn": "two uses: dbndiff + dbnmeani / n",
        "embcat": "hprebn = embcat·W1 + b1: dhprebn · W1ᵀ",
        "emb": "embcat = emb reshaped: dembcat reshaped back",
        "C": "emb = C[X]: rows of demb added to the rows read",
        "W1": "embcatᵀ · dhprebn",
        "b1": "Σᵢ dhprebn",
        "bngain": "Σᵢ bnraw · dhpreact",
        "bnbias": "Σᵢ dhpreact",
        "W2": "hᵀ · dlogits",
        "b2": "Σᵢ dlogits",
    ]

    /// The verdicts as the table prints them.
    static func verdict(_ v: DerivationReport.Verdict) -> String {
        switch v {
        case .exact: return "exact"
        case .close: return "approximate"
        case .wrong: return "WRONG"
        case .notGiven: return "not given"
        }
    }

    /// The largest |hand − tape| relative to the largest |tape| of each item (the size of a
    /// slip), for gradients that are not zero: a gradient that is zero in exact arithmetic
    /// (∂L/∂b1, a bias before batch norm) is rounding noise on both sides and gets no ratio.
    static func relativeDifferences(_ report: DerivationReport, tape: [String: Tensor<Double>]) -> [String: Double] {
        var out: [String: Double] = [:]
        for item in report.items {
            let scale = tape[item.name]?.scalars.map(Swift.abs).max() ?? 0
            if scale > 1e-12 { out[item.name] = item.maxDifference / scale }
        }
        return out
    }

    /// The report as a table: one row per step walking back from the loss, then the parameters.
    static func table(_ report: DerivationReport, rules: [String: String] = rules, scale: [String: Double] = [:]) -> String {
        let rows = report.items.map { item -> [String] in
            let marker = item.name == report.firstWrong?.name ? " ←" : ""
            let shape = "[" + item.shape.map(String.init).joined(separator: ", ") + "]"
            let difference = item.verdict == .notGiven ? "" : (item.maxDifference == 0 ? "0" : String(format: "%.2e", item.maxDifference))
            let relative = item.verdict == .notGiven ? ""
                : scale[item.name].map { $0 == 0 ? "0" : String(format: "%.2e", $0) } ?? "(gradient ≈ 0)"
            let numeric = item.numeric.map { String(format: "%.4g / %.4g", item.tape, $0) } ?? ""
            return ["∂L/∂" + item.name + (item.isInput ? " (parameter)" : ""), shape,
                    verdict(item.verdict) + marker, difference, relative, numeric, rules[item.name] ?? ""]
        }
        return Text.table(["gradient", "shape", "verdict", "max |hand − tape|", "relative", "tape / finite diff.", "rule (local derivative)"],
                          rows)
    }

    static func run(_ options: inout Options) throws {
        let config = Config()
        let html = options.string("html")
        if options.isGiven("html") && html == nil { throw UsageError(message: "--html expects a file name, e.g. --html ninja.html") }
        let names = try NamesData(seed: config.seed)
        _ = try run(config, names: names, html: html)
    }

    /// `path` with `suffix` before its extension: ninja.html → ninja-slip.html.
    static func sibling(of path: String, suffix: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return base + suffix + (ext.isEmpty ? "" : "." + ext)
    }

    struct Outcome {
        var loss: Double
        var right: DerivationReport
        var wrong: DerivationReport
        var compact: DerivationReport
    }

    /// Runs the three checks and prints their tables; with `html`, writes the derivation's page
    /// there (the tape's graph, each step coloured by its verdict) and the slip's page beside it.
    static func run(_ config: Config, names: NamesData, html: String? = nil) throws -> Outcome {
        let problem = problem(config, names: names)
        let n = problem.n
        print(Text.heading("backprop-ninja: the makemore MLP's backward pass by hand, checked step by step"))
        print("One batch of \(n) examples from the training split (seed \(config.seed + 1)); block \(config.block), embedding "
              + "\(config.dimension), hidden \(config.hiddenUnits), BatchNorm with Bessel's correction 1/(n − 1), tanh; Double.")
        let loss = withoutGradients {
            forward(problem.parameters, { $1 }, contexts: problem.contexts, targets: problem.targets)
        }.scalar
        let library = withoutGradients { () -> Double in
            let p = problem.parameters
            let emb = Embedding(weight: p[0])(problem.contexts).reshaped([n, -1])
            let hpre = emb.matmul(p[1]) + p[2]
            let mean = hpre.mean(axes: [0], keepDims: true)
            let variance = hpre.variance(axes: [0], keepDims: true, unbiased: true)
            let h = (p[3] * (hpre - mean) / (variance + 1e-5).sqrt() + p[4]).tanh()
            return crossEntropy(logits: h.matmul(p[5]) + p[6], labels: problem.targets).scalar
        }
        print(String(format: "loss %.12f (the same network from the library's crossEntropy and variance: %.12f)", loss, library))
        // The tape's gradients, for the relative column.
        let tape = tapeGradients(problem)

        let right = check(problem, config: config) { p, f in
            handGradients(p, f, contexts: problem.contexts, targets: problem.targets)
        }
        print("\nThe derivation, every step against the tape (tolerance \(config.atol) + \(config.rtol)·|tape|; "
              + "approximate = within it, not equal in every bit):")
        print(table(right, scale: relativeDifferences(right, tape: tape)))
        print(summary(right))

        let wrong = check(problem, config: config) { p, f in
            handGradients(p, f, contexts: problem.contexts, targets: problem.targets, bessel: false)
        }
        print("\nThe same derivation with one slip: the variance differentiated as 1/n · Σ, without Bessel's correction:")
        print(table(wrong, scale: relativeDifferences(wrong, tape: tape)))
        print(summary(wrong))
        if let first = wrong.firstWrong {
            let relative = relativeDifferences(wrong, tape: tape)[first.name] ?? .nan
            print(String(format: "The slip scales ∂L/∂%@ by (n − 1)/n = %d/%d: a relative error of %.4f, 1/n = %.4f.",
                         first.name, n - 1, n, relative, 1 / Double(n)))
        }

        let compact = check(problem, config: config) { p, f in compactGradients(p, f, targets: problem.targets) }
        print("\nThe compact forms: cross-entropy's (softmax − one-hot)/n and batch norm's backward pass in one formula:")
        print(table(compact, rules: ["logits": "(softmax(logits) − one-hot(y)) / n",
                                     "hpreact": "(1 − h²) · dlogits · W2ᵀ",
                                     "hprebn": "bngain·bnvar_inv/n · (n·d − Σd − n/(n−1)·bnraw·Σ(d·bnraw))"],
                    scale: relativeDifferences(compact, tape: tape)).split(separator: "\n")
            .filter { !$0.contains("not given") }.joined(separator: "\n"))
        print(summary(compact))
        if let html {
            let slip = sibling(of: html, suffix: "-slip")
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: html).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try right.writeHTML(to: html, title: "backprop-ninja: the MLP's backward pass by hand, every step against the tape")
            try wrong.writeHTML(to: slip, title: "backprop-ninja: the variance without Bessel's correction, caught at ∂L/∂bndiff2")
            print("\nPages of the two derivations on the tape's graph (open them in a browser, step with → and ←): \(html), \(slip)")
        }
        return Outcome(loss: loss, right: right, wrong: wrong, compact: compact)
    }

    static func summary(_ report: DerivationReport) -> String {
        let counts = Dictionary(grouping: report.items, by: \.verdict).mapValues(\.count)
        let tally = [DerivationReport.Verdict.exact, .close, .wrong].compactMap { v in counts[v].map { "\($0) \(verdict(v))" } }
        if let first = report.firstWrong {
            return "→ WRONG: the first step that disagrees, walking back from the loss, is ∂L/∂\(first.name) "
                + "(\(tally.joined(separator: ", ")))."
        }
        return "→ OK: every hand gradient agrees with the tape (\(tally.joined(separator: ", ")))."
    }

    /// The tape's gradient of every step and parameter, by name.
    static func tapeGradients(_ problem: Problem) -> [String: Tensor<Double>] {
        let leaves = problem.parameters.enumerated().map { $1.requiringGrad(named: parameterNames[$0]) }
        var marked: [(name: String, tensor: Tensor<Double>)] = []
        let loss = forward(leaves, { name, tensor in marked.append((name, tensor)); return tensor },
                           contexts: problem.contexts, targets: problem.targets)
        guard let g = try? gradients(of: loss, wrt: leaves + marked.map(\.tensor)) else { return [:] }
        var out: [String: Tensor<Double>] = [:]
        for (name, gradient) in zip(parameterNames + marked.map(\.name), g) { out[name] = gradient }
        return out
    }
}

import Foundation

/// A bad command line: an unknown subcommand or option, or a value that does not parse.
struct UsageError: Error {
    let message: String
}

/// One subcommand of the examples executable.
struct Subcommand: Sendable {
    let name: String
    let summary: String
    /// The options it reads (checked before it runs, so a typo fails at once).
    var accepts: [String] = []
    let run: @Sendable (inout Options) throws -> Void

    static let all: [Subcommand] = [
        Subcommand(name: "tour", summary: "the default demo: worked CNN, Hessian, tape, XOR, a short digits run; plots to --out DIR (default examples-output)",
                   accepts: ["dot", "out"], run: Tour.run),
        Subcommand(name: "worked-cnn", summary: "example 1: 3x3 convolution with padding, 2x2 max pooling, gradients",
                   accepts: ["filters"], run: WorkedCNN.run),
        Subcommand(name: "cnn-gradients", summary: "example 2: a 2x2 stride-2 CNN's eight gradients: tape vs hand formulas vs finite differences",
                   run: CNNGradients.run),
        Subcommand(name: "hessian", summary: "example 3: critical points of x²y + xy² − 6xy by Newton's method",
                   run: HessianExample.run),
        Subcommand(name: "relu-kink", summary: "example 4: ReLU of an affine function, and gradcheck at the kink",
                   run: ReluKink.run),
        Subcommand(name: "softmax", summary: "example 5: softmax + NLL, the full Jacobian vs a diagonal-only derivation (--html PATH: its derivation page)",
                   accepts: ["html"], run: SoftmaxExample.run),
        Subcommand(name: "xor", summary: "example 6: a 2-3-2 network learns XOR, a network with no hidden layer cannot (--epochs, --lr, --seed)",
                   accepts: ["epochs", "lr", "seed"], run: XORExample.run),
        Subcommand(name: "digits", summary: "train on the bundled 8x8 digits, with plots (--model dense|cnn, --hidden N[,N…], --activation, --loss, --optimizer, --schedule, --lr, --epochs, --quick, --out DIR)",
                   accepts: ["model", "epochs", "quick", "out", "batch-size", "seed"] + ClassicNetwork.optionNames, run: DigitsExample.run),
        Subcommand(name: "mnist", summary: "the digits example on real MNIST IDX files you already have (--data DIR, --limit N, and the options of digits)",
                   accepts: ["data", "epochs", "limit", "model", "quick", "out", "batch-size", "seed"] + ClassicNetwork.optionNames,
                   run: MNISTExample.run),
        Subcommand(name: "regression", summary: "MAE vs MSE loss on the bundled diabetes data: test RMSE of both, validation curves (--epochs, --quick)",
                   accepts: ["epochs", "lr", "quick", "out"], run: RegressionExample.run),
        Subcommand(name: "optimizers", summary: "SGD, SGD+momentum, RMSProp, Adagrad, Adam on the same network and digits: table and plot (--epochs, --quick)",
                   accepts: ["epochs", "quick", "out"], run: OptimizersExample.run),
        Subcommand(name: "init", summary: "zero vs random-normal vs Xavier initialization on the digits: why zeros fail (--epochs, --quick)",
                   accepts: ["epochs", "quick", "out"], run: InitExample.run),
        Subcommand(name: "sweep", summary: "learning rate x hidden units grid on the digits as an SVG heatmap (--epochs, --quick)",
                   accepts: ["epochs", "quick", "out"], run: SweepExample.run),
        Subcommand(name: "makemore", summary: "an MLP language model (embeddings, BatchNorm1D, tanh) on data/names.txt: train/dev loss, ten sampled names (--steps, --seed, --quick)",
                   accepts: ["quick", "steps", "seed", "samples"], run: MakemoreExample.run),
        Subcommand(name: "diagnostics", summary: "makemore part 3's diagnostics: a deep tanh MLP on data/names.txt with a good, too large and too small initial gain, with and without BatchNorm1D; activation and gradient histograms, update-to-data ratios (--steps, --every, --quick, --out DIR)",
                   accepts: ["quick", "steps", "every", "out"], run: DiagnosticsExample.run),
        Subcommand(name: "backprop-ninja", summary: "the makemore MLP's backward pass derived by hand, every step checked with checkDerivation; a slip at the variance caught there (--html PATH: the derivations drawn on the tape)",
                   accepts: ["html"], run: BackpropNinja.run),
        Subcommand(name: "wavenet", summary: "dilated causal convolutions (kernel 2, dilations 1, 2, 4) over 8 characters, trained as makemore: train/dev loss, sampled names (--steps, --quick)",
                   accepts: ["quick", "steps", "seed", "samples"], run: WaveNetExample.run),
        Subcommand(name: "gpt", summary: "a character-level transformer (2 layers, 4 heads, embedding 64, context 16) on data/names.txt: losses per epoch, sampled names (--epochs, --lr, --quick)",
                   accepts: CharacterModelTraining.optionNames, run: GPTExample.run),
        Subcommand(name: "lstm", summary: "the gpt task with an LSTM (embedding 64, 128 units): losses per epoch, sampled names (--epochs, --lr, --quick)",
                   accepts: CharacterModelTraining.optionNames, run: RecurrentExample.runLSTM),
        Subcommand(name: "gru", summary: "the gpt task with a GRU (embedding 64, 128 units): losses per epoch, sampled names (--epochs, --lr, --quick)",
                   accepts: CharacterModelTraining.optionNames, run: RecurrentExample.runGRU),
        Subcommand(name: "tape", summary: "a tiny expression: its tape, the chain rule step by step, a DOT graph (--dot PATH), a page to step through (--html PATH)",
                   accepts: ["dot", "html"], run: TapeExample.run),
        Subcommand(name: "bench", summary: "speed: GEMM, MLP and CNN training steps, GPT, LSTM, GRU, makemore and WaveNet steps, scalar chain, peak memory (--quick, --only gemm|mlp|cnn|epoch|gpt|lstm|gru|makemore|wavenet|memory|chain|ops|attention|elementwise|cells|jacobian|threads|persample, --json PATH)",
                   accepts: ["quick", "json", "repeats", "only", "chain"], run: Bench.run),
    ]

    static func run(_ arguments: [String]) throws {
        if arguments.first == "--help" || arguments.first == "-h" || arguments.first == "help" {
            print(help)
            return
        }
        let name = arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "tour"
        guard let command = all.first(where: { $0.name == name }) else {
            throw UsageError(message: "unknown subcommand '\(name)'")
        }
        var options = try Options(arguments.first == name ? Array(arguments.dropFirst()) : arguments)
        if options.flag("help") {
            print("Examples \(command.name): \(command.summary)")
            return
        }
        try options.rejectUnknown(accepted: command.accepts + ["help"])
        try command.run(&options)
        try options.rejectUnused()
    }

    static var help: String {
        let width = all.map(\.name.count).max() ?? 0
        let lines = all.map { "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
        return """
        Worked examples and demos of the Autograd package.

        Usage: swift run -c release Examples [subcommand] [options]

        Subcommands (no subcommand runs the tour):
        \(lines.joined(separator: "\n"))

        Run 'Examples <subcommand> --help' for one line about it.
        """
    }
}

/// `--name value` and `--flag` options, each consumed by the subcommand that reads it; any
/// option left unread is an error, so a typo never passes silently.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private var used: Set<String> = []

    init(_ arguments: [String]) throws {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.hasPrefix("--") else { throw UsageError(message: "unexpected argument '\(arg)'") }
            let key = String(arg.dropFirst(2))
            if let eq = key.firstIndex(of: "=") {
                values[String(key[..<eq])] = String(key[key.index(after: eq)...])
            } else if i + 1 < arguments.count && !arguments[i + 1].hasPrefix("--") {
                values[key] = arguments[i + 1]
                i += 1
            } else {
                flags.insert(key)
            }
            i += 1
        }
    }

    mutating func flag(_ name: String) -> Bool {
        used.insert(name)
        return flags.contains(name)
    }

    /// Whether `--name` was given, as a flag or with a value (without reading it).
    func isGiven(_ name: String) -> Bool {
        flags.contains(name) || values[name] != nil
    }

    mutating func string(_ name: String) -> String? {
        used.insert(name)
        return values[name]
    }

    mutating func int(_ name: String, default value: Int) throws -> Int {
        guard let text = string(name) else { return value }
        guard let n = Int(text) else { throw UsageError(message: "--\(name) expects a whole number, got '\(text)'") }
        return n
    }

    func rejectUnknown(accepted: [String]) throws {
        let unknown = Set(values.keys).union(flags).subtracting(accepted)
        if let first = unknown.sorted().first { throw UsageError(message: "unknown option '--\(first)'") }
    }

    func rejectUnused() throws {
        let unknown = Set(values.keys).union(flags).subtracting(used)
        if let first = unknown.sorted().first { throw UsageError(message: "unknown option '--\(first)'") }
    }
}

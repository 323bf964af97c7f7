import Autograd
import Foundation
import Layers
import Optim

/// A failure that is not a bad command line (missing data, say): exit code 1, with a message.
struct ExampleError: Error, CustomStringConvertible {
    let description: String
}

/// `mnist --data DIR`: the digits example on the real MNIST files a user already has (this
/// example cannot download them), read with the library's IDX reader.
enum MNISTExample {
    /// The four files, by their usual names; each may also be spelled with a dot
    /// (`train-images.idx3-ubyte`), as some mirrors do.
    static let fileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    static func spellings(_ name: String) -> [String] {
        [name, name.replacingOccurrences(of: "-idx", with: ".idx")]
    }

    /// The paths of the four files in `folder`, or an error naming the files that are missing,
    /// every name tried, and the folder.
    static func locate(in folder: String) throws -> [String] {
        var found: [String] = [], missing: [String] = [], compressed: [String] = []
        for name in fileNames {
            let candidates = spellings(name).map { folder + "/" + $0 }
            if let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                found.append(path)
            } else {
                missing.append(name)
                compressed += candidates.map { $0 + ".gz" }.filter { FileManager.default.fileExists(atPath: $0) }
            }
        }
        guard missing.isEmpty else {
            let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
            var message = "MNIST files not found in \(absolute)\n"
                + "  looked for: \(fileNames.joined(separator: ", ")) (also spelled with '.idx' instead of '-idx')\n"
                + "  missing:    \(missing.joined(separator: ", "))"
            if !compressed.isEmpty {
                message += "\n  found compressed copies: \(compressed.joined(separator: ", ")); decompress them first (gunzip -k FILE)"
            }
            message += "\n  This example does not download MNIST: put the four files (from the MNIST distribution, "
                + "decompressed) in one folder and pass it with --data DIR."
            throw ExampleError(description: message)
        }
        return found
    }

    /// Training and test sets: images flattened to [n, rows·cols] (or [n, 1, rows, cols] with
    /// `images: true`) and scaled to [0, 1], labels [n]. `limit` keeps the first samples of each.
    static func load(from folder: String, limit: Int? = nil, images: Bool = false)
        throws -> (training: Dataset<Float>, test: Dataset<Float>) {
        let paths = try locate(in: folder)
        func pair(_ imagePath: String, _ labelPath: String) throws -> Dataset<Float> {
            let (x, y) = try IDX.loadImagesAndLabels(images: imagePath, labels: labelPath, scale: 1 / 255, as: Float.self)
            guard x.rank == 3 else {
                throw ExampleError(description: "\(imagePath): expected images [count, rows, columns], found shape \(x.shape)")
            }
            let n = x.shape[0]
            let shaped = images ? x.reshaped([n, 1, x.shape[1], x.shape[2]]) : x.reshaped([n, x.shape[1] * x.shape[2]])
            return ExampleData.prefix(Dataset(inputs: shaped, targets: y), limit)
        }
        return (try pair(paths[0], paths[1]), try pair(paths[2], paths[3]))
    }

    struct Config {
        var model = DigitsExample.ModelKind.dense
        var epochs = 10
        var batchSize = 64
        /// The default: 128 ReLU units, cross-entropy, Adam at 1e-3.
        var network = ClassicNetwork()
        var seed: UInt64 = 42
        var limit: Int? = nil
        var verbose = true
    }

    struct Outcome {
        var history: TrainingHistory
        var testAccuracy: Double
        var seconds: Double
        var counts: (training: Int, validation: Int, test: Int)
    }

    /// Holds out 1/12 of the training images for validation (5,000 of MNIST's 60,000), trains
    /// with `fit` (the network's optimizer, schedule and loss) and evaluates on the test files.
    static func train(_ config: Config, training all: Dataset<Float>, test: Dataset<Float>) -> Outcome {
        let (training, validation, _) = all.split(training: 11.0 / 12, validation: 1.0 / 12, seed: config.seed)
        let start = ContinuousClock.now
        let network = config.network, loss = network.lossFunction
        let batchesPerEpoch = (training.count + config.batchSize - 1) / config.batchSize
        func go<M: Layer>(_ model: M) -> Outcome where M.Scalar == Float {
            let history = fit(model, optimizer: network.makeOptimizer(model, epochs: config.epochs, batchesPerEpoch: batchesPerEpoch),
                              loss: loss, training: training, validation: validation, epochs: config.epochs,
                              batchSize: config.batchSize, metric: .accuracy, shuffleSeed: config.seed,
                              output: Run.output(config.verbose))
            let result = evaluate(model, on: test, loss: loss, metric: .accuracy)
            return Outcome(history: history, testAccuracy: result.metric, seconds: Run.seconds(since: start),
                           counts: (training.count, validation.count, test.count))
        }
        switch config.model {
        case .dense:
            let features = all.inputs.shape.dropFirst().reduce(1, *)
            return go(network.model(inputs: features, seed: config.seed))
        case .cnn:
            return go(Models.SmallCNN(side: all.inputs.shape[2], channels: 8, seed: config.seed))
        }
    }

    static func config(_ options: inout Options) throws -> Config {
        var config = Config()
        if options.flag("quick") { (config.epochs, config.limit) = (2, 6000) }
        if let name = options.string("model") {
            guard let kind = DigitsExample.ModelKind(rawValue: name) else {
                throw UsageError(message: "--model expects dense or cnn, got '\(name)'")
            }
            config.model = kind
        }
        config.epochs = try options.int("epochs", default: config.epochs)
        config.batchSize = try options.int("batch-size", default: config.batchSize)
        let limit = try options.int("limit", default: config.limit ?? 0)
        config.limit = limit > 0 ? limit : nil
        config.network = try ClassicNetwork.parse(&options)
        try ClassicNetwork.rejectDenseOptions(&options, model: config.model)
        config.seed = UInt64(try options.int("seed", default: Int(config.seed)))
        guard config.epochs > 0, config.batchSize > 0 else { throw UsageError(message: "--epochs and --batch-size must be positive") }
        return config
    }

    static func run(_ options: inout Options) throws {
        let folder = options.string("data") ?? "data/mnist"
        let config = try config(&options)
        let out = Run.outputFolder(&options, default: "mnist")

        _ = try locate(in: folder)                 // a clear message before anything else when files are missing
        print(Text.heading("MNIST from the IDX files in \(folder)"))
        let (training, test) = try load(from: folder, limit: config.limit, images: config.model == .cnn)
        let network = config.network
        let features = training.inputs.shape.dropFirst().reduce(1, *)
        let batchesPerEpoch = (Int((Double(training.count) * 11 / 12).rounded()) + config.batchSize - 1) / config.batchSize
        print("\(training.count) training images\(config.limit == nil ? "" : " (--limit \(config.limit ?? 0))"), "
              + "\(test.count) test images; \(config.model == .dense ? network.describe(inputs: features) : "small CNN, \(network.loss.description), \(network.optimizer.description)"); "
              + "learning rate \(Text.number(network.initialLearningRate)) (\(network.scheduleDescription(epochs: config.epochs, batchesPerEpoch: batchesPerEpoch))), "
              + "batch \(config.batchSize), \(config.epochs) epochs.")
        let outcome = train(config, training: training, test: test)
        print("\n\(outcome.counts.training) training, \(outcome.counts.validation) validation, \(outcome.counts.test) test images.")
        print("TEST accuracy \(Run.percent(outcome.testAccuracy, digits: 2)), trained in "
              + "\(String(format: "%.1f", outcome.seconds)) s.")
        let (loss, accuracy, learningRate) = DigitsExample.charts(outcome.history, title: "MNIST, \(config.model.rawValue)",
                                                                  loss: network.loss)
        try loss.write(to: out + "/mnist-loss.svg")
        try accuracy.write(to: out + "/mnist-accuracy.svg")
        var written = [out + "/mnist-loss.svg", out + "/mnist-accuracy.svg"]
        if network.schedule != .constant {
            try learningRate.write(to: out + "/mnist-learning-rate.svg")
            written.append(out + "/mnist-learning-rate.svg")
        }
        print("Plots: \(written.joined(separator: ", "))")
    }
}

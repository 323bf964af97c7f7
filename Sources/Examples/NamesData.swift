import Autograd
import Foundation
import Optim

/// data/names.txt (the 1990 US Census first names, data/README.md) as the character-level
/// language models see it: 27 tokens — '.' (0) marks the start and the end of a name, 'a'…'z'
/// are 1…26 — and a split of the *names* 80/10/10, shuffled with a fixed seed.
struct NamesData {
    /// Every name, in the file's order.
    let names: [String]
    /// The characters, token 0 first ('.'), then the letters in order.
    let characters: [Character]
    /// The names of each part of the split.
    let training: [String], development: [String], test: [String]

    var vocabulary: Int { characters.count }

    /// The token of the end (and start) of a name.
    static let boundary = 0

    /// Reads `path` (default data/names.txt) and splits it: the names shuffled by
    /// `shuffledIndices(count, seed:)`, the first ⌊0.8·n⌋ for training, up to ⌊0.9·n⌋ for
    /// development, the rest for test. scripts/makemore_torch.py makes the same split.
    init(path: String? = nil, seed: UInt64 = 42) throws {
        let file = try path ?? ExampleData.locate("data/names.txt")
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ExampleError(description: "could not read \(file): \(error.localizedDescription)")
        }
        var names: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard line.allSatisfy({ $0.isASCII && $0.isLowercase && $0.isLetter }) else {
                throw ExampleError(description: "\(file) line \(number + 1): '\(line)' is not a lower-case name of letters a–z")
            }
            names.append(String(line))
        }
        guard names.count >= 10 else { throw ExampleError(description: "\(file): \(names.count) names, too few to split") }
        self.init(names: names, seed: seed)
    }

    init(names: [String], seed: UInt64) {
        self.names = names
        characters = ["."] + Set(names.joined()).sorted()
        let order = shuffledIndices(names.count, seed: seed)
        let n1 = Int(0.8 * Double(names.count)), n2 = Int(0.9 * Double(names.count))
        training = order[..<n1].map { names[$0] }
        development = order[n1..<n2].map { names[$0] }
        test = order[n2...].map { names[$0] }
    }

    /// The tokens of a name: its letters' indices.
    func tokens(_ name: String) -> [Int] {
        name.map { c in characters.firstIndex(of: c) ?? NamesData.boundary }
    }

    func text(_ tokens: [Int]) -> String {
        String(tokens.map { characters[$0] })
    }

    /// Every (context → next character) example of `names` for a model that sees the last
    /// `block` characters: each name is preceded by `block` boundary tokens and followed by one
    /// ("emma" with block 3: ... → e, ..e → m, .em → m, emm → a, mma → .).
    /// Contexts [count, block] and next characters [count], as whole numbers in Float.
    func contexts(_ names: [String], block: Int) -> (contexts: Tensor<Float>, next: Tensor<Float>) {
        var xs: [Float] = [], ys: [Float] = []
        for name in names {
            var context = [Int](repeating: NamesData.boundary, count: block)
            for token in tokens(name) + [NamesData.boundary] {
                xs += context.map(Float.init)
                ys.append(Float(token))
                context = Array(context.dropFirst()) + [token]
            }
        }
        return (Tensor(xs, shape: [ys.count, block]), Tensor(ys))
    }

    /// Sequences for a model that reads a whole window at once (a transformer, a recurrent
    /// network): every name as ". n a m e ." cut into windows of `length` inputs with the next
    /// characters as targets, positions after the name's end padded. Windows start at the name's
    /// start, so the model learns to begin names from context "."; a name longer than the window
    /// (`length` ≥ 12 covers every name here) would continue in a second window.
    /// Returns inputs and targets [count, length] and a mask [count, length] that is 1 where
    /// the target is part of the name (its letters and its final '.').
    func sequences(_ names: [String], length: Int) -> (inputs: Tensor<Float>, targets: Tensor<Float>, mask: Tensor<Float>) {
        var xs: [Float] = [], ys: [Float] = [], ms: [Float] = []
        for name in names {
            let stream = [NamesData.boundary] + tokens(name) + [NamesData.boundary]
            var start = 0
            while start < stream.count - 1 {
                for t in 0..<length {
                    let i = start + t
                    if i + 1 < stream.count {
                        xs.append(Float(stream[i]))
                        ys.append(Float(stream[i + 1]))
                        ms.append(1)
                    } else {
                        xs.append(Float(NamesData.boundary))
                        ys.append(Float(NamesData.boundary))
                        ms.append(0)
                    }
                }
                start += length
            }
        }
        let count = ys.count / length
        return (Tensor(xs, shape: [count, length]), Tensor(ys, shape: [count, length]), Tensor(ms, shape: [count, length]))
    }

    /// A token drawn from `probabilities` (which sum to 1) with `generator`.
    static func sample(_ probabilities: [Float], using generator: inout SeededGenerator) -> Int {
        let u = generator.nextUnitDouble()
        var cumulative = 0.0
        for (token, p) in probabilities.enumerated() {
            cumulative += Double(p)
            if u < cumulative { return token }
        }
        return probabilities.lastIndex { $0 > 0 } ?? 0
    }

    /// The examples at `rows` of `examples` (from ``contexts(_:block:)``): contexts [rows, block]
    /// and next characters [rows], as one training batch.
    static func batch(_ rows: [Int], of examples: (contexts: Tensor<Float>, next: Tensor<Float>))
    -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        let block = examples.contexts.shape[1]
        let inputs = Tensor<Float>(rows.flatMap { r in examples.contexts.scalars[(r * block)..<((r + 1) * block)] },
                                   shape: [rows.count, block])
        return (inputs, Tensor<Float>(rows.map { examples.next.scalars[$0] }))
    }

    /// `count` indices drawn uniformly from 0..<n (with replacement), as whole numbers: the
    /// high word of a 64-bit draw times n (scripts/makemore_torch.py draws the same).
    static func batchIndices(_ count: Int, below n: Int, using generator: inout SeededGenerator) -> [Int] {
        (0..<count).map { _ in Int(generator.next().multipliedFullWidth(by: UInt64(n)).high) }
    }
}

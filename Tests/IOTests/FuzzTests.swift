import XCTest
import Foundation
import Autograd
import DataFormats

/// Mutations of valid files, driven by a seeded generator so that every run tries the same inputs.
struct Mutator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { rng.nextUnitDouble() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x0A, 0x0D, 0x20, 0x22, 0x27, 0x2C, 0x7B, 0x7D,
                                            0x5B, 0x5D, 0x28, 0x29, 0x3A, 0x5C, 0x30, 0x39, 0x2D, 0x2E, 0x65]
    static let hugeNumbers = ["0", "-1", "1", "4294967295", "4294967296", "1099511627776", "9223372036854775807",
                              "9223372036854775808", "18446744073709551615", "99999999999999999999999", "1e309",
                              "1.5", "-0", "007"]
    static let bigWords: [UInt64] = [0xFFFF_FFFF, 0x7FFF_FFFF, 1 << 40, 1 << 62, UInt64.max, 0x8000_0000, 0]

    /// One to three stacked random mutations of `input`; `alphabet` biases insertions for text formats.
    mutating func mutate(_ input: [UInt8], others: [[UInt8]], alphabet: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + below(3)) {
            switch below(11) {
            case 0:   // flip bits
                guard !bytes.isEmpty else { continue }
                for _ in 0..<(1 + below(8)) { bytes[below(bytes.count)] ^= UInt8(1) << UInt8(below(8)) }
            case 1:   // an interesting byte
                guard !bytes.isEmpty else { continue }
                bytes[below(bytes.count)] = pick(Mutator.interestingBytes)
            case 2:   // truncate
                bytes = Array(bytes.prefix(below(bytes.count + 1)))
            case 3:   // insert bytes (from the alphabet half the time)
                let count = 1 + below(16)
                let inserted = (0..<count).map { _ in chance(0.5) && !alphabet.isEmpty ? pick(alphabet) : UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: inserted, at: below(bytes.count + 1))
            case 4:   // delete a range
                guard !bytes.isEmpty else { continue }
                let start = below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(32)))
            case 5:   // duplicate a chunk
                guard !bytes.isEmpty else { continue }
                let start = below(bytes.count)
                let chunk = bytes[start..<min(bytes.count, start + 1 + below(64))]
                bytes.insert(contentsOf: chunk, at: below(bytes.count + 1))
            case 6:   // replace a run of ASCII digits with an extreme number
                let digitPositions = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
                guard !digitPositions.isEmpty else { continue }
                var start = pick(digitPositions), end = start
                while start > 0, bytes[start - 1] >= 0x30 && bytes[start - 1] <= 0x39 { start -= 1 }
                while end < bytes.count, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
                bytes.replaceSubrange(start..<end, with: Array(pick(Mutator.hugeNumbers).utf8))
            case 7:   // overwrite a word with a large value, little- or big-endian
                guard bytes.count >= 4 else { continue }
                let width = bytes.count >= 8 && chance(0.5) ? 8 : 4
                let at = below(bytes.count - width + 1)
                let value = pick(Mutator.bigWords)
                let word: [UInt8] = width == 8 ? IOTest.le(value) : IOTest.le(UInt32(truncatingIfNeeded: value))
                bytes.replaceSubrange(at..<(at + width), with: chance(0.5) ? word : word.reversed())
            case 8:   // random bytes
                bytes = (0..<below(200)).map { _ in chance(0.5) && !alphabet.isEmpty ? pick(alphabet) : UInt8(truncatingIfNeeded: rng.next()) }
            case 9:   // splice with another valid input
                let other = pick(others)
                bytes = Array(bytes.prefix(below(bytes.count + 1))) + Array(other.suffix(below(other.count + 1)))
            default:  // duplicate a line-sized region elsewhere (text formats) or swap two bytes
                guard bytes.count >= 2 else { continue }
                bytes.swapAt(below(bytes.count), below(bytes.count))
            }
        }
        return bytes
    }
}

final class FuzzTests: XCTestCase {
    struct Outcome { var inputs = 0, rejected = 0, parsed = 0, slowest = 0.0 }

    /// Runs `count` inputs through `parse`: the valid seeds themselves, mutations of them, and
    /// `oversize` variants whose header declares huge sizes. Every input must either parse or
    /// throw a ``DataError``; anything else fails the test (a trap would crash it).
    private func fuzz(_ name: String, seeds: [[UInt8]], count: Int, seed: UInt64, alphabet: [UInt8] = [],
                      oversize: (inout [UInt8], inout Mutator) -> Void,
                      parse: (_ input: [UInt8], _ variant: Int) throws -> Void) -> Outcome {
        var mutator = Mutator(seed: seed)
        var outcome = Outcome()
        let memoryBefore = IOTest.peakMemory()
        for i in 0..<count {
            var input: [UInt8]
            if i < seeds.count {
                input = seeds[i]
            } else if i % 10 == 0 {
                input = mutator.pick(seeds)
                oversize(&input, &mutator)
            } else {
                input = mutator.mutate(mutator.pick(seeds), others: seeds, alphabet: alphabet)
            }
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try parse(input, i)
                outcome.parsed += 1
            } catch is DataError {
                outcome.rejected += 1
            } catch {
                XCTFail("fuzz \(name) case \(i): not a DataError: \(type(of: error)) \(error)\ninput: \(input)")
            }
            outcome.slowest = max(outcome.slowest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            outcome.inputs += 1
        }
        let grown = IOTest.peakMemory() - memoryBefore
        print("fuzz \(name): \(outcome.inputs) inputs, \(outcome.rejected) rejected with an error, \(outcome.parsed) parsed "
              + "(slowest \(String(format: "%.1f", outcome.slowest * 1000)) ms, peak memory +\(grown >> 20) MB)")
        XCTAssertLessThan(outcome.slowest, 2, "fuzz \(name): an input took \(outcome.slowest) s")
        XCTAssertLessThan(grown, 256 << 20, "fuzz \(name): peak memory grew by \(grown >> 20) MB")
        XCTAssertGreaterThan(outcome.parsed, 0)
        XCTAssertGreaterThan(outcome.rejected, outcome.inputs / 2)
        return outcome
    }

    static let inputsPerReader = 5000

    func testFuzzCSV() throws {
        let seeds = [
            "sepal_length,sepal_width,species\n5.1,3.5,0\n4.9,3.0,1\n6.2,2.9,2\n",
            "\"a,1\",\"b \"\"q\"\"\",label\r\n1,2,3\r\n\r\n4,5,6\r\n",
            "1,2,3\n4,5,6\n7,8,9",
            "x,kind\n1,setosa\n2,virginica\n3, setosa \n",
            "\u{FEFF}a;b\n1e3;-0.5\nnan;inf\n",
            "v\n1\n\n2\n3\n",
        ].map { Array($0.utf8) }
        let alphabet = Array(",;\"\r\n \t0123456789.-+eEnaif".utf8)
        let readers = [CSVReader(labelColumn: .name("species")), CSVReader(labelColumn: .last), CSVReader(hasHeader: false),
                       CSVReader(hasHeader: false, labelColumn: .index(1)), CSVReader(labelColumn: .name("kind"), categoricalLabels: true),
                       CSVReader(delimiter: ";"), CSVReader()]
        _ = fuzz("csv", seeds: seeds, count: Self.inputsPerReader, seed: 1, alphabet: alphabet, oversize: { bytes, m in
            // A very long field and very many columns.
            bytes.insert(contentsOf: [UInt8](repeating: m.pick(Array("9,\"".utf8)), count: 20_000 + m.below(20_000)), at: m.below(bytes.count + 1))
        }) { input, variant in
            let reader = readers[variant % readers.count]
            if variant % 2 == 0 {
                let t = try reader.parse(input, path: "fuzz.csv", as: Float.self)
                XCTAssertEqual(t.features.rank, 2)
                if let labels = t.labels { XCTAssertEqual(labels.shape, [t.features.shape[0]]) }
            } else {
                _ = try reader.parse(input, path: "fuzz.csv", as: Double.self)
            }
        }
    }

    func testFuzzIDX() throws {
        let seeds = try [
            IDX.encode(Tensor<Float>((0..<24).map { Float($0 * 10) }, shape: [2, 3, 4]), as: .uint8),
            IDX.encode(Tensor<Float>([5, 0, 4, 1, 9]), as: .uint8),
            IDX.encode(Tensor<Float>([-3, 100, -70000], shape: [3, 1]), as: .int32),
            IDX.encode(Tensor<Float>([-3, 100, 7, 8], shape: [2, 2]), as: .int16),
            IDX.encode(Tensor<Float>([-3, 100], shape: [2]), as: .int8),
            IDX.encode(Tensor<Float>([1.5, -2.25, 3], shape: [3]), as: .float32),
            IDX.encode(Tensor<Double>([.pi, -.infinity], shape: [1, 2]), as: .float64),
        ]
        _ = fuzz("idx", seeds: seeds, count: Self.inputsPerReader, seed: 2, oversize: { bytes, m in
            // Declare huge sizes in the header (and sometimes many axes).
            guard bytes.count >= 8 else { return }
            if m.chance(0.3) { bytes[3] = UInt8(m.below(256)) }
            let rank = Int(bytes[3])
            for axis in 0..<min(rank, (bytes.count - 4) / 4) where m.chance(0.7) {
                let value = UInt32(truncatingIfNeeded: m.pick(Mutator.bigWords))
                bytes.replaceSubrange((4 + axis * 4)..<(8 + axis * 4), with: IOTest.be(value))
            }
        }) { input, variant in
            if variant % 2 == 0 {
                let t = try IDX.decode(input, path: "fuzz.idx", as: Float.self)
                XCTAssertEqual((t + 1).shape, t.shape)   // what parsed has strides that fit (an op computes them)
                // What parsed re-encodes and decodes to the same values.
                IOTest.assertIdentical(try IDX.decode(IDX.encode(t, as: .float32), as: Float.self), t)
            } else {
                _ = try IDX.decode(input, path: "fuzz.idx", as: Double.self)
            }
        }
    }

    func testFuzzNPY() throws {
        let seeds = try [
            NPY.encode(Tensor<Float>([0, 0.5, 1, 1.5, 2, 2.5], shape: [2, 3])),
            NPY.encode(Tensor<Double>([1, -1, .nan])),
            NPY.encode(Tensor<Double>(7)),
            NPY.encode(Tensor<Float>([3, 1, 4, 1, 5]), dtype: .int64),
            NPY.encode(Tensor<Float>([3, 1, 4]), dtype: .uint8),
            NPY.encode(Tensor<Float>([1, 0]), dtype: .bool),
            NPY.encode(Tensor<Float>([0.5, 65504]), dtype: .float16),
            IOTest.numpyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", data: IOTest.f64le([1, -1]), major: 2),
            IOTest.numpyFile(header: "{\"shape\": (2L, 1L), 'fortran_order': True, 'descr': '<f4'}", data: IOTest.f32le([4, 5]), major: 3),
            IOTest.numpyFile(header: "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 3), }", data: []),
        ]
        let alphabet = Array("{}()[]',: 0123456789<>|=fiub248TrueFalsNonLdescrshapfortan_\n".utf8)
        _ = fuzz("npy", seeds: seeds, count: Self.inputsPerReader, seed: 3, alphabet: alphabet, oversize: { bytes, m in
            guard bytes.count >= 12 else { return }
            switch m.below(3) {
            case 0:   // huge header length
                if bytes[6] == 1 {
                    bytes.replaceSubrange(8..<10, with: IOTest.le(UInt16(truncatingIfNeeded: m.pick(Mutator.bigWords))))
                } else {
                    bytes.replaceSubrange(8..<12, with: IOTest.le(UInt32(truncatingIfNeeded: m.pick(Mutator.bigWords))))
                }
            default:  // huge shape in the dict
                let text = String(decoding: bytes, as: UTF8.self)
                guard let open = text.range(of: "'shape': ("), let close = text[open.upperBound...].firstIndex(of: ")") else { return }
                let sizes = (0..<(1 + m.below(4))).map { _ in m.pick(Mutator.hugeNumbers) }.joined(separator: ", ")
                let replaced = text.replacingCharacters(in: open.upperBound..<close, with: sizes + ",")
                bytes = Array(replaced.utf8)
            }
        }) { input, variant in
            if variant % 2 == 0 {
                let t = try NPY.decode(input, path: "fuzz.npy", as: Float.self)
                XCTAssertEqual((t + 1).shape, t.shape)
                IOTest.assertIdentical(try NPY.decode(NPY.encode(t), as: Float.self), t)
            } else {
                let t = try NPY.decode(input, path: "fuzz.npy", as: Double.self)
                IOTest.assertIdentical(try NPY.decode(NPY.encode(t), as: Double.self), t)
            }
        }
    }

    func testFuzzSafeTensors() throws {
        let seeds = try [
            SafeTensorsTests.handBuilt,
            SafeTensors.encode(["a": Tensor<Double>([1, 2, 3]), "b": Tensor<Double>(4), "c": Tensor<Double>.zeros([0, 2])], metadata: ["k": "v"]),
            SafeTensors.encode(["x.weight": Tensor<Float>.ones([2, 2]), "x.bias": Tensor<Float>([0.5, -0.5])], dtype: .BF16),
            SafeTensors.encode(["h": Tensor<Float>([1, -2, 0.25])], dtype: .F16),
            SafeTensors.encode(["i": Tensor<Float>([1, -2, 3])], dtype: .I64),
            SafeTensors.encode([String: Tensor<Float>]()),
            IOTest.safetensorsFile(json: #"{"n\u00e9\"":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"__metadata__":null}"#, data: [1, 2]),
        ]
        let alphabet = Array("{}[]\",: 0123456789FIUB68tfrulenasdhpo_\\".utf8)
        _ = fuzz("safetensors", seeds: seeds, count: Self.inputsPerReader, seed: 4, alphabet: alphabet, oversize: { bytes, m in
            guard bytes.count >= 8 else { return }
            if m.chance(0.4) {   // huge header length
                bytes.replaceSubrange(0..<8, with: IOTest.le(m.pick(Mutator.bigWords) &+ UInt64(m.below(3))))
                return
            }
            // Huge shape or offsets inside the JSON, keeping the header length consistent.
            let length = Int(bytes[0]) | Int(bytes[1]) << 8
            guard length + 8 <= bytes.count else { return }
            var json = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
            let key = m.chance(0.5) ? "\"shape\":[" : "\"data_offsets\":["
            guard let open = json.range(of: key), let close = json[open.upperBound...].firstIndex(of: "]") else { return }
            let values = (0..<(1 + m.below(3))).map { _ in m.pick(Mutator.hugeNumbers) }.joined(separator: ",")
            json.replaceSubrange(open.upperBound..<close, with: values)
            bytes = IOTest.safetensorsFile(json: json, data: Array(bytes[(8 + length)...]))
        }) { input, variant in
            if variant % 2 == 0 {
                let file = try SafeTensors.decode(input, path: "fuzz.safetensors", as: Float.self)
                for (_, t) in file.tensors { XCTAssertEqual((t + 1).shape, t.shape) }
                let again = try SafeTensors.decode(SafeTensors.encode(file.tensors, metadata: file.metadata), as: Float.self)
                XCTAssertEqual(Set(again.tensors.keys), Set(file.tensors.keys))
                for (name, t) in file.tensors { IOTest.assertIdentical(again[name] ?? .zeros([1]), t) }
            } else {
                _ = try SafeTensors.decode(input, path: "fuzz.safetensors", as: Double.self)
            }
        }
    }
}

import XCTest
import Foundation
import Autograd
import DataFormats
import Layers

/// The Swift half of `scripts/check_safetensors_interop.py`. Skipped unless `IO_INTEROP_DIR`
/// names a folder:
///
///     python3 scripts/check_safetensors_interop.py write /tmp/interop     # Python writes reference files
///     IO_INTEROP_DIR=/tmp/interop swift test --filter IOTests.InteropTests # we read them and write ours
///     python3 scripts/check_safetensors_interop.py check /tmp/interop     # Python reads ours
///
/// The known values on both sides: `weight` = arange(12).reshape(3, 4) / 4 (float32),
/// `bias` = [-1, 0, 1.5] (float64), `labels` = [0, 1, 2, 9, 3] (int64).
final class InteropTests: XCTestCase {
    private var folder: String {
        get throws {
            guard let folder = ProcessInfo.processInfo.environment["IO_INTEROP_DIR"], !folder.isEmpty else {
                throw XCTSkip("set IO_INTEROP_DIR to run the Python interop round trip (see scripts/check_safetensors_interop.py)")
            }
            return folder
        }
    }

    static let weight = Tensor<Float>((0..<12).map { Float($0) / 4 }, shape: [3, 4])
    static let bias = Tensor<Double>([-1, 0, 1.5])
    static let labels = Tensor<Float>([0, 1, 2, 9, 3])
    static let bigIntegers: [Int64] = [(1 << 53) + 1, -(1 << 62) - 3, 16_777_217]

    func testReadPythonFiles() throws {
        let folder = try folder
        let reference = "\(folder)/python.safetensors"
        guard FileManager.default.fileExists(atPath: reference) else {
            throw XCTSkip("no \(reference): run `python3 scripts/check_safetensors_interop.py write \(folder)` first")
        }
        let file = try SafeTensors.read(from: reference, as: Float.self)
        XCTAssertEqual(file["weight"], Self.weight)
        XCTAssertEqual(file.dtypes["weight"], .F32)
        XCTAssertEqual(try SafeTensors.read(from: reference, as: Double.self)["bias"], Self.bias)
        XCTAssertEqual(file.dtypes["bias"], .F64)
        XCTAssertEqual(file["labels"], Self.labels)
        XCTAssertEqual(file.metadata["written_by"], "python")
        XCTAssertEqual(try NPY.read(from: "\(folder)/python_weight.npy", as: Float.self), Self.weight)
        XCTAssertEqual(try NPY.read(from: "\(folder)/python_bias.npy", as: Double.self), Self.bias)
        XCTAssertEqual(try NPY.read(from: "\(folder)/python_labels.npy", as: Float.self), Self.labels)
        let torch = "\(folder)/torch.safetensors"
        if FileManager.default.fileExists(atPath: torch) {
            let t = try SafeTensors.read(from: torch, as: Float.self)
            XCTAssertEqual(t["weight"], Self.weight)
            XCTAssertEqual(t["labels"], Self.labels)
            XCTAssertEqual(t["weight_bf16"], Self.weight)   // quarters are exact in bfloat16
            XCTAssertEqual(t.dtypes["weight_bf16"], .BF16)
        }
        // Two names equal only up to Unicode normalization, and int64 values beyond Double's integers.
        let names = try SafeTensors.read(from: "\(folder)/python_names.safetensors", as: Float.self)
        XCTAssertEqual(names["\u{e9}"], Tensor<Float>([1]))
        XCTAssertEqual(names["e\u{301}"], Tensor<Float>([2]))
        XCTAssertEqual(names.integers("big")?.values, Self.bigIntegers)
        let half = try SafeTensors.read(from: "\(folder)/python_half.safetensors", as: Float.self)
        XCTAssertEqual(half["weight_f16"], Self.weight)     // and in half precision
        XCTAssertEqual(half.dtypes["weight_f16"], .F16)
    }

    /// Python's `safetensors` and this reader must agree on every mutated file: both accept it
    /// or both refuse it. The only allowed differences are dtypes one side cannot represent
    /// (complex or 8-bit floats, which we refuse as `.unsupported`; bfloat16, which NumPy refuses).
    func testSameVerdictsAsPythonOnMutatedFiles() throws {
        let folder = try folder + "/mutated"
        guard let text = try? String(contentsOfFile: "\(folder)/verdicts.txt", encoding: .utf8) else {
            throw XCTSkip("no \(folder)/verdicts.txt: run the script's write command first")
        }
        let verdicts = text.split(separator: "\n").map(String.init)
        var agreed = 0, representable = 0
        for (i, verdict) in verdicts.enumerated() {
            let file = "\(folder)/case_\(i).safetensors"
            var ours: DataError? = nil
            do { _ = try SafeTensors.read(from: file, as: Float.self) } catch let e as DataError { ours = e }
            let pythonAccepts = verdict == "ok"
            if pythonAccepts == (ours == nil) { agreed += 1; continue }
            if let ours, ours.kind == .unsupported { representable += 1; continue }
            if ours == nil && verdict.contains("BF16") { representable += 1; continue }
            XCTFail("case \(i): Python says \(verdict), we say \(ours.map { "\($0)" } ?? "ok")")
        }
        print("interop verdicts: \(verdicts.count) mutated files, \(agreed) same verdict as Python, "
              + "\(representable) differ only by a dtype one side cannot represent")
    }

    func testWriteFilesForPython() throws {
        let folder = try folder
        try SafeTensors.write(["weight": Self.weight, "labels": Self.labels], metadata: ["written_by": "swift"],
                              to: "\(folder)/swift_f32.safetensors")
        try SafeTensors.write(["bias": Self.bias], to: "\(folder)/swift_f64.safetensors")
        try SafeTensors.write(["weight": Self.weight], integers: ["ids": .init(Self.bigIntegers, shape: [3]),
                                                                  "step": .init([(1 << 53) + 1], shape: [])],
                              to: "\(folder)/swift_integers.safetensors")
        try NPY.write(Self.weight, to: "\(folder)/swift_weight.npy")
        try NPY.write(Self.bias, to: "\(folder)/swift_bias.npy")
        try NPY.write(Self.labels, to: "\(folder)/swift_labels.npy", dtype: .int64)
        try writeLayersForPython(folder)
    }

    /// Layers saved with `Module.save` (PyTorch's names and layouts), each with an input and our
    /// output, for the script to load into the PyTorch module with `load_state_dict(strict=True)`
    /// and compare: `nn.Linear(5, 3)`, `nn.BatchNorm1d(4)` after two training batches (eval),
    /// `nn.TransformerEncoderLayer(8, 2, 16, dropout=0, activation="gelu", batch_first=True,
    /// norm_first=True)` with a causal mask.
    func writeLayersForPython(_ folder: String) throws {
        let dense = Dense<Double>(inputs: 5, outputs: 3, seed: 11)
        let x = Tensor<Double>.randomNormal([2, 5], seed: 12)
        try dense.save(to: "\(folder)/swift_linear.safetensors")
        try SafeTensors.write(["input": x, "output": dense(x)], to: "\(folder)/swift_linear.io.safetensors")

        let norm = BatchNorm1D<Double>(features: 4)
        for seed in [13, 14] as [UInt64] { _ = withLearningPhase(.training) { norm(Tensor<Double>.randomNormal([6, 4], seed: seed)) } }
        let n = Tensor<Double>.randomNormal([3, 4], seed: 15)
        try norm.save(to: "\(folder)/swift_batchnorm1d.safetensors")
        try SafeTensors.write(["input": n, "output": withInference { norm(n) }], to: "\(folder)/swift_batchnorm1d.io.safetensors")

        let block = TransformerBlock<Double>(dimension: 8, heads: 2, hidden: 16, seed: 16)
        let h = Tensor<Double>.randomNormal([2, 5, 8], seed: 17)
        try block.save(to: "\(folder)/swift_transformer.safetensors")
        try SafeTensors.write(["input": h, "output": withInference { block(h, causal: true) }],
                              to: "\(folder)/swift_transformer.io.safetensors")
    }
}

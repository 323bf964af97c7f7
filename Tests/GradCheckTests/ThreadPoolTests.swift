import XCTest
import Foundation
import CKernels
@testable import Autograd
import Layers
import Optim
#if canImport(Glibc)
import Glibc
#endif

/// The pool of Sources/CKernels/parallel.c through its C interface: every index of a job runs
/// exactly once, whatever the count; a part that starts a job of its own, and two threads starting
/// jobs at once, run to the end (the second caller runs its parts itself); a forked child, which
/// has no workers, runs its jobs on its own.
final class ThreadPoolTests: XCTestCase {
    /// Runs a job of `count` parts that each add 1 to their own counter; returns the counters.
    static func counts(_ count: Int) -> [Int] {
        var counters = [Int](repeating: 0, count: count)
        counters.withUnsafeMutableBufferPointer { buffer in
            ck_parallel_for({ context, index in
                guard let context else { return }
                context.assumingMemoryBound(to: Int.self)[index] += 1
            }, buffer.baseAddress, count)
        }
        return counters
    }

    func testEveryIndexRunsOnce() {
        XCTAssertGreaterThanOrEqual(Int(ck_thread_count()), 1)
        XCTAssertEqual(Int(ck_thread_count()), Parallel.threadCount)
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            for _ in 0..<20 { XCTAssertEqual(Self.counts(count), [Int](repeating: 1, count: count), "count \(count)") }
        }
    }

    /// A part that runs a job itself (the pool is busy: it runs that job's parts in order).
    func testNestedJobsFinish() {
        let inner = Totals(8)
        Parallel.forEach(8) { i in
            let counts = Self.counts(50)
            inner.set(i, counts.reduce(0, +))
        }
        XCTAssertEqual(inner.values, [Int](repeating: 50, count: 8))
    }

    /// Several threads starting jobs at the same time, many times over: none is lost or run twice.
    func testConcurrentCallers() {
        let failures = Totals(4)
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for round in 0..<300 {
                let count = 1 + (round * 7 + t) % 13
                if Self.counts(count) != [Int](repeating: 1, count: count) { failures.add(t) }
            }
        }
        XCTAssertEqual(failures.values, [0, 0, 0, 0])
    }

    /// `Parallel.ranges` covers 0..<n exactly once with aligned starts, for any number of parts.
    func testRangesCoverEveryElementOnce() {
        for n in [0, 1, 63, 64, 65, 1000, 4099] {
            for parts in [1, 2, 3, 8, 100] {
                let seen = Totals(n)
                Parallel.ranges(n, parts: parts, alignment: 64) { start, count in
                    XCTAssertEqual(start % 64, 0)
                    for i in start..<(start + count) { seen.add(i) }
                }
                XCTAssertEqual(seen.values, [Int](repeating: 1, count: n), "n \(n), parts \(parts)")
            }
        }
    }

    #if os(Linux)
    /// The child of a fork (of a process whose pool is running) has no workers: its jobs run every
    /// part on the calling thread instead of waiting for threads that do not exist.
    func testForkedChildRunsItsJobsItself() {
        XCTAssertEqual(Self.counts(4), [1, 1, 1, 1])   // the pool has started
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        defer { counters.deallocate() }
        counters.initialize(repeating: 0, count: 16)
        let child = fork()
        if child == 0 {
            // Only C calls and plain memory from here: a forked child of a threaded process.
            ck_parallel_for({ context, index in
                guard let context else { return }
                context.assumingMemoryBound(to: Int.self)[index] += 1
            }, counters, 16)
            var good: Int32 = 1
            for i in 0..<16 where counters[i] != 1 { good = 0 }
            _exit(good == 1 ? 0 : 1)
        }
        XCTAssertGreaterThan(child, 0)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(child, &status, 0), child)
        XCTAssertEqual(status, 0, "the child's job did not finish with every part run once")
    }
    #endif
}

/// Results are the same bits for every thread count: the test binary runs again as child processes
/// with AUTOGRAD_THREADS = 1, 2, 3 and 8 (the count is read once per process), each computing GEMMs
/// split every way (bands of rows and of columns, shared packed blocks, the direct kernels, a
/// batch), elementwise maps, sums split three ways, and three training steps of an MLP with Adam;
/// every child's bits must equal the others' and this process's.
final class ThreadCountTests: XCTestCase {
    static let outputKey = "AUTOGRAD_THREAD_COUNT_TEST_OUTPUT"

    /// The workload, as bit patterns: the thread count first, then every result.
    static func workload() -> [UInt64] {
        var bits: [UInt64] = [UInt64(Parallel.threadCount)]
        func add(_ t: Tensor<Float>) { bits += t.scalars.map { UInt64($0.bitPattern) } }
        func add(_ t: Tensor<Double>) { bits += t.scalars.map(\.bitPattern) }
        func normal(_ shape: [Int], _ seed: UInt64) -> Tensor<Float> { .randomNormal(shape, seed: seed) }
        // GEMM: row bands (packed), column bands, shared blocks (too narrow), the direct kernels
        // (B row-major, and Bᵀ read in place), a batch of small products, Double.
        add(normal([257, 300], 1).matmul(normal([300, 190], 2)))
        add(normal([20, 300], 3).matmul(normal([300, 700], 4)))
        add(normal([10, 12000], 5).matmul(normal([12000, 9], 6)))
        add(normal([200, 64], 7).matmul(normal([64, 100], 8)))
        add(normal([64, 96], 9).matmul(normal([200, 96], 10), transposeA: false, transposeB: true))
        add(normal([32, 8, 9], 11).matmul(normal([32, 9, 784], 12)))
        add(Tensor<Double>.randomNormal([130, 257], seed: 13).matmul(Tensor<Double>.randomNormal([257, 65], seed: 14)))
        // Elementwise maps: vectorised, cheap, scalar libm, a broadcast scalar; odd lengths.
        let x = normal([(1 << 18) + 37], 15), y = normal([(1 << 18) + 37], 16)
        add(x.exp())
        add(x + y)
        add(x * 3)
        add(Tensor<Double>.randomNormal([(1 << 15) + 5], seed: 17).tanh())
        // Sums: one long row (subtrees of the pairwise recursion), rows, columns; Double; a mean.
        add(normal([(1 << 20) + 123], 18).sum())
        let m = normal([300, 1000], 19)
        add(m.sum(axes: [1]))
        add(m.sum(axes: [0]))
        add(Tensor<Double>.randomNormal([(1 << 18) + 7], seed: 20).sum())
        add(normal([64, 8, 28, 28], 21).mean())
        // Three training steps of an MLP (its products split, its bias gradients summed over the batch).
        let model = Sequential<Float> {
            Dense<Float>(inputs: 784, outputs: 256, activation: .relu, seed: 22)
            Dense<Float>(inputs: 256, outputs: 10, seed: 23)
        }
        let optimizer = Adam(model, learningRate: 1e-3)
        let images = Tensor<Float>.randomUniform([128, 784], lower: 0, upper: 1, seed: 24)
        let labels = Tensor<Float>((0..<128).map { Float($0 % 10) }, shape: [128])
        for _ in 0..<3 {
            let loss = crossEntropy(logits: model(images), labels: labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            add(loss)
        }
        for parameter in model.parameters { add(parameter.value) }
        return bits
    }

    func testResultsAreTheSameBitsForEveryThreadCount() throws {
        if let path = ProcessInfo.processInfo.environment[Self.outputKey] {
            let bits = Self.workload()
            try bits.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
            exit(0)
        }
        #if os(Linux)
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #else
        throw XCTSkip("starting the test binary again with a filter is only set up on Linux")
        #endif
        let here = Self.workload()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("autograd-threads-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for threads in [1, 2, 3, 8] {
            let output = folder.appendingPathComponent("\(threads).bin")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["GradCheckTests.ThreadCountTests/testResultsAreTheSameBitsForEveryThreadCount"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.outputKey] = output.path
            environment["AUTOGRAD_THREADS"] = "\(threads)"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice   // the child's stderr stays (sanitizer reports)
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "AUTOGRAD_THREADS=\(threads): the child failed")
            let data = try Data(contentsOf: output)
            let bits = data.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
            XCTAssertEqual(bits.first, UInt64(threads), "the child did not run with AUTOGRAD_THREADS=\(threads)")
            XCTAssertEqual(bits.count, here.count)
            let differing = zip(bits.dropFirst(), here.dropFirst()).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "AUTOGRAD_THREADS=\(threads): \(differing) of \(here.count - 1) values differ "
                           + "from this process's (\(Parallel.threadCount) threads)")
        }
    }
}

private final class Totals: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int]
    init(_ count: Int) { storage = [Int](repeating: 0, count: count) }
    func add(_ i: Int) { lock.lock(); storage[i] += 1; lock.unlock() }
    func set(_ i: Int, _ v: Int) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return storage }
}

import Foundation
import XCTest
@testable import Autograd

/// The allocator tuning (glibc only) follows its opt-out variable.
final class AllocatorTests: XCTestCase {
    func testTuningFollowsTheOptOutVariable() throws {
        _ = Tensor<Float>.zeros([1])   // builds the kernel table, which applies the tuning
        #if os(Linux) && canImport(Glibc)
        let value = ProcessInfo.processInfo.environment[Allocator.optOutVariable] ?? ""
        let optedOut = !value.isEmpty && value != "0"
        XCTAssertEqual(Allocator.isTuned, !optedOut, "\(Allocator.optOutVariable)=\(value)")
        #else
        XCTAssertFalse(Allocator.isTuned, "only glibc's allocator is tuned")
        #endif
    }
}

/// Freeing a long graph hands its memory back to the system, once: a loop that frees graphs of the
/// same few sizes keeps the memory for its next steps.
final class MemoryReturnTests: XCTestCase {
    /// Builds and drops a chain of `length` recorded ops on this thread.
    private static func buildAndFreeChain(_ length: Int) {
        let x = Tensor<Double>(1).requiringGrad()
        let b = Tensor<Double>(1.000_001)
        var y = x
        for _ in 0..<length { y = y * b }
        precondition(y.requiresGrad)
    }

    private static func residentMiB() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Whether this platform hands memory back (glibc's allocator or Apple's), unless opted out.
    private static var handsMemoryBack: Bool {
        #if (os(Linux) && canImport(Glibc)) || canImport(Darwin)
        return !Allocator.isOptedOut
        #else
        return false
        #endif
    }

    /// Runs `body` on a thread of its own (the policy compares with the graphs freed on the thread).
    private func onNewThread(_ body: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.start()
        XCTAssertEqual(group.wait(timeout: .now() + 300), .success)
    }

    func testALongGraphHandsItsMemoryBackOnceAndALoopKeepsIt() throws {
        final class Observed: @unchecked Sendable {
            var returns: [Int] = []
            var resident: (before: Double, after: Double)?
        }
        let observed = Observed()
        let long = Allocator.returnThreshold + 4_000
        onNewThread {
            let tape = ThreadTape.current
            Self.buildAndFreeChain(long)
            observed.returns.append(tape.memoryReturns)       // the first long graph: handed back
            Self.buildAndFreeChain(long)
            observed.returns.append(tape.memoryReturns)       // the same size again: kept
            Self.buildAndFreeChain(1_000)
            observed.returns.append(tape.memoryReturns)       // short: kept
            // More than twice the longest: handed back, and the resident size falls by most of its nodes.
            let x = Tensor<Double>(1).requiringGrad()
            var y = x
            for _ in 0..<(3 * long) { y = y * Tensor<Double>(1.000_001) }
            let before = Self.residentMiB()
            y = Tensor<Double>(0)
            observed.returns.append(tape.memoryReturns)
            if let before, let after = Self.residentMiB() { observed.resident = (before, after) }
        }
        XCTAssertEqual(observed.returns, Self.handsMemoryBack ? [1, 1, 1, 2] : [0, 0, 0, 0])
        #if os(Linux) && canImport(Glibc)
        // The resident size says whether glibc's allocator gave the pages back: not when another one
        // is preloaded in its place, or when the program opted out.
        guard Self.handsMemoryBack, (ProcessInfo.processInfo.environment["LD_PRELOAD"] ?? "").isEmpty else { return }
        let resident = try XCTUnwrap(observed.resident, "/proc/self/statm could not be read")
        // 210k nodes of about 200 bytes: some 40 MiB.
        XCTAssertGreaterThan(resident.before - resident.after, 20,
                             "resident size \(resident.before) → \(resident.after) MiB after freeing a 210k-node graph")
        #endif
    }

    func testALoopOfTwoGraphSizesHandsMemoryBackInItsFirstStepOnly() {
        final class Observed: @unchecked Sendable { var returns: [Int] = [] }
        let observed = Observed()
        let short = Allocator.returnThreshold + 4_000
        onNewThread {
            let tape = ThreadTape.current
            // Each step frees a long graph and one more than twice as long (two models, or a
            // generator and a critic): the longer is handed back the first time only.
            for _ in 0..<4 {
                Self.buildAndFreeChain(short)
                Self.buildAndFreeChain(2 * short + 100)
                observed.returns.append(tape.memoryReturns)
            }
        }
        XCTAssertEqual(observed.returns, Self.handsMemoryBack ? [2, 2, 2, 2] : [0, 0, 0, 0])
    }
}

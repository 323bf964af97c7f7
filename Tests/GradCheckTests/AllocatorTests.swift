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
/// same size keeps the memory for the next one.
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

    func testALongGraphHandsItsMemoryBackOnceAndALoopKeepsIt() {
        final class Observed: @unchecked Sendable {
            var returns: [Int] = []
            var residentDrop: Double?
        }
        let observed = Observed()
        let long = Allocator.returnThreshold + 4_000
        let group = DispatchGroup()
        // On a thread of its own: the policy compares with the last long graph freed on the thread.
        let thread = Thread {
            let tape = ThreadTape.current
            Self.buildAndFreeChain(long)
            observed.returns.append(tape.memoryReturns)       // the first long graph: handed back
            Self.buildAndFreeChain(long)
            observed.returns.append(tape.memoryReturns)       // the same size again: kept
            Self.buildAndFreeChain(1_000)
            observed.returns.append(tape.memoryReturns)       // short: kept
            // More than twice the last: handed back, and the resident size falls by most of its nodes.
            let x = Tensor<Double>(1).requiringGrad()
            var y = x
            for _ in 0..<(3 * long) { y = y * Tensor<Double>(1.000_001) }
            let before = Self.residentMiB()
            y = Tensor<Double>(0)
            observed.returns.append(tape.memoryReturns)
            if let before, let after = Self.residentMiB() { observed.residentDrop = before - after }
            group.leave()
        }
        group.enter()
        thread.start()
        XCTAssertEqual(group.wait(timeout: .now() + 300), .success)
        #if canImport(Glibc) || canImport(Darwin)
        XCTAssertEqual(observed.returns, [1, 1, 1, 2])
        #else
        XCTAssertEqual(observed.returns, [0, 0, 0, 0], "no way to hand memory back on this platform")
        #endif
        #if os(Linux) && canImport(Glibc)
        // 210k nodes of about 200 bytes: some 40 MiB.
        let drop = observed.residentDrop ?? 0
        XCTAssertGreaterThan(drop, 20, "resident size fell by \(drop) MiB after freeing a 210k-node graph")
        #endif
    }
}

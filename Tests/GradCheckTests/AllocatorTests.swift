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

import CKernels
import XCTest

/// Checks shared by the Float and Double vector-kernel tests.
enum VectorKernelChecks {
    /// Whether two values have the same bits (sign of zero and NaN payload included).
    static func sameBits<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
        a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern && a.significandBitPattern == b.significandBitPattern
    }

    /// Every array length gives each element the value it gets inside a long array (the tail runs
    /// the same code through a padded vector), on every ISA, and nothing is written past the end.
    static func assertTailsGiveTheSameBitsAsWholeVectors<T: BinaryFloatingPoint>(
        _ functions: [(name: String, kernel: (Int32, Int, UnsafePointer<T>?, UnsafeMutablePointer<T>?) -> Void)],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let values = (0..<64).map { T($0) * T(0.37) - T(11.5) }
        for function in functions {
            for isa in Array((0...ck_isa()).reversed()) {
                var whole = [T](repeating: 0, count: values.count)
                function.kernel(isa, values.count, values, &whole)
                for n in 0...40 {
                    var part = [T](repeating: -1, count: n + 1)
                    function.kernel(isa, n, values, &part)
                    XCTAssertTrue(zip(part.prefix(n), whole.prefix(n)).allSatisfy(sameBits),
                                  "\(function.name) n \(n) on ISA \(isa)", file: file, line: line)
                    XCTAssertEqual(part[n], -1, "\(function.name) wrote past n = \(n)", file: file, line: line)
                }
            }
        }
    }
}

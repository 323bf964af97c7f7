import CKernels
import XCTest

/// Checks shared by the Float and Double vector-kernel tests.
enum VectorKernelChecks {
    /// Whether two values have the same bits (sign of zero and NaN payload included).
    static func sameBits<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
        a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern && a.significandBitPattern == b.significandBitPattern
    }

    /// Error of `y` in ulps of the exact `r` (the smallest subnormal below the normal range);
    /// infinity for a wrong special value (NaN, infinity, the sign of a zero).
    static func ulpError<T: BinaryFloatingPoint, E: BinaryFloatingPoint>(_ y: T, _ r: E) -> Double {
        if r.isNaN { return y.isNaN ? 0 : .infinity }
        if y.isNaN { return .infinity }
        let magnitude = Swift.abs(r)
        // From the largest finite value + ½ ulp up, the exact value rounds to infinity.
        if magnitude >= E(T.greatestFiniteMagnitude) + E(T.greatestFiniteMagnitude.ulp) / 2 {
            return y.isInfinite && (y < 0) == (r < 0) ? 0 : .infinity
        }
        if y.isInfinite { return .infinity }
        // A zero, exact or underflowed, has the sign of the exact result.
        if y == 0 && y.sign != r.sign { return .infinity }
        if r == 0 { return y == 0 ? 0 : .infinity }
        let ulp: E = magnitude < E(T.leastNormalMagnitude)
            ? E(T.leastNonzeroMagnitude)
            : E(sign: .plus, exponent: magnitude.exponent - E.Exponent(T.significandBitCount), significand: 1)
        return Double(Swift.abs(E(y) - r) / ulp)
    }

    /// The largest error in ulps of `kernel` (run on `isa`) over `inputs` against `exact`, and
    /// the input where it is (the first infinite one, if any is).
    static func worstError<T: BinaryFloatingPoint, E: BinaryFloatingPoint>(
        of kernel: (Int32, Int, UnsafePointer<T>?, UnsafeMutablePointer<T>?) -> Void, isa: Int32, inputs: [T], exact: [E]
    ) -> (error: Double, at: T) {
        var output = [T](repeating: 0, count: inputs.count)
        kernel(isa, inputs.count, inputs, &output)
        var worst = (error: 0.0, at: T(0))
        for i in inputs.indices {
            let e = ulpError(output[i], exact[i])
            if e > worst.error || (e.isInfinite && !worst.error.isInfinite) { worst = (e, inputs[i]) }
        }
        return worst
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
                    let same = zip(part.prefix(n), whole.prefix(n)).allSatisfy { sameBits($0, $1) }
                    XCTAssertTrue(same,
                                  "\(function.name) n \(n) on ISA \(isa)", file: file, line: line)
                    XCTAssertEqual(part[n], -1, "\(function.name) wrote past n = \(n)", file: file, line: line)
                }
            }
        }
    }
}

import Foundation

/// The first op that produced a NaN or an infinity from finite inputs, found by
/// ``checkingNumerics(file:line:_:)``.
public struct NumericsError: Error, CustomStringConvertible, Sendable {
    /// Summary statistics of one input of the op.
    public struct InputSummary: Sendable {
        public let shape: [Int]
        public let minimum: Double
        public let maximum: Double
        public let mean: Double
    }

    /// The op that produced the value ("log", "divide", …) and its settings.
    public let op: String
    public let attributes: String
    /// `nil` in the forward pass; in the backward pass, the tape name of the op whose
    /// derivative rule was running ("t3").
    public let backwardOf: String?
    public let outputShape: [Int]
    /// How many elements of the output are NaN, +∞ or −∞, and the first one's coordinates.
    public let nanCount: Int
    public let infinityCount: Int
    public let firstIndex: [Int]
    public let inputs: [InputSummary]
    /// Where the checked code was: the `checkingNumerics` call.
    public let scope: String
    /// The call stack when the value was produced, innermost first, without the frames of this
    /// check itself. Where the binary exports its symbols (macOS) the frames are demangled
    /// function names; on Linux they read `binary(+0x1a2b)`, which `addr2line -f -C -e binary 0x1a2b`
    /// turns into the function, file and line where the op was called.
    public let stack: [String]

    public var description: String {
        let phase = backwardOf.map { "in the backward pass (derivative rule of \($0))" } ?? "in the forward pass"
        var lines = ["\(op)\(attributes.isEmpty ? "" : " {\(attributes)}") produced "
                     + "\(nanCount) NaN and \(infinityCount) infinite value(s) \(phase), output shape \(outputShape), "
                     + "first at \(firstIndex); its inputs were all finite:"]
        for (i, input) in inputs.enumerated() {
            lines.append(String(format: "  input %d: shape %@, min %.6g, max %.6g, mean %.6g", i, "\(input.shape)",
                                input.minimum, input.maximum, input.mean))
        }
        lines.append("  checked scope: \(scope)")
        if !stack.isEmpty {
            lines.append("  call stack, innermost first (resolve a 'binary(+0x…)' frame with: addr2line -f -C -e binary 0x…):")
            lines += stack.prefix(12).map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs `body` with every op on this thread checked for NaN and infinity, in the forward and
/// the backward pass, and throws a ``NumericsError`` naming the first op that **produced** one
/// from finite inputs (not one that merely passed it on). Off by default; outside such a scope
/// ops pay a single flag test.
///
/// ```swift
/// do {
///     try checkingNumerics {
///         let loss = (x - 3).log().sum()      // log of a negative number
///         loss.backward()
///     }
/// } catch let error as NumericsError {
///     print(error)     // log produced 1 NaN … in the forward pass, output shape [3] …
/// }
/// ```
public func checkingNumerics<T>(file: StaticString = #fileID, line: UInt = #line, _ body: () throws -> T) throws -> T {
    let tape = ThreadTape.current
    NumericsCheck.enter()
    tape.numericsDepth += 1
    let outermost = tape.numericsDepth == 1
    let scope = "\(file):\(line)"
    if outermost { tape.numericsIncident = nil }
    NumericsCheck.setScope(scope, for: tape)
    defer {
        tape.numericsDepth -= 1
        NumericsCheck.leave()
    }
    let result = try body()
    if outermost, let incident = tape.numericsIncident {
        tape.numericsIncident = nil
        throw incident
    }
    return result
}

enum NumericsCheck {
    /// Whether any thread is inside a `checkingNumerics` scope: the one test ops pay when off.
    nonisolated(unsafe) static var anyScopeActive = false
    nonisolated(unsafe) private static var active = 0
    nonisolated(unsafe) private static var scopes: [ObjectIdentifier: String] = [:]
    private static let lock = NSLock()

    static func setScope(_ scope: String, for tape: ThreadTape) {
        lock.lock()
        scopes[ObjectIdentifier(tape)] = scope
        lock.unlock()
    }

    static func enter() {
        lock.lock()
        active += 1
        anyScopeActive = true
        lock.unlock()
    }

    static func leave() {
        lock.lock()
        active -= 1
        anyScopeActive = active > 0
        lock.unlock()
    }

    static func inspect<Scalar>(_ op: String, _ attributes: String, inputs: [Tensor<Scalar>], shape: [Int], scalars: [Scalar]) {
        let tape = ThreadTape.current
        guard tape.numericsDepth > 0, tape.numericsIncident == nil else { return }
        var nans = 0, infinities = 0, first = -1
        for (i, x) in scalars.enumerated() where !x.isFinite {
            if x.isNaN { nans += 1 } else { infinities += 1 }
            if first < 0 { first = i }
        }
        guard first >= 0 else { return }
        // Passed on, not produced: an input was already non-finite.
        guard inputs.allSatisfy({ $0.scalars.allSatisfy(\.isFinite) }) else { return }
        let summaries = inputs.map { t -> NumericsError.InputSummary in
            let values = t.scalars.map(Double.init)
            return .init(shape: t.shape, minimum: values.min() ?? .nan, maximum: values.max() ?? .nan,
                         mean: values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
        }
        lock.lock()
        let scope = scopes[ObjectIdentifier(tape)] ?? "?"
        lock.unlock()
        tape.numericsIncident = NumericsError(
            op: op, attributes: attributes, backwardOf: tape.backwardOf, outputShape: shape, nanCount: nans,
            infinityCount: infinities, firstIndex: unflatten(first, Shape.strides(shape)), inputs: summaries,
            scope: scope, stack: callStack())
    }

    /// The current call stack without the frames of the check itself, demangled where possible.
    static func callStack() -> [String] {
        Thread.callStackSymbols.dropFirst(3).map { frame in
            // "module(symbol+0x12) [0x…]" or "module(+0x12) [0x…]": demangle a Swift symbol if present.
            guard let open = frame.firstIndex(of: "("), let plus = frame[open...].firstIndex(of: "+") else { return frame }
            let symbol = String(frame[frame.index(after: open)..<plus])
            guard symbol.hasPrefix("$s") || symbol.hasPrefix("_$s"), let name = demangle(symbol) else { return frame }
            return name + " " + frame[frame.index(after: plus)...].prefix { $0 != ")" }
        }
    }

    static func demangle(_ symbol: String) -> String? {
        symbol.withCString { name -> String? in
            guard let result = _swift_demangle(name, strlen(name), nil, nil, 0) else { return nil }
            defer { free(result) }
            return String(cString: result)
        }
    }
}

@_silgen_name("swift_demangle")
private func _swift_demangle(_ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
                             _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<Int>?,
                             _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

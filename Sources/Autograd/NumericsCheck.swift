import CKernels
import Foundation

/// The first op that produced a NaN or an infinity from finite inputs, found by
/// ``checkingNumerics(file:line:_:)``.
public struct NumericsError: Error, CustomStringConvertible, Sendable {
    /// Summary statistics of one input of the op.
    public struct InputSummary: Sendable {
        /// The input's shape.
        public let shape: [Int]
        /// Its smallest, largest and mean element (NaN for an empty input).
        public let minimum: Double
        /// See ``minimum``.
        public let maximum: Double
        /// See ``minimum``.
        public let mean: Double
    }

    /// The op that produced the value ("log", "divide", …), or that read it first when it
    /// entered the checked computation from outside (see ``nonFiniteInput``), and its settings.
    public let op: String
    /// The op's settings as printed on the tape ("axes: [1]"); empty when it has none.
    public let attributes: String
    /// `nil` in the forward pass; in the backward pass, the tape name of the op whose
    /// derivative rule was running ("t3").
    public let backwardOf: String?
    /// The shape of the op's output.
    public let outputShape: [Int]
    /// How many elements of the output are NaN, +∞ or −∞, and the first one's coordinates.
    public let nanCount: Int
    /// See ``nanCount``.
    public let infinityCount: Int
    /// See ``nanCount``.
    public let firstIndex: [Int]
    /// Summary statistics of each input of ``op``.
    public let inputs: [InputSummary]
    /// When the first non-finite value was not produced by an op but came in from outside — a
    /// parameter, the data, a tensor computed before the check — the index of the input of ``op``
    /// that held it, and what that input is ("the leaf 'w'", "a constant"); `nil` when ``op`` produced it.
    public let nonFiniteInput: Int?
    /// See ``nonFiniteInput``.
    public let nonFiniteInputDescription: String?
    /// In the backward pass: where the op whose derivative rule produced the value was called in
    /// the forward pass, innermost first (recorded for ops run inside the check; empty otherwise).
    public let forwardCallStack: [String]
    /// Where the checked code was: the `checkingNumerics` call.
    public let scope: String
    /// The call stack when the value was produced, innermost first, without the frames of this
    /// check itself. Where the binary exports its symbols (macOS) the frames are demangled
    /// function names; on Linux they read `binary(+0x1a2b)`, which `addr2line -f -C -e binary 0x1a2b`
    /// turns into the function, file and line where the op was called.
    public let stack: [String]

    /// The op, where (forward or which rule), the counts, the inputs' statistics and the call stacks.
    public var description: String {
        let phase = backwardOf.map { "in the backward pass (derivative rule of \($0))" } ?? "in the forward pass"
        let name = "\(op)\(attributes.isEmpty ? "" : " {\(attributes)}")"
        var lines: [String]
        if let nonFiniteInput {
            lines = ["input \(nonFiniteInput) of \(name), \(nonFiniteInputDescription ?? "a tensor"), already held "
                     + "\(nanCount) NaN and \(infinityCount) infinite value(s) when it entered the checked computation "
                     + "\(phase), first at \(firstIndex):"]
        } else {
            lines = ["\(name) produced \(nanCount) NaN and \(infinityCount) infinite value(s) \(phase), output shape "
                     + "\(outputShape), first at \(firstIndex); its inputs were all finite:"]
        }
        for (i, input) in inputs.enumerated() {
            lines.append(String(format: "  input %d: shape %@, min %.6g, max %.6g, mean %.6g", i, "\(input.shape)",
                                input.minimum, input.maximum, input.mean))
        }
        lines.append("  checked scope: \(scope)")
        if !stack.isEmpty {
            lines.append("  call stack, innermost first (resolve a 'binary(+0x…)' frame with: addr2line -f -C -e binary 0x…):")
            lines += stack.prefix(12).map { "    \($0)" }
        }
        if !forwardCallStack.isEmpty {
            lines.append("  where \(backwardOf ?? "the op") was called in the forward pass, innermost first:")
            lines += forwardCallStack.prefix(12).map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs `body` with every op on this thread checked for NaN and infinity, in the forward and
/// the backward pass, and throws a ``NumericsError`` naming the first op that **produced** one
/// from finite inputs (not one that merely passed it on) — or, when a non-finite value was already
/// there before any op made one (a NaN in a parameter or in the data, an infinity in a parameter),
/// the first op that read it, and which input it was. An infinity in a constant (the −∞ of an
/// attention mask) is taken as deliberate and passes. In the backward pass the report also says where the forward op whose
/// rule failed was called. Off by default; outside such a scope ops pay a single flag test.
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
    ck_numerics_scopes_add(1)
    tape.numericsDepth += 1
    let outermost = tape.numericsDepth == 1
    let scope = "\(file):\(line)"
    if outermost { tape.numericsIncident = nil }
    NumericsCheck.setScope(scope, for: tape)
    defer {
        tape.numericsDepth -= 1
        ck_numerics_scopes_add(-1)
    }
    let result = try body()
    if outermost, let incident = tape.numericsIncident {
        tape.numericsIncident = nil
        throw incident
    }
    return result
}

enum NumericsCheck {
    /// Whether any thread is inside a `checkingNumerics` scope: the one test ops pay when off
    /// (an atomic counter: a thread opening a scope never races with another reading it).
    static var anyScopeActive: Bool { ck_numerics_scopes() != 0 }
    /// Whether this thread is inside a scope (a scope on another thread leaves this one unchecked).
    static var isActiveOnThisThread: Bool { ThreadTape.current.numericsDepth > 0 }

    static func setScope(_ scope: String, for tape: ThreadTape) {
        tape.numericsScope = scope
    }

    static func inspect<Scalar>(_ op: String, _ attributes: String, inputs: [Tensor<Scalar>], shape: [Int], scalars: [Scalar]) {
        let tape = ThreadTape.current
        guard tape.numericsDepth > 0, tape.numericsIncident == nil else { return }
        // A non-finite value that came in from outside (a parameter, the data, a tensor computed
        // before the check) is reported at the first op that reads it: any NaN, and an infinity in
        // a leaf (a parameter). An infinity in a constant is usually deliberate — the −∞ of an
        // attention mask, a padding value — and passes, as do the values it leads to.
        var entering: (index: Int, values: [Scalar], shape: [Int], what: String)?
        for (i, input) in inputs.enumerated() {
            let isLeaf = input.node?.isLeaf ?? false
            guard input.scalars.contains(where: { $0.isNaN || (isLeaf && $0.isInfinite) }) else { continue }
            let what: String
            if let node = input.node {
                what = node.isLeaf ? (node.label.map { "the leaf '\($0)'" } ?? "a leaf") : "the result of '\(node.op)'"
            } else {
                what = tape.backwardOf == nil ? "a tensor that does not require gradients (data or a constant)"
                    : "a gradient flowing in"
            }
            entering = (i, input.scalars, input.shape, what)
            break
        }
        let examined = entering?.values ?? scalars
        var nans = 0, infinities = 0, first = -1
        for (i, x) in examined.enumerated() where !x.isFinite {
            if x.isNaN { nans += 1 } else { infinities += 1 }
            if first < 0 { first = i }
        }
        guard first >= 0 else { return }
        // Passed on, not produced: an input already held an infinity that was let through above.
        if entering == nil && !inputs.allSatisfy({ $0.scalars.allSatisfy(\.isFinite) }) { return }
        let summaries = inputs.map { t -> NumericsError.InputSummary in
            let values = t.scalars.map(Double.init)
            return .init(shape: t.shape, minimum: values.min() ?? .nan, maximum: values.max() ?? .nan,
                         mean: values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
        }
        tape.numericsIncident = NumericsError(
            op: op, attributes: attributes, backwardOf: tape.backwardOf, outputShape: shape, nanCount: nans,
            infinityCount: infinities, firstIndex: unflatten(first, Shape.strides(entering?.shape ?? shape)),
            inputs: summaries, nonFiniteInput: entering?.index, nonFiniteInputDescription: entering?.what,
            forwardCallStack: symbolicate(tape.backwardOfCallStack ?? []), scope: tape.numericsScope ?? "?",
            stack: symbolicate(callStack()))
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

    /// Frames of the form `binary(+0x1a2b) [0x…]` (Linux, where executables export no symbols)
    /// resolved to `function at file:line` with `addr2line` when it is installed (binutils);
    /// frames it cannot resolve, or all of them without it, are kept as they are.
    static func symbolicate(_ frames: [String], limit: Int = 16) -> [String] {
        let shown = Array(frames.prefix(limit))
        guard let tool = ["/usr/bin/addr2line", "/bin/addr2line", "/usr/local/bin/addr2line"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return shown }
        var byBinary: [String: [(frame: Int, offset: String)]] = [:]
        for (i, frame) in shown.enumerated() {
            guard let open = frame.firstIndex(of: "("), frame[frame.index(after: open)...].hasPrefix("+0x"),
                  let close = frame[open...].firstIndex(of: ")") else { continue }
            let binary = String(frame[..<open])
            let offset = String(frame[frame.index(open, offsetBy: 2)..<close])
            byBinary[binary, default: []].append((i, offset))
        }
        var resolved = shown
        for (binary, entries) in byBinary where binary.hasPrefix("/") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["-f", "-C", "-e", binary] + entries.map(\.offset)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (k, entry) in entries.enumerated() where 2 * k + 1 < lines.count {
                let function = lines[2 * k], place = lines[2 * k + 1]
                guard !place.hasPrefix("??") else { continue }
                resolved[entry.frame] = "\(function == "??" ? "?" : function) at \(place)"
            }
        }
        return resolved
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

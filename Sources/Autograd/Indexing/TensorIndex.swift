/// One entry of a tensor subscript: an integer, a range, `.stride(from:to:by:)`, `.ellipsis`
/// or `.newAxis`. Indexing follows NumPy and PyTorch, written as in mlx-swift:
///
/// | PyTorch / NumPy   | Here                                   |
/// |-------------------|----------------------------------------|
/// | `x[0]`            | `x[0]`                                 |
/// | `x[-1]`           | `x[-1]`                                |
/// | `x[:, 1]`         | `x[0..., 1]`                           |
/// | `x[0, 1:3]`       | `x[0, 1..<3]`                          |
/// | `x[1:]`, `x[:3]`  | `x[1...]`, `x[..<3]`                   |
/// | `x[..., -2]`      | `x[.ellipsis, -2]`                     |
/// | `x[::2]`          | `x[.stride(by: 2)]`                    |
/// | `x[1:7:3]`        | `x[.stride(from: 1, to: 7, by: 3)]`    |
/// | `x[::-1]`         | `x[.stride(by: -1)]`                   |
/// | `x[None]`         | `x[.newAxis]`                          |
///
/// ```swift
/// let x = Tensor<Float>.arange(0, 24).reshaped([2, 3, 4])
/// x[0..., 1].shape              // [2, 4]
/// x[.ellipsis, -1].shape        // [2, 3]
/// x[1, .stride(by: -1)].shape   // [3, 4], rows reversed
/// ```
///
/// `Int`, `Range<Int>`, `ClosedRange<Int>` and the partial ranges conform; so do the values that
/// `.stride(from:to:by:)`, `.ellipsis` and `.newAxis` make.
public protocol TensorIndex: Sendable {
    /// What this index does to the axis it applies to.
    ///
    /// ```swift
    /// (1..<3).tensorIndexOperation      // .slice(1..<3)
    /// ```
    var tensorIndexOperation: TensorIndexOperation { get }
}

/// What one entry of a subscript does; see ``TensorIndex``.
///
/// ```swift
/// let operations: [TensorIndexOperation] = [.index(0), .ellipsis]
/// ```
public enum TensorIndexOperation: Hashable, Sendable, CustomStringConvertible {
    /// Picks one position of the axis (negative counts from the end) and removes the axis.
    case index(Int)
    /// Keeps the positions a slice selects; the axis stays (possibly shorter, or reversed).
    case slice(TensorSlice)
    /// Stands for as many whole axes as the other entries leave (NumPy's `...`); at most one.
    case ellipsis
    /// Inserts an axis of size 1 (NumPy's `None`); it consumes no axis of the tensor.
    case newAxis

    /// The entry as it is written in a subscript: `0`, `1..<3`, `.ellipsis`, `.newAxis`.
    ///
    /// ```swift
    /// TensorIndexOperation.index(-1).description   // "-1"
    /// ```
    public var description: String {
        switch self {
        case .index(let i): return "\(i)"
        case .slice(let s): return s.description
        case .ellipsis: return ".ellipsis"
        case .newAxis: return ".newAxis"
        }
    }
}

/// Positions `start`, `start + step`, `start + 2·step`, … of one axis, up to `end` (excluded,
/// or included for a closed range): Python's `start:end:step`.
///
/// A negative `start` or `end` counts from the end of the axis. A `nil` `start` means the first
/// position in the direction of `step` (the last one when `step` is negative); a `nil` `end`
/// means past the last one in that direction. Unlike NumPy, which clips, a bound outside the
/// axis traps with a message naming it.
///
/// ```swift
/// x[.stride(by: 2)]                      // even positions of axis 0: x[::2]
/// x[.stride(from: -1, by: -1)]           // axis 0 reversed: x[::-1]
/// x[0..., .stride(from: 1, to: 7, by: 3)] // x[:, 1:7:3]
/// ```
public struct TensorSlice: TensorIndex, Hashable, Sendable, CustomStringConvertible {
    /// The first position, or `nil` for the start in the direction of ``step``.
    ///
    /// ```swift
    /// TensorSlice(start: 2, end: nil).start    // 2
    /// ```
    public var start: Int?
    /// Where the slice stops, or `nil` for the end in the direction of ``step``.
    ///
    /// ```swift
    /// TensorSlice(start: nil, end: 5).end      // 5
    /// ```
    public var end: Int?
    /// The distance between selected positions; negative walks the axis backwards; never 0.
    ///
    /// ```swift
    /// TensorSlice(start: nil, end: nil, step: -1).step   // -1: reversed
    /// ```
    public var step: Int
    /// Whether ``end`` itself is selected (a `ClosedRange` or `...b`).
    ///
    /// ```swift
    /// (1...3).tensorIndexOperation     // .slice with includesEnd == true
    /// ```
    public var includesEnd: Bool

    /// A slice of an axis, as Python's `start:end:step`.
    ///
    /// ```swift
    /// let everyThird = TensorSlice(start: 0, end: nil, step: 3)
    /// x[everyThird]
    /// ```
    public init(start: Int?, end: Int?, step: Int = 1, includesEnd: Bool = false) {
        self.start = start
        self.end = end
        self.step = step
        self.includesEnd = includesEnd
    }

    /// This slice as a subscript entry.
    ///
    /// ```swift
    /// TensorSlice(start: 1, end: 3).tensorIndexOperation    // .slice(1..<3)
    /// ```
    public var tensorIndexOperation: TensorIndexOperation { .slice(self) }

    /// The slice in Swift's range notation when its step is 1 (`1..<3`, `2...`, `...-1`), else
    /// as `.stride(from:to:by:)`.
    ///
    /// ```swift
    /// TensorSlice(start: nil, end: nil, step: 2).description   // ".stride(by: 2)"
    /// ```
    public var description: String {
        if step == 1 {
            let lower = start.map(String.init) ?? ""
            let upper = end.map { $0 < 0 ? "(\($0))" : "\($0)" } ?? ""
            if start == nil && end == nil { return "0..." }
            if end == nil { return "\(lower)..." }
            return lower + (includesEnd ? "..." : "..<") + upper
        }
        var parts: [String] = []
        if let start { parts.append("from: \(start)") }
        if let end { parts.append("\(includesEnd ? "through" : "to"): \(end)") }
        parts.append("by: \(step)")
        return ".stride(\(parts.joined(separator: ", ")))"
    }
}

/// The values behind `.ellipsis` and `.newAxis` in a subscript.
///
/// ```swift
/// x[.ellipsis, 0]      // x[..., 0]
/// x[.newAxis]          // x[None]: one more axis, of size 1, in front
/// ```
public struct TensorAxisMarker: TensorIndex, Hashable, Sendable {
    /// ``TensorIndexOperation/ellipsis`` or ``TensorIndexOperation/newAxis``.
    ///
    /// ```swift
    /// TensorAxisMarker.ellipsis.tensorIndexOperation   // .ellipsis
    /// ```
    public let tensorIndexOperation: TensorIndexOperation

    init(_ operation: TensorIndexOperation) {
        tensorIndexOperation = operation
    }
}

extension TensorIndex where Self == TensorAxisMarker {
    /// As many whole axes as the other entries of the subscript leave: NumPy's `...`.
    ///
    /// ```swift
    /// images[.ellipsis, 0]         // [N, C, H, W] → [N, C, H]: the first column of every image
    /// images[0, .ellipsis, 1..<3]  // the ellipsis in the middle stands for C and H
    /// ```
    public static var ellipsis: TensorAxisMarker { TensorAxisMarker(.ellipsis) }

    /// A new axis of size 1 at this place of the result: NumPy's `None`.
    ///
    /// ```swift
    /// v[.newAxis].shape             // [3] → [1, 3]
    /// v[0..., .newAxis].shape       // [3] → [3, 1]
    /// ```
    public static var newAxis: TensorAxisMarker { TensorAxisMarker(.newAxis) }
}

extension TensorIndex where Self == TensorSlice {
    /// Every `step`-th position from `start` up to `end` (excluded): Python's `start:end:step`.
    /// A negative `step` walks backwards; `nil` bounds run to the ends of the axis.
    ///
    /// ```swift
    /// x[.stride(by: 2)]                       // x[::2]
    /// x[.stride(by: -1)]                      // x[::-1]
    /// x[0..., .stride(from: 1, to: 7, by: 3)] // x[:, 1:7:3]
    /// ```
    public static func stride(from start: Int? = nil, to end: Int? = nil, by step: Int = 1) -> TensorSlice {
        TensorSlice(start: start, end: end, step: step)
    }
}

extension Int: TensorIndex {
    /// One position of the axis, which the subscript removes; negative counts from the end.
    ///
    /// ```swift
    /// x[-1]        // the last row
    /// ```
    public var tensorIndexOperation: TensorIndexOperation { .index(self) }
}

extension Range: TensorIndex where Bound == Int {
    /// Positions `lowerBound..<upperBound`; negative bounds count from the end.
    ///
    /// ```swift
    /// x[0, 1..<3]        // x[0, 1:3]
    /// ```
    public var tensorIndexOperation: TensorIndexOperation { .slice(TensorSlice(start: lowerBound, end: upperBound)) }
}

extension ClosedRange: TensorIndex where Bound == Int {
    /// Positions `lowerBound...upperBound`; negative bounds count from the end.
    ///
    /// ```swift
    /// x[1...2]          // x[1:3]
    /// x[-3...(-1)]      // the last three
    /// ```
    public var tensorIndexOperation: TensorIndexOperation {
        .slice(TensorSlice(start: lowerBound, end: upperBound, includesEnd: true))
    }
}

extension PartialRangeFrom: TensorIndex where Bound == Int {
    /// Positions from `lowerBound` to the end; `0...` is the whole axis (PyTorch's `:`).
    ///
    /// ```swift
    /// x[0..., 1]        // x[:, 1]
    /// x[(-2)...]        // the last two (the parentheses are needed)
    /// ```
    public var tensorIndexOperation: TensorIndexOperation { .slice(TensorSlice(start: lowerBound, end: nil)) }
}

extension PartialRangeUpTo: TensorIndex where Bound == Int {
    /// Positions before `upperBound`.
    ///
    /// ```swift
    /// x[..<3]           // x[:3]
    /// x[..<(-1)]        // all but the last
    /// ```
    public var tensorIndexOperation: TensorIndexOperation { .slice(TensorSlice(start: nil, end: upperBound)) }
}

extension PartialRangeThrough: TensorIndex where Bound == Int {
    /// Positions up to and including `upperBound`.
    ///
    /// ```swift
    /// x[...2]           // x[:3]
    /// ```
    public var tensorIndexOperation: TensorIndexOperation {
        .slice(TensorSlice(start: nil, end: upperBound, includesEnd: true))
    }
}

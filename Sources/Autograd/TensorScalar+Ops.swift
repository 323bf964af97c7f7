// The one implementation of each op entry point declared by `TensorScalar` (see there for why
// the entry points exist). Each forwards to the op's implementation next to its public
// declaration in Ops/; Float and Double conform with copies specialised by the compiler.

extension TensorScalar {
    // MARK: Elementwise

    public static func _add(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._add(a, b)
    }
    public static func _subtract(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._subtract(a, b)
    }
    public static func _multiply(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._multiply(a, b)
    }
    public static func _divide(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._divide(a, b)
    }
    public static func _negate(_ x: Tensor<Self>) -> Tensor<Self> {
        x._negate()
    }
    public static func _pow(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._pow(a, b)
    }
    public static func _pow(_ x: Tensor<Self>, _ exponent: Self) -> Tensor<Self> {
        x._pow(exponent)
    }
    public static func _exp(_ x: Tensor<Self>) -> Tensor<Self> {
        x._exp()
    }
    public static func _log(_ x: Tensor<Self>) -> Tensor<Self> {
        x._log()
    }
    public static func _sqrt(_ x: Tensor<Self>) -> Tensor<Self> {
        x._sqrt()
    }
    public static func _abs(_ x: Tensor<Self>) -> Tensor<Self> {
        x._abs()
    }
    public static func _tanh(_ x: Tensor<Self>) -> Tensor<Self> {
        x._tanh()
    }
    public static func _sigmoid(_ x: Tensor<Self>) -> Tensor<Self> {
        x._sigmoid()
    }
    public static func _relu(_ x: Tensor<Self>) -> Tensor<Self> {
        x._relu()
    }
    public static func _leakyRelu(_ x: Tensor<Self>, slope: Self) -> Tensor<Self> {
        x._leakyRelu(slope: slope)
    }
    public static func _clamped(_ x: Tensor<Self>, lower: Self, upper: Self) -> Tensor<Self> {
        x._clamped(lower: lower, upper: upper)
    }
    public static func _maximum(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._maximum(a, b)
    }
    public static func _minimum(_ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._minimum(a, b)
    }
    public static func _select(_ condition: Tensor<Self>, _ a: Tensor<Self>, _ b: Tensor<Self>) -> Tensor<Self> {
        Tensor._select(condition, a, b)
    }

    // MARK: Shapes

    public static func _reshaped(_ x: Tensor<Self>, _ shape: [Int]) -> Tensor<Self> {
        x._reshaped(shape)
    }
    public static func _permuted(_ x: Tensor<Self>, _ axes: [Int]) -> Tensor<Self> {
        x._permuted(axes)
    }
    public static func _expanded(_ x: Tensor<Self>, to shape: [Int]) -> Tensor<Self> {
        x._expanded(to: shape)
    }
    public static func _slice(_ x: Tensor<Self>, lower: [Int], upper: [Int], steps: [Int]) -> Tensor<Self> {
        x.slice(lower: lower, upper: upper, steps: steps)
    }
    public static func _embedded(_ x: Tensor<Self>, into shape: [Int], lower: [Int], steps: [Int], fill: Self) -> Tensor<Self> {
        x.embedded(into: shape, lower: lower, steps: steps, fill: fill)
    }
    public static func _concatenate(_ tensors: [Tensor<Self>], axis: Int) -> Tensor<Self> {
        Tensor._concatenate(tensors, axis: axis)
    }
    public static func _gather(_ x: Tensor<Self>, axis: Int, indices: Tensor<Self>) -> Tensor<Self> {
        x._gather(axis: axis, indices: indices)
    }
    public static func _scatterAdding(_ x: Tensor<Self>, axis: Int, indices: Tensor<Self>, values: Tensor<Self>) -> Tensor<Self> {
        x._scatterAdding(axis: axis, indices: indices, values: values)
    }

    // MARK: Reductions, products, softmax

    public static func _sum(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self> {
        x._sum(axes: axes, keepDims: keepDims)
    }
    public static func _max(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self> {
        x.extreme(.max, "max", axes: axes, keepDims: keepDims)
    }
    public static func _min(_ x: Tensor<Self>, axes: [Int]?, keepDims: Bool) -> Tensor<Self> {
        x.extreme(.min, "min", axes: axes, keepDims: keepDims)
    }
    public static func _matmul(_ a: Tensor<Self>, _ b: Tensor<Self>, transposeA: Bool, transposeB: Bool) -> Tensor<Self> {
        a.matmul(b, transposeA: transposeA, transposeB: transposeB)
    }
    public static func _softmax(_ x: Tensor<Self>, axis: Int) -> Tensor<Self> {
        x._softmax(axis: axis)
    }
    public static func _logSoftmax(_ x: Tensor<Self>, axis: Int) -> Tensor<Self> {
        x._logSoftmax(axis: axis)
    }

    // MARK: Convolution and pooling

    public static func _unfolded(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D, padValue: Self) -> Tensor<Self> {
        x._unfolded(kernel: kernel, stride: stride, padding: padding, padValue: padValue)
    }
    public static func _folded(_ x: Tensor<Self>, imageSize: Size2D, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self> {
        x._folded(imageSize: imageSize, kernel: kernel, stride: stride, padding: padding)
    }
    public static func _conv2d(_ x: Tensor<Self>, _ weight: Tensor<Self>, bias: Tensor<Self>?, stride: Size2D, padding: Size2D, groups: Int) -> Tensor<Self> {
        x._conv2d(weight, bias: bias, stride: stride, padding: padding, groups: groups)
    }
    public static func _convTranspose2d(_ x: Tensor<Self>, _ weight: Tensor<Self>, bias: Tensor<Self>?, stride: Size2D, padding: Size2D, outputPadding: Size2D, groups: Int) -> Tensor<Self> {
        x._convTranspose2d(weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
    }
    public static func _maxPool2D(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self> {
        x._maxPool2D(kernel: kernel, stride: stride, padding: padding)
    }
    public static func _avgPool2D(_ x: Tensor<Self>, kernel: Size2D, stride: Size2D, padding: Size2D) -> Tensor<Self> {
        x._avgPool2D(kernel: kernel, stride: stride, padding: padding)
    }

    // MARK: The backward pass

    public static func _backpropagate(from root: Tensor<Self>, upstream: Tensor<Self>?, targets: [Tensor<Self>]?, retainGraph: Bool, createGraph: Bool, trace: ((ChainRuleStep) -> Void)?) throws -> [Tensor<Self>] {
        try Backpropagation.run(from: root, upstream: upstream, targets: targets, retainGraph: retainGraph,
                                    createGraph: createGraph, trace: trace)
    }
}

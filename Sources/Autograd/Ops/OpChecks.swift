/// The argument checks of the ops whose conditions are more than one comparison, as functions
/// that return the message (nil when the arguments are fine): the op traps with it, and tests
/// read it without stopping the process.
@usableFromInline
package enum OpChecks {
    /// Sizes written as the docs write them: "3×3", or "5" for one axis.
    @usableFromInline
    static func sizes(_ values: [Int]) -> String { values.map(String.init).joined(separator: "×") }

    /// Why `mask` cannot mask a tensor of shape `tensor`: it must broadcast to that shape without
    /// enlarging it (each of its sizes equal to the tensor's trailing size or 1, no more axes).
    @usableFromInline
    package static func maskProblem(_ op: String, mask: [Int], tensor: [Int]) -> String? {
        let lead = tensor.count - mask.count
        let fits = lead >= 0 && mask.indices.allSatisfy { mask[$0] == 1 || mask[$0] == tensor[$0 + lead] }
        if fits { return nil }
        return "\(op): mask of shape \(mask) does not broadcast to the tensor's shape \(tensor) "
            + "(each mask size must equal the tensor's size on that trailing axis, or be 1)"
    }

    /// Why a sliding window (convolution, pooling, unfold) cannot run over the trailing
    /// `kernel.count` axes of `input`: a size or step that is not positive, negative padding, or a
    /// (dilated) kernel that spans more cells than the padded input has.
    @usableFromInline
    package static func windowProblem(_ op: String, input: [Int], kernel: [Int], stride: [Int], padding: [Int],
                                      dilation: [Int]) -> String? {
        if kernel.contains(where: { $0 <= 0 }) { return "\(op): kernel \(sizes(kernel)) must be positive" }
        if stride.contains(where: { $0 <= 0 }) { return "\(op): stride \(sizes(stride)) must be positive" }
        if dilation.contains(where: { $0 <= 0 }) {
            return "\(op): dilation \(sizes(dilation)) must be positive (1 is no dilation)"
        }
        if padding.contains(where: { $0 < 0 }) { return "\(op): padding \(sizes(padding)) must not be negative" }
        let spatial = Array(input.suffix(kernel.count))
        let span = zip(kernel, dilation).map { ($0 - 1) * $1 + 1 }
        let padded = zip(spatial, padding).map { $0 + 2 * $1 }
        if zip(span, padded).contains(where: { $0 > $1 }) {
            let dilated = dilation.allSatisfy { $0 == 1 } ? "" : " with dilation \(sizes(dilation)) spans \(sizes(span)) cells and"
            return "\(op): kernel \(sizes(kernel))\(dilated) is larger than the padded input \(sizes(padded)) "
                + "(input \(input), padding \(sizes(padding)))"
        }
        return nil
    }

    /// Why pooling cannot use `padding`: PyTorch's rule, at most half the kernel on each axis
    /// (the kernel's own size, not the span of a dilated kernel).
    @usableFromInline
    package static func poolPaddingProblem(_ op: String, kernel: [Int], padding: [Int]) -> String? {
        if zip(kernel, padding).allSatisfy({ 2 * $1 <= $0 }) { return nil }
        return "\(op): padding \(sizes(padding)) must be at most half the kernel \(sizes(kernel))"
    }

    /// Why filters of shape `weight` [out, in/groups, kernel…] (and `bias`) cannot convolve an
    /// input of shape `input` [batch, channels, …] in `groups` groups.
    @usableFromInline
    package static func channelProblem(_ op: String, input: [Int], weight: [Int], groups: Int, bias: [Int]?) -> String? {
        let (channels, outChannels, perGroup) = (input[1], weight[0], weight[1])
        if groups <= 0 || channels % groups != 0 || outChannels % groups != 0 {
            return "\(op): \(channels) input and \(outChannels) output channels are not divisible by \(groups) groups"
        }
        if perGroup * groups != channels {
            return "\(op): input \(input) has \(channels) channels but filters \(weight) expect "
                + "\(perGroup * groups) (\(perGroup) per group × \(groups) groups)"
        }
        if let bias, bias != [outChannels] { return "\(op): bias of shape \(bias) is not [\(outChannels)]" }
        return nil
    }
}

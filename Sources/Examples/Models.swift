import Autograd
import Foundation
import Layers
import Optim

/// The models the training examples share.
enum Models {
    /// A fully connected classifier: inputs → hidden layers (each `activation`) → logits. Hidden
    /// weights start He-normal under a rectifier, Xavier-uniform otherwise; the output layer's
    /// Xavier-uniform (unless `weightInitializer` sets them all).
    static func mlp(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .relu,
                    weightInitializer: Initializer<Float>? = nil, seed: UInt64) -> Sequential<Float> {
        var rng = SeededGenerator(seed: seed)
        let sizes = [inputs] + hidden
        let rectifier: Bool
        switch activation {
        case .relu, .leakyRelu: rectifier = true
        default: rectifier = false
        }
        let initializer = weightInitializer ?? (rectifier ? .heNormal() : .xavierUniform())
        var layers: [any Layer<Float>] = []
        for (n, m) in zip(sizes, sizes.dropFirst()) {
            layers.append(Dense(inputs: n, outputs: m, activation: activation, weightInitializer: initializer, using: &rng))
        }
        layers.append(Dense(inputs: sizes.last ?? inputs, outputs: outputs,
                            weightInitializer: weightInitializer ?? .xavierUniform(), using: &rng))
        return Sequential(layers)
    }

    /// A small CNN for side×side one-channel images: conv 3×3 (padding 1) → ReLU → 2×2 max pool
    /// → conv 3×3 → ReLU → 2×2 max pool → dense → logits.
    struct SmallCNN: Layer {
        let conv1: Conv2D<Float>
        let conv2: Conv2D<Float>
        let pool = MaxPool2D<Float>(kernel: 2)
        let head: Dense<Float>

        init(side: Int, channels: Int = 16, classes: Int = 10, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            conv1 = Conv2D(inChannels: 1, outChannels: channels, kernel: (3, 3), padding: (1, 1),
                           weightInitializer: .heNormal(), using: &rng)
            conv2 = Conv2D(inChannels: channels, outChannels: channels * 2, kernel: (3, 3), padding: (1, 1),
                           weightInitializer: .heNormal(), using: &rng)
            head = Dense(inputs: channels * 2 * (side / 4) * (side / 4), outputs: classes, using: &rng)
        }

        func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
            let h = pool(conv1(x).relu())
            return head(pool(conv2(h).relu()).flattened(from: 1))
        }
    }
}

import Autograd
import Foundation
import Layers

/// Worked example 1: a 3×3 convolution with zero padding 1, then 2×2 max pooling, on a 4×4
/// image; then the gradients of a loss with respect to the image and the filters.
enum WorkedCNN {
    static let image = Tensor<Double>(rows: [[2, 1, 3, 3], [1, 6, 2, 5], [1, 4, 5, 2], [6, 6, 5, 3]])

    /// The exercise's three filters. #1 is given; #2 and #3 are the unique filters that
    /// produce the convolution outputs the exercise lists (found by solving the 16×9 linear
    /// system conv(image, w) = output, which has an exact solution).
    static let exerciseFilters: [[Double]] = [
        [0, 1, 2, 1, 0, 1, 2, 1, 0],
        [1, 0, 1, 0, 1, 0, 1, 0, 1],
        [1, 2, 0, 2, 0, 2, 0, 2, 1],
    ]

    /// The outputs the exercise gives for its three filters (convolution, then pooled).
    static let expectedConvolution: [[Double]] = [
        [2, 13, 18, 12, 11, 16, 33, 17, 23, 34, 35, 23, 15, 25, 18, 7],
        [8, 4, 14, 5, 6, 17, 12, 13, 13, 18, 25, 9, 10, 12, 11, 8],
        [10, 24, 17, 16, 22, 23, 41, 17, 28, 42, 35, 28, 14, 31, 32, 19],
    ]
    static let expectedPooled: [[Double]] = [[16, 33, 34, 35], [17, 14, 18, 25], [24, 41, 42, 35]]

    /// Parses "a,b,…,i;j,…" into a filter bank of shape [count, 1, 3, 3].
    static func parseFilters(_ text: String) throws -> Tensor<Double> {
        let filters = try text.split(separator: ";").enumerated().map { index, part -> [Double] in
            let values = part.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 9, values.allSatisfy({ $0 != nil }) else {
                throw UsageError(message: "--filters: filter \(index + 1) ('\(part)') must be 9 numbers separated by commas")
            }
            return values.compactMap { $0 }
        }
        guard !filters.isEmpty else { throw UsageError(message: "--filters: no filter given") }
        return Tensor(filters.flatMap { $0 }, shape: [filters.count, 1, 3, 3])
    }

    /// Everything the example prints, computed once (and checked by ExamplesTests).
    struct Outcome {
        /// Per filter: the 4×4 convolution output and the 2×2 pooled output, row-major.
        var convolutions: [[Double]]
        var pooled: [[Double]]
        /// Flat indices (in the 4×4 output of filter #1) of the cells the pooling gradient reached.
        var winners: [Int]
        var dConvolution: Tensor<Double>
        var dImage: Tensor<Double>
        var dFilter: Tensor<Double>
        var report: GradCheckReport
    }

    /// Runs the layers on the image with `bank` [F, 1, 3, 3] and differentiates
    /// L = Σ pooled outputs of filter #1 with respect to the convolution output, the image and the filters.
    static func compute(bank: Tensor<Double>) throws -> Outcome {
        let x = image.reshaped([1, 1, 4, 4]).requiringGrad(named: "image")
        let w = bank.requiringGrad(named: "filters")
        // The layers: a Conv2D holding exactly this filter bank (no bias; it keeps `w` as its
        // weight, so the gradient with respect to `w` is the layer's), then a 2×2 MaxPool2D.
        let conv = Conv2D(weight: w, padding: (1, 1))
        let pool = MaxPool2D<Double>(kernel: 2)
        let convolved = conv(x)                                 // [1, F, 4, 4]
        let pooled = pool(convolved)                            // [1, F, 2, 2]

        let loss = pooled.slice(axis: 1, 0..<1).sum()
        let grads = try gradients(of: loss, wrt: [convolved, x, w])
        let dConv = grads[0][0][0]
        let report = gradcheck(inputs: [image.reshaped([1, 1, 4, 4]), bank], names: ["image", "filters"]) { v in
            MaxPool2D(kernel: 2)(Conv2D(weight: v[1], padding: (1, 1))(v[0])).slice(axis: 1, 0..<1).sum()
        }
        let filters = 0..<bank.shape[0]
        return Outcome(convolutions: filters.map { convolved.detached()[0][$0].scalars },
                       pooled: filters.map { pooled.detached()[0][$0].scalars },
                       winners: dConv.scalars.indices.filter { dConv.scalars[$0] != 0 },
                       dConvolution: dConv, dImage: grads[1].reshaped([4, 4]), dFilter: grads[2][0][0], report: report)
    }

    static func run(_ options: inout Options) throws {
        let custom = try options.string("filters").map(parseFilters)
        let bank = custom ?? Tensor(exerciseFilters.flatMap { $0 }, shape: [3, 1, 3, 3])
        print(Text.heading("Worked example 1: 3×3 convolution (padding 1, stride 1), then 2×2 max pooling"))
        print("Input image (4×4):\n" + Text.grid(image))
        print("With one ring of zero padding (6×6):\n"
              + Text.grid(image.padded([(1, 1), (1, 1)])))
        print("Layers: Conv2D(weight: filters, padding: (1, 1)) with no bias, then MaxPool2D(kernel: 2).")

        let outcome = try compute(bank: bank)
        for f in 0..<bank.shape[0] {
            print("\nFilter #\(f + 1):\n" + Text.grid(bank[f][0]))
            let convolution = Tensor(outcome.convolutions[f], shape: [4, 4])
            let pooled = Tensor(outcome.pooled[f], shape: [2, 2])
            print("Convolution output (4×4):\n" + Text.grid(convolution))
            print("Max pooling 2×2, stride 2 (2×2):\n" + Text.grid(pooled))
            if custom == nil {
                let ok = outcome.convolutions[f] == expectedConvolution[f] && outcome.pooled[f] == expectedPooled[f]
                print(ok ? "  ✓ matches the worked example" : "  ✗ DIFFERS from the worked example")
            }
        }

        // Gradient of L = sum of the pooled outputs of filter #1, with respect to the image,
        // the filters and the (intermediate) convolution output.
        let firstConv = Tensor(outcome.convolutions[0], shape: [4, 4])
        let winners = Set(outcome.winners)
        print(Text.heading("Gradients of L = Σ pooled outputs of filter #1"))
        print("∂L/∂conv from the tape: 1 on the cells marked *, 0 elsewhere — exactly the winner of each window "
              + "(values \(winners.sorted().map { Text.number(firstConv.scalars[$0]) }.joined(separator: ", ")))\n"
              + Text.grid(firstConv, marked: winners))
        print("∂L/∂image:\n" + Text.grid(outcome.dImage))
        print("∂L/∂filter #1:\n" + Text.grid(outcome.dFilter))
        print("\nCentral finite differences against the tape:\n" + outcome.report.description)
    }
}

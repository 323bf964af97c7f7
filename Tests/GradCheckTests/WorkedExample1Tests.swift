import XCTest
import Layers

/// Worked example 1 (docs: worked-examples.md): a 3×3 convolution with zero padding 1 and
/// stride 1, then 2×2 max pooling, on a 4×4 image — run through the `Conv2D` and `MaxPool2D`
/// layers. Exact outputs for the three filters, gradients against central differences, and
/// the pooling gradient landing only on the winning cells.
final class WorkedExample1Tests: XCTestCase {
    let image = Tensor<Double>([2, 1, 3, 3,
                                1, 6, 2, 5,
                                1, 4, 5, 2,
                                6, 6, 5, 3], shape: [1, 1, 4, 4])

    /// Filter #1 is given by the exercise. #2 and #3 are not printed there, only their outputs;
    /// these are the filters that produce them (the 16×9 system conv(image, w) = output has an
    /// exact solution), and the test below checks that they do.
    let filters: [[Double]] = [
        [0, 1, 2,
         1, 0, 1,
         2, 1, 0],
        [1, 0, 1,
         0, 1, 0,
         1, 0, 1],
        [1, 2, 0,
         2, 0, 2,
         0, 2, 1],
    ]

    let expectedConvolution: [[Double]] = [
        [2, 13, 18, 12,
         11, 16, 33, 17,
         23, 34, 35, 23,
         15, 25, 18, 7],
        [8, 4, 14, 5,
         6, 17, 12, 13,
         13, 18, 25, 9,
         10, 12, 11, 8],
        [10, 24, 17, 16,
         22, 23, 41, 17,
         28, 42, 35, 28,
         14, 31, 32, 19],
    ]
    let expectedPooled: [[Double]] = [[16, 33, 34, 35], [17, 14, 18, 25], [24, 41, 42, 35]]

    var bank: Tensor<Double> { Tensor(filters.flatMap { $0 }, shape: [3, 1, 3, 3]) }
    var filter1: Tensor<Double> { Tensor(filters[0], shape: [1, 1, 3, 3]) }
    let pool = MaxPool2D<Double>(kernel: (2, 2), stride: (2, 2), padding: (0, 0))

    func testFilterOneExactOutputs() {
        let conv = Conv2D(weight: filter1, padding: (1, 1))
        XCTAssertNil(conv.bias)
        let convolved = conv(image)
        XCTAssertEqual(convolved.shape, [1, 1, 4, 4])
        XCTAssertEqual(convolved.scalars, expectedConvolution[0], "\n\(convolved.reshaped([4, 4]))")
        let pooled = pool(convolved)
        XCTAssertEqual(pooled.shape, [1, 1, 2, 2])
        XCTAssertEqual(pooled.scalars, [16, 33, 34, 35], "\n\(pooled.reshaped([2, 2]))")
    }

    func testBankOfThreeFilters() {
        let conv = Conv2D(weight: bank, padding: (1, 1))
        XCTAssertEqual(conv.outChannels, 3)
        let convolved = conv(image)
        let pooled = pool(convolved)
        XCTAssertEqual(convolved.shape, [1, 3, 4, 4])
        XCTAssertEqual(pooled.shape, [1, 3, 2, 2])
        for f in 0..<3 {
            XCTAssertEqual(convolved[0][f].scalars, expectedConvolution[f], "filter #\(f + 1)\n\(convolved[0][f])")
            XCTAssertEqual(pooled[0][f].scalars, expectedPooled[f], "filter #\(f + 1) pooled\n\(pooled[0][f])")
        }
    }

    /// Per window (row-major order of windows), the flat index in the 4×4 map of the cell with
    /// the largest value.
    func winners(of map: [Double]) -> [Int] {
        var result: [Int] = []
        for wy in 0..<2 {
            for wx in 0..<2 {
                let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map { (2 * wy + $0.0) * 4 + 2 * wx + $0.1 }
                result.append(cells.max { map[$0] < map[$1] } ?? -1)
            }
        }
        return result
    }

    func testPoolingGradientLandsOnlyOnTheWinners() throws {
        let x = image.requiringGrad(named: "image")
        let w = bank.requiringGrad(named: "filters")
        let convolved = Conv2D(weight: w, padding: (1, 1))(x)
        let pooled = pool(convolved)
        // L = Σ pooled: ∂L/∂conv is 1 on each window's winner, 0 elsewhere.
        let dConv = try gradients(of: pooled.sum(), wrt: [convolved], retainGraph: true)[0]
        for f in 0..<3 {
            let win = winners(of: expectedConvolution[f])
            let expected = (0..<16).map { win.contains($0) ? 1.0 : 0.0 }
            XCTAssertEqual(dConv[0][f].scalars, expected, "filter #\(f + 1): \(dConv[0][f])")
        }
        // Filter #1's winners are the cells holding 16, 33, 34 and 35, at (1,1), (1,2), (2,1), (2,2).
        XCTAssertEqual(winners(of: expectedConvolution[0]), [5, 6, 9, 10])
        XCTAssertEqual(winners(of: expectedConvolution[0]).map { expectedConvolution[0][$0] }, [16, 33, 34, 35])

        // L = ½‖pooled − target‖²: ∂L/∂conv is (pooled − target) on the winners only.
        let target = Tensor<Double>([15, 30, 36, 35, 17, 10, 20, 25, 20, 40, 42, 30], shape: [1, 3, 2, 2])
        let dConv2 = try gradients(of: l2Loss(predicted: pooled, targets: target), wrt: [convolved])[0]
        let residual = (pooled.detached() - target).scalars
        for f in 0..<3 {
            let win = winners(of: expectedConvolution[f])
            var expected = [Double](repeating: 0, count: 16)
            for (k, cell) in win.enumerated() { expected[cell] = residual[f * 4 + k] }
            XCTAssertEqual(dConv2[0][f].scalars, expected, "filter #\(f + 1), L2 loss: \(dConv2[0][f])")
        }
    }

    func testFilterGradientByHand() throws {
        // L = Σ pooled (filter #1): ∂L/∂w[u][v] = Σ over the four winners (r, c) of padded[r + u][c + v].
        let w = filter1.requiringGrad()
        let loss = pool(Conv2D(weight: w, padding: (1, 1))(image)).sum()
        let dW = try gradients(of: loss, wrt: [w])[0]
        let padded = image.reshaped([4, 4]).padded([(1, 1), (1, 1)])
        var expected = [Double](repeating: 0, count: 9)
        for cell in [5, 6, 9, 10] {
            let (r, c) = (cell / 4, cell % 4)
            for u in 0..<3 { for v in 0..<3 { expected[u * 3 + v] += padded[index: r + u, c + v] } }
        }
        XCTAssertEqual(dW.scalars, expected, "\(dW.reshaped([3, 3]))")
    }

    func testGradientsMatchCentralDifferences() {
        let target = Tensor<Double>([15, 30, 36, 35], shape: [1, 1, 2, 2])
        assertGradcheck([image, filter1], names: ["image", "filter"], "L = Σ pooled, filter #1") { v in
            self.pool(Conv2D(weight: v[1], padding: (1, 1))(v[0])).sum()
        }
        assertGradcheck([image, filter1], names: ["image", "filter"], "L = ½‖pooled − target‖², filter #1") { v in
            l2Loss(predicted: self.pool(Conv2D(weight: v[1], padding: (1, 1))(v[0])), targets: target)
        }
        assertGradcheck([image, bank], names: ["image", "filters"], "L = Σ pooled, bank of 3 filters") { v in
            self.pool(Conv2D(weight: v[1], padding: (1, 1))(v[0])).sum()
        }
    }
}

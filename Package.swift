// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "Optim", targets: ["Optim"]),
        .executable(name: "Examples", targets: ["Examples"]),
    ],
    targets: [
        // Only the GEMM micro-kernels, in C for per-function instruction-set attributes and
        // run-time CPU detection; everything around them is Swift.
        .target(name: "CKernels"),
        .target(name: "Autograd", dependencies: ["CKernels"]),
        .target(name: "Layers", dependencies: ["Autograd"]),
        .target(name: "Optim", dependencies: ["Autograd", "Layers"]),
        .executableTarget(name: "Examples", dependencies: ["Autograd", "Layers", "Optim"]),
        .testTarget(name: "GradCheckTests", dependencies: ["Autograd", "Layers", "Optim"]),
        .testTarget(name: "IOTests", dependencies: ["Autograd", "Layers"]),
        // The examples' numbers, plots and command line (`@testable import Examples`), and the docs' code.
        .testTarget(name: "ExamplesTests", dependencies: ["Examples", "Autograd", "Layers", "Optim"]),
    ]
)

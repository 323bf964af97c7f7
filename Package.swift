// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "DataFormats", targets: ["DataFormats"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "Optim", targets: ["Optim"]),
        .executable(name: "Examples", targets: ["Examples"]),
    ],
    targets: [
        // Only the GEMM micro-kernels, in C for per-function instruction-set attributes and
        // run-time CPU detection; everything around them is Swift.
        .target(name: "CKernels"),
        .target(name: "Autograd", dependencies: ["CKernels"]),
        // The file formats (CSV, IDX, npy, safetensors) and preprocessing, on top of the engine.
        .target(name: "DataFormats", dependencies: ["Autograd"]),
        .target(name: "Layers", dependencies: ["Autograd", "DataFormats"]),
        .target(name: "Optim", dependencies: ["Autograd", "CKernels", "DataFormats", "Layers"]),
        .executableTarget(name: "Examples", dependencies: ["Autograd", "DataFormats", "Layers", "Optim"]),
        .testTarget(name: "GradCheckTests", dependencies: ["Autograd", "CKernels", "DataFormats", "Layers", "Optim"]),
        .testTarget(name: "IOTests", dependencies: ["Autograd", "DataFormats", "Layers"]),
        // The examples' numbers, plots and command line (`@testable import Examples`), and the docs' code.
        .testTarget(name: "ExamplesTests", dependencies: ["Examples", "Autograd", "DataFormats", "Layers", "Optim"]),
    ]
)

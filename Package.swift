// swift-tools-version:6.0
import PackageDescription

// Large products go to the platform's BLAS where there is one: Accelerate on Apple platforms.
// On Linux the default build has none (no dependency); `AUTOGRAD_BLAS=openblas swift test` builds
// against OpenBLAS (Debian's libopenblas-dev) to test the same CBLAS calls a Mac makes.
let apple: [Platform] = [.macOS, .iOS, .visionOS, .tvOS, .watchOS]
var kernelSettings: [CSetting] = [.define("CK_ACCELERATE", .when(platforms: apple))]
var kernelLinking: [LinkerSetting] = [.linkedFramework("Accelerate", .when(platforms: apple))]
if Context.environment["AUTOGRAD_BLAS"] == "openblas" {
    kernelSettings.append(.define("CK_OPENBLAS", .when(platforms: [.linux])))
    kernelLinking.append(.linkedLibrary("openblas", .when(platforms: [.linux])))
}

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
        .target(name: "CKernels", cSettings: kernelSettings, linkerSettings: kernelLinking),
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

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
        .target(name: "Autograd"),
        .target(name: "Layers", dependencies: ["Autograd"]),
        .target(name: "Optim", dependencies: ["Autograd", "Layers"]),
        .executableTarget(name: "Examples", dependencies: ["Autograd", "Layers", "Optim"]),
        .testTarget(name: "GradCheckTests", dependencies: ["Autograd", "Layers", "Optim"]),
    ]
)

// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "DST",
    products: [
        .executable(name: "dstctl", targets: ["dstctl"]),
        .executable(name: "dstd", targets: ["dstd"]),
        .executable(name: "dst-nlgen", targets: ["dst-nlgen"]),
        .library(name: "DSTKit", targets: ["DSTKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // libnl-genl-3: a module map only; macros are wrapped in CDSTShim.
        .systemLibrary(
            name: "CLibNL",
            path: "Sources/CLibNL",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]
        ),
        .target(name: "CDSTShim", dependencies: ["CLibNL"], path: "Sources/CDSTShim"),
        .target(name: "DSTKit", dependencies: ["CDSTShim", "CLibNL"]),
        .executableTarget(
            name: "dstctl",
            dependencies: ["DSTKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "dstd",
            dependencies: ["DSTKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "dst-nlgen", dependencies: ["Yams"], path: "Tools/nlgen"),
        .testTarget(name: "DSTKitTests", dependencies: ["DSTKit"]),
        .testTarget(name: "dstctlTests", dependencies: ["DSTKit", "dstctl"]),
        .testTarget(name: "NLGenTests", dependencies: ["dst-nlgen"]),
    ]
)

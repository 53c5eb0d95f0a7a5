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
        // GnuTLS: a module map only; the handshake and the kernel TLS
        // hand-off are C in CDSTTLS.
        .systemLibrary(
            name: "CGnuTLS",
            path: "Sources/CGnuTLS",
            pkgConfig: "gnutls",
            providers: [.apt(["libgnutls28-dev"])]
        ),
        .target(name: "CDSTTLS", dependencies: ["CGnuTLS"], path: "Sources/CDSTTLS"),
        .target(name: "DSTKit", dependencies: ["CDSTShim", "CLibNL", "CDSTTLS"]),
        .executableTarget(
            name: "dstctl",
            dependencies: ["DSTKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "dstd",
            dependencies: ["DSTKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "dst-nlgen", dependencies: ["Yams"], path: "Tools/nlgen"),
        // libFuzzer over the handshake codecs; built by Tools/fuzz.sh only.
        .executableTarget(name: "dst-fuzz", dependencies: ["DSTKit"], path: "Tests/Fuzz/Handshake"),
        .testTarget(name: "DSTKitTests", dependencies: ["DSTKit"]),
        .testTarget(name: "dstctlTests", dependencies: ["DSTKit", "dstctl"]),
        .testTarget(name: "NLGenTests", dependencies: ["dst-nlgen"]),
    ]
)

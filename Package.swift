// swift-tools-version:6.1
import PackageDescription

/// Setu: offline-first sync for field offices.
///
/// The targets depend inward on `SetuCore`, which holds clocks, version vectors,
/// the collection declarations and merge, and does no I/O.
let package = Package(
    name: "Setu",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SetuCore", targets: ["SetuCore"]),
        .library(name: "SetuStore", targets: ["SetuStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure core: no files, no sockets, no clocks of its own.
        .target(name: "SetuCore"),
        // The SQLite replica on the office PC.
        .target(
            name: "SetuStore",
            dependencies: ["SetuCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Release-build figures for the README: `swift run -c release setu-bench`.
        .executableTarget(
            name: "setu-bench",
            dependencies: ["SetuCore", "SetuStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/setu-bench"
        ),
        // A child process for the crash-safety test: writes in a loop until SIGKILL.
        .executableTarget(
            name: "setu-crash-writer",
            dependencies: ["SetuCore", "SetuStore"],
            path: "Tests/Support/setu-crash-writer"
        ),
        .testTarget(
            name: "SetuCoreTests",
            dependencies: ["SetuCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "SetuStoreTests",
            dependencies: [
                "SetuCore", "SetuStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

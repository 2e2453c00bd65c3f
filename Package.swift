// swift-tools-version:6.1
import PackageDescription

/// The programs that move records allocate with gperftools' malloc
/// (Debian's libtcmalloc-minimal4), which keeps a cache per thread: a sync
/// builds every pulled record's fields on one thread and frees them on
/// another, and glibc's malloc and free were a tenth of setud's CPU in a
/// bootstrap. A 100k bootstrap took 1.65-1.70 s with glibc's and
/// 1.38-1.43 s with this one, at the same peak RSS (README, issue 18).
/// setu-bench links it too, so its store figures are setud's.
let threadCachingMalloc: [LinkerSetting] = [.linkedLibrary("tcmalloc_minimal")]

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
        .library(name: "SetuProtocol", targets: ["SetuProtocol"]),
        .library(name: "SetuHub", targets: ["SetuHub"]),
        .executable(name: "setu-hub", targets: ["setu-hub"]),
        .executable(name: "setud", targets: ["setud"]),
        .executable(name: "setuctl", targets: ["setuctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure core: no files, no sockets, no clocks of its own.
        .target(name: "SetuCore"),
        // Threads for background work at a lower CPU priority (the sync's
        // writes, decoding, checkpoints, transfers).
        .target(name: "SetuThreads"),
        // The SQLite replica on the office PC.
        .target(
            name: "SetuStore",
            dependencies: ["SetuCore", "SetuThreads", "CSQLiteConfig", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // sqlite3_db_config, which Swift cannot call (a C variadic), for the store.
        .systemLibrary(name: "CSQLiteConfig", providers: [.apt(["libsqlite3-dev"])]),
        // The sync protocol's wire format (JSON), shared by hub and daemon.
        .target(name: "SetuProtocol", dependencies: ["SetuCore"]),
        // Bundle files (sync carried by hand): format, volumes, Ed25519 keys.
        .target(name: "SetuBundle", dependencies: [
            "SetuCore", "SetuProtocol", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // The hub: sync service, HTTP routes, storage on SQLite or PostgreSQL.
        .target(
            name: "SetuHub",
            dependencies: [
                "SetuCore", "SetuProtocol", "SetuBundle", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // zlib, for strict gzip request bodies at the hub (the trailer checked).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libcurl, the C library (libcurl4-openssl-dev).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // HTTP to the hub over libcurl, and the typed hub client.
        .target(name: "SetuTransport", dependencies: ["CCurl", "SetuCore", "SetuProtocol", "SetuThreads",
                                                      .product(name: "CompressNIO", package: "compress-nio"),
                                                      .product(name: "NIOCore", package: "swift-nio")]),
        // The office node's sync loop logic: pull then push in bounded pages.
        .target(name: "SetuSync", dependencies: ["SetuCore", "SetuStore", "SetuProtocol", "SetuTransport", "SetuThreads",
                                                 .product(name: "Logging", package: "swift-log")]),
        // sched_setattr(2), for setud's time slices (glibc 2.36 has no wrapper).
        .systemLibrary(name: "CScheduler"),
        // setud's library: sync loop service, control API, systemd notify.
        .target(name: "SetuDaemon", dependencies: [
            "SetuCore", "SetuStore", "SetuProtocol", "SetuTransport", "SetuSync", "CScheduler",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Importers of published documents (the citizen charter).
        .target(name: "SetuImport", dependencies: ["SetuCore"]),
        // Strict TOML config reading for the executables (libraries never read files).
        .target(name: "SetuConfig", dependencies: [.product(name: "TOMLKit", package: "TOMLKit"), .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "setu-hub",
            dependencies: [
                "SetuHub", "SetuConfig", "SetuImport", "SetuBundle",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: threadCachingMalloc
        ),
        .executableTarget(
            name: "setud",
            dependencies: [
                "SetuDaemon", "SetuConfig", "SetuCore", "SetuStore", "SetuSync", "SetuThreads", "SetuTransport", "SetuBundle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            linkerSettings: threadCachingMalloc
        ),
        .executableTarget(
            name: "setuctl",
            dependencies: [
                "SetuCore", "SetuProtocol", "SetuTransport", "SetuImport", "SetuBundle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: threadCachingMalloc
        ),
        // Release-build figures for the README: `scripts/bench [store] [hub] [daemon]`.
        .executableTarget(
            name: "setu-bench",
            dependencies: [
                "SetuCore", "SetuStore", "SetuProtocol", "SetuHub", "SetuTestSupport", "SetuBundle", "SetuSync", "SetuTransport", "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/setu-bench",
            linkerSettings: threadCachingMalloc
        ),
        // A child process for the crash-safety test: writes in a loop until SIGKILL.
        .executableTarget(
            name: "setu-crash-writer",
            dependencies: ["SetuCore", "SetuStore"],
            path: "Tests/Support/setu-crash-writer"
        ),
        // Helpers shared by the test targets: real hub processes, built binaries.
        .target(name: "SetuTestSupport", dependencies: ["SetuCore", "SetuStore", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Tests/SetuTestSupport"),
        .testTarget(
            name: "SetuCoreTests",
            dependencies: ["SetuCore", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SetuStoreTests",
            dependencies: [
                "SetuCore", "SetuStore", "SetuThreads", "SetuTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SetuDaemonTests",
            dependencies: ["SetuDaemon", "SetuTestSupport", "SetuTransport", "CCurl"]
        ),
        .testTarget(
            name: "SetuImportTests",
            dependencies: ["SetuImport", "SetuCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SetuThreadsTests", dependencies: ["SetuThreads"]),
        .testTarget(
            name: "SetuSyncTests",
            dependencies: ["SetuSync", "SetuStore", "SetuTransport", "SetuCore", "SetuTestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SetuBundleTests",
            dependencies: ["SetuBundle", "SetuCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "SetuConfigTests",
            dependencies: ["SetuConfig", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SetuTransportTests",
            dependencies: ["SetuTransport", "SetuProtocol", "SetuCore", "SetuTestSupport"]
        ),
        .testTarget(
            name: "SetuHubTests",
            dependencies: [
                "SetuCore", "SetuProtocol", "SetuHub", "SetuStore", "SetuConfig", "SetuTestSupport", "SetuSync", "SetuTransport", "SetuBundle", "CCurl",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

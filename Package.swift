// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mailtime",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MailTimeQueue", targets: ["MailTimeQueue"]),
        .library(name: "MailTimeTLS", targets: ["MailTimeTLS"]),
        .executable(name: "mailtime-bench", targets: ["MailTimeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // System libraries, through pkg-config, with shims for the macros Swift cannot import.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // LMDB: environment, transactions, cursors, errors.
        .target(
            name: "MailTimeLMDB",
            dependencies: ["CLMDB"]
        ),
        // The durable mail queue.
        .target(
            name: "MailTimeQueue",
            dependencies: [
                "MailTimeLMDB",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // TLS for SwiftNIO over system OpenSSL.
        .target(
            name: "MailTimeTLS",
            dependencies: [
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `mailtime-bench`: benchmarks, and the store's crash-test writer.
        .executableTarget(
            name: "MailTimeBench",
            dependencies: [
                "MailTimeQueue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "MailTimeLMDBTests",
            dependencies: ["MailTimeLMDB"]
        ),
        .testTarget(
            name: "MailTimeQueueTests",
            dependencies: [
                "MailTimeQueue",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "MailTimeTLSTests",
            dependencies: [
                "MailTimeTLS",
                "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)

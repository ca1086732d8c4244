// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mailtime",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MailTimeQueue", targets: ["MailTimeQueue"]),
        .library(name: "MailTimeTLS", targets: ["MailTimeTLS"]),
        .library(name: "MailTimeJSON", targets: ["MailTimeJSON"]),
        .library(name: "MailTimeModel", targets: ["MailTimeModel"]),
        .library(name: "MailTimeMessage", targets: ["MailTimeMessage"]),
        .library(name: "MailTimeProtocol", targets: ["MailTimeProtocol"]),
        .library(name: "MailTimeClient", targets: ["MailTimeClient"]),
        .library(name: "MailTimeSMTP", targets: ["MailTimeSMTP"]),
        .library(name: "MailTimeSender", targets: ["MailTimeSender"]),
        .library(name: "MailTimeSMTPServer", targets: ["MailTimeSMTPServer"]),
        .library(name: "MailTimeConsole", targets: ["MailTimeConsole"]),
        .executable(name: "mailtimed", targets: ["MailTimeDaemon"]),
        .executable(name: "mailtime", targets: ["MailTimeCLI"]),
        .executable(name: "mailtime-bench", targets: ["MailTimeBench"]),
        .executable(name: "mailtime-crash-writer", targets: ["MailTimeCrashWriter"]),
        .executable(name: "mailtime-fuzz", targets: ["MailTimeFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.5.1"),
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
                "MailTimeModel",
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
        // The broker's line protocol: framing, commands, replies, the session state machine.
        .target(
            name: "MailTimeProtocol",
            dependencies: [
                "MailTimeJSON",
                "MailTimeModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The broker: the TLS listener, connections, command execution, embedded senders.
        .target(
            name: "MailTimeBroker",
            dependencies: [
                "MailTimeConsole",
                "MailTimeDelivery",
                .product(name: "Metrics", package: "swift-metrics"),
                "MailTimeModel",
                "MailTimeProtocol",
                "MailTimeQueue",
                "MailTimeSMTP",
                "MailTimeSMTPServer",
                "MailTimeTLS",
                "MailTimeMessage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The admin console: HTTPS pages and a JSON API over a backend the broker implements.
        .target(
            name: "MailTimeConsole",
            dependencies: [
                "MailTimeJSON",
                "MailTimeMessage",
                "MailTimeModel",
                "MailTimeProtocol",
                "MailTimeTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Swift client library: an async client over TLS.
        .target(
            name: "MailTimeClient",
            dependencies: [
                "MailTimeMessage",
                "MailTimeModel",
                "MailTimeProtocol",
                "MailTimeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `mailtime`: the command-line client.
        .executableTarget(
            name: "MailTimeCLI",
            dependencies: [
                "MailTimeJSON",
                "MailTimeDelivery",
                "MailTimeClient",
                "MailTimeMessage",
                "MailTimeSender",
                "MailTimeModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `mailtime sender`'s daemon: sender workers leasing over the protocol, as a service.
        .target(
            name: "MailTimeSender",
            dependencies: [
                "MailTimeClient",
                "MailTimeDelivery",
                "MailTimeMessage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `mailtimed`: the broker daemon (configuration, logging, graceful shutdown).
        .executableTarget(
            name: "MailTimeDaemon",
            dependencies: [
                "MailTimeBroker",
                "MailTimeConsole",
                "MailTimeDelivery",
                "MailTimeJSON",
                "MailTimeSMTPServer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "MailTimeProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // JSON: the value, the parser and the writer every wire format uses.
        .target(
            name: "MailTimeJSON"
        ),
        // The values queue, delivery, protocol and client share: a recipient's result, a delivery failure.
        .target(
            name: "MailTimeModel"
        ),
        // Emails: the JSON model with validation, the MIME composer, templates.
        .target(
            name: "MailTimeMessage",
            dependencies: ["MailTimeJSON"]
        ),
        // The SMTP client: the session state machine, the channel handler, connections and their pool.
        .target(
            name: "MailTimeSMTP",
            dependencies: [
                "MailTimeMessage",
                "MailTimeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The SMTP submission server: the session state machine, the channel handler, the listener as a service.
        .target(
            name: "MailTimeSMTPServer",
            dependencies: [
                "MailTimeMessage",
                "MailTimeSMTP",
                "MailTimeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Delivery: sender workers and their service, SMTP providers with failover and balance, circuit breakers, rate limits.
        .target(
            name: "MailTimeDelivery",
            dependencies: [
                "MailTimeMessage",
                "MailTimeModel",
                "MailTimeSMTP",
                "MailTimeTLS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `mailtime-crash-writer`: the store's crash-test writer, killed at random moments by the crash test.
        .executableTarget(
            name: "MailTimeCrashWriter",
            dependencies: [
                "MailTimeQueue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `mailtime-bench`: the benchmarks.
        .executableTarget(
            name: "MailTimeBench",
            dependencies: [
                "MailTimeClient",
                "MailTimeQueue",
                "MailTimeMessage",
                "MailTimeModel",
                "MailTimeSMTP",
                "MailTimeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libFuzzer's driver, declared for the fuzzing build (`make fuzz`), which links libFuzzer.
        .target(
            name: "CLibFuzzer"
        ),
        // The fuzz targets: each takes one input and stops the process when an invariant does not hold.
        .target(
            name: "MailTimeFuzzing",
            dependencies: [
                "MailTimeJSON",
                "MailTimeMessage",
                "MailTimeProtocol",
                "MailTimeSMTP",
                "MailTimeSMTPServer",
                "MailTimeTLS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // `mailtime-fuzz`: runs a fuzz target under libFuzzer when built with `-D FUZZING` and the
        // fuzzer sanitizer, and replays inputs through it otherwise.
        .executableTarget(
            name: "MailTimeFuzz",
            dependencies: ["CLibFuzzer", "MailTimeFuzzing"]
        ),

        .testTarget(
            name: "MailTimeLMDBTests",
            dependencies: ["MailTimeLMDB"]
        ),
        .testTarget(
            name: "MailTimeQueueTests",
            dependencies: [
                "MailTimeQueue",
                "MailTimeTestSupport",
                "MailTimeModel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "MailTimeProtocolTests",
            dependencies: [
                "MailTimeProtocol",
                "MailTimeJSON",
                "MailTimeModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MailTimeBrokerTests",
            dependencies: [
                "MailTimeBroker",
                "MailTimeDelivery",
                "MailTimeTestSupport",
                "MailTimeMessage",
                "MailTimeProtocol",
                "MailTimeQueue",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MailTimeConsoleTests",
            dependencies: [
                "MailTimeBroker",
                "MailTimeClient",
                "MailTimeConsole",
                "MailTimeDelivery",
                "MailTimeMessage",
                "MailTimeJSON",
                "MailTimeModel",
                "MailTimeProtocol",
                "MailTimeTLS",
                "MailTimeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MailTimeClientTests",
            dependencies: [
                "MailTimeClient",
                "MailTimeMessage",
                "MailTimeModel",
                "MailTimeBroker",
                "MailTimeDelivery",
                "MailTimeTLS",
                "MailTimeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What the tests share: the brokers they start (in process and as a child process), the real peers
        // (aiosmtpd, smtp-sink, swaks), Python's email parser, the built products' locator and the test tags.
        .target(
            name: "MailTimeTestSupport",
            dependencies: [
                "MailTimeBroker",
                "MailTimeClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/MailTimeTestSupport"
        ),
        // Replays the committed fuzz corpus and the inputs of fixed crashes through every fuzz target.
        .testTarget(
            name: "MailTimeFuzzingTests",
            dependencies: ["MailTimeFuzzing"]
        ),
        .testTarget(
            name: "MailTimeJSONTests",
            dependencies: ["MailTimeJSON", "MailTimeTestSupport"]
        ),
        .testTarget(
            name: "MailTimeMessageTests",
            dependencies: ["MailTimeJSON", "MailTimeMessage", "MailTimeTestSupport"]
        ),
        .testTarget(
            name: "MailTimeDeliveryTests",
            dependencies: [
                "MailTimeDelivery",
                "MailTimeModel",
                "MailTimeSMTP",
                "MailTimeMessage",
                "MailTimeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // End-to-end: the real mailtimed against real SMTP servers.
        .testTarget(
            name: "MailTimeEndToEndTests",
            dependencies: [
                "MailTimeJSON",
                "MailTimeClient",
                "MailTimeMessage",
                "MailTimeTestSupport",
            ]
        ),
        .testTarget(
            name: "MailTimeSMTPTests",
            dependencies: [
                "MailTimeSMTP",
                "MailTimeMessage",
                "MailTimeTLS",
                "MailTimeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MailTimeSMTPServerTests",
            dependencies: [
                "MailTimeSMTPServer",
                "MailTimeSMTP",
                "MailTimeTLS",
                "MailTimeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MailTimeTLSTests",
            dependencies: [
                "MailTimeTLS",
                "MailTimeTestSupport",
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

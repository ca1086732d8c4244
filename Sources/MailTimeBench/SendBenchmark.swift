import ArgumentParser
import Foundation
import Histogram
import Logging
import MailTimeTLS
import NIOCore
import NIOPosix

/// `mailtime-bench send`: many connections sending 2 KB emails with pipelining to a running
/// `mailtimed` over TLS, or the same load as beanstalkd `put`s (`--beanstalkd HOST:PORT`), so both
/// brokers face one client, the same connections and the same pipelining depth.
struct SendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Durable SEND throughput and latency against mailtimed, or put against beanstalkd."
    )

    @OptionGroup var broker: BrokerOptions

    @Option(help: "A token that may SEND (default: <data>/admin.token).")
    var token: String?

    @Option(help: "Measure beanstalkd at HOST:PORT instead (plaintext put).")
    var beanstalkd: String?

    @Option(help: "Connections.")
    var connections = 64

    @Option(help: "Requests in flight per connection.")
    var pipeline = 4

    @Option(help: "Seconds of measurement (after a one-second warm-up).")
    var seconds: Double = 5

    @Option(help: "Email size in bytes.")
    var size = 2048

    @Option(help: "The broker's pid, to report its anonymous RSS (RssAnon).")
    var brokerPid: Int32?

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func run() async throws {
        let target: LoadTarget
        if let beanstalkd {
            let parts = beanstalkd.split(separator: ":")
            guard parts.count == 2, let peerPort = Int(parts[1]) else { throw ValidationError("--beanstalkd takes HOST:PORT") }
            target = LoadTarget(host: String(parts[0]), port: peerPort, protocol: .beanstalkd, tls: nil)
        } else {
            let token = try token ?? broker.adminToken()
            let certificate = try String(contentsOfFile: broker.certificateFile, encoding: .utf8)
            var tls = TLSConfiguration.client()
            tls.certificateVerification = .pinned([try TLSFingerprint(certificatePEM: certificate)])
            target = LoadTarget(host: broker.host, port: broker.port, protocol: .mailtime(token: token), tls: try TLSContext(configuration: tls))
        }
        let request = target.request(size: size)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        let sampler = brokerPid.map { RSSSampler(pid: $0) }
        let samplerTask = Task { await sampler?.run() }
        let warmUp = NIODeadline.now() + .seconds(1)
        let end = warmUp + .milliseconds(Int64(seconds * 1000))
        let results = try await withThrowingTaskGroup(of: LoadResult.self) { tasks in
            for _ in 0..<connections {
                tasks.addTask {
                    try await LoadConnection.run(target: target, request: request, pipeline: pipeline, measureFrom: warmUp, until: end, group: group)
                }
            }
            var total = LoadResult()
            for try await result in tasks { total.add(result) }
            return total
        }
        samplerTask.cancel()
        try await group.shutdownGracefully()
        let rss = await sampler?.maximumKilobytes ?? -1
        let rate = Double(results.completed) / seconds
        let name = beanstalkd == nil ? "mailtimed" : "beanstalkd"
        let p50 = results.histogram.valueAtPercentile(50)
        let p99 = results.histogram.valueAtPercentile(99)
        if json {
            print(
                #"{"target":"\#(name)","connections":\#(connections),"pipeline":\#(pipeline),"ops_per_s":\#(Int(rate)),"p50_us":\#(p50),"p99_us":\#(p99),"errors":\#(results.errors),"rss_anon_kb":\#(rss)}"#
            )
        } else {
            print(
                "\(name): \(Int(rate)) sends/s, p50 \(p50) µs, p99 \(p99) µs, \(results.errors) errors, \(connections) connections × \(pipeline) in flight, broker RssAnon max \(rss / 1024) MB"
            )
        }
    }
}

/// Which broker the load goes to, and how to speak to it.
struct LoadTarget: Sendable {
    enum WireProtocol: Sendable {
        case mailtime(token: String)
        case beanstalkd
    }

    let host: String
    let port: Int
    let `protocol`: WireProtocol
    let tls: TLSContext?

    /// One request: `SEND` with a JSON email of `size` bytes, or a beanstalkd `put` of as many bytes.
    func request(size: Int) -> ByteBuffer {
        switch self.protocol {
        case .mailtime:
            let head = #"{"from":"bench@example.com","to":"user@example.com","subject":"Benchmark","text":""#
            let tail = #""}"#
            let filler = String(repeating: "x", count: max(0, size - head.utf8.count - tail.utf8.count))
            let email = head + filler + tail
            return ByteBuffer(string: "SEND \(email.utf8.count)\r\n\(email)\r\n")
        case .beanstalkd:
            return ByteBuffer(string: "put 1024 0 60 \(size)\r\n" + String(repeating: "x", count: size) + "\r\n")
        }
    }
}

/// What the connections measured.
struct LoadResult: Sendable {
    var completed = 0
    var errors = 0
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    mutating func add(_ other: LoadResult) {
        completed += other.completed
        errors += other.errors
        histogram.add(other.histogram)
    }
}

/// One connection keeping `pipeline` requests in flight until the end time.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase { case greeting, authenticating, running }

    private let target: LoadTarget
    private let request: ByteBuffer
    private let pipeline: Int
    private let measureFrom: NIODeadline
    private let end: NIODeadline
    private let done: EventLoopPromise<LoadResult>
    private var phase = Phase.greeting
    private var received = ByteBuffer()
    private var sentAt: [NIODeadline] = []
    private var nextReply = 0
    private var result = LoadResult()

    init(target: LoadTarget, request: ByteBuffer, pipeline: Int, measureFrom: NIODeadline, end: NIODeadline, done: EventLoopPromise<LoadResult>) {
        self.target = target
        self.request = request
        self.pipeline = pipeline
        self.measureFrom = measureFrom
        self.end = end
        self.done = done
    }

    static func run(
        target: LoadTarget,
        request: ByteBuffer,
        pipeline: Int,
        measureFrom: NIODeadline,
        until end: NIODeadline,
        group: any EventLoopGroup
    ) async throws -> LoadResult {
        let loop = group.next()
        let done = loop.makePromise(of: LoadResult.self)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = target.tls {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(tlsContext: tls, logger: logger))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        LoadConnection(target: target, request: request, pipeline: pipeline, measureFrom: measureFrom, end: end, done: done)
                    )
                }
            }
            .connect(host: target.host, port: target.port)
            .get()
        let result = try await done.futureResult.get()
        try? await channel.close()
        return result
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .beanstalkd = target.protocol { start(context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        while let line = nextLine() {
            handle(line, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    private func handle(_ line: String, context: ChannelHandlerContext) {
        switch phase {
        case .greeting:
            guard case .mailtime(let token) = target.protocol else { return }
            phase = .authenticating
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "AUTH \(token)\r\n")), promise: nil)
        case .authenticating:
            guard line.hasPrefix("OK") else {
                done.fail(ChannelError.inappropriateOperationForState)
                return
            }
            start(context)
        case .running:
            let now = NIODeadline.now()
            let sent = sentAt[nextReply]
            nextReply += 1
            if sent >= measureFrom, now <= end {
                result.completed += 1
                _ = result.histogram.record(UInt64(max(0, (now - sent).nanoseconds / 1000)))
                if !(line.hasPrefix("OK") || line.hasPrefix("INSERTED")) { result.errors += 1 }
            }
            if now < end {
                send(context)
            } else if nextReply == sentAt.count {
                done.succeed(result)
            }
        }
    }

    private func start(_ context: ChannelHandlerContext) {
        phase = .running
        for _ in 0..<pipeline { send(context) }
    }

    private func send(_ context: ChannelHandlerContext) {
        sentAt.append(.now())
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    private func nextLine() -> String? {
        guard let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - received.readerIndex
        let line = received.readString(length: length)!
        received.moveReaderIndex(forwardBy: 1)
        received.discardReadBytes()
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }
}

/// Samples a process's RssAnon every 200 ms and keeps the largest.
actor RSSSampler {
    let pid: Int32
    private(set) var maximumKilobytes = 0

    init(pid: Int32) {
        self.pid = pid
    }

    func run() async {
        while !Task.isCancelled {
            maximumKilobytes = max(maximumKilobytes, anonymousRSSKilobytes(of: "\(pid)"))
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import MailTimeSMTP
import MailTimeTLS
import NIOPosix

/// `mailtime-bench submission`: 2 KB messages submitted over SMTP with STARTTLS and AUTH PLAIN (the
/// password a producer token) to a submission listener such as `mailtimed`'s, through the project's
/// own SMTP client over pooled, reused connections; or, with `--idle-connections`, the memory a
/// server process spends on sessions held open.
struct SubmissionBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submission",
        abstract: "SMTP submission throughput with STARTTLS and AUTH, or the memory of idle sessions, against a listener.",
        discussion: """
            Throughput: --messages messages over --connections reused connections, one in flight on each.
            Memory: --idle-connections K opens K sessions (each past EHLO, and STARTTLS, EHLO and AUTH
            when used), holds them --hold-seconds, reads VmRSS, RssAnon and RssFile of --pid from
            /proc/PID/status before opening and while they are held, and checks they are all still open.
            """
    )

    /// How the client secures the session.
    enum Security: String, ExpressibleByArgument, CaseIterable {
        /// STARTTLS or no session (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case implicit
        /// Plain text (a trusted network).
        case none

        var policy: SMTPTLSPolicy {
            switch self {
            case .starttls: .startTLSRequired
            case .implicit: .implicit
            case .none: .none
            }
        }
    }

    @Option(help: "The listener's address.")
    var host = "127.0.0.1"

    @Option(help: "The listener's port.")
    var port: Int

    @Option(help: "starttls (required), implicit or none.")
    var tls = Security.starttls

    @Option(help: "A CA file (PEM) the server's certificate must chain to; its name is checked against --server-name.")
    var caFile: String?

    @Option(help: "The name the server's certificate must carry (default: --host).")
    var serverName: String?

    @Flag(help: "Do not verify the server's certificate (for a listener on loopback).")
    var insecure = false

    @Option(help: "The AUTH PLAIN user name.")
    var user = "bench"

    @Option(help: "A file whose first line is the AUTH password (for mailtimed, a producer token); without it, no AUTH.")
    var tokenFile: String?

    @Option(help: "Connections (and senders, one message in flight each); with --idle-connections, handshakes at a time.")
    var connections = 20

    @OptionGroup var options: SMTPLoadOptions

    @Option(help: "Instead of sending, open this many sessions and hold them (the memory measurement).")
    var idleConnections: Int?

    @Option(help: "With --idle-connections: the server process whose memory to read.")
    var pid: Int?

    @Option(help: "With --idle-connections: how long to hold the sessions before reading the memory.")
    var holdSeconds: Double = 2

    @Flag(help: "Print one JSON object instead of a line of text.")
    var json = false

    func validate() throws {
        if caFile != nil && insecure { throw ValidationError("--ca-file and --insecure exclude each other") }
        if connections < 1 { throw ValidationError("--connections must be positive") }
        if let idleConnections, idleConnections < 1 { throw ValidationError("--idle-connections must be positive") }
        if idleConnections != nil, pid == nil { throw ValidationError("--idle-connections needs --pid") }
    }

    func run() async throws {
        let client = try clientConfiguration()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let outcome: Result<Void, any Error>
        do {
            if let idleConnections, let pid {
                try await holdIdle(idleConnections, client: client, pid: pid, group: group, logger: logger)
            } else {
                try await sendMessages(client: client, group: group, logger: logger)
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await group.shutdownGracefully()
        try outcome.get()
    }

    private func clientConfiguration() throws -> SMTPClientConfiguration {
        let tlsConfiguration: TLSConfiguration
        if let caFile {
            tlsConfiguration = .client(trustRoots: .bundle(.file(caFile)))
        } else if insecure {
            tlsConfiguration = TLSConfiguration(role: .client, certificateVerification: .none)
        } else {
            tlsConfiguration = .client()
        }
        var credentials: SMTPCredentials?
        if let tokenFile {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            credentials = SMTPCredentials(username: user, secret: token, mechanism: .plain)
        }
        return SMTPClientConfiguration(
            host: host, port: port, tlsPolicy: tls.policy, tls: tlsConfiguration, tlsServerName: serverName, credentials: credentials,
            localName: "bench.example"
        )
    }

    private func sendMessages(client: SMTPClientConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger) async throws {
        let pool = try SMTPConnectionPool(
            client: client,
            configuration: SMTPConnectionPool.Configuration(maximumConnections: connections),
            eventLoopGroup: group,
            logger: logger
        )
        let message = try SMTPBenchmark.message(size: options.size)
        let load = await SMTPLoad.run(pool: pool, senders: connections, messages: options.messages, message: message)
        await pool.shutdown()
        let rate = load.rate(messages: options.messages)
        let p50 = load.latencies.valueAtPercentile(50)
        let p99 = load.latencies.valueAtPercentile(99)
        if json {
            try printJSON([
                "connections": connections, "tls": tls.rawValue, "auth": client.credentials != nil, "messages": options.messages,
                "seconds": (load.elapsed.seconds * 1000).rounded() / 1000, "msgs_per_s": Int(rate), "p50_us": p50, "p99_us": p99,
                "errors": load.errors, "first_error": load.firstError ?? NSNull(), "first_reply": load.firstReply ?? NSNull(),
            ])
        } else {
            print(
                "submission: \(Int(rate)) messages/s, p50 \(p50) µs, p99 \(p99) µs, \(load.errors) errors, \(connections) connections, "
                    + "TLS \(tls.rawValue), AUTH \(client.credentials == nil ? "off" : "PLAIN")"
            )
            if let firstReply = load.firstReply { print("first reply: \(firstReply)") }
            if let firstError = load.firstError { print("first error: \(firstError)") }
        }
    }

    private func holdIdle(_ count: Int, client: SMTPClientConfiguration, pid: Int, group: MultiThreadedEventLoopGroup, logger: Logger) async throws {
        let before = try ProcessMemory(pid: pid)
        let tlsContext = client.tlsPolicy == .none ? nil : try TLSContext(configuration: client.tls)
        let clock = ContinuousClock()
        let start = clock.now
        var open: [SMTPConnection] = []
        var failure: (any Error)?
        await withTaskGroup(of: Result<SMTPConnection, any Error>.self) { opening in
            var started = 0
            while started < count || !opening.isEmpty {
                if started < count && started - open.count < connections && failure == nil {
                    opening.addTask {
                        do {
                            return .success(
                                try await SMTPConnection.connect(configuration: client, tlsContext: tlsContext, eventLoopGroup: group, logger: logger)
                            )
                        } catch {
                            return .failure(error)
                        }
                    }
                    started += 1
                    continue
                }
                guard let result = await opening.next() else { break }
                switch result {
                case .success(let connection): open.append(connection)
                case .failure(let error): failure = failure ?? error
                }
                if failure != nil && started < count { started = count }
            }
        }
        let opened = clock.now - start
        // On the way out by an error, the sessions close as they are released.
        if let failure {
            throw ValidationError("opened \(open.count) of \(count) sessions, then: \(failure)")
        }
        try await Task.sleep(for: .seconds(holdSeconds))
        let held = try ProcessMemory(pid: pid)
        let stillOpen = open.filter(\.isOpen).count
        guard stillOpen == count else {
            throw ValidationError("the server closed \(count - stillOpen) of \(count) idle sessions within \(holdSeconds) s")
        }
        for connection in open { await connection.close() }
        let perSession = Double(held.rssKilobytes - before.rssKilobytes) / Double(count)
        if json {
            try printJSON([
                "idle_connections": count, "tls": tls.rawValue, "auth": client.credentials != nil,
                "open_s": (opened.seconds * 1000).rounded() / 1000, "held_s": holdSeconds,
                "vm_rss_before_kb": before.rssKilobytes, "vm_rss_kb": held.rssKilobytes, "rss_anon_kb": held.anonymousKilobytes,
                "rss_file_kb": held.fileKilobytes, "kb_per_session": (perSession * 10).rounded() / 10,
            ])
        } else {
            print(
                "submission: \(count) sessions open (TLS \(tls.rawValue), AUTH \(client.credentials == nil ? "off" : "PLAIN")) "
                    + "after \(String(format: "%.2f", opened.seconds)) s; process \(pid): VmRSS \(before.rssKilobytes) kB before, "
                    + "\(held.rssKilobytes) kB with them (RssAnon \(held.anonymousKilobytes) kB, RssFile \(held.fileKilobytes) kB), "
                    + "\(String(format: "%.1f", perSession)) kB per session"
            )
        }
    }

    private func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

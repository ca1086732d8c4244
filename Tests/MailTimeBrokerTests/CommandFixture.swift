import Foundation
import Logging
@testable import MailTimeBroker
import MailTimeProtocol
import MailTimeQueue
import NIOCore

/// A command executor over a real queue in a fresh temporary directory, for tests that run
/// commands without a listener.
struct CommandFixture {
    let queue: MailQueue
    let control: DeliveryControl
    let intake: EmailIntake
    let executor: BrokerCommandExecutor

    /// Opens a queue in a fresh directory, runs `body` with it, then closes and removes it.
    static func run<Result>(
        _ configure: (inout BrokerConfiguration) -> Void = { _ in },
        _ body: (CommandFixture) async throws -> Result
    ) async throws -> Result {
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = NSTemporaryDirectory() + "mailtime-commands-" + UUID().uuidString
        configure(&configuration)
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        let queue = try MailQueue(
            configuration: configuration.queueConfiguration,
            logger: Logger(label: "commands-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        defer { queue.close() }
        let control = DeliveryControl()
        let intake = try EmailIntake(configuration: configuration, clock: queue.configuration.clock)
        let fixture = CommandFixture(
            queue: queue,
            control: control,
            intake: intake,
            executor: BrokerCommandExecutor(queue: queue, intake: intake, control: control)
        )
        return try await body(fixture)
    }

    /// Runs the request `line` (with `payload` after `SEND <bytes>`, for a token limited to
    /// `allowedSenderDomains`) and waits for its reply; a line
    /// that does not parse gets its error reply, as the session gives it.
    func reply(_ line: String, payload: String? = nil, allowedSenderDomains: [String]? = nil) async throws -> BrokerReply {
        let command: BrokerCommand
        do throws(ProtocolError) {
            command = try BrokerCommand(line: line, payload: payload.map { ByteBuffer(string: $0) })
        } catch {
            return .error(error)
        }
        return await withCheckedContinuation { continuation in
            executor.execute(command, peer: "test", allowedSenderDomains: allowedSenderDomains) { continuation.resume(returning: $0) }
        }
    }

    /// Sends `email` (JSON) with `SEND` and returns its id.
    func send(_ email: String) async throws -> JobID {
        let reply = try await reply("SEND \(email.utf8.count)", payload: email)
        guard reply.line.hasPrefix("OK "), let id = JobID(String(reply.line.dropFirst(3).prefix(36))) else {
            throw FixtureError("SEND was refused: \(reply.line)")
        }
        return id
    }

    /// The stored job `id`.
    func job(_ id: JobID) async throws -> Job {
        try await queue.run(.status(id))
    }

    /// The code of an `ERR` reply, or `nil` for `OK`.
    static func errorCode(_ reply: BrokerReply) -> String? {
        guard reply.isError else { return nil }
        return reply.line.split(separator: " ").dropFirst().first.map(String.init)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

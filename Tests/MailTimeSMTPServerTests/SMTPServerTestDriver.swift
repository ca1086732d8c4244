import NIOCore

@testable import MailTimeSMTPServer

/// Drives an ``SMTPServerStateMachine`` the way the handler does, and writes its actions as text:
/// replies as on the wire without the last CRLF, other actions in angle brackets.
struct SMTPServerTestDriver {
    var machine: SMTPServerStateMachine
    /// The transactions handed out for delivery.
    var delivered: [SMTPServerTransaction] = []

    static func configuration(
        maximumMessageSize: Int = 10_000,
        maximumRecipients: Int = 3,
        maximumErrors: Int = 10,
        requiresAuthentication: Bool = true
    ) -> SMTPServerConfiguration {
        SMTPServerConfiguration(
            hostname: "mx.test",
            maximumMessageSize: maximumMessageSize,
            maximumRecipients: maximumRecipients,
            maximumErrors: maximumErrors,
            requiresAuthentication: requiresAuthentication
        )
    }

    init(
        configuration: SMTPServerConfiguration = Self.configuration(),
        isTLS: Bool = false,
        isTLSAvailable: Bool = true,
        isTrusted: Bool = false,
        refusal: SMTPServerReply? = nil
    ) {
        machine = SMTPServerStateMachine(
            configuration: configuration,
            session: SMTPServerSession(remoteAddress: "192.0.2.1", isTLS: isTLS, isTrusted: isTrusted),
            isTLSAvailable: isTLSAvailable,
            refusal: refusal
        )
    }

    /// A trusted session past the greeting and EHLO.
    static func ready(
        configuration: SMTPServerConfiguration = Self.configuration(),
        isTLS: Bool = false
    ) -> SMTPServerTestDriver {
        var driver = SMTPServerTestDriver(configuration: configuration, isTLS: isTLS, isTrusted: true)
        _ = driver.drain()
        _ = driver.send("EHLO client.test\r\n")
        return driver
    }

    /// Feeds `text` and drains the actions.
    mutating func send(_ text: String) -> [String] {
        send(bytes: Array(text.utf8))
    }

    /// Feeds `bytes` and drains the actions.
    mutating func send(bytes: [UInt8]) -> [String] {
        var buffer = ByteBuffer(bytes: bytes)
        machine.received(&buffer)
        return drain()
    }

    /// Feeds `text` one octet at a time, draining after each.
    mutating func sendByteByByte(_ text: String) -> [String] {
        var result: [String] = []
        for byte in text.utf8 {
            result += send(bytes: [byte]).filter { $0 != "<await input>" }
        }
        return result + ["<await input>"]
    }

    /// Takes actions up to and including the first wait.
    mutating func drain() -> [String] {
        var result: [String] = []
        while true {
            let action = machine.nextAction()
            switch action {
            case .reply(let reply):
                result.append(String(reply.description.dropLast()))  // "\r\n" is one Character
            case .startTLS:
                result.append("<start TLS>")
            case .authenticate(let username, let password):
                result.append("<authenticate \(username) \(password)>")
            case .deliver(let transaction):
                delivered.append(transaction)
                result.append("<deliver>")
            case .close:
                result.append("<close>")
            case .awaitInput:
                result.append("<await input>")
                return result
            case .awaitResult:
                result.append("<await result>")
                return result
            }
        }
    }

    /// The replies only, without the waits.
    mutating func replies(_ text: String) -> [String] {
        send(text).filter { !$0.hasPrefix("<await") }
    }
}

extension ByteBuffer {
    /// The readable bytes as a string (tests only).
    var text: String { String(decoding: readableBytesView, as: UTF8.self) }
}

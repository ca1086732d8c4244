import ArgumentParser
import Foundation
import Logging
import MailTimeClient

/// How to reach the broker, and how to print what it says: the options every subcommand takes.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker as mailtime://HOST[:PORT] (default: MAILTIME_URL).", valueName: "url"))
    var url: String?

    @Option(help: "The broker's host name or address (default: --url's or MAILTIME_URL's, else 127.0.0.1).")
    var host: String?

    @Option(help: "The broker's port (default: --url's or MAILTIME_URL's, else 7525).")
    var port: Int?

    @Option(help: "The access token (default: --token-file, MAILTIME_TOKEN, then ./var/admin.token).")
    var token: String?

    @Option(help: ArgumentHelp("A file holding the access token.", valueName: "path"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "Pin the broker's certificate by its SHA-256 fingerprint: 64 hex digits, any case, colons optional "
                + "(what openssl x509 -noout -fingerprint -sha256 -in certificate.pem prints after '=').",
            valueName: "hex"
        ))
    var fingerprint: String?

    @Option(help: ArgumentHelp("Trust a broker certificate issued by a CA in this PEM file, for the host name.", valueName: "path"))
    var caFile: String?

    @Flag(help: "Log the connection's progress to stderr.")
    var verbose = false

    @Flag(help: "Print the broker's JSON as it comes, one object per line (status, stats, list, events).")
    var json = false

    /// The broker's host when neither --host nor MAILTIME_URL gives one.
    static let defaultHost = "127.0.0.1"
    /// The broker's port when neither --port nor MAILTIME_URL gives one.
    static let defaultPort = 7525

    /// The local broker's certificate, pinned when no trust is given (what `make run` serves).
    static let localCertificate = "./var/tls/certificate.pem"
    /// The local broker's admin token, used when no token is given.
    static let localTokenFile = "./var/admin.token"

    func validate() throws {
        if fingerprint != nil, caFile != nil {
            throw ValidationError("give --fingerprint or --ca-file, not both")
        }
    }

    /// A connected, authenticated client.
    func connect() async throws(MailTimeClientError) -> MailTimeClient {
        let (host, port) = try address()
        return try await MailTimeClient.connect(host: host, port: port, tls: try trust(), token: try resolvedToken(), logger: logger())
    }

    /// A pool of `size` authenticated connections, each opened when first needed and reopened with
    /// backoff when lost.
    func pool(size: Int, logger: Logger) throws(MailTimeClientError) -> MailTimeClientPool {
        let (host, port) = try address()
        return try MailTimeClientPool(host: host, port: port, tls: try trust(), token: try resolvedToken(), size: size, logger: logger)
    }

    /// A logger to stderr at `level`, or at debug with --verbose.
    func logger(level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "mailtime", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = verbose ? .debug : level
        return logger
    }

    /// The broker's host and port: from --host and --port, else from --url or MAILTIME_URL, else the defaults.
    private func address() throws(MailTimeClientError) -> (host: String, port: Int) {
        var url: BrokerURL?
        if let text = self.url ?? ProcessInfo.processInfo.environment[BrokerURL.environmentVariable], !text.isEmpty {
            do throws(BrokerURL.URLError) {
                url = try BrokerURL(parsing: text)
            } catch {
                throw MailTimeClientError(.invalidConfiguration, error.description)
            }
        }
        return (host ?? url?.host ?? Self.defaultHost, port ?? url?.port ?? Self.defaultPort)
    }

    private func resolvedToken() throws(MailTimeClientError) -> String {
        if let token { return token }
        if let tokenFile { return try Self.token(inFile: tokenFile) }
        if let token = ProcessInfo.processInfo.environment["MAILTIME_TOKEN"], !token.isEmpty { return token }
        guard FileManager.default.fileExists(atPath: Self.localTokenFile) else {
            throw MailTimeClientError(.invalidConfiguration, "no token: pass --token or --token-file, or set MAILTIME_TOKEN")
        }
        return try Self.token(inFile: Self.localTokenFile)
    }

    private static func token(inFile path: String) throws(MailTimeClientError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MailTimeClientError(.invalidConfiguration, "cannot read the token file \(path)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw MailTimeClientError(.invalidConfiguration, "the token file \(path) is empty")
        }
        return token
    }

    private func trust() throws(MailTimeClientError) -> BrokerTrust {
        let environment = ProcessInfo.processInfo.environment
        if let fingerprint { return try .pinned(fingerprint: fingerprint) }
        if let caFile { return .certificateAuthority(file: caFile) }
        if let fingerprint = environment["MAILTIME_FINGERPRINT"], !fingerprint.isEmpty { return try .pinned(fingerprint: fingerprint) }
        if let caFile = environment["MAILTIME_CA"], !caFile.isEmpty { return .certificateAuthority(file: caFile) }
        if FileManager.default.fileExists(atPath: Self.localCertificate) {
            return try .pinned(certificateFile: Self.localCertificate)
        }
        return .systemTrustStore
    }
}

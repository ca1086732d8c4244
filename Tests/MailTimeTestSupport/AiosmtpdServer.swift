import Foundation

/// A real SMTP server for the tests: Python's aiosmtpd (Debian `python3-aiosmtpd`, 1.4.x) in a child
/// process on 127.0.0.1, on a port the kernel chose, recording every message it accepts.
///
/// The Python script (embedded below; written with its JSON configuration to the server's temporary
/// directory) binds port 0 itself, serves with `loop.create_server`, and prints `READY <port>`;
/// ``start(_:)`` waits for that line. Each accepted message is written as one JSON file
/// (`00000001.json`, `00000002.json`, … in arrival order, each written to a hidden temporary name and
/// renamed) into a temporary directory the server owns; ``receivedMessages()`` reads them.
/// ``ReceivedSMTPMessage/data`` holds the DATA bytes with the dot-stuffing undone, CRLF kept (see there).
public final class AiosmtpdServer: Sendable {
    /// A message the server accepted.
    public typealias ReceivedMessage = ReceivedSMTPMessage

    /// How the server behaves.
    public struct Options: Sendable {
        /// The server's TLS.
        public enum TLS: Sendable, Equatable {
            /// Plain text only; STARTTLS is not advertised.
            case none
            /// Plain text first; STARTTLS is advertised and upgrades the session.
            case startTLS(certificateFile: String, privateKeyFile: String)
            /// TLS from the first byte (as on port 465); STARTTLS is not advertised.
            case implicit(certificateFile: String, privateKeyFile: String)
        }

        /// The server's TLS (default: none).
        public var tls: TLS
        /// Refuse MAIL with `530 5.7.0 Must issue a STARTTLS command first` until the session is in TLS.
        public var requireTLS: Bool
        /// User name → password; when not empty, AUTH PLAIN and LOGIN are offered and check these.
        public var users: [String: String]
        /// Refuse MAIL, RCPT and DATA with `530 5.7.0 Authentication required` until the session authenticated.
        public var requireAuthentication: Bool
        /// Offer and accept AUTH outside TLS (aiosmtpd's `auth_require_tls = false`). When false (the default,
        /// like aiosmtpd), AUTH is only advertised after STARTTLS and refused before it with 538 5.7.11.
        /// With `.implicit` TLS every session is in TLS, so AUTH is always offered.
        public var allowAuthenticationWithoutTLS: Bool
        /// Advertise SMTPUTF8 (and accept UTF-8 in MAIL and RCPT, and the SMTPUTF8 parameter).
        public var smtpUTF8: Bool
        /// Recipient address (as in RCPT TO, without angle brackets, compared exactly) → the whole reply line
        /// to answer its RCPT TO with, e.g. `"550 5.1.1 no such user"`. Every other recipient is accepted.
        public var rejectedRecipients: [String: String]
        /// The SIZE limit, advertised in EHLO and enforced (552 on MAIL FROM SIZE= or DATA over it);
        /// nil: no SIZE extension and no limit.
        public var maximumMessageSize: Int?
        /// The name in the greeting and the EHLO reply.
        public var hostname: String
        /// The Python 3 that has aiosmtpd: `/usr/bin/python3` (Debian's) when it exists, else `python3`.
        public var python: String
        /// How long ``AiosmtpdServer/start(_:)`` waits for the server to listen.
        public var startTimeout: Duration

        public init(
            tls: TLS = .none,
            requireTLS: Bool = false,
            users: [String: String] = [:],
            requireAuthentication: Bool = false,
            allowAuthenticationWithoutTLS: Bool = false,
            smtpUTF8: Bool = false,
            rejectedRecipients: [String: String] = [:],
            maximumMessageSize: Int? = nil,
            hostname: String = "localhost",
            python: String = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                ? "/usr/bin/python3" : "python3",
            startTimeout: Duration = .seconds(15)
        ) {
            self.tls = tls
            self.requireTLS = requireTLS
            self.users = users
            self.requireAuthentication = requireAuthentication
            self.allowAuthenticationWithoutTLS = allowAuthenticationWithoutTLS
            self.smtpUTF8 = smtpUTF8
            self.rejectedRecipients = rejectedRecipients
            self.maximumMessageSize = maximumMessageSize
            self.hostname = hostname
            self.python = python
            self.startTimeout = startTimeout
        }
    }

    /// The port the server listens on, on 127.0.0.1.
    public let port: Int
    /// The options the server runs with.
    public let options: Options
    /// The directory the messages are recorded in; removed by ``stop()``.
    public let messagesDirectory: URL
    /// The server's temporary directory: the script and `messages`.
    private let directory: URL
    private let child: ChildProcess

    private init(port: Int, options: Options, directory: URL, messagesDirectory: URL, child: ChildProcess) {
        self.port = port
        self.options = options
        self.directory = directory
        self.messagesDirectory = messagesDirectory
        self.child = child
    }

    /// Starts the server and returns once it listens. Throws, with the server's stderr, if it does not.
    public static func start(_ options: Options = Options()) async throws -> AiosmtpdServer {
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-aiosmtpd")
        let messagesDirectory = directory.appendingPathComponent("messages", isDirectory: true)
        let scriptFile = directory.appendingPathComponent("aiosmtpd_server.py")
        var configuration: [String: Any] = [
            "messagesDirectory": messagesDirectory.path,
            "users": options.users,
            "rejectedRecipients": options.rejectedRecipients,
            "requireTLS": options.requireTLS,
            "requireAuthentication": options.requireAuthentication,
            "allowAuthenticationWithoutTLS": options.allowAuthenticationWithoutTLS,
            "smtpUTF8": options.smtpUTF8,
            "maximumMessageSize": options.maximumMessageSize.map { $0 as Any } ?? NSNull(),
            "hostname": options.hostname,
        ]
        switch options.tls {
        case .none:
            configuration["tls"] = "none"
        case .startTLS(let certificateFile, let privateKeyFile):
            configuration["tls"] = "startTLS"
            configuration["certificateFile"] = certificateFile
            configuration["privateKeyFile"] = privateKeyFile
        case .implicit(let certificateFile, let privateKeyFile):
            configuration["tls"] = "implicit"
            configuration["certificateFile"] = certificateFile
            configuration["privateKeyFile"] = privateKeyFile
        }
        let configurationFile = directory.appendingPathComponent("configuration.json")

        let child: ChildProcess
        do {
            try FileManager.default.createDirectory(at: messagesDirectory, withIntermediateDirectories: false)
            try Data(script.utf8).write(to: scriptFile)
            try JSONSerialization.data(withJSONObject: configuration).write(to: configurationFile)
            child = try ChildProcess.launch(options.python, arguments: [scriptFile.path, configurationFile.path])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        do {
            let line = try await child.waitForOutputLine(timeout: options.startTimeout) { $0.hasPrefix("READY ") }
            guard let port = Int(line.dropFirst("READY ".count)) else {
                throw ChildProcess.Failure("aiosmtpd announced no port: \(line)")
            }
            return AiosmtpdServer(
                port: port,
                options: options,
                directory: directory,
                messagesDirectory: messagesDirectory,
                child: child
            )
        } catch {
            child.terminate()
            try? FileManager.default.removeItem(at: directory)
            throw ChildProcess.Failure("aiosmtpd did not start: \(error)")
        }
    }

    /// The messages accepted so far, in arrival order.
    public func receivedMessages() throws -> [ReceivedMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: messagesDirectory.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .sorted()
        let decoder = JSONDecoder()
        return try names.map { name in
            let data = try Data(contentsOf: messagesDirectory.appendingPathComponent(name))
            return try decoder.decode(ReceivedMessage.self, from: data)
        }
    }

    /// Waits until at least `count` messages were accepted and returns all the messages accepted so far,
    /// in arrival order. Throws after `timeout`, saying how many arrived, or if the server died.
    public func waitForMessages(count: Int, timeout: Duration) async throws -> [ReceivedMessage] {
        var messages: [ReceivedMessage] = []
        let arrived = try await ChildProcess.poll(timeout: timeout) {
            messages = try receivedMessages()
            if messages.count < count && !child.isRunning {
                throw ChildProcess.Failure("aiosmtpd died: \(child.diagnostics())")
            }
            return messages.count >= count
        }
        guard arrived else {
            throw ChildProcess.Failure(
                "expected \(count) message(s) within \(timeout), but \(messages.count) arrived; \(child.diagnostics())"
            )
        }
        return messages
    }

    /// A JSON object (recipient address → reply line) written to this file replaces
    /// ``Options/rejectedRecipients`` while the server runs, from the next RCPT TO on (for a test, or a
    /// script it runs, that lifts a refusal).
    public var rejectionsFile: URL {
        directory.appendingPathComponent("rejections.json")
    }

    /// What the server logged (warnings and errors, e.g. exceptions in a session).
    public func log() -> String {
        child.standardError()
    }

    /// Stops the server (terminates and reaps the process) and removes the recorded messages. Idempotent;
    /// also done on deinit.
    public func stop() {
        child.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        stop()
    }

    // The server, written to a file in its directory; its argument is the JSON configuration file `start` wrote.
    private static let script = #"""
        import asyncio, base64, json, logging, os, socket, ssl, sys, warnings
        from aiosmtpd.smtp import SMTP, AuthResult

        with open(sys.argv[1]) as file:
            config = json.load(file)
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="aiosmtpd: %(levelname)s %(message)s")
        warnings.simplefilter("ignore")  # e.g. "Requiring AUTH while not requiring TLS"

        directory = config["messagesDirectory"]
        users = config["users"]
        rejected = config["rejectedRecipients"]
        # AiosmtpdServer.rejectionsFile: refusals that replace the configured ones once written.
        rejections_file = os.path.join(os.path.dirname(sys.argv[1]), "rejections.json")

        def current_rejections():
            try:
                with open(rejections_file) as file:
                    return json.load(file)
            except FileNotFoundError:
                return rejected
        mode = config["tls"]
        context = None
        if mode in ("startTLS", "implicit"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(config["certificateFile"], config["privateKeyFile"])
        received = 0

        def text(value):
            # aiosmtpd decodes arguments as UTF-8 with surrogate escapes; JSON needs valid Unicode.
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

        def in_tls(server):
            transport = server.transport
            if transport is not None and transport.get_extra_info("ssl_object") is not None:
                return True
            return mode == "implicit" or server._tls_protocol is not None

        class Server(SMTP):
            async def smtp_MAIL(self, arg):
                if config["requireTLS"] and not in_tls(self):
                    return await self.push("530 5.7.0 Must issue a STARTTLS command first")
                return await super().smtp_MAIL(arg)

        for name in ("__smtp_syntax__", "__smtp_syntax_when__", "__smtp_syntax_extended__"):
            if hasattr(SMTP.smtp_MAIL, name):
                setattr(Server.smtp_MAIL, name, getattr(SMTP.smtp_MAIL, name))

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode("utf-8", "surrogateescape")
            password = auth_data.password.decode("utf-8", "surrogateescape")
            if mechanism in ("PLAIN", "LOGIN") and login in users and users[login] == password:
                return AuthResult(success=True, auth_data=text(login))
            return AuthResult(success=False, handled=False)

        class Handler:
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                session.host_name = hostname
                if not users:
                    responses = [line for line in responses if not line[4:].upper().startswith("AUTH")]
                return responses

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                reply = current_rejections().get(text(address))
                if reply is not None:
                    return reply
                envelope.rcpt_tos.append(address)
                envelope.rcpt_options.extend(rcpt_options)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                global received
                received += 1
                sender = envelope.mail_from
                record = {
                    "clientHostname": text(session.host_name or ""),
                    "mailFrom": "" if sender == "<>" else text(sender),
                    "mailOptions": [text(option) for option in envelope.mail_options],
                    "recipients": [text(recipient) for recipient in envelope.rcpt_tos],
                    "recipientOptions": [text(option) for option in envelope.rcpt_options],
                    "user": session.auth_data if session.authenticated else None,
                    "tls": in_tls(server),
                    "data": base64.b64encode(envelope.original_content).decode("ascii"),
                }
                name = "%08d.json" % received
                temporary = os.path.join(directory, "." + name + ".tmp")
                with open(temporary, "w") as file:
                    json.dump(record, file)
                os.rename(temporary, os.path.join(directory, name))
                return "250 2.0.0 OK: queued as %d" % received

        async def main():
            loop = asyncio.get_running_loop()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            handler = Handler()
            def factory():
                return Server(
                    handler,
                    hostname=config["hostname"],
                    decode_data=False,
                    enable_SMTPUTF8=config["smtpUTF8"],
                    data_size_limit=config["maximumMessageSize"],
                    tls_context=context if mode == "startTLS" else None,
                    auth_required=config["requireAuthentication"],
                    # With implicit TLS every session is in TLS, which aiosmtpd 1.4 does not see by itself.
                    auth_require_tls=not config["allowAuthenticationWithoutTLS"] and mode != "implicit",
                    authenticator=authenticator,
                    loop=loop,
                )
            server = await loop.create_server(factory, sock=sock, ssl=context if mode == "implicit" else None)
            print("READY %d" % sock.getsockname()[1], flush=True)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """#
}

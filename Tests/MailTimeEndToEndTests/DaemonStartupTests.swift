import Foundation
import MailTimeClient
import MailTimeJSON
import MailTimeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `mailtimed` at start-up (README, "Configuration"): every mistake ends it with one line on standard
/// error and its sysexits status, never a crash; `--help`, `--version` and `--print-config` come from
/// the same definitions as the README's table; an admin token is made whatever other tokens are
/// configured; systemd hears `READY=1` and `STOPPING=1`.
@Suite(.timeLimit(.minutes(2)))
struct DaemonStartupTests {
    /// How a run of `mailtimed` ended.
    private struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String

        var errorLines: [Substring] { standardError.split(separator: "\n") }
    }

    /// Runs `mailtimed` with `arguments` and `environment` (added to the tests' own) until it exits.
    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        // The submission listeners and the console on free ports: tests run side by side, and the defaults are fixed ports.
        let submission = ["MAILTIME_SUBMISSION_PORT": "0", "MAILTIME_SUBMISSIONS_PORT": "0", "MAILTIME_CONSOLE_PORT": "0"]
        let assignments = submission.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let child = try ChildProcess.launch("/usr/bin/env", arguments: assignments + [try BuiltProduct.path("mailtimed")] + arguments)
        defer { child.terminate() }
        guard try await ChildProcess.poll(timeout: .seconds(60), until: { !child.isRunning }), let status = child.exitStatus else {
            throw TestFailure("mailtimed did not exit: \(child.diagnostics())")
        }
        return Outcome(status: status, standardOutput: child.standardOutput(), standardError: child.standardError())
    }

    /// Checks that `outcome` is a clean refusal: `status`, a last line of standard error for which
    /// `line` holds, that line the only one starting `mailtimed: `, and no crash report. With `alone`,
    /// it is all of standard error.
    private func expectRefusal(
        _ outcome: Outcome,
        status: Int32,
        alone: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation,
        line: (String) -> Bool
    ) {
        let last = outcome.errorLines.last.map(String.init) ?? ""
        #expect(outcome.status == status, "stderr: \(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(line(last), "last line: \(last)", sourceLocation: sourceLocation)
        #expect(outcome.errorLines.filter { $0.hasPrefix("mailtimed: ") }.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        for crash in ["Fatal error", "Stack dump", "backtrace", "Current stack trace"] {
            #expect(!outcome.standardError.contains(crash), "\(outcome.standardError)", sourceLocation: sourceLocation)
        }
        if alone {
            #expect(outcome.errorLines.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        }
    }

    private func temporaryDirectory() throws -> URL {
        try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-startup")
    }

    private func write(_ text: String, in directory: URL, as name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func anUnknownFlagIsRefusedWithTheNearestKnownOne() async throws {
        let misspelt = try await run(["--listen-prot", "7600"])
        expectRefusal(misspelt, status: 78) { $0 == "mailtimed: unknown flag --listen-prot (did you mean --listen-port?); see mailtimed --help" }
        let unknown = try await run(["--bogus-flag", "3"])
        expectRefusal(unknown, status: 78) { $0 == "mailtimed: unknown flag --bogus-flag; see mailtimed --help" }
        let stray = try await run(["var"])
        expectRefusal(stray, status: 78) { $0 == #"mailtimed: unexpected argument "var": settings are --KEY VALUE (see mailtimed --help)"# }
    }

    @Test func anUnknownKeyInTheFileIsRefusedWithTheNearestKnownOne() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nested = try write(#"{"listen": {"prot": 7600}}"#, in: directory, as: "nested.json")
        expectRefusal(try await run(["--config", nested]), status: 78) {
            $0 == "mailtimed: unknown key listen.prot in \(nested) (did you mean listen.port?)"
        }
        let section = try write(#"{"limit": {"inflight": 4}}"#, in: directory, as: "section.json")
        expectRefusal(try await run(["--config", section]), status: 78) {
            $0 == "mailtimed: unknown key limit.inflight in \(section) (did you mean limits.inflight?)"
        }
        let twice = try write(#"{"senders": 1, "senders": 2}"#, in: directory, as: "twice.json")
        expectRefusal(try await run(["--config", twice]), status: 78) { $0 == "mailtimed: senders appears twice in \(twice)" }
        let missing = directory.appendingPathComponent("missing.json").path
        expectRefusal(try await run(["--config", missing]), status: 66) {
            $0 == "mailtimed: cannot read the configuration file \(missing): No such file or directory"
        }
    }

    @Test func aWronglyTypedValueIsRefusedNamingTheKeyAndTheType() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write(#"{"limits": {"inflight": "abc"}}"#, in: directory, as: "config.json")
        expectRefusal(try await run(["--config", file]), status: 78) {
            $0 == #"mailtimed: limits.inflight in \#(file): expected an integer from 1 to 65536, not the string "abc""#
        }
        expectRefusal(try await run(["--limits-inflight", "abc"]), status: 78) {
            $0 == #"mailtimed: --limits-inflight: expected an integer from 1 to 65536, not "abc""#
        }
        expectRefusal(try await run([], environment: ["MAILTIME_LIMITS_INFLIGHT": "abc"]), status: 78) {
            $0 == #"mailtimed: MAILTIME_LIMITS_INFLIGHT: expected an integer from 1 to 65536, not "abc""#
        }
        expectRefusal(try await run(["--folding-enabled", "yes"]), status: 78) {
            $0 == #"mailtimed: --folding-enabled: expected true or false, not "yes""#
        }
        expectRefusal(try await run(["--strategy", "random"]), status: 78) {
            $0 == #"mailtimed: --strategy: expected one of failover, balance, not "random""#
        }
    }

    @Test func aValueOutOfRangeIsRefusedWithTheRange() async throws {
        expectRefusal(try await run(["--limits-inflight", "-5"]), status: 78) {
            $0 == "mailtimed: --limits-inflight: -5 is out of range; expected an integer from 1 to 65536"
        }
        expectRefusal(try await run(["--listen-port", "70000"]), status: 78) {
            $0 == "mailtimed: --listen-port: 70000 is out of range; expected an integer from 0 to 65535"
        }
        expectRefusal(try await run(["--retry-min-delay-seconds", "60", "--retry-max-delay-seconds", "10"]), status: 78) {
            $0 == "mailtimed: retry.max-delay-seconds (10) must be at least retry.min-delay-seconds (60)"
        }
    }

    @Test func aDataDirectoryInUseByAnotherBrokerIsRefused() async throws {
        let first = try await BrokerProcess.start(["--senders", "0"])
        defer { first.stop() }
        let second = try await run(["--data-directory", first.dataDirectory.path, "--listen-port", "0", "--senders", "0"])
        expectRefusal(second, status: 75) {
            $0.hasPrefix("mailtimed: the data directory \(first.dataDirectory.path)/queue is in use by another process (pid ")
        }
        // The first broker still serves.
        _ = try await first.connect().stats()
    }

    @Test func aPortInUseIsRefused() async throws {
        let first = try await BrokerProcess.start(["--senders", "0"])
        defer { first.stop() }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try first.port
        let second = try await run(["--data-directory", directory.path, "--listen-port", "\(port)", "--senders", "0"])
        expectRefusal(second, status: 69, alone: false) { $0 == "mailtimed: cannot listen on 127.0.0.1 port \(port): Address already in use" }
        let metrics = try await run(["--data-directory", directory.path, "--listen-port", "0", "--senders", "0", "--metrics-port", "\(port)"])
        expectRefusal(metrics, status: 69, alone: false) { $0 == "mailtimed: cannot listen on 127.0.0.1 port \(port): Address already in use" }
        for listener in ["submission", "submissions"] {
            let submission = try await run(
                ["--data-directory", directory.path, "--listen-port", "0", "--senders", "0"],
                environment: ["MAILTIME_\(listener.uppercased())_PORT": "\(port)"])
            expectRefusal(submission, status: 69, alone: false) {
                $0 == "mailtimed: cannot listen for SMTP on 127.0.0.1 port \(port): Address already in use"
            }
        }
        let console = try await run(
            ["--data-directory", directory.path, "--listen-port", "0", "--senders", "0"], environment: ["MAILTIME_CONSOLE_PORT": "\(port)"])
        expectRefusal(console, status: 69, alone: false) { $0 == "mailtimed: cannot listen on 127.0.0.1 port \(port): Address already in use" }
    }

    @Test func aDataDirectoryThatCannotBeMadeIsRefused() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write("a file, not a directory\n", in: directory, as: "file")
        expectRefusal(try await run(["--data-directory", file + "/var"]), status: 73) {
            $0 == "mailtimed: cannot make the data directory \(file)/var: Not a directory"
        }
    }

    @Test func anUnreadableOrUnusableCertificateOrKeyIsRefused() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("var").path
        let missing = directory.appendingPathComponent("missing.pem").path
        let garbage = try write("not a certificate\n", in: directory, as: "garbage.pem")
        expectRefusal(try await run(["--data-directory", data, "--tls-certificate", missing, "--tls-key", garbage]), status: 66) {
            $0 == "mailtimed: cannot read tls.certificate \(missing): No such file or directory"
        }
        expectRefusal(try await run(["--data-directory", data, "--tls-certificate", garbage, "--tls-key", missing]), status: 66) {
            $0 == "mailtimed: cannot read tls.key \(missing): No such file or directory"
        }
        // The files are read once the data directory is locked: the store's opening is logged first.
        expectRefusal(try await run(["--data-directory", data, "--tls-certificate", garbage, "--tls-key", garbage]), status: 78, alone: false) {
            $0 == "mailtimed: the TLS certificate, key or client CA cannot be used: no PEM certificate found"
        }
        expectRefusal(try await run(["--data-directory", data, "--tls-key", garbage]), status: 78) {
            $0 == "mailtimed: a private key needs its certificate (tls.certificate)"
        }
    }

    @Test func aProviderWhosePasswordVariableIsUnsetIsRefused() async throws {
        let variable = "UNSET_SMTP_PASSWORD_\(UUID().uuidString.prefix(8))"
        let provider = "name=relay;host=127.0.0.1;port=2525;tls=none;user=app;password-env=\(variable);allow-plaintext-auth=true"
        expectRefusal(try await run(["--providers", provider]), status: 78) {
            $0 == "mailtimed: providers: provider relay: the environment variable \(variable) is not set"
        }
    }

    @Test func aTrustedNetworkThatIsNotOneIsRefused() async throws {
        for flags in [[], ["--print-config"]] {
            expectRefusal(try await run(flags + ["--submission-trusted-networks", "127.0.0.0/8,10.0.0.0/33"]), status: 78) {
                $0 == "mailtimed: submission.trusted-networks: \"10.0.0.0/33\" is not an IP network: the prefix length must be a number from 0 to 32"
            }
        }
    }

    @Test func versionAndHelpExitZero() async throws {
        let version = try await run(["--version"])
        #expect(version.status == 0)
        #expect(version.standardOutput == "mailtimed 0.1.0 (protocol mailtime 1)\n")
        let help = try await run(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("USAGE: mailtimed"))
        #expect(help.standardOutput.contains("--print-config"))
        #expect(help.standardError.isEmpty)
    }

    /// `--help`'s settings, `--print-config`'s keys and the README's table list the same keys, and the
    /// README's types, defaults and meanings are `--help`'s.
    @Test func helpPrintConfigAndTheReadmeListTheSameSettings() async throws {
        let help = try await run(["--help"])
        let settings = try Self.helpSettings(help.standardOutput)
        #expect(settings.contains { $0.key == "listen.port" && $0.type == "integer 0-65535" && $0.defaultValue == "7525" }, "\(help.standardOutput)")

        let printed = try await run(["--print-config"], environment: ["MAILTIME_DATA_DIRECTORY": "/nonexistent/never-made"])
        #expect(printed.status == 0, "\(printed.standardError)")
        let keys = try Self.flattenedKeys(JSONParser.parse(Array(printed.standardOutput.utf8)))
        #expect(keys == settings.map(\.key))
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/never-made"), "--print-config starts nothing")

        let readme = try Self.readmeSettings()
        #expect(readme.map(\.key) == settings.map(\.key))
        for (documented, helped) in zip(readme, settings) where documented != helped {
            Issue.record("README.md's row differs from --help:\n  README: \(documented)\n  --help: \(helped)")
        }
    }

    @Test func printConfigShowsTheEffectiveValuesAndRedactsSecrets() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try write(
            #"{"listen": {"host": "127.0.0.2", "port": 1111}, "senders": 2, "tokens": {"admin": ["admin-token-from-the-file"]}}"#,
            in: directory, as: "config.json")
        let printed = try await run(
            ["--print-config", "--config", file, "--senders", "3", "--tokens-producer", "producer-token-0123456789"],
            environment: [
                "MAILTIME_LISTEN_PORT": "2222", "MAILTIME_SENDERS": "5", "MAILTIME_TOKENS_WORKER": "worker-token-0123456789",
                "MAILTIME_LISTEN_PROT": "3333",
            ]
        )
        #expect(printed.status == 0, "\(printed.standardError)")
        let configuration = try JSONParser.parse(Array(printed.standardOutput.utf8))
        #expect(configuration["listen"]?["host"] == .string("127.0.0.2"), "the file")
        #expect(configuration["listen"]?["port"] == .number("2222"), "the environment over the file")
        #expect(configuration["senders"] == .number("3"), "the flag over the environment")
        #expect(configuration["limits"]?["inflight"] == .number("256"), "the default")
        #expect(configuration["metrics"]?["port"] == .null, "unset")
        for role in ["admin", "producer", "worker"] {
            #expect(configuration["tokens"]?[role] == .string("<redacted>"), "\(printed.standardOutput)")
        }
        #expect(configuration["tokens"]?["worker"] == .string("<redacted>"))
        #expect(!printed.standardOutput.contains("-token-"))
        #expect(
            printed.standardError.contains("unknown environment variable MAILTIME_LISTEN_PROT is ignored (did you mean MAILTIME_LISTEN_PORT?)"),
            "\(printed.standardError)"
        )
    }

    @Test func theAdminTokenIsMadeWhenOnlyOtherRolesHaveTokens() async throws {
        let producerToken = "producer-token-\(UUID().uuidString)"
        let broker = try await BrokerProcess.start(["--senders", "0", "--tokens-producer", producerToken])
        defer { broker.stop() }
        let admin = try await broker.connect()
        _ = try await admin.stats()
        try await admin.close()
        let producer = try await MailTimeClient.connect(
            host: "127.0.0.1",
            port: try broker.port,
            tls: try .pinned(certificateFile: broker.dataDirectory.appendingPathComponent("tls/certificate.pem").path),
            token: producerToken,
            logger: .quiet
        )
        try await producer.close()
    }

    @Test(arguments: [false, true])
    func systemdIsNotifiedWhenReadyAndWhenStopping(abstract: Bool) async throws {
        let socket = try NotifySocket(abstract: abstract)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess.launch(
            "/usr/bin/env",
            arguments: [
                "NOTIFY_SOCKET=\(socket.address)", try BuiltProduct.path("mailtimed"),
                "--data-directory", directory.path, "--listen-port", "0", "--senders", "0",
            ] + BrokerProcess.freeSubmissionPorts
        )
        defer { child.terminate() }
        #expect(try await socket.receive(timeout: .seconds(30)) == "READY=1")
        #expect(child.standardError().contains("broker listening"), "READY=1 comes once the listener is bound")

        kill(child.processIdentifier, SIGTERM)
        #expect(try await socket.receive(timeout: .seconds(30)) == "STOPPING=1")
        #expect(try await ChildProcess.poll(timeout: .seconds(30)) { !child.isRunning })
        #expect(child.exitStatus == 0, "\(child.diagnostics())")
    }

    /// A setting as `--help` and the README's table show it.
    private struct DocumentedSetting: Equatable, CustomStringConvertible {
        var key: String
        var type: String
        var defaultValue: String
        var meaning: String

        var description: String { "\(key) | \(type) | \(defaultValue) | \(meaning)" }
    }

    /// The settings under `SETTINGS:` in `--help`: a key line, then `TYPE; default: DEFAULT`, then the meaning.
    private static func helpSettings(_ help: String) throws -> [DocumentedSetting] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "SETTINGS:"), "no SETTINGS: in --help")
        var settings: [DocumentedSetting] = []
        for line in lines[(start + 1)...] {
            if line.isEmpty { break }
            if line.hasPrefix("      ") {
                let text = line.trimmingCharacters(in: .whitespaces)
                let last = settings.popLast()
                var setting = try #require(last, "text before the first key: \(line)")
                if setting.type.isEmpty, let separator = text.range(of: "; default: ") {
                    setting.type = String(text[..<separator.lowerBound])
                    setting.defaultValue = String(text[separator.upperBound...])
                } else {
                    setting.meaning += (setting.meaning.isEmpty ? "" : " ") + text
                }
                settings.append(setting)
            } else {
                settings.append(DocumentedSetting(key: line.trimmingCharacters(in: .whitespaces), type: "", defaultValue: "", meaning: ""))
            }
        }
        return settings
    }

    /// The rows of README.md's table headed `| key | type | default | meaning |`, without backticks.
    private static func readmeSettings() throws -> [DocumentedSetting] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n")
        let header = try #require(lines.firstIndex(of: "| key | type | default | meaning |"), "README.md has no settings table")
        var settings: [DocumentedSetting] = []
        for line in lines[(header + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|").map { $0.replacingOccurrences(of: "`", with: "").trimmingCharacters(in: .whitespaces) }
            try #require(cells.count == 4, "not four cells: \(line)")
            settings.append(DocumentedSetting(key: cells[0], type: cells[1], defaultValue: cells[2], meaning: cells[3]))
        }
        return settings
    }

    /// The dotted keys of `--print-config`'s nested object, in order.
    private static func flattenedKeys(_ value: JSONValue, prefix: String = "") -> [String] {
        guard case .object(let members) = value else { return [prefix] }
        return members.flatMap { member in
            let key = prefix.isEmpty ? member.key : prefix + "." + member.key
            if case .object = member.value { return flattenedKeys(member.value, prefix: key) }
            return [key]
        }
    }
}

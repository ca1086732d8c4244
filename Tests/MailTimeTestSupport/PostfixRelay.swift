import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private Postfix instance (its own configuration, queue and data directories under a temporary
/// directory) whose `smtpd` listens on a free loopback port, accepts mail from 127.0.0.0/8 and relays
/// everything to `relayhost` on 127.0.0.1, the way a local Postfix hands mail to a smarthost. Needs
/// root (Postfix drops to its `postfix` user) and Debian's `postfix` package.
public final class PostfixRelay: Sendable {
    /// The port Postfix's `smtpd` listens on, on 127.0.0.1.
    public let port: Int
    private let directory: URL

    private var configurationDirectory: String { directory.appendingPathComponent("etc").path }

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    deinit {
        stop()
    }

    /// Starts an instance relaying to 127.0.0.1:`relayPort` (plain SMTP, no AUTH: the relay host trusts
    /// the loopback network) and returns once it listens.
    public static func start(relayingTo relayPort: Int) async throws -> PostfixRelay {
        let directory = try ChildProcess.makeTemporaryDirectory(prefix: "mailtime-postfix")
        _ = chmod(directory.path, 0o755)  // the postfix user must reach its directories
        let port = try SMTPSink.freeLoopbackPort()
        let relay = PostfixRelay(port: port, directory: directory)
        do {
            try relay.writeConfiguration(relayPort: relayPort)
            let status = try await run("/usr/sbin/postfix", ["-c", relay.configurationDirectory, "start"])
            guard status == 0 else {
                throw ChildProcess.Failure("postfix start failed (\(status)): \(relay.log())")
            }
            guard try await ChildProcess.poll(timeout: .seconds(20), until: { SMTPSink.isListening(port: port) }) else {
                throw ChildProcess.Failure("postfix does not listen on port \(port): \(relay.log())")
            }
        } catch {
            relay.stop()
            throw error
        }
        return relay
    }

    /// Postfix's own log (`maillog_file`).
    public func log() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("maillog"), encoding: .utf8)) ?? ""
    }

    /// Stops the instance (its master, then whatever is left of it) and removes its directories. Idempotent.
    public func stop() {
        let configuration = configurationDirectory
        guard FileManager.default.fileExists(atPath: configuration + "/main.cf") else { return }
        let pidFile = directory.appendingPathComponent("spool/pid/master.pid").path
        let master = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let stopper = try? ChildProcess.launch("/usr/sbin/postfix", arguments: ["-c", configuration, "stop"], mergeStandardError: true) {
            _ = try? stopper.waitForExit(timeout: .seconds(10))
        }
        if let master, master > 0 {
            for _ in 0..<50 where kill(master, 0) == 0 { usleep(100_000) }
            if kill(master, 0) == 0 { _ = kill(master, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func writeConfiguration(relayPort: Int) throws {
        let root = directory.path
        for name in ["etc", "spool", "data"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        guard let postfix = getpwnam("postfix") else { throw ChildProcess.Failure("there is no postfix user (is postfix installed?)") }
        _ = chown(root + "/data", postfix.pointee.pw_uid, postfix.pointee.pw_gid)
        let main = """
            compatibility_level = 3.6
            queue_directory = \(root)/spool
            data_directory = \(root)/data
            maillog_file = \(root)/maillog
            maillog_file_prefixes = \(root)
            myhostname = relay.localdomain
            mydomain = localdomain
            myorigin = $myhostname
            mydestination =
            relay_domains =
            local_recipient_maps =
            local_transport = error:local delivery disabled
            alias_maps =
            alias_database =
            relayhost = [127.0.0.1]:\(relayPort)
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject
            smtpd_recipient_restrictions = permit_mynetworks, reject
            smtpd_peername_lookup = no
            smtp_dns_support_level = disabled
            smtp_tls_security_level = none
            smtpd_tls_security_level = none
            smtputf8_enable = no
            biff = no
            append_dot_mydomain = no

            """
        let master = """
            127.0.0.1:\(port) inet n - n - - smtpd
            pickup     unix  n - n 60   1 pickup
            cleanup    unix  n - n -    0 cleanup
            qmgr       unix  n - n 300  1 qmgr
            rewrite    unix  - - n -    - trivial-rewrite
            bounce     unix  - - n -    0 bounce
            defer      unix  - - n -    0 bounce
            trace      unix  - - n -    0 bounce
            verify     unix  - - n -    1 verify
            flush      unix  n - n 1000? 0 flush
            proxymap   unix  - - n -    - proxymap
            proxywrite unix  - - n -    1 proxymap
            smtp       unix  - - n -    - smtp
            relay      unix  - - n -    - smtp
            showq      unix  n - n -    - showq
            error      unix  - - n -    - error
            retry      unix  - - n -    - error
            discard    unix  - - n -    - discard
            anvil      unix  - - n -    1 anvil
            scache     unix  - - n -    1 scache
            postlog    unix-dgram n - n - 1 postlogd

            """
        try Data(main.utf8).write(to: URL(fileURLWithPath: root + "/etc/main.cf"))
        try Data(master.utf8).write(to: URL(fileURLWithPath: root + "/etc/master.cf"))
    }

    /// Runs a program to its end without holding a thread of the tests' pool; returns its exit status.
    private static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let child = try ChildProcess.launch(executable, arguments: arguments, mergeStandardError: true)
        defer { child.terminate() }
        _ = try await ChildProcess.poll(timeout: .seconds(30), until: { !child.isRunning })
        guard let status = child.exitStatus else { throw ChildProcess.Failure("\(executable) did not exit: \(child.diagnostics())") }
        return status
    }
}

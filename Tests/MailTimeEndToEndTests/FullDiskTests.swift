import Foundation
import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// `mailtimed` on a filesystem that fills up or turns read-only: writes get `ERR STORAGE` with a
/// sentence that says why, reads are served, nothing acknowledged is lost, and SEND works again once
/// the filesystem does.
@Suite(
    .tags(.slow),
    .unlessSkipped(.slow),
    .enabled(if: ScratchFilesystem.isRoot, "mounts a tmpfs, which needs root (CI runs the tests as root)"),
    .timeLimit(.minutes(3))
)
struct FullDiskTests {
    @Test func sendsAreRefusedUntilSpaceIsFreedAndNothingAcknowledgedIsLost() async throws {
        let filesystem = try ScratchFilesystem.mount(size: "4m")
        defer { filesystem.unmount() }
        // Space an operator can free later, as they would by deleting logs.
        try filesystem.writeFiller("filler", bytes: 1 << 20)
        let broker = try await BrokerProcess.start(
            ["--senders", "0", "--log-level", "notice"],
            dataDirectory: URL(fileURLWithPath: filesystem.path + "/data")
        )
        defer { broker.stop() }
        let client = try await broker.connect()
        var acknowledged: [String] = []
        var refusal: MailTimeClientError?
        for number in 0..<2000 {
            let email = try Self.email(number)
            do {
                acknowledged.append(try await client.send(email).id)
            } catch {
                refusal = error
                break
            }
        }
        let error = try #require(refusal, "2,000 emails of 20 KB fitted on a tmpfs of 4 MB")
        #expect(error.code == .storage && error.isBrokerReply, "\(error)")
        #expect(error.message == "the broker's disk is full: nothing was stored")
        #expect(acknowledged.count > 20)
        await #expect(throws: MailTimeClientError.self) { _ = try await client.send(try Self.email(-1)) }

        // Reads are served while the disk is full.
        #expect(try await client.status(acknowledged[0]).state == .ready)
        #expect(try await client.stats().counts[.ready] == acknowledged.count)
        #expect(try await client.list(state: .ready, limit: 10).count == 10)
        try await client.close()

        // Killed while the disk is full, the broker starts again with every acknowledged email.
        try await broker.kill()
        try await broker.restart()
        let second = try await broker.connect()
        #expect(try await second.stats().counts[.ready] == acknowledged.count)
        for id in acknowledged {
            #expect(try await second.status(id).state == .ready)
        }

        // Space freed: SEND works again, on the same broker.
        try FileManager.default.removeItem(atPath: filesystem.path + "/filler")
        let id = try await second.send(try Self.email(-2)).id
        #expect(try await second.status(id).state == .ready)
        try await second.close()
        print("full disk: \(acknowledged.count) SENDs of 20 KB acknowledged on a 4 MB tmpfs before ERR STORAGE, all there after SIGKILL")
    }

    @Test func aFilesystemTheKernelMakesReadOnlyRefusesWritesAndServesReads() async throws {
        let filesystem = try await Ext4Image.mount(megabytes: 32)
        defer { filesystem.unmount() }
        let broker = try await BrokerProcess.start(
            ["--senders", "0", "--log-level", "notice"],
            dataDirectory: URL(fileURLWithPath: filesystem.path + "/data")
        )
        defer { broker.stop() }
        let client = try await broker.connect()
        var acknowledged: [String] = []
        for number in 0..<30 {
            acknowledged.append(try await client.send(try Self.email(number)).id)
        }

        // What ext4 mounted with errors=remount-ro does after a failed disk write.
        try filesystem.triggerError()
        for number in 30..<33 {
            let refusal = await #expect(throws: MailTimeClientError.self) { _ = try await client.send(try Self.email(number)) }
            #expect(refusal?.code == .storage, "\(String(describing: refusal))")
            #expect(refusal?.message == "the broker's data directory is on a read-only filesystem: nothing was stored")
        }
        #expect(try await client.status(acknowledged[0]).state == .ready)
        #expect(try await client.stats().counts[.ready] == acknowledged.count)
        #expect(try await client.list(state: .ready, limit: 100).map(\.id) == acknowledged)
        try await client.close()

        // The kernel keeps it read-only until it is unmounted and checked, which needs the broker gone.
        try await broker.kill()
        try await filesystem.repair()
        try await broker.restart()
        let second = try await broker.connect()
        #expect(try await second.list(state: .ready, limit: 100).map(\.id) == acknowledged)
        let id = try await second.send(try Self.email(-1)).id
        #expect(try await second.status(id).state == .ready)
        try await second.close()
    }

    /// An email of about 20 KB that names its number.
    static func email(_ number: Int) throws -> Email {
        Email(
            from: try EmailAddress("app@example.com"),
            to: [try EmailAddress("ann@example.org")],
            subject: "Full disk \(number)",
            text: "Email \(number). " + String(repeating: "All work and no play. ", count: 900)
        )
    }
}

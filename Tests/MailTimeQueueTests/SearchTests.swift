import MailTimeModel
import Testing

@testable import MailTimeQueue

@Suite struct SearchTests {
    /// An email to `recipients` from `sender` with `tags`, its payload naming them for the attribute reader.
    private func mail(_ recipients: [String], from sender: String = "app@shop.example", tags: [String] = []) -> NewJob {
        let attributes = JobAttributes(recipients: recipients, sender: sender, tags: tags)
        let payload = ([sender] + recipients).joined(separator: ",") + "|" + tags.joined(separator: ",")
        return NewJob(payload: Array(payload.utf8), attributes: attributes)
    }

    /// Reads the attributes back from a payload `mail` made.
    private static let reader: @Sendable ([UInt8]) -> JobAttributes? = { payload in
        let parts = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        let addresses = parts[0].split(separator: ",").map(String.init)
        return JobAttributes(recipients: Array(addresses.dropFirst()), sender: addresses.first, tags: parts[1].split(separator: ",").map(String.init))
    }

    private func failure(_ code: DeliveryFailure.Code, _ provider: String) -> DeliveryFailure {
        DeliveryFailure(code: code, text: "refused", provider: provider)
    }

    /// Leases the ready jobs (up to 1,000) and returns their tokens.
    private func leaseAll(_ queue: MailQueue) async throws -> [JobID: UInt64] {
        var tokens: [JobID: UInt64] = [:]
        for leased in try await queue.lease(maximum: 1000, visibility: .seconds(60), owner: "test") { tokens[leased.job.id] = leased.token }
        return tokens
    }

    @Test func eachFilterFindsItsJobsInIdOrder() async throws {
        try await withTestQueue { queue, clock in
            let a = try await queue.enqueue([mail(["Ann@Example.org", "bob@corp.example"], tags: ["welcome"])])[0].id
            clock.advance(by: .seconds(10))
            let b = try await queue.enqueue([mail(["bob@corp.example"], from: "billing@shop.example", tags: ["invoice", "welcome"])])[0].id
            clock.advance(by: .seconds(10))
            let c = try await queue.enqueue([mail(["carl@example.org"])])[0].id
            let tokens = try await leaseAll(queue)
            try await queue.retryLater(b, token: tokens[b]!, error: failure(.smtpTemporary, "relay-1"))
            try await queue.fail(c, token: tokens[c]!, error: failure(.smtpPermanent, "relay-2"))
            try await queue.complete(a, token: tokens[a]!)

            func ids(_ filter: JobFilter) async throws -> [JobID] { try await queue.search(filter).map(\.id) }
            #expect(try await ids(JobFilter(recipient: "ann@example.org")) == [a])
            #expect(try await ids(JobFilter(recipient: "BOB@corp.example")) == [a, b])
            #expect(try await ids(JobFilter(domain: "example.org")) == [a, c])
            #expect(try await ids(JobFilter(sender: "billing@shop.example")) == [b])
            #expect(try await ids(JobFilter(sender: "app@shop.example")) == [a, c])
            #expect(try await ids(JobFilter(tag: "welcome")) == [a, b])
            #expect(try await ids(JobFilter(tag: "Welcome")).isEmpty)
            #expect(try await ids(JobFilter(provider: "relay-1")) == [b])
            #expect(try await ids(JobFilter(errorCode: "SMTP_PERMANENT")) == [c])
            #expect(try await ids(JobFilter(state: .sent)) == [a])
            #expect(try await ids(JobFilter(state: .scheduled)) == [b])
            let start = a.timestamp
            #expect(try await ids(JobFilter(createdFrom: start + .seconds(5))) == [b, c])
            #expect(try await ids(JobFilter(createdBefore: start + .seconds(15))) == [a, b])
            #expect(try await ids(JobFilter(createdFrom: start + .seconds(5), createdBefore: start + .seconds(15))) == [b])
            #expect(try await ids(JobFilter()) == [a, b, c])
            #expect(try await ids(JobFilter(recipient: "nobody@example.org")).isEmpty)
        }
    }

    @Test func conditionsCombineWithAnd() async throws {
        try await withTestQueue { queue, _ in
            var jobs: [NewJob] = []
            for index in 0..<300 {
                jobs.append(mail(["user\(index % 7)@d\(index % 3).example"], tags: index % 5 == 0 ? ["five"] : []))
            }
            let ids = try await queue.enqueue(jobs).map(\.id)
            let tokens = try await leaseAll(queue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in ids.enumerated() where index % 2 == 0 {
                    let error = failure(.smtpPermanent, index % 4 == 0 ? "relay-a" : "relay-b")
                    group.addTask { try await queue.fail(id, token: tokens[id]!, error: error) }
                }
                try await group.waitForAll()
            }
            let filter = JobFilter(state: .failed, domain: "d1.example", tag: "five", provider: "relay-a")
            let expected = ids.enumerated().filter { index, _ in index % 3 == 1 && index % 5 == 0 && index % 4 == 0 }.map(\.element)
            #expect(!expected.isEmpty)
            #expect(try await queue.search(filter, limit: 1000).map(\.id) == expected)
            let leased = ids.enumerated().filter { index, _ in index % 2 == 1 && index % 7 == 3 }.map(\.element)
            #expect(
                try await queue.search(JobFilter(state: .leased, recipient: "user3@d0.example"), limit: 1000).map(\.id)
                    == leased.filter { ids.firstIndex(of: $0)! % 3 == 0 })
        }
    }

    @Test func pagesFollowTheIdAfterTheLastOne() async throws {
        try await withTestQueue { queue, _ in
            let ids = try await queue.enqueue((0..<250).map { mail(["r\($0 % 2)@example.org"], tags: ["t"]) }).map(\.id)
            let expected = ids.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            var seen: [JobID] = []
            var after: JobID?
            repeat {
                let page = try await queue.search(JobFilter(recipient: "r1@example.org", tag: "t"), after: after, limit: 40)
                #expect(page.count <= 40)
                seen += page.map(\.id)
                after = page.count == 40 ? page.last?.id : nil
            } while after != nil
            #expect(seen == expected)
            let limitError = await queueError { _ = try await queue.search(JobFilter(), limit: 1001) }
            #expect(limitError?.code == .invalidArgument)
        }
    }

    @Test func indexesFollowEveryStateChangeAndPurge() async throws {
        try await withTestQueue { queue, clock in
            let id = try await queue.enqueue([mail(["x@example.org"])])[0].id
            var token = try await leaseAll(queue)[id]!
            try await queue.retryLater(id, token: token, error: failure(.smtpTemporary, "relay-1"), delay: .zero)
            #expect(try await queue.search(JobFilter(errorCode: "SMTP_TEMPORARY")).map(\.id) == [id])
            token = try await leaseAll(queue)[id]!
            try await queue.fail(id, token: token, error: failure(.smtpPermanent, "relay-2"))
            #expect(try await queue.search(JobFilter(errorCode: "SMTP_TEMPORARY")).isEmpty)
            #expect(try await queue.search(JobFilter(provider: "relay-1")).isEmpty)
            #expect(try await queue.search(JobFilter(state: .failed, provider: "relay-2", errorCode: "SMTP_PERMANENT")).map(\.id) == [id])
            // A requeue keeps the last error, so the email stays findable by it.
            _ = try await queue.requeue(.ids([id]))
            #expect(try await queue.search(JobFilter(state: .ready, errorCode: "SMTP_PERMANENT")).map(\.id) == [id])
            #expect(try await queue.search(JobFilter(state: .failed)).isEmpty)
            _ = try await queue.cancel(id)
            clock.advance(by: .seconds(8 * 24 * 3600))
            #expect(try await queue.purge(olderThan: .seconds(7 * 24 * 3600)) == 1)
            // A stale entry would point to a deleted job and fail the search with NOT_FOUND.
            for filter in [
                JobFilter(recipient: "x@example.org"), JobFilter(domain: "example.org"), JobFilter(sender: "app@shop.example"),
                JobFilter(provider: "relay-2"), JobFilter(errorCode: "SMTP_PERMANENT"), JobFilter(),
            ] {
                #expect(try await queue.search(filter).isEmpty)
            }
        }
    }

    @Test func aJobDeletedAsItFinishesLeavesNoEntries() async throws {
        try await withTestQueue({ $0.historyRetention = .zero }) { queue, _ in
            let id = try await queue.enqueue([mail(["x@example.org"], tags: ["t"])])[0].id
            let token = try await leaseAll(queue)[id]!
            try await queue.fail(id, token: token, error: failure(.smtpPermanent, "relay"))
            #expect(try await queue.search(JobFilter(tag: "t")).isEmpty)
            #expect(try await queue.search(JobFilter(errorCode: "SMTP_PERMANENT")).isEmpty)
        }
    }

    @Test func anOlderStoreIsIndexedWhenOpened() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = MailQueue.Configuration(directory: directory.path)
        var ids: [JobID] = []
        do {
            let queue = try MailQueue(configuration: configuration, logger: .quiet)
            for batch in 0..<3 {
                ids += try await queue.enqueue((0..<1000).map { mail(["u\(batch * 1000 + $0)@example.org"], tags: ["b\(batch)"]) }).map(\.id)
            }
            let tokens = try await leaseAll(queue)
            for id in ids.prefix(10) { try await queue.fail(id, token: tokens[id]!, error: failure(.smtpPermanent, "relay")) }
            queue.close()
        }
        // Takes the store back to before the indexes: no entries, no attributes, no mark.
        do {
            let store = try QueueStore(configuration: configuration)
            try store.environment.write { transaction in
                for database in [store.search, store.attributes] {
                    try transaction.withCursor(database) { cursor in
                        while try cursor.first() != nil { try cursor.deleteCurrent() }
                    }
                }
                try transaction.delete(store.meta, Array("search-index".utf8))
            }
            store.close()
        }
        configuration.attributeReader = Self.reader
        let queue = try MailQueue(configuration: configuration, logger: .quiet)
        defer { queue.close() }
        #expect(try await queue.search(JobFilter(recipient: "u2500@example.org")).map(\.id) == [ids[2500]])
        #expect(try await queue.search(JobFilter(tag: "b1"), limit: 1000).map(\.id) == Array(ids[1000..<2000]))
        #expect(try await queue.search(JobFilter(tag: "b0", errorCode: "SMTP_PERMANENT")).map(\.id) == Array(ids.prefix(10)))
    }

    @Test func bulkActionsWorkThroughEveryBatch() async throws {
        try await withTestQueue { queue, _ in
            var ids: [JobID] = []
            for _ in 0..<3 {
                ids += try await queue.enqueue((0..<400).map { mail(["u\($0)@bulk.example"], tags: ["bulk"]) }).map(\.id)
            }
            let other = try await queue.enqueue([mail(["u1@other.example"], tags: ["other"])])[0].id
            // 1,200 jobs: three batches of 500 at most.
            #expect(try await queue.apply(.cancel, matching: JobFilter(tag: "bulk")) == 1200)
            #expect(try await queue.stats().count(.cancelled) == 1200)
            #expect(try await queue.status(other).state == .ready)
            #expect(try await queue.apply(.requeue, matching: JobFilter(state: .cancelled, domain: "bulk.example")) == 1200)
            #expect(try await queue.stats().count(.ready) == 1201)

            let tokens = try await leaseAll(queue)
            #expect(tokens.count == 1000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in tokens.keys.sorted().enumerated() {
                    let error = failure(index % 2 == 0 ? .smtpPermanent : .composeFailed, "relay")
                    group.addTask { try await queue.fail(id, token: tokens[id]!, error: error) }
                }
                try await group.waitForAll()
            }
            // A leased job is cancelled when its sender reports back; asked once, it is counted once.
            #expect(try await queue.apply(.cancel, matching: JobFilter(state: .leased)) == 0)
            _ = try await leaseAll(queue)
            #expect(try await queue.apply(.cancel, matching: JobFilter(state: .leased)) == 201)
            #expect(try await queue.apply(.cancel, matching: JobFilter(state: .leased)) == 0)

            #expect(try await queue.apply(.requeue, matching: JobFilter(errorCode: "COMPOSE_FAILED")) == 500)
            #expect(try await queue.apply(.purge, matching: JobFilter(state: .failed, errorCode: "SMTP_PERMANENT")) == 500)
            #expect(try await queue.stats().count(.failed) == 0)
            #expect(try await queue.search(JobFilter(errorCode: "SMTP_PERMANENT")).isEmpty)
            let wrongState = await queueError { _ = try await queue.apply(.purge, matching: JobFilter(state: .ready)) }
            #expect(wrongState?.code == .invalidArgument)
        }
    }
}

import MailTimeLMDB

extension QueueStore {
    /// The largest payload kept as one value inside a B-tree page (LMDB keeps a value inline while
    /// its node fits in half a 4 KiB page; a larger one gets overflow pages of its own).
    static let inlinePayloadLimit = 2000

    /// The largest payload split into chunks. A payload a little over ``inlinePayloadLimit`` (the
    /// typical 2 KB email) would take a 4 KiB overflow page for itself, half of it empty; in chunks
    /// of at most ``payloadChunkLimit`` it shares B-tree pages with its neighbours, so the store
    /// writes, syncs and caches about half as many new pages per email. A larger payload wastes at
    /// most part of its last overflow page and is kept whole.
    static let chunkedPayloadLimit = 16 << 10

    /// The largest chunk. A 2 KB email goes in three chunks of 683 bytes, five of which fill a page.
    static let payloadChunkLimit = 1000

    /// Stores `payload`: whole under `id`, or, between the two limits, in chunks of equal size
    /// under `id · chunk number`.
    func putPayload(_ payload: [UInt8], of id: JobID, _ transaction: LMDBTransaction) throws {
        guard payload.count > Self.inlinePayloadLimit, payload.count <= Self.chunkedPayloadLimit else {
            try putNew(payloads, id.bytes, payload, transaction)
            return
        }
        let chunkCount = (payload.count + Self.payloadChunkLimit - 1) / Self.payloadChunkLimit
        let chunkSize = (payload.count + chunkCount - 1) / chunkCount
        var key = id.bytes + [0]
        for chunk in 0..<chunkCount {
            let start = chunk * chunkSize
            key[id.bytes.count] = UInt8(chunk)
            let piece = payload[start..<min(start + chunkSize, payload.count)]
            // Ids increase, so the chunks nearly always go at the end, filling each page.
            if try !transaction.append(payloads, key, piece) {
                try transaction.put(payloads, key, Array(piece))
            }
        }
    }

    /// The payload of `id`, put back together, or `nil` when there is none.
    func getPayload(of id: JobID, _ transaction: LMDBTransaction) throws -> [UInt8]? {
        try transaction.withCursor(payloads) { cursor in
            var payload: [UInt8]?
            var entry = try cursor.seek(atLeast: id.bytes)
            while let (key, value) = entry, key.starts(with: id.bytes) {
                if payload == nil { payload = value } else { payload! += value }
                entry = try cursor.next()
            }
            return payload
        }
    }

    /// Deletes the payload of `id`, whole or in chunks.
    func deletePayload(of id: JobID, _ transaction: LMDBTransaction) throws {
        try deleteEntries(startingWith: id.bytes, in: payloads, transaction)
    }

    /// Deletes every entry of `database` whose key starts with `prefix` (a job's payload chunks or attempts).
    func deleteEntries(startingWith prefix: [UInt8], in database: LMDBDatabase, _ transaction: LMDBTransaction) throws {
        try transaction.withCursor(database) { cursor in
            var entry = try cursor.seek(atLeast: prefix)
            while let (key, _) = entry, key.starts(with: prefix) {
                try cursor.deleteCurrent()
                entry = try cursor.seek(atLeast: prefix)
            }
        }
    }
}

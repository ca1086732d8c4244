import MailTimeLMDB

extension QueueStore {
    /// The largest piece of a payload stored under one key. LMDB keeps a value this size inside
    /// its B-tree page (a 4 KiB page holds two); a larger one would take overflow pages of its own,
    /// which for the typical 2 KB email wastes half of every page written and so half of every sync.
    static let payloadChunkSize = 2000

    /// Stores `payload` as consecutive chunks under `id · chunk number`.
    func putPayload(_ payload: [UInt8], of id: JobID, _ transaction: LMDBTransaction) throws {
        var start = 0
        var chunk: UInt32 = 0
        repeat {
            let end = min(start + Self.payloadChunkSize, payload.count)
            try transaction.put(payloads, Self.payloadKey(id, chunk), Array(payload[start..<end]))
            start = end
            chunk += 1
        } while start < payload.count
    }

    /// The payload of `id`, put back together, or `nil` when there is none.
    func getPayload(of id: JobID, _ transaction: LMDBTransaction) throws -> [UInt8]? {
        try transaction.withCursor(payloads) { cursor in
            var payload: [UInt8] = []
            var found = false
            var entry = try cursor.seek(atLeast: Self.payloadKey(id, 0))
            while let (key, value) = entry, key.starts(with: id.bytes) {
                found = true
                payload.append(contentsOf: value)
                entry = try cursor.next()
            }
            return found ? payload : nil
        }
    }

    /// Deletes every chunk of the payload of `id`.
    func deletePayload(of id: JobID, _ transaction: LMDBTransaction) throws {
        let keys = try transaction.withCursor(payloads) { cursor in
            var keys: [[UInt8]] = []
            var entry = try cursor.seek(atLeast: Self.payloadKey(id, 0))
            while let (key, _) = entry, key.starts(with: id.bytes) {
                keys.append(key)
                entry = try cursor.next()
            }
            return keys
        }
        for key in keys { try transaction.delete(payloads, key) }
    }

    private static func payloadKey(_ id: JobID, _ chunk: UInt32) -> [UInt8] {
        var writer = BinaryWriter(capacity: 20)
        writer.write(id.bytes)
        writer.write(chunk)
        return writer.bytes
    }
}

import MailTimeLMDB

extension QueueOperation where Result == [Job] {
    /// Up to `limit` jobs matching `filter` after `after` (see ``MailQueue/search(_:after:limit:)``).
    public static func search(_ filter: JobFilter, after: JobID? = nil, limit: Int = 100) -> Self {
        Self(readOnly: true) { store, transaction, _ in try store.search(filter, after: after, limit: limit, transaction) }
    }
}

extension QueueOperation where Result == (changed: Int, last: JobID?) {
    /// One batch of a bulk action (see ``MailQueue/apply(_:matching:)``).
    static func bulkBatch(_ action: BulkAction, _ filter: JobFilter, after: JobID?) -> Self {
        Self { store, transaction, now in try store.bulkBatch(action, filter, after: after, now: now, transaction) }
    }
}

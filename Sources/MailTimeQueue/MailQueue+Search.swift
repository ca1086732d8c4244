import MailTimeModel

extension MailQueue {
    /// Up to `limit` (1 to 1,000) jobs matching `filter`, in id order, starting after the id `after`.
    ///
    /// Every condition is an index range kept in the same transactions as the jobs, so the first
    /// page of a filter costs a few cursor seeks whatever the number of jobs stored.
    public func search(_ filter: JobFilter, after: JobID? = nil, limit: Int = 100) async throws -> [Job] {
        try await run(.search(filter, after: after, limit: limit))
    }

    /// Applies `action` to every job matching `filter` that is in a state the action applies to
    /// (see ``BulkAction/states``), in transactions of 500 jobs, yielding between them so that
    /// other operations interleave. Jobs queued after the action started are left alone. Returns
    /// how many jobs were changed (a leased job whose cancel was already requested is not counted).
    ///
    /// - Throws: ``QueueError`` `INVALID_ARGUMENT` when `filter` names a state the action does not apply to.
    public func apply(_ action: BulkAction, matching filter: JobFilter) async throws -> Int {
        if let state = filter.state, !action.states.contains(state) {
            throw QueueError(
                .invalidArgument,
                "\(action.rawValue) applies to jobs that are \(action.states.map(\.description).joined(separator: ", ")), not \(state)"
            )
        }
        var bounded = filter
        let start = configuration.clock.now() + .milliseconds(1)
        bounded.createdBefore = min(filter.createdBefore ?? start, start)
        var changed = 0
        for state in action.states where filter.state == nil || filter.state == state {
            bounded.state = state
            var after: JobID?
            repeat {
                let batch = try await run(.bulkBatch(action, bounded, after: after))
                changed += batch.changed
                after = batch.last
                await Task.yield()
            } while after != nil
        }
        return changed
    }
}

import MailTimeTestSupport

/// Polls `condition` every `interval` until it holds; throws after `timeout`, saying what did not happen
/// and what `state` says then.
func waitUntil(
    _ what: String,
    timeout: Duration,
    interval: Duration = .milliseconds(50),
    state: () async -> String = { "" },
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            throw ChildProcess.Failure("\(what) did not happen within \(timeout). \(await state())")
        }
        try await Task.sleep(for: interval)
    }
}

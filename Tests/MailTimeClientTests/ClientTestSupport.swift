import MailTimeClient
import MailTimeMessage
import MailTimeTestSupport
import Testing

/// The client error `body` throws; records an issue when it throws none or another kind.
func clientError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> MailTimeClientError? {
    do {
        try await body()
        Issue.record("expected a MailTimeClientError, got none", sourceLocation: sourceLocation)
    } catch let error as MailTimeClientError {
        return error
    } catch {
        Issue.record("expected a MailTimeClientError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A small valid email.
func sampleEmail(_ number: Int = 0) throws -> Email {
    Email(
        from: try EmailAddress("app@example.com"),
        to: [try EmailAddress("ann\(number)@example.com")],
        subject: "Hello \(number)",
        text: "Hello, Ann."
    )
}

/// Runs `body` with a local port that nothing listens on (a ``ReservedPort``), so connections to
/// it are refused and no other test can take it meanwhile.
func withClosedPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let reserved = try ReservedPort()
    defer { reserved.release() }
    return try await body(reserved.port)
}

import MailTimeClient

/// Why `mailtime sender` gave up reporting an attempt's outcome to the broker.
struct UnrecordedOutcome: Error, CustomStringConvertible {
    enum Reason: Sendable {
        /// The broker could not be reached before the lease's deadline.
        case leaseEnded
        /// `STALE_TOKEN`: the lease no longer holds the email.
        case leaseNotHeld
        /// `INVALID_STATE`: the email is already sent, failed or cancelled.
        case emailFinal
    }

    let reason: Reason
    /// Whether an earlier try of this report was cut off by a lost connection, so the broker may
    /// have recorded it then.
    let mayHaveBeenRecorded: Bool
    /// The last error the report got.
    let error: MailTimeClientError

    var description: String {
        let earlier = mayHaveBeenRecorded ? " or an earlier try of this report was recorded before the connection was lost" : ""
        switch reason {
        case .leaseEnded:
            return "the broker was unreachable until the lease's deadline; the broker will hand the email out again (\(error))"
        case .leaseNotHeld:
            return "the lease no longer holds the email: it ended and the email was leased again\(earlier) (\(error))"
        case .emailFinal:
            return "the email is already sent, failed or cancelled: its lease ended and another sender finished it\(earlier) (\(error))"
        }
    }
}

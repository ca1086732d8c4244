/// What a token may do (protocol.md, section 4).
public enum BrokerRole: String, Hashable, Sendable, CaseIterable {
    /// Queues emails and follows them: `SEND`, `CANCEL`, `STATUS`.
    case producer
    /// Sends emails for the broker: `LEASE`, `COMPLETE`, `RETRY`, `FAIL`, `TOUCH`.
    case worker
    /// Everything.
    case admin
    /// Reads only: `STATS`, `LIST`, `STATUS`, `EVENTS` (and the admin console's pages without their actions).
    case viewer

    /// Whether this role may run `command`.
    public func permits(_ command: BrokerCommand) -> Bool {
        switch (self, command) {
        case (.admin, _):
            true
        case (_, .ping), (_, .help), (_, .auth), (_, .quit):
            true
        case (.producer, .send), (.producer, .cancel), (.producer, .status):
            true
        case (.worker, .lease), (.worker, .complete), (.worker, .retry), (.worker, .fail), (.worker, .touch):
            true
        case (.viewer, .stats), (.viewer, .list), (.viewer, .search), (.viewer, .status), (.viewer, .events):
            true
        default:
            false
        }
    }
}

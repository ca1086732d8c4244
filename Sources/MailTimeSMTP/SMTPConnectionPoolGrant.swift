/// What ``SMTPConnectionPool`` gives a caller that asks for a connection.
enum SMTPConnectionPoolGrant<Connection> {
    /// Send on this connection; check it with NOOP first when `checkLiveness`.
    case use(Connection, checkLiveness: Bool)
    /// Open a new connection (it is already counted against the limit).
    case openNew
}

extension SMTPConnectionPoolGrant: Sendable where Connection: Sendable {}

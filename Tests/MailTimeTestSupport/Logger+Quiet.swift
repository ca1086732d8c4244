import Logging

extension Logger {
    /// A logger that prints nothing.
    public static let quiet = Logger(label: "mailtime-test", factory: { _ in SwiftLogNoOpLogHandler() })
}

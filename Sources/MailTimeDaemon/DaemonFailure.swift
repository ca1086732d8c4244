import MailTimeBroker
import MailTimeSMTPServer

/// Why `mailtimed` stops: one sentence for standard error and a sysexits(3) status for the supervisor.
struct DaemonFailure: Error, Sendable, CustomStringConvertible {
    /// The exit statuses of sysexits(3) the daemon uses.
    enum Status: Int32, Sendable {
        /// A configuration key, flag or value is wrong (EX_CONFIG).
        case configuration = 78
        /// A file the configuration names does not exist or cannot be read (EX_NOINPUT).
        case unreadableInput = 66
        /// The listening address cannot be bound (EX_UNAVAILABLE).
        case unavailable = 69
        /// The data directory cannot be made or opened (EX_CANTCREAT).
        case cannotCreate = 73
        /// Another broker holds the data directory: try again once it has stopped (EX_TEMPFAIL).
        case temporaryFailure = 75
        /// Anything else: a failure the broker did not expect (EX_SOFTWARE).
        case software = 70
    }

    var status: Status
    var message: String

    var description: String { message }

    /// A configuration mistake.
    static func configuration(_ message: String) -> DaemonFailure {
        DaemonFailure(status: .configuration, message: message)
    }

    /// The failure for an error thrown while configuring, starting or running the broker.
    init(_ error: any Error) {
        switch error {
        case let failure as DaemonFailure:
            self = failure
        case let error as BrokerConfigurationError:
            self.init(status: .configuration, message: error.message)
        case let error as BrokerStartupError:
            let status: Status =
                switch error.code {
                case .addressUnavailable: .unavailable
                case .dataDirectoryLocked: .temporaryFailure
                case .dataDirectoryUnusable: .cannotCreate
                case .unreadableFile: .unreadableInput
                default: .software
                }
            self.init(status: status, message: error.message)
        case let error as SMTPServerError:
            self.init(status: error.code == .addressUnavailable ? .unavailable : .configuration, message: error.message)
        default:
            self.init(status: .software, message: "\(error)")
        }
    }

    init(status: Status, message: String) {
        self.status = status
        // One line, whatever the message holds.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

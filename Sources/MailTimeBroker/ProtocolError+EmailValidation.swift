import MailTimeMessage
import MailTimeProtocol

extension ProtocolError {
    /// The reply to an email `SEND` refused: the validation code mapped onto the protocol's.
    init(_ error: EmailValidationError) {
        let code: Code
        switch error.code {
        case .invalidJSON: code = .invalidJSON
        case .unknownField: code = .unknownField
        case .invalidAddress: code = .invalidAddress
        case .noRecipient: code = .noRecipient
        case .tooManyRecipients: code = .tooManyRecipients
        case .noBody: code = .noBody
        case .noSender: code = .noSender
        case .headerInjection: code = .headerInjection
        case .invalidHeader: code = .invalidHeader
        case .reservedHeader: code = .reservedHeader
        case .invalidAttachment: code = .invalidAttachment
        case .invalidSendAt: code = .invalidSendAt
        case .emailTooLarge: code = .emailTooLarge
        case .invalidField: code = .invalidField
        }
        self.init(code, error.message)
    }
}

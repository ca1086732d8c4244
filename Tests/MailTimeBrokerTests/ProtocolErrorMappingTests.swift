@testable import MailTimeBroker
import MailTimeMessage
import MailTimeProtocol
import MailTimeQueue
import Testing

/// The validation and queue codes mapped onto the registry of protocol.md, section 6.
@Suite struct ProtocolErrorMappingTests {
    @Test(arguments: EmailValidationError.Code.allCases)
    func everyValidationCodeKeepsItsNameOnTheWire(_ code: EmailValidationError.Code) {
        let error = ProtocolError(EmailValidationError(code, "field is wrong"))
        #expect(error.code.name == code.name)
        #expect(error.message == "field is wrong")
    }

    /// The wire code of each queue code, as protocol.md, section 6, lists them.
    static let wireCodes: [QueueError.Code: String] = [
        .notFound: "NOT_FOUND", .staleToken: "STALE_TOKEN", .invalidState: "INVALID_STATE", .invalidArgument: "INVALID_ARGUMENT",
        .payloadTooLarge: "EMAIL_TOO_LARGE", .storage: "STORAGE", .locked: "STORAGE", .closed: "SHUTTING_DOWN",
    ]

    @Test(arguments: QueueError.Code.allCases)
    func everyQueueCodeHasItsWireCode(_ code: QueueError.Code) throws {
        let error = ProtocolError(queueError: QueueError(code, "it failed"))
        #expect(error.code.name == Self.wireCodes[code])
        #expect(error.message == "it failed")
    }

    @Test func anErrorThatIsNotTheQueuesIsStorage() {
        struct Other: Error {}
        #expect(ProtocolError(queueError: Other()).code == .storage)
    }
}

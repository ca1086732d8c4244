import Foundation
import MailTimeMessage

extension FuzzTarget {
    /// ``Email`` decoding and validation on any bytes: an email it accepts reads back equal from
    /// its JSON form and its stored form, and composes (unless variables put a line break or a
    /// control character into the subject, which the composer refuses) into a message of CRLF lines of at most 998 octets,
    /// 7-bit unless an address needs SMTPUTF8.
    static let email = FuzzTarget(
        name: "email",
        summary: "Email: decode and validate any JSON; what is accepted round-trips and composes into a sendable message"
    ) { input in
        guard let email = try? Email(json: input, limits: EmailFuzzing.limits) else { return }
        let json = email.jsonBytes()
        precondition((try? Email(json: json, limits: EmailFuzzing.limits)) == email, "the JSON form does not read back equal")
        precondition((try? Email(storedJSON: json)) == email, "the stored form does not read back equal")

        let message: ComposedMessage
        do throws(EmailValidationError) {
            message = try EmailFuzzing.composer.compose(email, date: EmailFuzzing.date)
        } catch {
            // Variables may put a line break or a control character into the templated subject:
            // refused at composition.
            let templatedSubject = email.subject != nil && !email.variables.isEmpty
            precondition(
                templatedSubject && [.headerInjection, .invalidField].contains(error.code),
                "a valid email does not compose: \(error)"
            )
            return
        }
        EmailFuzzing.checkMessage(message, of: email)
    }
}

enum EmailFuzzing {
    /// Small enough that the fuzzer reaches the size limit.
    static let limits = Email.Limits(maximumSize: 64 * 1024, maximumRecipients: 50)
    static let composer = MessageComposer(defaultFrom: try! EmailAddress("Default Sender <default@example.com>"))
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    static func checkMessage(_ message: ComposedMessage, of email: Email) {
        let bytes = message.bytes
        precondition(bytes.count >= 2 && bytes.suffix(2).elementsEqual([0x0D, 0x0A]), "the message does not end in CRLF")
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x0D:
                precondition(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "a bare CR at byte \(index)")
            case 0x0A:
                precondition(index > 0 && bytes[index - 1] == 0x0D, "a bare LF at byte \(index)")
                lineLength = 0
            default:
                precondition(byte != 0, "a NUL at byte \(index)")
                lineLength += 1
                precondition(lineLength <= 998, "a line longer than 998 octets at byte \(index)")
            }
        }
        if !message.needs8BitMIME {
            precondition(bytes.allSatisfy { $0 < 0x80 }, "an 8-bit message that does not say so")
        }
        precondition(message.recipients == email.recipients, "the envelope recipients differ from the email's")
        if let id = email.messageID { precondition(message.messageID == id, "the Message-ID changed") }
    }
}

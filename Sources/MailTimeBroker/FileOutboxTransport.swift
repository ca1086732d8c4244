import Glibc
import MailTimeMessage
import MailTimeQueue

/// Delivers by writing each email as `<id>.eml` into a directory (the broker's default when no
/// SMTP provider is configured). Each file is complete and on disk once delivery returns.
struct FileOutboxTransport: MailTransport {
    let directory: String
    var name: String { "outbox" }

    init(directory: String) throws {
        self.directory = directory
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw BrokerConfigurationError("cannot create the outbox \(directory): \(String(cString: strerror(errno)))")
        }
    }

    func deliver(_ message: ComposedMessage, id: JobID) async throws(TransportError) -> [RecipientResult] {
        let path = "\(directory)/\(id).eml"
        do {
            try FileSync.writeAtomically(message.bytes, to: path, mode: 0o600)
        } catch {
            throw TransportError(
                failure: DeliveryFailure(code: "OUTBOX_WRITE", text: "cannot write \(path): \(error)", provider: name),
                isPermanent: false
            )
        }
        return message.recipients.map {
            RecipientResult(address: $0.address, accepted: true, replyCode: 250, reply: "written to \(path)")
        }
    }
}

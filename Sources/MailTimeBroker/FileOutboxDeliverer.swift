import Glibc
import MailTimeDelivery
import MailTimeMessage
import MailTimeModel
import NIOPosix

/// Delivers by writing each email as a `.eml` file into a directory (the broker's default when no
/// SMTP provider is configured); a submitted message is written byte for byte as it is stored. Each
/// file is complete and on disk once delivery returns. The write and its sync block, so they run on
/// NIO's blocking thread pool, never on the sender's event loop.
struct FileOutboxDeliverer: MailDeliverer {
    let directory: String
    var name: String { "outbox" }
    /// Counted as the provider `outbox`.
    private let metrics = ProviderMetrics(provider: "outbox")

    init(directory: String) throws {
        self.directory = directory
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw BrokerConfigurationError("cannot create the outbox \(directory): \(String(cString: strerror(errno)))")
        }
    }

    func deliver(_ request: DeliveryRequest) async -> DeliveryOutcome {
        let start = ContinuousClock.now
        let outcome: DeliveryOutcome
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive { write(request) }
        } catch {
            outcome = .retry(
                DeliveryFailure(code: .outboxWrite, text: "cannot write to the outbox: \(error)", provider: name), recipients: [], delay: nil,
                provider: nil)
        }
        metrics.recordAttempt(ProviderMetrics.Outcome(outcome), duration: .now - start)
        return outcome
    }

    private func write(_ request: DeliveryRequest) -> DeliveryOutcome {
        let bytes: [UInt8]
        switch request.content {
        case .email(let email, let composer):
            do {
                bytes = try composer.compose(email).bytes
            } catch {
                return .fail(DeliveryFailure(code: .composeFailed, text: "\(error.code.name): \(error.message)"), recipients: [])
            }
        case .submitted(let submitted):
            // Exactly as submitted (and edited at intake).
            bytes = submitted.message
        }
        let path = "\(directory)/\(request.id).eml"
        do {
            try FileSync.writeAtomically(bytes, to: path, mode: 0o600)
        } catch {
            return .retry(
                DeliveryFailure(code: .outboxWrite, text: "cannot write \(path): \(error)", provider: name), recipients: [], delay: nil, provider: nil
            )
        }
        return .sent(request.recipients.map { RecipientResult(address: $0.address, accepted: true, code: 250, reply: "written to \(path)") })
    }
}

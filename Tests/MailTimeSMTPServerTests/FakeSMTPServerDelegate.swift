import MailTimeSMTPServer
import Synchronization

/// A delegate that accepts the password `s3cret` for any user and keeps every message, answering
/// `accepted(id: "m<n>")`; with `isHeld`, message verdicts wait until ``release()``.
final class FakeSMTPServerDelegate: SMTPServerDelegate {
    private struct State {
        var received: [(transaction: SMTPServerTransaction, session: SMTPServerSession)] = []
        var logins: [String] = []
        var isHeld = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init(isHeld: Bool = false) {
        state.withLock { $0.isHeld = isHeld }
    }

    var received: [(transaction: SMTPServerTransaction, session: SMTPServerSession)] {
        state.withLock { $0.received }
    }

    var logins: [String] {
        state.withLock { $0.logins }
    }

    /// Lets the held verdicts go, and the later ones at once.
    func release() {
        let waiting = state.withLock { state in
            state.isHeld = false
            defer { state.held.removeAll() }
            return state.held
        }
        for continuation in waiting { continuation.resume() }
    }

    func authenticate(username: String, password: String, session: SMTPServerSession) async -> SMTPServerIdentity? {
        state.withLock { $0.logins.append(username) }
        return password == "s3cret" ? SMTPServerIdentity(username: username) : nil
    }

    func receive(_ transaction: SMTPServerTransaction, session: SMTPServerSession) async -> SMTPServerVerdict {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isHeld { state.held.append(continuation) }
                return !state.isHeld
            }
            if resumeNow { continuation.resume() }
        }
        let count = state.withLock { state in
            state.received.append((transaction, session))
            return state.received.count
        }
        return .accepted(id: "m\(count)")
    }
}

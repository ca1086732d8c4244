import NIOCore

/// What an ``SMTPConnection`` asks of its channel, one at a time.
enum SMTPRequest {
    case send(SMTPClientStateMachine.Transaction, EventLoopPromise<SMTPDeliveryResult>)
    case checkLiveness(EventLoopPromise<Void>)
    case quit(EventLoopPromise<Void>)

    func fail(_ error: SMTPError) {
        switch self {
        case .send(_, let promise): promise.fail(error)
        case .checkLiveness(let promise), .quit(let promise): promise.fail(error)
        }
    }
}

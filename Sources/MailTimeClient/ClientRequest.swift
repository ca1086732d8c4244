import MailTimeProtocol
import NIOCore

/// Requests on their way to the broker, written together: their bytes, and for each request the
/// promise its reply completes.
struct ClientRequest: Sendable {
    /// What one request waits for.
    struct Reply: Sendable {
        var shape: ReplyShape
        /// Whether this is `QUIT`: the connection closing after its reply is then expected.
        var isQuit: Bool
        var promise: EventLoopPromise<BrokerReply>
    }

    /// The request lines and, for `SEND`, the payloads, CRLF included.
    var bytes: ByteBuffer
    /// One per request in `bytes`, in order.
    var replies: [Reply]
}

import MailTimeProtocol
import NIOCore

/// One request on its way to the broker: its bytes, and the promise its reply completes.
struct ClientRequest: Sendable {
    /// The request line and, for `SEND`, the payload, CRLF included.
    var bytes: ByteBuffer
    var shape: ReplyShape
    /// Whether this is `QUIT`: the connection closing after its reply is then expected.
    var isQuit: Bool
    var reply: EventLoopPromise<BrokerReply>
}

import MailTimeProtocol
import MailTimeQueue

extension JobFilter {
    /// The queue's filter for the conditions of a `LIST key=value …` or a bulk command.
    init(_ filter: EmailFilter) {
        self.init(
            state: filter.state,
            recipient: filter.recipient,
            domain: filter.domain,
            sender: filter.sender,
            tag: filter.tag,
            provider: filter.provider,
            errorCode: filter.errorCode,
            createdFrom: filter.createdFrom.map { Timestamp(millisecondsSince1970: $0) },
            createdBefore: filter.createdTo.map { Timestamp(millisecondsSince1970: $0) }
        )
    }
}

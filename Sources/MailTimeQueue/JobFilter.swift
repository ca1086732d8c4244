import MailTimeModel

/// Which jobs a search or a bulk action selects: every condition given must hold (AND); a filter
/// with none selects every job.
///
/// Addresses and domains match whole and without regard to case; tags, providers and error codes
/// match exactly. The creation time is the time carried by the job's id (``JobID/timestamp``).
public struct JobFilter: Hashable, Sendable {
    /// The job's state.
    public var state: JobState?
    /// One of the job's recipients (to, cc or bcc).
    public var recipient: String?
    /// The domain of one of the job's recipients.
    public var domain: String?
    /// The job's sender.
    public var sender: String?
    /// One of the job's tags.
    public var tag: String?
    /// The provider named by the job's last failure.
    public var provider: String?
    /// The code of the job's last failure (``DeliveryFailure/Code``), for example `SMTP_TEMPORARY`.
    public var errorCode: String?
    /// Created at or after this time.
    public var createdFrom: Timestamp?
    /// Created before this time.
    public var createdBefore: Timestamp?

    public init(
        state: JobState? = nil,
        recipient: String? = nil,
        domain: String? = nil,
        sender: String? = nil,
        tag: String? = nil,
        provider: String? = nil,
        errorCode: String? = nil,
        createdFrom: Timestamp? = nil,
        createdBefore: Timestamp? = nil
    ) {
        self.state = state
        self.recipient = recipient
        self.domain = domain
        self.sender = sender
        self.tag = tag
        self.provider = provider
        self.errorCode = errorCode
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }

    /// The index entries a matching job must have, one per condition on an indexed value.
    var indexTerms: [QueueIndex.Term] {
        var terms: [QueueIndex.Term] = []
        if let recipient { terms.append(.init(.recipient, recipient)) }
        if let domain { terms.append(.init(.domain, domain)) }
        if let sender { terms.append(.init(.sender, sender)) }
        if let tag { terms.append(.init(.tag, tag)) }
        if let provider { terms.append(.init(.provider, provider)) }
        if let errorCode { terms.append(.init(.errorCode, errorCode)) }
        return terms
    }
}

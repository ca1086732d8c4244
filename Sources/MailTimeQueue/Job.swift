import MailTimeModel

/// One email in the queue: its place in the queue's life cycle and what happened to it so far.
/// The email itself (the payload) is stored once, apart; read it with ``MailQueue/payload(of:)``.
public struct Job: Hashable, Sendable {
    /// The job's id (UUIDv7: sorts by creation time).
    public var id: JobID
    /// Where the job is in its life.
    public var state: JobState
    /// Lower values go first; 0 is the most urgent, 255 the least. Default 128.
    public var priority: UInt8
    /// The job is not sent before this time.
    public var notBefore: Timestamp
    /// How many times a sender has leased the job.
    public var attempts: Int
    /// The last lease given out. While the state is `leased`, its holder owns the job.
    public var lease: Lease?
    /// Set by a cancel that arrived while the job was leased; honoured when the sender reports back.
    public var cancelRequested: Bool
    /// The provider the job is pinned to by the delivery strategy, if any.
    public var providerIndex: Int?
    /// What the servers answered per recipient, merged over attempts.
    public var recipientResults: [RecipientResult]
    /// The last failure, if any.
    public var lastError: DeliveryFailure?
    /// When the job was queued.
    public var createdAt: Timestamp
    /// When the job last changed.
    public var updatedAt: Timestamp
    /// When the job reached a final state, if it has.
    public var finishedAt: Timestamp?
    /// The start of the job's retry window (queue time, or the last manual requeue).
    public var retryWindowStart: Timestamp
    /// The producer's idempotency key, if it gave one.
    public var idempotencyKey: String?
    /// A retry policy for this job alone, overriding the queue's.
    public var retryPolicy: RetryPolicy?
    /// The payload's size in bytes.
    public var payloadSize: Int
    /// Jobs with the same fold key (the one recipient's address) that wait together are leased
    /// together by a folding lease, to go out as one email.
    public var foldKey: String? = nil

    /// The lease currently held, if the job is leased.
    public var activeLease: Lease? { state == .leased ? lease : nil }
}

/// A job handed to a sender, with its payload.
public struct LeasedJob: Sendable {
    /// The job, in state `leased`.
    public var job: Job
    /// The email, as it was queued.
    public var payload: [UInt8]
    /// The fencing token to report the outcome with.
    public var token: UInt64 { job.lease!.token }
    /// With a folding lease: the jobs with the same fold key that arrived within this job's
    /// window, leased with it (each with its own token) to be sent as one email.
    public var folded: [LeasedJob] = []
}

/// A job to put in the queue.
public struct NewJob: Sendable {
    /// The email, stored as given (the broker stores its JSON form).
    public var payload: [UInt8]
    /// Lower values go first; 0 is the most urgent. Default 128.
    public var priority: UInt8
    /// Not sent before this time; `nil` or a time in the past means now.
    public var notBefore: Timestamp?
    /// Within the queue's idempotency window, a second job with the same key is not stored:
    /// the first job's id is returned instead.
    public var idempotencyKey: String?
    /// Overrides the queue's retry policy for this job.
    public var retryPolicy: RetryPolicy?
    /// Folds the job with others of the same key (see ``Job/foldKey``).
    public var foldKey: String?
    /// What the job can be searched by (see ``MailQueue/search(_:after:limit:)``).
    public var attributes: JobAttributes

    public init(
        payload: [UInt8],
        priority: UInt8 = 128,
        notBefore: Timestamp? = nil,
        idempotencyKey: String? = nil,
        retryPolicy: RetryPolicy? = nil,
        foldKey: String? = nil,
        attributes: JobAttributes = JobAttributes()
    ) {
        self.payload = payload
        self.priority = priority
        self.notBefore = notBefore
        self.idempotencyKey = idempotencyKey
        self.retryPolicy = retryPolicy
        self.foldKey = foldKey
        self.attributes = attributes
    }
}

/// The answer to one enqueued job.
public struct EnqueueResult: Hashable, Sendable {
    /// The job's id: new, or the first job's when the idempotency key was seen before.
    public var id: JobID
    /// Whether the idempotency key was seen before, so nothing new was stored.
    public var isDuplicate: Bool
}

/// Which jobs to requeue.
public enum RequeueSelection: Hashable, Sendable {
    /// These jobs (each must be failed or cancelled).
    case ids([JobID])
    /// Every failed job.
    case allFailed
}

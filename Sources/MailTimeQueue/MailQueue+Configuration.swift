extension MailQueue {
    /// How a queue is stored and how it treats jobs. Every value has a documented default.
    public struct Configuration: Sendable {
        /// The data directory (created with mode 0700 when missing).
        public var directory: String
        /// The retry policy for jobs that do not bring their own.
        public var retryPolicy: RetryPolicy = RetryPolicy()
        /// How long an idempotency key is remembered. Default 24 hours.
        public var idempotencyWindow: Duration = .seconds(24 * 3600)
        /// How long sent, failed and cancelled jobs are kept. Default 7 days; zero keeps none.
        public var historyRetention: Duration = .seconds(7 * 24 * 3600)
        /// How long a sent job keeps its payload; its record stays for the whole ``historyRetention``.
        /// Failed and cancelled jobs keep theirs for the history retention, so that they can be
        /// requeued. Default 1 day; zero deletes the payload as the job is sent.
        public var bodyRetention: Duration = .seconds(24 * 3600)
        /// The largest payload accepted. Default 32 MiB.
        public var maximumPayloadSize: Int = 32 << 20
        /// The largest number of jobs in one enqueue call. Default 1,000.
        public var maximumEnqueueBatch: Int = 1000
        /// The largest number of jobs one lease call may take. Default 1,000.
        public var maximumLeaseBatch: Int = 1000
        /// The longest lease a sender may ask for. Default 1 hour.
        public var maximumVisibility: Duration = .seconds(3600)
        /// The initial size of the memory map; it doubles whenever it is full. Default 256 MiB.
        public var initialMapSize: Int = 256 << 20
        /// The most operations committed together in one transaction (group commit). Default 4,096.
        public var maximumCommitBatch: Int = 4096
        /// Where the queue reads the time.
        public var clock: QueueClock = .system
        /// Reads a stored payload's ``JobAttributes``: used once, when a store written before the
        /// search indexes existed is opened, to index its jobs by recipient, sender and tag.
        /// Without it, those jobs are found by state, time, provider and error code only.
        public var attributeReader: (@Sendable ([UInt8]) -> JobAttributes?)?

        public init(directory: String) {
            self.directory = directory
        }
    }
}

extension Email {
    /// Bounds checked while decoding an email.
    public struct Limits: Sendable, Hashable {
        /// The largest total of decoded content: subject, bodies, layout, headers, variables and attachment bytes.
        public var maximumSize: Int
        /// The most addresses across `to`, `cc` and `bcc`.
        public var maximumRecipients: Int

        /// 25 MB and 1,000 recipients.
        public init(maximumSize: Int = 25 * 1024 * 1024, maximumRecipients: Int = 1000) {
            self.maximumSize = maximumSize
            self.maximumRecipients = maximumRecipients
        }
    }
}

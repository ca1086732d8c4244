extension Email {
    /// Bounds checked while decoding an email: its total size and the length of every list and free-form field.
    ///
    /// The defaults are far above what an application sends (a receipt has a handful of headers, tags and
    /// variables) and keep one email from costing the broker more than its size in memory and work.
    public struct Limits: Sendable, Hashable {
        /// The largest total of decoded content: subject, bodies, layout, headers, variables and attachment bytes.
        public var maximumSize: Int
        /// The most addresses across `to`, `cc` and `bcc`.
        public var maximumRecipients: Int
        /// The most `reply_to` addresses.
        public var maximumReplyTo: Int
        /// The most custom headers.
        public var maximumHeaders: Int
        /// The longest custom header value, in bytes (names are at most 76 bytes, by RFC 5322's line length).
        public var maximumHeaderValueLength: Int
        /// The most attachments.
        public var maximumAttachments: Int
        /// The most tags.
        public var maximumTags: Int
        /// The most template variables.
        public var maximumVariables: Int
        /// The longest variable name, in bytes.
        public var maximumVariableNameLength: Int
        /// The longest variable value, in bytes.
        public var maximumVariableValueLength: Int
        /// The longest layout (`template`), in bytes.
        public var maximumTemplateLength: Int
        /// The longest subject, in bytes.
        public var maximumSubjectLength: Int

        /// 25 MB, 1,000 recipients, 100 `reply_to` addresses, 100 headers of up to 16 KB, 100 attachments,
        /// 50 tags, 1,000 variables (names up to 128 bytes, values up to 1 MB), a 1 MB layout and a 4 KB subject.
        public init(
            maximumSize: Int = 25 * 1024 * 1024,
            maximumRecipients: Int = 1000,
            maximumReplyTo: Int = 100,
            maximumHeaders: Int = 100,
            maximumHeaderValueLength: Int = 16 * 1024,
            maximumAttachments: Int = 100,
            maximumTags: Int = 50,
            maximumVariables: Int = 1000,
            maximumVariableNameLength: Int = 128,
            maximumVariableValueLength: Int = 1024 * 1024,
            maximumTemplateLength: Int = 1024 * 1024,
            maximumSubjectLength: Int = 4 * 1024
        ) {
            self.maximumSize = maximumSize
            self.maximumRecipients = maximumRecipients
            self.maximumReplyTo = maximumReplyTo
            self.maximumHeaders = maximumHeaders
            self.maximumHeaderValueLength = maximumHeaderValueLength
            self.maximumAttachments = maximumAttachments
            self.maximumTags = maximumTags
            self.maximumVariables = maximumVariables
            self.maximumVariableNameLength = maximumVariableNameLength
            self.maximumVariableValueLength = maximumVariableValueLength
            self.maximumTemplateLength = maximumTemplateLength
            self.maximumSubjectLength = maximumSubjectLength
        }
    }
}

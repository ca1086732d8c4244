extension Email {
    /// A file sent with the email; one with a `contentID` is an inline part the HTML refers to as `cid:…`.
    public struct Attachment: Sendable, Hashable {
        public var filename: String
        /// The decoded bytes.
        public var content: [UInt8]
        /// `type/subtype`.
        public var contentType: String
        /// The id, without angle brackets, that makes this an inline part of a multipart/related body.
        public var contentID: String?

        /// The content type of an attachment that does not give one.
        public static let defaultContentType = "application/octet-stream"

        public init(
            filename: String,
            content: [UInt8],
            contentType: String = Attachment.defaultContentType,
            contentID: String? = nil
        ) {
            self.filename = filename
            self.content = content
            self.contentType = contentType
            self.contentID = contentID
        }

        /// Whether the attachment is shown inside the HTML body rather than listed as a file.
        public var isInline: Bool { contentID != nil }
    }
}

extension ComposedMessage {
    /// A submitted message as it goes out: its bytes as they are (stuffed here), its envelope sender,
    /// all its recipients, and the SMTPUTF8 and 8BITMIME of its submission.
    public init(_ submitted: SubmittedMessage) {
        let messageID = submitted.message.withUnsafeBytes { bytes in
            (try? MessageHeaderSection(bytes)).flatMap { section in
                section.fields.first { $0.isNamed("Message-ID") }.flatMap { MessageHeaderSection.unfoldedBody(of: $0, in: bytes) }
            }
        }
        self.init(
            bytes: submitted.message,
            messageID: messageID ?? "",
            from: submitted.reversePath,
            recipients: submitted.recipients,
            needsSMTPUTF8: submitted.smtpUTF8,
            needs8BitMIME: submitted.eightBitMIME
        )
    }
}

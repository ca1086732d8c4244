/// What a job is searched by that the queue cannot read from its opaque payload: the producer
/// gives them with the job (see ``NewJob/attributes``). They never change after the job is queued.
public struct JobAttributes: Hashable, Sendable {
    /// Every recipient's address (to, cc and bcc).
    public var recipients: [String]
    /// The sender's address.
    public var sender: String?
    /// The email's tags.
    public var tags: [String]

    public init(recipients: [String] = [], sender: String? = nil, tags: [String] = []) {
        self.recipients = recipients
        self.sender = sender
        self.tags = tags
    }

    /// Whether there is nothing to index.
    public var isEmpty: Bool { recipients.isEmpty && sender == nil && tags.isEmpty }

    /// The stored form: the sender (empty when none), then the recipients and the tags, each counted.
    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64)
        writer.write(sender ?? "")
        writer.write(UInt32(clamping: recipients.count))
        for recipient in recipients { writer.write(recipient) }
        writer.write(UInt32(clamping: tags.count))
        for tag in tags { writer.write(tag) }
        return writer.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(QueueError) -> JobAttributes {
        var reader = BinaryReader(bytes)
        do {
            let sender = try reader.readString()
            var recipients: [String] = []
            for _ in 0..<min(try reader.readUInt32(), UInt32(bytes.count)) { recipients.append(try reader.readString()) }
            var tags: [String] = []
            for _ in 0..<min(try reader.readUInt32(), UInt32(bytes.count)) { tags.append(try reader.readString()) }
            return JobAttributes(recipients: recipients, sender: sender.isEmpty ? nil : sender, tags: tags)
        } catch {
            throw QueueError(.storage, "a stored job's search attributes are damaged")
        }
    }
}

import MailTimeModel

/// The stored form of a ``DeliveryAttempt`` in the `attempts` database: a versioned binary record.
enum AttemptRecord {
    static let version: UInt8 = 1

    private struct Flags: OptionSet {
        let rawValue: UInt8
        static let duration = Flags(rawValue: 1 << 0)
        static let provider = Flags(rawValue: 1 << 1)
        static let error = Flags(rawValue: 1 << 2)
    }

    static func encode(_ attempt: DeliveryAttempt) -> [UInt8] {
        var flags: Flags = []
        if attempt.durationMilliseconds != nil { flags.insert(.duration) }
        if attempt.provider != nil { flags.insert(.provider) }
        if attempt.error != nil { flags.insert(.error) }

        var writer = BinaryWriter(capacity: 64 + attempt.recipients.count * 64 + (attempt.error?.text.utf8.count ?? 0))
        writer.write(version)
        writer.write(attempt.outcome.rawValue)
        writer.write(flags.rawValue)
        writer.write(UInt32(clamping: attempt.number))
        writer.write(attempt.endedAt)
        if let duration = attempt.durationMilliseconds { writer.write(duration) }
        if let provider = attempt.provider { writer.write(provider) }
        if let error = attempt.error {
            writer.write(error.code.name)
            writer.write(error.text)
        }
        writer.write(attempt.recipients)
        return writer.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(QueueError) -> DeliveryAttempt {
        do {
            return try decodeFields(bytes)
        } catch {
            throw QueueError(.storage, "a stored attempt record is damaged or from an unknown version")
        }
    }

    private static func decodeFields(_ bytes: UnsafeRawBufferPointer) throws -> DeliveryAttempt {
        var reader = BinaryReader(bytes)
        guard try reader.readByte() == version,
            let outcome = DeliveryAttempt.Outcome(rawValue: try reader.readByte())
        else { throw BinaryReader.Truncated() }
        let flags = Flags(rawValue: try reader.readByte())
        let number = Int(try reader.readUInt32())
        let endedAt = try reader.readInt64()
        let duration = flags.contains(.duration) ? try reader.readInt64() : nil
        let provider = flags.contains(.provider) ? try reader.readString() : nil
        var error: DeliveryFailure?
        if flags.contains(.error) {
            let code = try reader.readString()
            error = DeliveryFailure(code: DeliveryFailure.Code(code), text: try reader.readString())
        }
        let results = try reader.readRecipientResults()
        return DeliveryAttempt(
            number: number,
            outcome: outcome,
            endedAt: endedAt,
            durationMilliseconds: duration,
            provider: provider,
            error: error,
            recipients: results
        )
    }
}

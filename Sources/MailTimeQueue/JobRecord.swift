import MailTimeModel

/// The stored form of a ``Job``: a versioned binary record, small enough to rewrite on every
/// state change (the payload lives apart and is written once).
enum JobRecord {
    static let version: UInt8 = 1

    private struct Flags: OptionSet {
        let rawValue: UInt8
        static let cancelRequested = Flags(rawValue: 1 << 0)
        static let lease = Flags(rawValue: 1 << 1)
        static let provider = Flags(rawValue: 1 << 2)
        static let lastError = Flags(rawValue: 1 << 3)
        static let idempotencyKey = Flags(rawValue: 1 << 4)
        static let retryPolicy = Flags(rawValue: 1 << 5)
        static let finished = Flags(rawValue: 1 << 6)
        static let foldKey = Flags(rawValue: 1 << 7)
    }

    static func encode(_ job: Job) -> [UInt8] {
        var flags: Flags = []
        if job.cancelRequested { flags.insert(.cancelRequested) }
        if job.lease != nil { flags.insert(.lease) }
        if job.providerIndex != nil { flags.insert(.provider) }
        if job.lastError != nil { flags.insert(.lastError) }
        if job.idempotencyKey != nil { flags.insert(.idempotencyKey) }
        if job.retryPolicy != nil { flags.insert(.retryPolicy) }
        if job.finishedAt != nil { flags.insert(.finished) }
        if job.foldKey != nil { flags.insert(.foldKey) }

        var writer = BinaryWriter(capacity: 96 + job.recipientResults.count * 64)
        writer.write(version)
        writer.write(job.state.rawValue)
        writer.write(job.priority)
        writer.write(flags.rawValue)
        writer.write(job.id.bytes)
        writer.write(job.notBefore.millisecondsSince1970)
        writer.write(UInt32(clamping: job.attempts))
        writer.write(job.createdAt.millisecondsSince1970)
        writer.write(job.updatedAt.millisecondsSince1970)
        writer.write(job.retryWindowStart.millisecondsSince1970)
        writer.write(UInt32(clamping: job.payloadSize))
        if let lease = job.lease {
            writer.write(lease.owner)
            writer.write(lease.deadline.millisecondsSince1970)
            writer.write(lease.token)
        }
        if let providerIndex = job.providerIndex { writer.write(UInt32(clamping: providerIndex)) }
        if let error = job.lastError {
            writer.write(error.code.name)
            writer.write(error.text)
            writer.write(error.provider ?? "")
            writer.write(error.at ?? 0)
        }
        if let key = job.idempotencyKey { writer.write(key) }
        if let policy = job.retryPolicy {
            writer.write(policy.minimumDelay.milliseconds)
            writer.write(policy.maximumDelay.milliseconds)
            writer.write(UInt32(clamping: policy.maximumAttempts))
            writer.write(policy.maximumAge.milliseconds)
        }
        if let finishedAt = job.finishedAt { writer.write(finishedAt.millisecondsSince1970) }
        if let foldKey = job.foldKey { writer.write(foldKey) }
        writer.write(job.recipientResults)
        return writer.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(QueueError) -> Job {
        do {
            return try decodeFields(bytes)
        } catch {
            throw QueueError(.storage, "a stored job record is damaged or from an unknown version")
        }
    }

    private static func decodeFields(_ bytes: UnsafeRawBufferPointer) throws -> Job {
        var reader = BinaryReader(bytes)
        guard try reader.readByte() == version,
            let state = JobState(rawValue: try reader.readByte())
        else { throw BinaryReader.Truncated() }
        let priority = try reader.readByte()
        let flags = Flags(rawValue: try reader.readByte())
        let id = JobID(bytes: try reader.readBytes(16))!
        let notBefore = Timestamp(millisecondsSince1970: try reader.readInt64())
        let attempts = Int(try reader.readUInt32())
        let createdAt = Timestamp(millisecondsSince1970: try reader.readInt64())
        let updatedAt = Timestamp(millisecondsSince1970: try reader.readInt64())
        let retryWindowStart = Timestamp(millisecondsSince1970: try reader.readInt64())
        let payloadSize = Int(try reader.readUInt32())
        var lease: Lease?
        if flags.contains(.lease) {
            lease = Lease(
                owner: try reader.readString(),
                deadline: Timestamp(millisecondsSince1970: try reader.readInt64()),
                token: try reader.readUInt64()
            )
        }
        let providerIndex = flags.contains(.provider) ? Int(try reader.readUInt32()) : nil
        var lastError: DeliveryFailure?
        if flags.contains(.lastError) {
            let code = try reader.readString()
            let text = try reader.readString()
            let provider = try reader.readString()
            lastError = DeliveryFailure(
                code: DeliveryFailure.Code(code),
                text: text,
                provider: provider.isEmpty ? nil : provider,
                at: try reader.readInt64()
            )
        }
        let idempotencyKey = flags.contains(.idempotencyKey) ? try reader.readString() : nil
        var retryPolicy: RetryPolicy?
        if flags.contains(.retryPolicy) {
            retryPolicy = RetryPolicy(
                minimumDelay: .milliseconds(try reader.readInt64()),
                maximumDelay: .milliseconds(try reader.readInt64()),
                maximumAttempts: Int(try reader.readUInt32()),
                maximumAge: .milliseconds(try reader.readInt64())
            )
        }
        let finishedAt = flags.contains(.finished) ? Timestamp(millisecondsSince1970: try reader.readInt64()) : nil
        let foldKey = flags.contains(.foldKey) ? try reader.readString() : nil
        let results = try reader.readRecipientResults()
        return Job(
            id: id,
            state: state,
            priority: priority,
            notBefore: notBefore,
            attempts: attempts,
            lease: lease,
            cancelRequested: flags.contains(.cancelRequested),
            providerIndex: providerIndex,
            recipientResults: results,
            lastError: lastError,
            createdAt: createdAt,
            updatedAt: updatedAt,
            finishedAt: finishedAt,
            retryWindowStart: retryWindowStart,
            idempotencyKey: idempotencyKey,
            retryPolicy: retryPolicy,
            payloadSize: payloadSize,
            foldKey: foldKey
        )
    }
}

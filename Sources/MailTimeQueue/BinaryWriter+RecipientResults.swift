import MailTimeModel

extension BinaryWriter {
    /// Writes per-recipient results as the job and attempt records store them: a count, then each
    /// result's address, accepted flag, code and reply.
    mutating func write(_ results: [RecipientResult]) {
        write(UInt32(results.count))
        for result in results {
            write(result.address)
            write(result.accepted ? 1 as UInt8 : 0)
            write(UInt32(clamping: result.code))
            write(result.reply)
        }
    }
}

extension BinaryReader {
    /// Reads the per-recipient results `BinaryWriter.write(_:)` wrote.
    mutating func readRecipientResults() throws(Truncated) -> [RecipientResult] {
        let count = Int(try readUInt32())
        var results: [RecipientResult] = []
        results.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            results.append(
                RecipientResult(address: try readString(), accepted: try readByte() == 1, code: Int(try readUInt32()), reply: try readString())
            )
        }
        return results
    }
}

import Foundation

/// Reads smtp-sink's running message count from the file its `-c` option writes to (its standard
/// output): the highest `mesg=N` of the complete counter records, each ended by CR or LF.
///
/// Only the bytes added since the last reading are scanned, so polling it while a benchmark runs
/// costs next to nothing however long the file has grown.
final class SinkCounter {
    private let file: FileHandle
    private var count = 0
    /// The start of a record whose end has not been written yet.
    private var unfinished: [UInt8] = []

    init(path: String) throws {
        file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    }

    deinit {
        try? file.close()
    }

    /// The sink's message count now.
    func read() throws -> Int {
        guard let added = try file.readToEnd(), !added.isEmpty else { return count }
        var record = unfinished
        for byte in added {
            if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
                if let messages = Self.messages(in: record) { count = max(count, messages) }
                record.removeAll(keepingCapacity: true)
            } else {
                record.append(byte)
            }
        }
        unfinished = record
        return count
    }

    /// The number after `mesg=` in one counter record, if it has one.
    private static func messages(in record: [UInt8]) -> Int? {
        let key = Array("mesg=".utf8)
        guard record.count > key.count,
            let start = (0...(record.count - key.count)).first(where: { record[$0..<($0 + key.count)].elementsEqual(key) })
        else { return nil }
        var value = 0
        var digits = 0
        for byte in record[(start + key.count)...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small text files (certificates, keys, tokens) without Foundation; shared by the
/// targets of this package that load PEM files.
package enum TextFile {
    /// Why a file could not be read.
    package struct ReadError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The whole file as UTF-8 text.
    package static func read(_ path: String) throws(ReadError) -> String {
        guard let file = fopen(path, "r") else {
            throw ReadError(description: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard ferror(file) == 0 else {
            throw ReadError(description: String(cString: strerror(errno)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

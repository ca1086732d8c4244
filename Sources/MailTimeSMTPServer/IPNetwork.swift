import NIOCore

/// An IPv4 or IPv6 network in CIDR notation, such as `127.0.0.0/8` or `::1/128`; a bare address is a
/// network of one address (`/32` or `/128`). Host bits set below the prefix are ignored.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network's address bytes (4 or 16), host bits cleared.
    private let bytes: [UInt8]
    /// The number of leading bits that must match.
    public let prefixLength: Int

    /// Parses `address` or `address/prefix`.
    /// - Throws: ``SMTPServerError`` with code ``SMTPServerError/Code/invalidNetwork`` when `text` is not one.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = parts.first.flatMap({ Self.addressBytes(String($0)) }) else {
            throw SMTPServerError(
                .invalidNetwork, "\"\(text)\" is not an IP network: expected an IPv4 or IPv6 address, such as 127.0.0.0/8 or ::1/128")
        }
        let maximum = address.count * 8
        var prefixLength = maximum
        if parts.count == 2 {
            guard let length = Int(parts[1]), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), (0...maximum).contains(length) else {
                throw SMTPServerError(.invalidNetwork, "\"\(text)\" is not an IP network: the prefix length must be a number from 0 to \(maximum)")
            }
            prefixLength = length
        }
        self.prefixLength = prefixLength
        self.bytes = Self.masked(address, prefixLength: prefixLength)
    }

    /// Whether `address` is an IP address inside this network. An IPv4-mapped IPv6 address
    /// (`::ffff:192.0.2.1`) is compared as its IPv4 address.
    public func contains(_ address: SocketAddress) -> Bool {
        guard var other = Self.addressBytes(address) else { return false }
        if bytes.count == 4, other.count == 16, other[0..<10].allSatisfy({ $0 == 0 }), other[10] == 0xFF, other[11] == 0xFF {
            other = Array(other[12...])
        }
        guard other.count == bytes.count else { return false }
        return Self.masked(other, prefixLength: prefixLength) == bytes
    }

    public var description: String {
        let address = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: 0)
        return "\(address?.ipAddress ?? "?")/\(prefixLength)"
    }

    private static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        return addressBytes(address)
    }

    private static func addressBytes(_ address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        var result = bytes
        for index in result.indices {
            let bits = max(0, min(8, prefixLength - index * 8))
            result[index] &= bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return result
    }
}

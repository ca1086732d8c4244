import COpenSSL

/// A TLS protocol version MailTime speaks.
public enum TLSVersion: Hashable, Sendable, CustomStringConvertible {
    case tls12
    case tls13

    init?(openSSLVersion: Int32) {
        switch openSSLVersion {
        case TLS1_2_VERSION: self = .tls12
        case TLS1_3_VERSION: self = .tls13
        default: return nil
        }
    }

    var openSSLVersion: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }

    public var description: String {
        switch self {
        case .tls12: "TLSv1.2"
        case .tls13: "TLSv1.3"
        }
    }
}

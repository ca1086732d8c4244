import Foundation

/// One message an ``AiosmtpdServer`` accepted (its DATA got the final 250), as recorded by the server.
public struct ReceivedSMTPMessage: Decodable, Sendable, Equatable {
    /// The argument of the client's HELO or EHLO.
    public var clientHostname: String
    /// The envelope sender (the MAIL FROM address, without angle brackets; "" for the null sender `<>`).
    public var mailFrom: String
    /// The MAIL FROM parameters as sent, upper-cased by aiosmtpd, e.g. `["SIZE=1234", "BODY=8BITMIME", "SMTPUTF8"]`.
    public var mailOptions: [String]
    /// The accepted recipients (RCPT TO addresses without angle brackets), in order.
    /// Recipients refused through ``AiosmtpdServer/Options/rejectedRecipients`` are not here.
    public var recipients: [String]
    /// The RCPT TO parameters of the accepted recipients, upper-cased, in order.
    public var recipientOptions: [String]
    /// The user name the session authenticated as, or nil if it did not authenticate.
    public var user: String?
    /// Whether the session was in TLS (after STARTTLS, or implicit TLS) when the message arrived.
    public var tls: Bool
    /// The message as the client meant it: the DATA bytes with the dot-stuffing undone (a leading "." of each
    /// line removed) and without the terminating `.<CRLF>`; everything else exactly as sent, CRLF line ends
    /// included (aiosmtpd's `envelope.original_content` with `decode_data=False`, which is also its `content`).
    /// Since DATA ends with `<CRLF>.<CRLF>`, this always ends with CRLF (or is empty).
    public var data: [UInt8]

    /// ``data`` decoded as UTF-8 (with replacement characters for invalid bytes).
    public var text: String { String(decoding: data, as: UTF8.self) }

    private enum CodingKeys: String, CodingKey {
        case clientHostname, mailFrom, mailOptions, recipients, recipientOptions, user, tls, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        clientHostname = try container.decode(String.self, forKey: .clientHostname)
        mailFrom = try container.decode(String.self, forKey: .mailFrom)
        mailOptions = try container.decode([String].self, forKey: .mailOptions)
        recipients = try container.decode([String].self, forKey: .recipients)
        recipientOptions = try container.decode([String].self, forKey: .recipientOptions)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        tls = try container.decode(Bool.self, forKey: .tls)
        let base64 = try container.decode(String.self, forKey: .data)
        guard let bytes = Data(base64Encoded: base64) else {
            throw DecodingError.dataCorruptedError(forKey: .data, in: container, debugDescription: "invalid base64")
        }
        data = [UInt8](bytes)
    }
}

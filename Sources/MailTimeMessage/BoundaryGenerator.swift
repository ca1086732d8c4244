/// Makes multipart boundaries: random, and containing `=_`, which neither quoted-printable nor base64
/// output can hold, so no boundary can occur in the encoded content.
struct BoundaryGenerator {
    private var generator = SystemRandomNumberGenerator()

    mutating func next() -> String {
        let random = (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        return "=_MailTime_\(random)"
    }
}

/// Makes multipart boundaries: random, and containing `=_`, which neither quoted-printable nor base64
/// output can hold, so no boundary can occur in the encoded content.
enum BoundaryGenerator {
    static func next() -> String {
        let values = BufferedRandom.shared.withLock { random in [random.next(), random.next()] }
        let random = values.map { value in
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        return "=_MailTime_\(random)"
    }
}

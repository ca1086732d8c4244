/// The running total of an email's decoded content, checked against the size limit.
struct ContentSize {
    let limit: Int
    private(set) var total = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func add(_ bytes: Int, field: String) throws(EmailValidationError) {
        total += bytes
        if total > limit {
            throw EmailValidationError(
                .emailTooLarge, "\(field): the email is larger than the limit of \(limit) bytes"
            )
        }
    }
}

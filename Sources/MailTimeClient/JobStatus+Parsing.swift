import MailTimeJSON
import MailTimeMessage

extension JobStatus {
    /// Parses the broker's JSON text in the `STATUS` format.
    init(json text: String) throws(MailTimeClientError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw MailTimeClientError(.unexpectedReply, "a job is not JSON: \(error)")
        }
        try self.init(value, json: text)
    }

    /// Reads a job from a parsed `STATUS` object; `json` is its text.
    init(_ value: JSONValue, json: String) throws(MailTimeClientError) {
        guard let id = value["id"]?.stringValue,
            let stateName = value["state"]?.stringValue,
            let state = State(rawValue: stateName)
        else {
            throw MailTimeClientError(.unexpectedReply, "a job has no id or no known state: \(json.prefix(120))")
        }
        self.id = id
        self.state = state
        priority = value["priority"]?.integerValue.map(Int.init) ?? 128
        attempts = value["attempts"]?.integerValue.map(Int.init) ?? 0
        createdAt = value["created_at"]?.integerValue ?? 0
        updatedAt = value["updated_at"]?.integerValue ?? 0
        notBefore = value["not_before"]?.integerValue
        finishedAt = value["finished_at"]?.integerValue
        if let lease = value["lease"],
            let owner = lease["owner"]?.stringValue,
            let deadline = lease["deadline"]?.integerValue,
            let token = lease["token"]?.integerValue
        {
            self.lease = Lease(owner: owner, deadline: deadline, token: UInt64(clamping: token))
        } else {
            self.lease = nil
        }
        provider = value["provider"]?.integerValue.map(Int.init)
        cancelRequested = value["cancel_requested"]?.boolValue ?? false
        lastError = value["last_error"].flatMap(DeliveryError.init)
        recipients = value["recipients"]?.arrayValue?.compactMap(RecipientReport.init) ?? []
        idempotencyKey = value["idempotency_key"]?.stringValue
        self.json = json
    }
}

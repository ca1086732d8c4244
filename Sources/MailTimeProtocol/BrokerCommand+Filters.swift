extension BrokerCommand {
    /// What a bulk command does to every email matching its filter.
    public enum BulkAction: String, Hashable, Sendable, CaseIterable {
        /// `REQUEUE WHERE`: failed and cancelled emails go back in the queue.
        case requeue = "REQUEUE"
        /// `CANCEL WHERE`: waiting emails are cancelled, leased ones when their sender reports back.
        case cancel = "CANCEL"
        /// `PURGE WHERE`: sent, failed and cancelled emails are deleted.
        case purge = "PURGE"
    }

    /// `LIST [key=value …]`: the conditions, and `after=<id>` and `limit=<n>`.
    static func search(_ words: [String], _ parser: ArgumentParser) throws(ProtocolError) -> BrokerCommand {
        var filter = EmailFilter()
        var after: String?
        var limit: Int?
        for word in words {
            let (key, value) = try keyValue(word, command: "LIST")
            switch key {
            case "after":
                guard after == nil else { throw ProtocolError(.badArguments, "LIST: after is given twice") }
                after = try parser.id(value)
            case "limit":
                guard limit == nil else { throw ProtocolError(.badArguments, "LIST: limit is given twice") }
                limit = try parser.integer(value, in: 1...1000, name: "limit")
            default:
                try filter.add(key: key, value: value, command: "LIST")
            }
        }
        return .search(filter: filter, after: after, limit: limit ?? 100)
    }

    /// The filter of `<command> WHERE key=value …`, or `nil` when the arguments do not start with `WHERE`.
    static func bulkFilter(_ words: [String], command: String) throws(ProtocolError) -> EmailFilter? {
        guard words.first == "WHERE" else { return nil }
        guard words.count > 1 else {
            throw ProtocolError(.badArguments, "\(command) WHERE takes at least one condition: \(command) WHERE <key=value> …")
        }
        var filter = EmailFilter()
        for word in words.dropFirst() {
            let (key, value) = try keyValue(word, command: command)
            try filter.add(key: key, value: value, command: command)
        }
        return filter
    }

    /// The name of `PAUSE PROVIDER <name>` or `RESUME PROVIDER <name>`, or `nil` for a bare `PAUSE` or `RESUME`.
    static func providerName(_ words: [String], command: String) throws(ProtocolError) -> String? {
        guard !words.isEmpty else { return nil }
        guard words.count == 2, words[0] == "PROVIDER" else {
            throw ProtocolError(.badArguments, "\(command) takes no argument, or PROVIDER and a provider's name: \(command) [PROVIDER <name>]")
        }
        return words[1]
    }

    static func keyValue(_ word: String, command: String) throws(ProtocolError) -> (String, String) {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex, word.index(after: equals) != word.endIndex else {
            throw ProtocolError(.badArguments, "\(command): \(word.prefix(64)) is not a condition key=value (with a value)")
        }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }
}

/// Keeps replies in request order: each request takes a place in line when it arrives, its reply
/// fills that place whenever it is ready, and replies leave only from the head of the line.
struct ReplySequencer: Sendable {
    private var nextPlace = 0
    private var head = 0
    private var ready: [Int: (reply: BrokerReply, closeAfter: Bool)] = [:]

    /// Requests whose replies have not left the line yet.
    var unanswered: Int { nextPlace - head }

    /// A place in line for a new request.
    mutating func reserve() -> Int {
        defer { nextPlace += 1 }
        return nextPlace
    }

    /// Fills `place` and returns the replies now ready to write, in order, stopping after one
    /// marked `closeAfter`.
    mutating func fill(_ place: Int, with reply: BrokerReply, closeAfter: Bool = false) -> [(reply: BrokerReply, closeAfter: Bool)] {
        ready[place] = (reply, closeAfter)
        var out: [(reply: BrokerReply, closeAfter: Bool)] = []
        while let next = ready.removeValue(forKey: head) {
            head += 1
            out.append(next)
            if next.closeAfter { break }
        }
        return out
    }
}

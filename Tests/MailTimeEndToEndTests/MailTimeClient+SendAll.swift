import MailTimeClient
import MailTimeMessage

extension MailTimeClient {
    /// Sends `emails` with up to `concurrency` SENDs in flight on this one connection; returns their
    /// job ids in the order of `emails`.
    func sendAll(_ emails: [Email], concurrency: Int = 32) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var ids = [String](repeating: "", count: emails.count)
            for (index, email) in emails.enumerated() {
                if index >= concurrency, let finished = try await group.next() {
                    ids[finished.0] = finished.1
                }
                group.addTask { (index, try await self.send(email).id) }
            }
            for try await (done, id) in group {
                ids[done] = id
            }
            return ids
        }
    }
}

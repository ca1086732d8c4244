import MailTimeMessage

/// One mail transaction under way: MAIL FROM, RCPT TO for each recipient, DATA, the message, and
/// RSET when the server's refusals leave a transaction open. With PIPELINING (RFC 2920) MAIL, the
/// RCPTs and DATA go in one write and their replies are matched in order; without it each command
/// waits for the previous reply.
struct SMTPTransactionProgress {
    /// What the transaction needs next.
    enum Outcome: Equatable {
        case wait
        case write([SMTPCommand])
        case writeData(SMTPMessageData)
        case completed(SMTPDeliveryResult)
        case failed(SMTPError)
    }

    /// The replies still due, in order.
    private enum Expected: Equatable {
        case mail
        case recipient(Int)
        case data
        /// The reply to the final "." after the message.
        case dataEnd
        /// The reply to a lone "." sent because DATA got 354 with nobody to send to.
        case emptyDataEnd
        /// The reply to RSET, after which the transaction ends with `outcome`.
        case reset
    }

    private let recipients: [EmailAddress]
    private let data: SMTPMessageData
    private let isPipelined: Bool
    private var expected: [Expected] = []
    private var results: [SMTPReply?]
    private var senderError: SMTPError?
    /// How the transaction ends once the last reply (to RSET or a lone ".") is in.
    private var pendingOutcome: Outcome?
    /// Whether the message itself has been written: from then on the server may have taken it.
    private(set) var hasSentData = false

    init(recipients: [EmailAddress], data: SMTPMessageData, isPipelined: Bool) {
        self.recipients = recipients
        self.data = data
        self.isPipelined = isPipelined
        self.results = Array(repeating: nil, count: recipients.count)
    }

    /// The reply now awaited, to time it.
    var awaitedStep: (step: SMTPTimeouts.Step, bodySize: Int)? {
        switch expected.first {
        case .mail: (.mail, 0)
        case .recipient: (.recipient, 0)
        case .data: (.dataInitiation, 0)
        case .dataEnd: (.dataTermination, data.messageSize)
        case .emptyDataEnd, .reset: (.command, 0)
        case nil: nil
        }
    }

    /// Whether the message has been written and only the reply to its final "." is due.
    var isAwaitingOnlyDataEnd: Bool {
        hasSentData && expected == [.dataEnd]
    }

    /// The first commands: everything up to DATA when pipelining, MAIL FROM alone otherwise.
    mutating func start(mail: SMTPCommand) -> [SMTPCommand] {
        guard isPipelined else {
            expected = [.mail]
            return [mail]
        }
        var commands: [SMTPCommand] = []
        commands.reserveCapacity(recipients.count + 2)
        expected.reserveCapacity(recipients.count + 2)
        commands.append(mail)
        expected.append(.mail)
        for (index, recipient) in recipients.enumerated() {
            commands.append(recipientCommand(recipient))
            expected.append(.recipient(index))
        }
        commands.append(.data)
        expected.append(.data)
        return commands
    }

    mutating func replyReceived(_ reply: SMTPReply) -> Outcome {
        guard !expected.isEmpty else { return .failed(SMTPError(.protocolViolation, "a reply came after the transaction ended: \(reply)")) }
        switch expected.removeFirst() {
        case .mail:
            if !reply.isPositiveCompletion {
                senderError = SMTPError(.senderRejected, "the server refused the sender", reply: reply)
                // Pipelined RCPTs and DATA still get (negative) replies; wait for them.
                return isPipelined ? .wait : .failed(senderError!)
            }
            if isPipelined { return .wait }
            expected = [.recipient(0)]
            return .write([recipientCommand(recipients[0])])
        case .recipient(let index):
            results[index] = reply
            if isPipelined { return .wait }
            if index + 1 < recipients.count {
                expected = [.recipient(index + 1)]
                return .write([recipientCommand(recipients[index + 1])])
            }
            if hasAcceptedRecipient {
                expected = [.data]
                return .write([.data])
            }
            return reset(then: .completed(result(dataReply: nil)))
        case .data:
            return dataAnswered(reply)
        case .dataEnd:
            guard reply.isPositiveCompletion else {
                return .failed(SMTPError(.messageRejected, "the server refused the message", reply: reply))
            }
            return .completed(result(dataReply: reply))
        case .emptyDataEnd, .reset:
            return pendingOutcome ?? .failed(SMTPError(.protocolViolation, "the transaction ended without an outcome"))
        }
    }

    private mutating func dataAnswered(_ reply: SMTPReply) -> Outcome {
        let outcome: Outcome
        if let senderError {
            outcome = .failed(senderError)
        } else if !hasAcceptedRecipient {
            outcome = .completed(result(dataReply: nil))
        } else if reply.code != 354 {
            outcome = .failed(SMTPError(.messageRejected, "the server refused DATA", reply: reply))
        } else {
            expected = [.dataEnd]
            hasSentData = true
            return .writeData(data)
        }
        if reply.code == 354 {
            // The server waits for a message nobody will get: end it empty.
            pendingOutcome = outcome
            expected = [.emptyDataEnd]
            return .writeData(SMTPMessageData([]))
        }
        // MAIL was accepted, so a transaction is still open on the server.
        return senderError == nil ? reset(then: outcome) : outcome
    }

    private mutating func reset(then outcome: Outcome) -> Outcome {
        pendingOutcome = outcome
        expected = [.reset]
        return .write([.reset])
    }

    private var hasAcceptedRecipient: Bool {
        results.contains { $0?.isPositiveCompletion == true }
    }

    private func result(dataReply: SMTPReply?) -> SMTPDeliveryResult {
        SMTPDeliveryResult(
            recipients: zip(recipients, results).map { recipient, reply in
                let reply = reply ?? SMTPReply(code: 503, lines: ["no reply to RCPT TO"])
                guard reply.isPositiveCompletion else {
                    let error = SMTPError(.recipientRejected, "the server refused \(recipient.address)", reply: reply)
                    return SMTPRecipientResult(recipient: recipient, outcome: .failed(error))
                }
                return SMTPRecipientResult(recipient: recipient, outcome: .accepted(dataReply ?? reply))
            },
            dataReply: dataReply
        )
    }

    private func recipientCommand(_ recipient: EmailAddress) -> SMTPCommand {
        .recipient(to: recipient.address, parameters: [])
    }
}

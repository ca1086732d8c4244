import MailTimeMessage

/// How emails to one recipient are folded into one (MailTime's concatEmails): a subject with the
/// count, and the bodies one after another with a delimiter between them.
public struct EmailFolding: Hashable, Sendable {
    /// How long the first email waits for others to the same recipient.
    public var window: Duration
    /// The folded email's subject; `{{count}}` becomes the number of emails.
    public var subject: String
    /// What goes between the HTML bodies.
    public var delimiter: String

    public init(window: Duration = .seconds(60), subject: String = "Multiple notifications ({{count}})", delimiter: String = "<hr>") {
        self.window = window
        self.subject = subject
        self.delimiter = delimiter
    }

    /// The emails as one, in the order given: the first one's sender, recipients, Message-ID and
    /// headers; every body and attachment. Each email's variables are applied to its own bodies first.
    public func fold(_ emails: [Email]) -> Email {
        guard var folded = emails.first, emails.count > 1 else { return emails.first ?? Email() }
        let rendered = emails.map(Self.rendered)
        folded.subject = subject.replacingOccurrences(of: "{{count}}", with: String(emails.count))
        folded.variables = [:]
        folded.template = nil
        let texts = rendered.compactMap(\.text)
        folded.text = texts.isEmpty ? nil : texts.joined(separator: "\n\n----------\n\n")
        if rendered.contains(where: { $0.html != nil }) {
            folded.html = rendered.map { $0.html ?? Self.html(fromText: $0.text ?? "") }.joined(separator: delimiter)
        }
        folded.attachments = emails.flatMap(\.attachments)
        folded.tags = Array(Set(emails.flatMap(\.tags))).sorted()
        return folded
    }

    /// The email's bodies with its variables filled in (the layout is applied once, to the folded email).
    private static func rendered(_ email: Email) -> (text: String?, html: String?) {
        (
            email.text.map { Template($0).render(email.variables, escaping: .none) },
            email.html.map { Template($0).render(email.variables, escaping: .html) }
        )
    }

    /// A text body as HTML: escaped, with its line breaks kept.
    private static func html(fromText text: String) -> String {
        var html = ""
        for character in text {
            switch character {
            case "&": html += "&amp;"
            case "<": html += "&lt;"
            case ">": html += "&gt;"
            case "\n": html += "<br>\n"
            default: html.append(character)
            }
        }
        return html
    }
}

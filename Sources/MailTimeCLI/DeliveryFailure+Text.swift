import MailTimeModel

extension DeliveryFailure {
    /// `CODE text (provider)` on one line, as the commands print a failure for people.
    var summary: String {
        var summary = code.name
        let text = TextLayout.oneLine(text)
        if !text.isEmpty { summary += " " + text }
        if let provider { summary += " (\(provider))" }
        return summary
    }
}

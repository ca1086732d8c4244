import Mustache

/// Renders the console's pages from ``ConsoleTemplates`` inside the layout.
struct ConsolePages: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            try library.register(text, named: name)
        }
        self.library = library
    }

    /// The page `template` rendered with `values`, inside the layout with `title`; `session` adds the
    /// navigation, the role and the logout form; `live` subscribes the page to the live updates.
    func render(
        _ template: String,
        title: String,
        values: [String: Any],
        session: ConsoleSession?,
        notice: String? = nil,
        live: Bool = false
    ) -> String {
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "page": template, "body": body, "live": live]
        if let session {
            layout["session"] = ["role": session.role.rawValue, "csrf": session.csrfToken]
        }
        if let notice { layout["notice"] = notice }
        return library.render(layout, withTemplate: "layout") ?? ""
    }
}

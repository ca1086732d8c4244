/// An email's subject and bodies with its template variables filled in and its layout wrapped around the HTML.
struct RenderedContent {
    var subject: String?
    var text: String?
    var html: String?

    init(_ email: Email, defaultLayout: Template?) throws(EmailValidationError) {
        if let subject = email.subject {
            let rendered = Template(subject).render(email.variables, escaping: .none)
            // A variable may bring a line break into the subject.
            try Email.checkHeaderText(rendered, field: "subject", code: .invalidField)
            self.subject = rendered
        }
        text = email.text.map { Template($0).render(email.variables, escaping: .none) }
        if let html = email.html {
            let body = Template(html).render(email.variables, escaping: .html)
            if let layout = email.template.map(Template.init) ?? defaultLayout {
                var variables = email.variables
                variables["html"] = body
                self.html = layout.render(variables, escaping: .html)
            } else {
                self.html = body
            }
        }
        if text == nil && html == nil {
            throw EmailValidationError(.noBody, "text, html: the email needs a text or an html body")
        }
    }
}

@testable import MailTimeMessage
import Testing

@Suite struct TemplateTests {
    let variables = ["name": "Tom & <Jerry>", "quote": "\"it's\"", "snake_case-key9": "ok"]

    @Test func doubleBracesAreEscapedInHTMLAndVerbatimInText() {
        #expect(Template("Hi {{name}}!").render(variables, escaping: .html) == "Hi Tom &amp; &lt;Jerry&gt;!")
        #expect(Template("Hi {{name}}!").render(variables, escaping: .none) == "Hi Tom & <Jerry>!")
        #expect(Template("{{quote}}").render(variables, escaping: .html) == "&quot;it&#39;s&quot;")
    }

    @Test func tripleBracesAreRawEverywhere() {
        #expect(Template("{{{name}}}").render(variables, escaping: .html) == "Tom & <Jerry>")
        #expect(Template("{{{name}}}").render(variables, escaping: .none) == "Tom & <Jerry>")
    }

    @Test func missingKeysAndMalformedPlaceholdersStay() {
        let text = "{{missing}} {{{missing}}} {{ name }} {{na me}} {{}} {name} {{name} {{{name}} {{"
        #expect(
            Template(text).render(variables, escaping: .html)
                == "{{missing}} {{{missing}}} {{ name }} {{na me}} {{}} {name} {{name} {Tom &amp; &lt;Jerry&gt; {{")
    }

    @Test func withoutVariablesEveryPlaceholderStays() {
        let text = "Hi {{name}} & {{{name}}} <b>"
        #expect(Template(text).render([:], escaping: .html) == text)
        #expect(Template(text).render([:], escaping: .none) == text)
    }

    @Test func keysUseLettersDigitsUnderscoreAndHyphen() {
        #expect(Template("{{snake_case-key9}}").render(variables, escaping: .none) == "ok")
        #expect(Template.isKey("a-B_9".utf8))
        #expect(!Template.isKey("a.b".utf8))
        #expect(!Template.isKey("".utf8))
    }

    @Test func valuesAreNotExpandedAgain() {
        let nested = ["a": "{{b}}", "b": "no"]
        #expect(Template("{{a}}{{{a}}}").render(nested, escaping: .html) == "{{b}}{{b}}")
    }

    @Test func nonASCIIAroundPlaceholders() {
        #expect(Template("été {{name}} 日本").render(["name": "ü"], escaping: .html) == "été ü 日本")
    }

    @Test func layoutWrapsTheRenderedHTMLBody() throws {
        let email = Email(
            to: [try EmailAddress("a@example.com")],
            subject: "{{name}} {{{name}}}",
            text: "Dear {{name}}",
            html: "<p>{{name}}</p>",
            variables: ["name": "A&B"],
            template: "<main>{{{html}}}</main><footer>{{name}} {{html}}</footer>"
        )
        let content = try RenderedContent(email, defaultLayout: Template("<default>{{{html}}}</default>"))
        #expect(content.subject == "A&B A&B")
        #expect(content.text == "Dear A&B")
        #expect(content.html == "<main><p>A&amp;B</p></main><footer>A&amp;B &lt;p&gt;A&amp;amp;B&lt;/p&gt;</footer>")
    }

    @Test func defaultLayoutAppliesWhenTheEmailHasNone() throws {
        let email = Email(to: [try EmailAddress("a@example.com")], html: "<p>x</p>")
        #expect(try RenderedContent(email, defaultLayout: Template("<body>{{{html}}}</body>")).html == "<body><p>x</p></body>")
        #expect(try RenderedContent(email, defaultLayout: nil).html == "<p>x</p>")
        #expect(try RenderedContent(email, defaultLayout: Template.bareLayout).html == "<p>x</p>")
    }

    @Test func aVariableCannotInjectAHeaderThroughTheSubject() throws {
        let email = Email(
            from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")],
            subject: "Hi {{name}}", text: "x", variables: ["name": "x\r\nBcc: victim@example.com"]
        )
        #expect {
            try MessageComposer().compose(email)
        } throws: { error in
            (error as? EmailValidationError)?.code == .headerInjection
        }
    }
}

@Suite struct HTMLTextTests {
    @Test(arguments: [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a<br>b<br/>c<br />d", "a\nb\nc\nd"),
        ("a<br><br>b", "a\n\nb"),
        ("  lots   of\n\n  space  ", "lots of space"),
        ("&amp; &lt;x&gt; &quot;q&quot; &#39;s&#39; &nbsp;&copy; &#233;&#xE9; &unknown; &", "& <x> \"q\" 's'  © éé &unknown; &"),
        ("<head><title>T</title><style>p{}</style></head><body><script>x()</script>Body</body>", "Body"),
        ("<!-- comment -->Text<!---->", "Text"),
        ("<a href=\"https://example.com/x\">the site</a>", "the site (https://example.com/x)"),
        ("<a href='https://example.com'>https://example.com</a>", "https://example.com"),
        ("<a href=\"mailto:a@example.com\">a@example.com</a>", "a@example.com"),
        ("<ul><li>one</li><li>two</li></ul>after", "- one\n- two\n\nafter"),
        ("<div>a</div><div>b</div>", "a\nb"),
        ("<table><tr><td>1</td><td>2</td></tr></table>", "1 2"),
        ("x < y and y > z", "x < y and y > z"),
        ("<h1>Title</h1>Text", "Title\n\nText"),
    ])
    func plainText(_ html: String, expected: String) {
        #expect(HTMLText.plainText(from: html) == expected)
    }
}

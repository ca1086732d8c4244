import HTTPTypes

/// The headers every console response carries (README, "Admin console"): a strict Content-Security-Policy
/// (only the console's own script, styles and connections; no inline script; never framed), `nosniff`,
/// no referrer, no caching.
enum SecurityHeaders {
    /// The policy of every page, asset, API reply and error.
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    /// The policy of an email's HTML preview: no script at all, no remote load, inline styles and
    /// `data:` images only, a sandbox of its own, framed only by the console.
    static let previewPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"

    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// Adds the headers; a policy or frame option already set (the preview's) is kept.
    static func apply(to headers: inout HTTPFields) {
        if headers[contentSecurityPolicy] == nil { headers[contentSecurityPolicy] = policy }
        if headers[frameOptions] == nil { headers[frameOptions] = "DENY" }
        headers[contentTypeOptions] = "nosniff"
        // Not `no-referrer`: with it browsers send `Origin: null` on the console's own form posts,
        // which the origin check must refuse. `same-origin` still tells other sites nothing.
        headers[referrerPolicy] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}

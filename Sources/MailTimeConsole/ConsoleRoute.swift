import Foundation
import HTTPTypes

/// What a request asks for, from its method and path alone (README, "Admin console" and "JSON API").
enum ConsoleRoute: Hashable, Sendable {
    /// An action on one email.
    enum EmailAction: String, Hashable, Sendable {
        case requeue, cancel
    }

    /// An action on every email matching a filter.
    enum BulkAction: String, Hashable, Sendable {
        case requeue, cancel, purge
    }

    /// The JSON API, under `/api/`.
    enum API: Hashable, Sendable {
        case stats
        case emails
        case email(String)
        case emailAction(String, EmailAction)
        case bulk(BulkAction)
        case requeueFailed
        case pause(Bool)
        /// Pauses (`true`) or resumes the provider of that name.
        case pauseProvider(String, Bool)
        case providers
        case throughput

        /// Whether the endpoint changes the queue or the senders: only for admin tokens.
        var isAction: Bool {
            switch self {
            case .emailAction, .bulk, .requeueFailed, .pause, .pauseProvider: true
            case .stats, .emails, .email, .providers, .throughput: false
            }
        }
    }

    case loginPage
    case login
    case logout
    case overview
    case emails
    case email(String)
    /// The HTML body of an email, for the sandboxed frame.
    case preview(String)
    case emailAction(String, EmailAction)
    /// A bulk action on the filter its form carries.
    case bulk(BulkAction)
    case requeueFailed
    case pause(Bool)
    /// Pauses (`true`) or resumes the provider of that name.
    case pauseProvider(String, Bool)
    case providers
    /// The live updates (Server-Sent Events).
    case events
    case asset(ConsoleAsset)
    case api(API)

    /// The route of `method` and `path` (without its query); `nil` when there is none.
    init?(method: HTTPRequest.Method, path: String) {
        guard path.hasPrefix("/") else { return nil }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let route: ConsoleRoute?
        switch method {
        case .get: route = Self.get(parts)
        case .post: route = Self.post(parts)
        default: route = nil
        }
        guard let route else { return nil }
        self = route
    }

    private static func get(_ parts: [String]) -> ConsoleRoute? {
        switch parts.count {
        case 1:
            switch parts[0] {
            case "": return .overview
            case "login": return .loginPage
            case "emails": return .emails
            case "providers": return .providers
            case "events": return .events
            default: return nil
            }
        case 2:
            switch parts[0] {
            case "emails": return .email(parts[1])
            case "assets": return ConsoleAsset(name: parts[1]).map { .asset($0) }
            case "api":
                switch parts[1] {
                case "stats": return .api(.stats)
                case "emails": return .api(.emails)
                case "providers": return .api(.providers)
                case "throughput": return .api(.throughput)
                default: return nil
                }
            default: return nil
            }
        case 3:
            if parts[0] == "emails", parts[2] == "preview" { return .preview(parts[1]) }
            if parts[0] == "api", parts[1] == "emails" { return .api(.email(parts[2])) }
            return nil
        default:
            return nil
        }
    }

    private static func post(_ parts: [String]) -> ConsoleRoute? {
        switch parts.count {
        case 1:
            switch parts[0] {
            case "login": return .login
            case "logout": return .logout
            case "pause": return .pause(true)
            case "resume": return .pause(false)
            default: return nil
            }
        case 2:
            switch (parts[0], parts[1]) {
            case ("emails", "requeue-failed"): return .requeueFailed
            case ("emails", let action): return BulkAction(rawValue: action).map { .bulk($0) }
            case ("api", "requeue-failed"): return .api(.requeueFailed)
            case ("api", "pause"): return .api(.pause(true))
            case ("api", "resume"): return .api(.pause(false))
            default: return nil
            }
        case 3:
            if parts[0] == "api", parts[1] == "emails" { return BulkAction(rawValue: parts[2]).map { .api(.bulk($0)) } }
            if parts[0] == "providers" { return providerAction(parts[1], parts[2]).map { .pauseProvider($0, $1) } }
            guard parts[0] == "emails", let action = EmailAction(rawValue: parts[2]) else { return nil }
            return .emailAction(parts[1], action)
        case 4:
            if parts[0] == "api", parts[1] == "providers" { return providerAction(parts[2], parts[3]).map { .api(.pauseProvider($0, $1)) } }
            guard parts[0] == "api", parts[1] == "emails", let action = EmailAction(rawValue: parts[3]) else { return nil }
            return .api(.emailAction(parts[2], action))
        default:
            return nil
        }
    }

    /// The provider name (percent-decoded) and whether to pause of `<name>/pause` or `<name>/resume`.
    private static func providerAction(_ name: String, _ action: String) -> (String, Bool)? {
        guard let decoded = name.removingPercentEncoding, !decoded.isEmpty else { return nil }
        switch action {
        case "pause": return (decoded, true)
        case "resume": return (decoded, false)
        default: return nil
        }
    }
}

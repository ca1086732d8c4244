/// The broker's side of one connection, as a pure state machine: it takes what the client sent
/// and says what to do; the channel handler does it (protocol.md, section 4).
///
/// ```
/// unauthenticated ──AUTH ok──► authenticated(role) ──EVENTS──► streamingEvents
///        │ 3rd bad AUTH                │ QUIT, fatal framing error           │ QUIT
///        └────────────────────────────►└──────────────► closed ◄─────────────┘
/// ```
public struct BrokerSessionStateMachine: Sendable {
    /// Where the session is.
    public enum State: Equatable, Sendable {
        case unauthenticated(failures: Int)
        case authenticated(BrokerRole)
        case streamingEvents
        case closed
    }

    /// What the handler must do next.
    public enum Action: Equatable, Sendable {
        /// Run the command with the session's role, and reply with its outcome.
        case execute(BrokerCommand, role: BrokerRole)
        /// Check the token, then call ``tokenVerified(_:allowedSenderDomains:)``.
        case verify(token: String)
        /// Send this reply.
        case reply(BrokerReply)
        /// Send this reply, then close the connection.
        case replyAndClose(BrokerReply)
        /// Wait a while (so guessing tokens is slow), send this reply, then close.
        case delayReplyAndClose(BrokerReply)
        /// Reply `OK EVENTS`, then stream events.
        case startEvents
        /// Nothing: the session is closing.
        case ignore
    }

    /// After this many failed `AUTH`s the connection is closed.
    public static let maximumAuthFailures = 3

    public private(set) var state = State.unauthenticated(failures: 0)
    /// The domains the session's token may send from (given to ``tokenVerified(_:allowedSenderDomains:)``),
    /// or `nil` for any domain; `nil` too while unauthenticated.
    public private(set) var allowedSenderDomains: [String]?

    public init() {}

    /// The client sent `frame`.
    public mutating func received(_ frame: BrokerFrame) -> Action {
        guard state != .closed else { return .ignore }
        switch frame {
        case .rejected(let error, let fatal):
            guard fatal else { return .reply(.error(refusal ?? error)) }
            state = .closed
            return .replyAndClose(.error(error))
        case .request(let line, let payload):
            // Before AUTH and while streaming events, a line is refused by its command word alone:
            // its arguments are not looked at, and unknown commands are not told apart.
            if let refusal, !Self.acceptedWords(in: state).contains(BrokerCommand.word(of: line)) {
                return .reply(.error(refusal))
            }
            do throws(ProtocolError) {
                return received(try BrokerCommand(line: line, payload: payload))
            } catch {
                return .reply(.error(error))
            }
        }
    }

    /// The token of an `AUTH` was checked: `role` is its role, or `nil` when it is not valid, and
    /// `allowedSenderDomains` the domains it may send from (`nil`: any). A failed `AUTH` drops any role
    /// (and domains) the session had.
    public mutating func tokenVerified(_ role: BrokerRole?, allowedSenderDomains: [String]? = nil) -> Action {
        let failures: Int
        switch state {
        case .closed, .streamingEvents: return .ignore
        case .authenticated: failures = 0
        case .unauthenticated(let count): failures = count
        }
        self.allowedSenderDomains = role == nil ? nil : allowedSenderDomains
        if let role {
            state = .authenticated(role)
            return .reply(.ok(role.rawValue))
        }
        if failures + 1 >= Self.maximumAuthFailures {
            state = .closed
            return .delayReplyAndClose(.error(Self.authFailed))
        }
        state = .unauthenticated(failures: failures + 1)
        return .reply(.error(Self.authFailed))
    }

    /// The error every request gets in the current state unless its command word is accepted there:
    /// `AUTH_REQUIRED` before `AUTH`, `EVENTS_ONLY` while streaming events.
    private var refusal: ProtocolError? {
        switch state {
        case .unauthenticated: Self.authRequired
        case .streamingEvents: Self.eventsOnly
        case .authenticated, .closed: nil
        }
    }

    /// The command words accepted in `state` when ``refusal`` is not `nil`.
    private static func acceptedWords(in state: State) -> Set<String> {
        state == .streamingEvents ? ["QUIT"] : ["PING", "HELP", "AUTH", "QUIT"]
    }

    private mutating func received(_ command: BrokerCommand) -> Action {
        if command == .quit {
            state = .closed
            return .replyAndClose(.ok("BYE"))
        }
        switch state {
        case .closed:
            return .ignore
        case .streamingEvents:
            return .reply(.error(Self.eventsOnly))
        case .unauthenticated, .authenticated:
            break
        }
        switch command {
        case .ping:
            return .reply(.ok("PONG"))
        case .help:
            return .reply(BrokerCommand.helpReply)
        case .auth(let token):
            return .verify(token: token)
        default:
            break
        }
        guard case .authenticated(let role) = state else {
            return .reply(.error(Self.authRequired))
        }
        guard role.permits(command) else {
            return .reply(.error(ProtocolError(.forbidden, "the \(role.rawValue) role may not use \(command.name)")))
        }
        if command == .events {
            state = .streamingEvents
            return .startEvents
        }
        return .execute(command, role: role)
    }

    private static let authFailed = ProtocolError(.authFailed, "the token is not valid")
    private static let authRequired = ProtocolError(.authRequired, "authenticate first: AUTH <token>")
    private static let eventsOnly = ProtocolError(.eventsOnly, "this connection streams events; only QUIT is accepted")
}

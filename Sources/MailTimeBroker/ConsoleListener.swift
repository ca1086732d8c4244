import MailTimeConsole
import ServiceLifecycle

/// The admin console as one of the broker's services: a console whose address cannot be bound stops
/// the broker with ``BrokerStartupError/Code/addressUnavailable``, as the other listeners do.
struct ConsoleListener: Service {
    let server: ConsoleServer

    func run() async throws {
        do {
            try await server.run()
        } catch let error as ConsoleListenError {
            throw BrokerStartupError.cannotListen(on: error.host, port: error.port, error.underlying)
        }
    }
}

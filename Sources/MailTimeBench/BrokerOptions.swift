import ArgumentParser
import Foundation

/// Where a running `mailtimed` listens, and its data directory (for its admin token and certificate).
struct BrokerOptions: ParsableArguments {
    @Option(help: "mailtimed's address.")
    var host = "127.0.0.1"

    @Option(help: "mailtimed's port.")
    var port = 7525

    @Option(help: "mailtimed's data directory, for its admin token and certificate.")
    var data = "./var"

    /// The admin token `mailtimed` made in its data directory.
    func adminToken() throws -> String {
        try String(contentsOfFile: data + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The broker's certificate (PEM), to pin.
    var certificateFile: String { data + "/tls/certificate.pem" }
}

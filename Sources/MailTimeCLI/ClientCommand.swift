import ArgumentParser
import Foundation
import MailTimeClient

/// A subcommand that connects to the broker, does one thing and closes the connection.
protocol ClientCommand: AsyncParsableCommand {
    var connection: ConnectionOptions { get }

    /// Does the command's work with a connected client, printing its result.
    func run(with client: MailTimeClient) async throws(MailTimeClientError)
}

extension ClientCommand {
    func run() async throws {
        do throws(MailTimeClientError) {
            let client = try await connection.connect()
            do throws(MailTimeClientError) {
                try await run(with: client)
            } catch {
                // Close before exiting: the process must not end with the connection half open.
                try? await client.close()
                throw error
            }
            try await client.close()
        } catch {
            throw ExitCode.reporting(error)
        }
    }

    /// Writes a line to stdout at once (output may be piped and read as it comes).
    func printLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints the broker's `json` as it came with `--json`, else the `text` lines for people.
    func printOutput(json: String, text: @autoclosure () -> [String]) {
        if connection.json {
            printLine(json)
        } else {
            text().forEach(printLine)
        }
    }
}

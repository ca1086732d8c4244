import ArgumentParser
import Foundation
import MailTimeClient

extension ExitCode {
    /// Prints `error: <CODE> <message>` to stderr; the exit code is 1 when the broker refused
    /// the request, 2 when it could not be reached or understood.
    static func reporting(_ error: MailTimeClientError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.code.name) \(error.message)\n".utf8))
        return ExitCode(error.isBrokerReply ? 1 : 2)
    }
}

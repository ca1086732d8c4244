import Testing

@testable import MailTimeClient

@Suite("MailTimeClientError")
struct ClientErrorTests {
    @Test func parsesAnErrorLine() throws {
        let error = try #require(MailTimeClientError(errorLine: #"ERR INVALID_ADDRESS to[1]: "bob@" is not a valid address"#))
        #expect(error.code == .invalidAddress)
        #expect(error.message == #"to[1]: "bob@" is not a valid address"#)
        #expect(error.isBrokerReply)
        #expect(error.description == #"INVALID_ADDRESS to[1]: "bob@" is not a valid address"#)
    }

    @Test func refusesLinesThatAreNotErrors() {
        #expect(MailTimeClientError(errorLine: "OK PONG") == nil)
        #expect(MailTimeClientError(errorLine: "ERR ") == nil)
    }
}

/// A fuzz target: a name and a test that takes one input (any bytes) and checks what must hold for
/// it. A test returns normally for any input it accepts or refuses correctly; when an invariant does
/// not hold it stops the process with `precondition`, which libFuzzer reports as a crash.
public struct FuzzTarget: Sendable {
    /// The name `mailtime-fuzz` and the corpus folder (`Tests/FuzzCorpus/<name>`) use.
    public let name: String
    /// What the target feeds and what it checks, in a line.
    public let summary: String
    /// Runs one input.
    public let test: @Sendable ([UInt8]) -> Void

    public init(name: String, summary: String, test: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.test = test
    }

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        .brokerRequest, .json, .email, .emailAddress, .submittedMessage, .smtpReply, .smtpServer, .base64, .quotedPrintable, .tls,
    ]

    /// The target called `name`, if there is one.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

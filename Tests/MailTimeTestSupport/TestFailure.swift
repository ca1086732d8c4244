/// A test's own failure (a peer that cannot be started, a condition that does not come about), with a
/// sentence saying what went wrong.
public struct TestFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

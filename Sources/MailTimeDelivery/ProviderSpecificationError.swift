/// A provider specification that cannot be used, with the reason.
public struct ProviderSpecificationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

import Foundation

/// The executables built with the tests (`mailtimed`, `mailtime`, `mailtime-crash-writer`): SwiftPM
/// puts every product of the package in the directory that holds the test bundle.
public enum BuiltProduct {
    /// The products directory: the one holding the running test binary.
    public static var directory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The path of the executable product `name`; throws when it is not built.
    public static func path(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(name) is not built next to the test bundle (\(path)): build it with `swift build --build-tests`")
        }
        return path
    }
}

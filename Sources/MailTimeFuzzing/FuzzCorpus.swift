import Foundation

/// Inputs on disk: a corpus folder (`Tests/FuzzCorpus/<target>`, its `regressions` folder
/// included) or single files.
public enum FuzzCorpus {
    /// Every file at or under `paths`, sorted by path, with its bytes. Names starting with "."
    /// are skipped.
    public static func inputs(at paths: [String]) throws -> [(path: String, bytes: [UInt8])] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let directory = URL(fileURLWithPath: path)
            let enumerator = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            while let url = enumerator?.nextObject() as? URL {
                if try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
                    files.append(url.path)
                }
            }
        }
        return try files.sorted().map { path in (path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }
    }
}

import Foundation
import MailTimeFuzzing
import Testing

/// Every committed input of each fuzz target, seeds and the inputs of fixed crashes
/// (`Tests/FuzzCorpus/<target>/regressions`), through the target: the fuzzing's regression tests.
@Suite struct FuzzCorpusReplayTests {
    /// `Tests/FuzzCorpus`.
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    @Test(arguments: FuzzTarget.all.map(\.name))
    func replaysCorpus(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let inputs = try FuzzCorpus.inputs(at: [Self.corpus.appendingPathComponent(name).path])
        #expect(inputs.count >= 3, "no seed corpus for \(name)")
        for input in inputs {
            target.test(input.bytes)
        }
    }

    /// Every folder of the corpus belongs to a target, so no input is left out of the replay.
    @Test func everyCorpusFolderHasATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Set(FuzzTarget.all.map(\.name)))
    }
}

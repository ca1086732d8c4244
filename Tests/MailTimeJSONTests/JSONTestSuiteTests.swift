import Foundation
import MailTimeJSON
import Testing

/// The parser against Nicolas Seriot's JSONTestSuite (`../shared/corpora/JSONTestSuite`): every
/// `y_` document parses, every `n_` document is refused, and each `i_` document (where RFC 8259
/// leaves the choice to the parser) gets the answer the README records.
@Suite("JSONTestSuite")
struct JSONTestSuiteTests {
    /// `test_parsing` of the corpus, beside the package's folder.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("shared/corpora/JSONTestSuite/test_parsing")

    /// The corpus's file names that start with `prefix`, sorted.
    static func files(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func parses(_ name: String) throws -> Bool {
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        do {
            _ = try JSONParser.parse(bytes)
            return true
        } catch {
            return false
        }
    }

    /// The `i_` documents the parser accepts; it refuses the others (README, "JSON").
    static let acceptedImplementationDefined: Set<String> = [
        // Numbers are kept as their text, so no size or exponent is too large to read.
        "i_number_double_huge_neg_exp.json",
        "i_number_huge_exp.json",
        "i_number_neg_int_huge_exp.json",
        "i_number_pos_double_huge_exp.json",
        "i_number_real_neg_overflow.json",
        "i_number_real_pos_overflow.json",
        "i_number_real_underflow.json",
        "i_number_too_big_neg_int.json",
        "i_number_too_big_pos_int.json",
        "i_number_very_big_negative_int.json",
    ]

    /// The corpus is there: a missing folder must not pass as an empty one.
    @Test func corpusIsComplete() {
        #expect(Self.files("y_").count == 95, "no JSONTestSuite at \(Self.directory.path)")
        #expect(Self.files("n_").count == 188)
        #expect(Self.files("i_").count == 35)
    }

    @Test(arguments: files("y_"))
    func acceptsValidDocument(_ name: String) throws {
        #expect(try Self.parses(name))
    }

    @Test(arguments: files("n_"))
    func refusesInvalidDocument(_ name: String) throws {
        #expect(try !Self.parses(name))
    }

    @Test(arguments: files("i_"))
    func implementationDefinedDocumentGetsTheRecordedAnswer(_ name: String) throws {
        #expect(try Self.parses(name) == Self.acceptedImplementationDefined.contains(name))
    }
}

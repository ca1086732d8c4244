import Foundation
import MailTimeFuzzing

#if FUZZING
import CLibFuzzer
#endif

/// `mailtime-fuzz <target> <file-or-folder>...` replays inputs through a fuzz target (a crash is an
/// invariant that does not hold). Built with `-D FUZZING` and `-sanitize=fuzzer,address`
/// (`make fuzz`), it runs libFuzzer on the target instead: `mailtime-fuzz <target> [libFuzzer flags]
/// [corpus folders]`, the target named first or by the `MAILTIME_FUZZ_TARGET` environment variable.
@main
struct MailTimeFuzz {
    static func main() {
        var arguments = CommandLine.arguments
        let named = arguments.count > 1 ? FuzzTarget.named(arguments[1]) : nil
        if named != nil { arguments.remove(at: 1) }
        guard let target = named ?? ProcessInfo.processInfo.environment["MAILTIME_FUZZ_TARGET"].flatMap(FuzzTarget.named) else {
            usage()
        }
        #if FUZZING
        fuzz(target, arguments: arguments)
        #else
        replay(target, paths: Array(arguments.dropFirst()))
        #endif
    }

    static func usage() -> Never {
        var text = "usage: mailtime-fuzz <target> <file-or-folder>...\ntargets:\n"
        for target in FuzzTarget.all {
            text += "  \(target.name.padding(toLength: 18, withPad: " ", startingAt: 0))\(target.summary)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        exit(64)
    }

    static func replay(_ target: FuzzTarget, paths: [String]) {
        guard !paths.isEmpty else { usage() }
        do {
            let inputs = try FuzzCorpus.inputs(at: paths)
            for input in inputs {
                target.test(input.bytes)
            }
            print("\(target.name): \(inputs.count) inputs replayed")
        } catch {
            FileHandle.standardError.write(Data("mailtime-fuzz: \(error.localizedDescription)\n".utf8))
            exit(66)
        }
    }

    #if FUZZING
    /// The target libFuzzer's callback runs: set once, before the driver starts.
    nonisolated(unsafe) static var selected: FuzzTarget?

    static func fuzz(_ target: FuzzTarget, arguments: [String]) -> Never {
        selected = target
        // libFuzzer's child processes (-fork, -merge) run this program again with the same environment.
        setenv("MAILTIME_FUZZ_TARGET", target.name, 1)
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let status = cArguments.withUnsafeMutableBufferPointer { buffer in
            var argc = Int32(arguments.count)
            var argv = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput)
        }
        exit(status)
    }
    #endif
}

#if FUZZING
/// libFuzzer's callback; the linked libFuzzer also requires it by this name.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    MailTimeFuzz.selected!.test(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif

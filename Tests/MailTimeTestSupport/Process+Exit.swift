import Foundation

extension Process {
    /// Waits until the process has exited and Foundation has recorded it, without holding a thread:
    /// `waitUntilExit()` blocks a thread of the tests' shared pool (two cores, two threads), and a few
    /// such waits at once stall every test.
    public func exited() async {
        while isRunning {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

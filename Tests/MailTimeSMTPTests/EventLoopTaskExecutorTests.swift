import MailTimeSMTP
import NIOCore
import NIOPosix
import Testing

@Suite struct EventLoopTaskExecutorTests {
    @Test func aTaskThatPrefersTheExecutorStaysOnItsLoopAcrossAwaits() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let executor = EventLoopTaskExecutor(eventLoop: loops[0])
        let onItsLoop = await withTaskGroup(of: [Bool].self) { tasks in
            tasks.addTask(executorPreference: executor) {
                var checks = [loops[0].inEventLoop]
                try? await Task.sleep(for: .milliseconds(5))
                checks.append(loops[0].inEventLoop)
                // A future completed on the other loop resumes the task on its own loop.
                _ = try? await loops[1].submit { 1 }.get()
                checks.append(loops[0].inEventLoop)
                return checks
            }
            return await tasks.next() ?? []
        }
        #expect(onItsLoop == [true, true, true])
        try await group.shutdownGracefully()
    }
}

import NIOCore

/// A task executor that runs every job on one event loop.
///
/// A task that prefers it (`addTask(executorPreference:)`) runs on the loop, so when it awaits a
/// channel of that same loop (an ``SMTPConnection`` the ``SMTPConnectionPool`` opened there) it
/// resumes in the loop's own tick: no thread hop, no wake-up of another thread.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

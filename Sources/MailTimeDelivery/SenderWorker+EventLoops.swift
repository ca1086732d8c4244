import MailTimeSMTP
import NIOCore
import NIOPosix

extension SenderWorker {
    /// Runs `workers` until each one ends, spread over the loops of `eventLoopGroup`: each runs on
    /// one loop (an ``EventLoopTaskExecutor``), where the SMTP connection pools give it connections,
    /// so a send goes out and its reply comes back without waking another thread. Pass the group
    /// the SMTP connection pools use, and only workers whose source and deliverer never block.
    public static func run(_ workers: [SenderWorker], on eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async {
        let executors = eventLoopGroup.makeIterator().map(EventLoopTaskExecutor.init(eventLoop:))
        await withDiscardingTaskGroup { group in
            for (index, worker) in workers.enumerated() {
                group.addTask(executorPreference: executors[index % executors.count]) {
                    await worker.run()
                }
            }
        }
    }
}

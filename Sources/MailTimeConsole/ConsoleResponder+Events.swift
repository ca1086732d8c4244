import HTTPTypes
import Hummingbird
import MailTimeJSON
import MailTimeModel
import MailTimeProtocol
import ServiceLifecycle

extension ConsoleResponder {
    /// `GET /events`: Server-Sent Events for the overview. An `email` event for each queue event (the
    /// `EVENTS` line's JSON) and a `stats` event every ``ConsoleConfiguration/statsInterval`` (the counts,
    /// the oldest ready email's age, pause, the providers' health and the chart's last hour). The
    /// stream ends after ``ConsoleConfiguration/eventStreamDuration`` or when the broker shuts down;
    /// the browser reconnects by itself.
    func eventStream() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { [self] writer in
            let (frames, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(512))
            let subscription = backend.subscribe { event in
                var json = JSONWriter()
                event.write(to: &json)
                continuation.yield("event: email\ndata: \(String(decoding: json.bytes, as: UTF8.self))\n\n")
            }
            let ticker = Task {
                while !Task.isCancelled {
                    if let stats = try? await backend.stats() {
                        continuation.yield("event: stats\ndata: \(statsJSON(stats))\n\n")
                    }
                    try? await Task.sleep(for: configuration.statsInterval)
                }
            }
            let deadline = Task {
                try? await Task.sleep(for: configuration.eventStreamDuration)
                continuation.finish()
            }
            defer {
                subscription.cancel()
                ticker.cancel()
                deadline.cancel()
            }
            try await withGracefulShutdownHandler {
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                for await frame in frames {
                    try await writer.write(ByteBuffer(string: frame))
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The body of a `stats` event.
    func statsJSON(_ stats: BrokerStats) -> String {
        let series = throughput.series(now: Self.nowMilliseconds())
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("counts")
        writer.beginObject()
        for state in JobState.allCases {
            writer.key(state.name)
            writer.integer(stats.counts[state, default: 0])
        }
        writer.endObject()
        writer.key("oldest_ready_age_ms")
        writer.integer(stats.oldestReadyAgeMilliseconds)
        writer.key("paused")
        writer.bool(stats.isPaused)
        writer.key("providers")
        writer.beginArray()
        for provider in stats.providers { provider.write(to: &writer) }
        writer.endArray()
        writer.key("series")
        Self.write(series, to: &writer)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

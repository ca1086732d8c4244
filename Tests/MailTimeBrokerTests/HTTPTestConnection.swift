import Foundation
import Glibc

/// A plain HTTP/1.x connection to 127.0.0.1 over a blocking socket (reads time out after 20 s: the event loops the tests share can be busy for seconds):
/// requests are written as given, responses read by their `Content-Length`. Use it inside
/// ``onOwnThread(_:)``, so the blocking calls stay off the tasks' shared threads.
final class HTTPTestConnection {
    /// One response: the status code, the headers (names in lower case) and the body.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// `errno` of the failed call, if one failed.
        var code: Int32 = 0
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects; throws ``Failure`` with `ECONNREFUSED` when nothing listens on `port`.
    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))", code: errno) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw Failure(description: "connect to port \(port): \(String(cString: strerror(code)))", code: code)
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Writes `request` as it is (lines ended by CRLF, and an empty line after the headers).
    func send(_ request: String) throws {
        let bytes = Array(request.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))", code: errno) }
            written += count
        }
    }

    /// `GET path` with `Host` and whatever `headers` add, then its response.
    func get(_ path: String, headers: [String] = []) throws -> Response {
        try send((["GET \(path) HTTP/1.1", "Host: 127.0.0.1"] + headers).map { $0 + "\r\n" }.joined() + "\r\n")
        guard let response = try response() else { throw Failure(description: "the server closed the connection without answering") }
        return response
    }

    /// The next response, or `nil` if the server closed the connection before one began.
    func response() throws -> Response? {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.indices.dropLast(3).first { Array(buffer[$0..<$0 + 4]) == Array("\r\n\r\n".utf8) }
            if headerEnd == nil {
                guard try read() else {
                    if buffer.isEmpty { return nil }
                    throw Failure(description: "the connection closed inside a response's headers")
                }
            }
        }
        let lines = String(decoding: buffer[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeSubrange(..<(headerEnd! + 4))
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "not a status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let length = headers["content-length"].flatMap({ Int($0) }) else { throw Failure(description: "no Content-Length: \(lines)") }
        while buffer.count < length {
            guard try read() else { throw Failure(description: "the connection closed inside a response's body") }
        }
        let body = String(decoding: buffer[..<length], as: UTF8.self)
        buffer.removeSubrange(..<length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (nothing more comes) within the read timeout.
    func isClosedByServer() throws -> Bool {
        try !read()
    }

    /// Reads what is there into the buffer; false at the end of the stream.
    private func read() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { return false }
            throw Failure(description: "recv: \(String(cString: strerror(errno)))", code: errno)
        }
        buffer += chunk[..<count]
        return count > 0
    }
}

/// Runs blocking `body` on a thread of its own and returns its result.
func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}

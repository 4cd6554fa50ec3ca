// A tiny blocking HTTP/1.1 server on 127.0.0.1 (a random port) for the action tests: one thread accepts, one thread per
// connection reads one request, records it and answers it (then closes), or holds it open and notes when the client
// closes. Every blocking wait is bounded, so a broken test fails instead of hanging.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One request as the server received it.
struct RecordedRequest: Sendable {
    let method: String
    let target: String
    let headers: [(String, String)]
    let body: [UInt8]

    /// All values of header `name` (case-insensitive).
    func values(_ name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }

    func header(_ name: String) -> String? { values(name).first }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// What the server does with a request.
enum Reply: Sendable {
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Never answers; records when the client closes the connection.
    case hang

    static func text(_ status: Int, _ body: String, contentType: String? = "text/plain") -> Reply {
        .respond(status: status, headers: contentType.map { [("Content-Type", $0)] } ?? [], body: Array(body.utf8))
    }

    static func redirect(_ status: Int, to location: String) -> Reply {
        .respond(status: status, headers: [("Location", location)], body: [])
    }
}

/// Seconds on CLOCK_MONOTONIC.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

final class TestServer: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var closedAt: [Double] = []
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)
    private let respond: @Sendable (RecordedRequest) -> Reply

    /// Starts listening; `respond` runs on the connection's thread.
    init(_ respond: @escaping @Sendable (RecordedRequest) -> Reply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 64) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.respond = respond
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// When each held (`.hang`) connection was seen closed by the client, in seconds on CLOCK_MONOTONIC.
    var closedAt: [Double] { state.withLock { $0.closedAt } }

    /// Stops accepting; connections in progress end on their own (bounded waits).
    func stop() { stopped.store(true, ordering: .releasing) }

    /// Polls `condition` every 2 ms for up to `seconds`.
    func wait(seconds: Double = 5, until condition: (TestServer) -> Bool) -> Bool {
        let end = monotonicSeconds() + seconds
        while !condition(self) {
            if monotonicSeconds() > end { return false }
            usleep(2000)
        }
        return true
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !stopped.load(ordering: .acquiring) {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 20) == 1 else { continue }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = readRequest(fd) else { return }
        let reply = respond(request)
        state.withLock { $0.requests.append(request) }
        switch reply {
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            writeAll(fd, Array((head + "\r\n").utf8) + body)
        case .hang:
            var byte: UInt8 = 0
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 10_000) == 1, read(fd, &byte, 1) <= 0 else { return }
            let at = monotonicSeconds()
            state.withLock { $0.closedAt.append(at) }
        }
    }

    /// Reads one request (head, then a Content-Length body); nil when the client goes away or stalls for 5 s.
    private func readRequest(_ fd: Int32) -> RecordedRequest? {
        var buffer: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var contentLength = 0
        var parsed: (String, String, [(String, String)])?
        while true {
            if headEnd == nil, let end = buffer.firstRange(of: separator)?.upperBound {
                headEnd = end
                let lines = String(decoding: buffer[..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count == 3 else { return nil }
                let headers = lines.dropFirst().compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                contentLength = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
                parsed = (String(parts[0]), String(parts[1]), headers)
            }
            if let end = headEnd, let (method, target, headers) = parsed, buffer.count - end >= contentLength {
                return RecordedRequest(method: method, target: target, headers: headers,
                                       body: Array(buffer[end..<(end + contentLength)]))
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 5000) == 1 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            sent += n
        }
    }
}

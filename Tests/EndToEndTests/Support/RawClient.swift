// A blocking POSIX TCP client for end-to-end tests: raw bytes out, parsed HTTP/1.1 responses in. SO_RCVTIMEO and
// SO_SNDTIMEO bound every call, so a server that hangs fails the test instead of hanging it. One test thread per client.
#if canImport(Glibc)
import Glibc
#endif

/// What a client read or write ran into.
enum ClientError: Error, Equatable, CustomStringConvertible {
    case connectFailed(Int32)
    case timedOut
    case closed          // orderly EOF where more bytes were expected
    case reset           // ECONNRESET / EPIPE
    case malformed(String)

    var description: String {
        switch self {
        case .connectFailed(let e): "connect: \(String(cString: strerror(e)))"
        case .timedOut: "timed out"
        case .closed: "connection closed by the server"
        case .reset: "connection reset by the server"
        case .malformed(let m): "malformed response: \(m)"
        }
    }
}

/// One HTTP response as the client saw it.
struct HTTPResponse {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []
    /// Sizes of the chunks of a chunked body, in order.
    var chunkSizes: [Int] = []

    /// The first value of `name` (case-insensitive).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    func count(of name: String) -> Int {
        let lower = name.lowercased()
        return headers.filter { $0.name.lowercased() == lower }.count
    }

    var text: String { String(decoding: body, as: UTF8.self) }
    var closes: Bool { header("Connection")?.lowercased() == "close" }
    var isChunked: Bool { header("Transfer-Encoding")?.lowercased() == "chunked" }
}

/// How reading to the end of a connection finished.
enum StreamEnd: Equatable {
    case eof, reset
}

/// A blocking TCP client connected to 127.0.0.1.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false
    /// Bytes per recv(2).
    var readSize = 65536
    /// Called after every recv(2) with the total number of bytes received so far (slow-reader tests).
    var onRead: ((Int) -> Void)?
    private(set) var totalReceived = 0

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` sets SO_RCVBUF before connecting (which also stops autotuning).
    init(port: Int, timeout: Double = 5, receiveBuffer: Int? = nil) throws(ClientError) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket failed")
        if let receiveBuffer { RawClient.setInt(fd, SOL_SOCKET, SO_RCVBUF, Int32(receiveBuffer)) }
        RawClient.setInt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        setTimeout(timeout)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            closed = true
            throw .connectFailed(e)
        }
    }

    deinit { close() }

    /// Sets SO_RCVTIMEO and SO_SNDTIMEO.
    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func setInt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: - Writing

    func send(_ text: String) throws(ClientError) { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws(ClientError) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n > 0 { off += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw .timedOut }
            throw .reset
        }
    }

    /// Sends `text` one byte per write, pausing `delay` seconds between bytes.
    func sendSlowly(_ text: String, delay: Double) throws(ClientError) {
        for b in Array(text.utf8) {
            try send([b])
            sleepSeconds(delay)
        }
    }

    /// Half-close: no more bytes from us; the server may still answer.
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with SO_LINGER 0, so the server sees a reset.
    func reset() {
        guard !closed else { return }
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    // MARK: - Reading

    /// Reads once into the buffer. Throws .closed on EOF.
    private func fill() throws(ClientError) {
        var chunk = [UInt8](repeating: 0, count: readSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                totalReceived += n
                onRead?(totalReceived)
                return
            }
            if n == 0 { throw .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw .timedOut
            default: throw .reset
            }
        }
    }

    private func take(_ n: Int) throws(ClientError) -> [UInt8] {
        while buffer.count < n { try fill() }
        let out = Array(buffer[0..<n])
        buffer.removeFirst(n)
        return out
    }

    /// Reads exactly `n` bytes (of a body whose head was read with `readHead`).
    func read(exactly n: Int) throws(ClientError) -> [UInt8] { try take(n) }

    /// Reads one CRLF-terminated line (without the CRLF).
    private func line(limit: Int = 1 << 20) throws(ClientError) -> [UInt8] {
        var scanned = 0
        while true {
            if buffer.count >= 2 {
                var i = max(0, scanned - 1)
                while i + 1 < buffer.count {
                    if buffer[i] == 0x0D && buffer[i + 1] == 0x0A {
                        let out = Array(buffer[0..<i])
                        buffer.removeFirst(i + 2)
                        return out
                    }
                    i += 1
                }
                scanned = buffer.count
            }
            if buffer.count > limit { throw .malformed("line too long") }
            try fill()
        }
    }

    /// Reads a status line and header block (interim 1xx responses included, returned as they come).
    func readHead() throws(ClientError) -> HTTPResponse {
        let statusLine = String(decoding: try line(), as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let code = Int(parts[1]), parts[1].count == 3 else {
            throw .malformed("status line \"\(statusLine)\"")
        }
        var response = HTTPResponse(status: code, reason: parts.count > 2 ? String(parts[2]) : "", headers: [])
        while true {
            let l = try line()
            if l.isEmpty { break }
            guard let colon = l.firstIndex(of: 0x3A) else { throw .malformed("header line without a colon") }
            let name = String(decoding: l[..<colon], as: UTF8.self)
            let value = String(decoding: l[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            response.headers.append((name, value))
        }
        return response
    }

    /// Reads one complete response. `head` = the request was HEAD (no body follows).
    func readResponse(head: Bool = false) throws(ClientError) -> HTTPResponse {
        var r = try readHead()
        if r.status < 200 || r.status == 204 || r.status == 304 || head { return r }
        if r.isChunked {
            while true {
                let sizeLine = String(decoding: try line(), as: UTF8.self)
                guard !sizeLine.isEmpty, let size = Int(sizeLine, radix: 16), sizeLine.allSatisfy(\.isHexDigit) else {
                    throw .malformed("chunk size \"\(sizeLine)\"")
                }
                if size == 0 {
                    guard try line().isEmpty else { throw .malformed("trailer after the last chunk") }
                    break
                }
                r.body.append(contentsOf: try take(size))
                r.chunkSizes.append(size)
                guard try take(2) == [0x0D, 0x0A] else { throw .malformed("chunk not followed by CRLF") }
            }
        } else if let cl = r.header("Content-Length") {
            guard let n = Int(cl), n >= 0 else { throw .malformed("Content-Length \(cl)") }
            r.body = try take(n)
        } else {
            let (rest, _) = try readToEnd()
            r.body = rest
        }
        return r
    }

    /// Reads a final response, skipping (and returning) any interim 1xx responses first.
    func readFinalResponse(head: Bool = false) throws(ClientError) -> (interim: [HTTPResponse], final: HTTPResponse) {
        var interim: [HTTPResponse] = []
        while true {
            let r = try readResponse(head: head)
            if r.status >= 200 { return (interim, r) }
            interim.append(r)
        }
    }

    /// Reads until the server closes (EOF or reset); returns what arrived (buffered bytes first).
    func readToEnd() throws(ClientError) -> (bytes: [UInt8], end: StreamEnd) {
        while true {
            do {
                try fill()
            } catch .closed {
                let out = buffer
                buffer = []
                return (out, .eof)
            } catch .reset {
                let out = buffer
                buffer = []
                return (out, .reset)
            }
        }
    }

    /// True when the server closes the connection (EOF or reset) with no further bytes within the receive timeout.
    /// Closes our side too, which ends a lingering close on the server at once.
    func closesQuietly() -> Bool {
        defer { close() }
        guard let (bytes, _) = try? readToEnd() else { return false }
        return bytes.isEmpty
    }

    /// True when bytes (or EOF) are ready to read within `wait` seconds.
    func hasData(wait: Double) -> Bool {
        if !buffer.isEmpty { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(wait * 1000)) > 0
    }

    /// Bytes received but not consumed by a read call.
    var unread: [UInt8] { buffer }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Sleeps the calling thread.
func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1_000_000_000))
    var rest = timespec()
    while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
}

/// Monotonic seconds, for measuring in tests.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Double = 3, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if condition() { return true }
        if monotonicSeconds() >= deadline { return false }
        sleepSeconds(0.005)
    }
}

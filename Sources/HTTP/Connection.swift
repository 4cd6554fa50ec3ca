// One client connection: read buffer, parser state, the request in progress, pending output, timers.
// Lives on its event loop's thread; other threads reach it only through LoopMessage (Responder, StreamWriter).
import CLinux
import Dispatch
import Log
#if canImport(Glibc)
import Glibc
#endif

final class Connection {
    enum Phase { case head, body, waiting, streaming, closing, lingering, closed }
    enum Timer { case none, header(seenBytes: Bool), idle, body, linger }

    static let maxLingerBytes = 1 << 20
    static let maxBufferedWhileWaiting = 65536
    static let maxUnsentBeforePause = 65536
    static let keepOutCapacity = 16384

    let fd: Int32
    let id: UInt64
    unowned(unsafe) let loop: EventLoop   // the loop owns its connections and outlives them
    let peer: String
    var activeIndex = -1

    private(set) var phase = Phase.head
    private var inbound: [UInt8] = []
    private var scan = HeadScanState()
    private var inProcess = false

    // The request in progress.
    private var head: RequestHead?
    private var match = Router.Match.notFound
    private var pathHeaders: [(name: String, value: String)] = []
    private var body: [UInt8] = []
    private var bodyRemaining = 0
    private var chunked: ChunkedDecoder?
    private var bodyLimit = 0
    private var reserved = 0
    /// The request matched no route (404/405): its body is read and dropped, never buffered or charged.
    private var discardBody = false
    private var discarded = 0
    private var requestStart: Int64 = 0
    private var keepAlive = true
    private var requestID = ""
    private var routePattern = "unmatched"
    private var responseStatus = 0
    private var stream: StreamWriter?
    private var streamChunked = true

    // Output.
    private var out: [UInt8] = []
    private var outOffset = 0
    private var registered: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    private var readPaused = false
    /// read() returned 0: every byte the client sent has been read.
    private var peerClosed = false
    /// EPOLLRDHUP was reported (FIN received); unread bytes may remain.
    private var finSeen = false
    private var lingerBytes = 0

    // Timers (monotonic ms; 0 = unset).
    private var timer = Timer.none
    private var deadline: Int64 = 0
    private var writeDeadline: Int64 = 0

    init(fd: Int32, id: UInt64, loop: EventLoop, peer: String) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.peer = peer
    }

    private var server: Server { loop.server }

    /// Idle = between requests with nothing received or pending: closed at once by a graceful shutdown.
    var isIdle: Bool {
        guard phase == .head, inbound.isEmpty, outOffset >= out.count else { return false }
        if case .header(seenBytes: true) = timer { return false }
        return true
    }

    // MARK: - Events

    func handle(events: UInt32) {
        if events & EPOLLIN.rawValue != 0 {
            onReadable()
            if phase == .closed { return }
        }
        if events & EPOLLOUT.rawValue != 0 {
            flush()
            if phase == .closed { return }
        }
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            close()
            return
        }
        if events & EPOLLRDHUP.rawValue != 0 && events & EPOLLIN.rawValue == 0 {
            // FIN seen while not reading: bytes sent before it may still be unread, so this is only a hint. A stream
            // is cancelled (its reader left); otherwise stop watching RDHUP (level-triggered) and let read() == 0 end
            // the input once reading resumes.
            if phase == .streaming {
                peerWentAway()
            } else {
                finSeen = true
                updateInterest()
            }
        }
    }

    private func onReadable() {
        let buf = loop.readBuffer
        if phase == .lingering {
            let n = read(fd, buf.baseAddress, buf.count)
            if n > 0 {
                lingerBytes += n
                if lingerBytes > Connection.maxLingerBytes { close() }
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                close()
            }
            return
        }
        if phase == .head && out.count - outOffset > Connection.maxUnsentBeforePause {
            // Pipelined requests whose responses the client does not read: stop reading (and answering) until the
            // output drains, or the responses would pile up without bound. flush() resumes.
            readPaused = true
            updateInterest()
            return
        }
        if phase == .waiting || phase == .streaming || phase == .closing {
            // Pipelined bytes while a response is pending: keep a bounded amount, then stop reading.
            if inbound.count >= Connection.maxBufferedWhileWaiting || phase == .closing {
                readPaused = true
                updateInterest()
                return
            }
        }
        let n = read(fd, buf.baseAddress, buf.count)
        if n > 0 {
            ingest(UnsafeRawBufferPointer(start: buf.baseAddress, count: n))
        } else if n == 0 {
            peerWentAway()
        } else if errno != EAGAIN && errno != EINTR {
            close()
        }
    }

    /// The client closed its side (or reset).
    private func peerWentAway() {
        switch phase {
        case .waiting, .closing:
            // A half-closed client may still read the response it asked for.
            peerClosed = true
            readPaused = true
            updateInterest()
        case .head where outOffset < out.count || !inbound.isEmpty:
            // Answers still to send, or pipelined requests still to answer: finish them, then close (resume()).
            peerClosed = true
            readPaused = true
            updateInterest()
            resume()
        default:
            close()   // idle, mid-head, mid-body, streaming (cancels the producer), lingering
        }
    }

    private func ingest(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .head:
            switch timer {
            case .idle: startHeaderTimer(seenBytes: true)
            case .header(seenBytes: false): timer = .header(seenBytes: true)
            default: break
            }
        case .body:
            deadline = loop.now + server.config.bodyTimeoutMs
        case .waiting, .streaming:
            inbound.append(contentsOf: bytes)
            return
        default:
            return
        }
        if inbound.isEmpty {
            let consumed = process(bytes)
            if phase != .closed && consumed < bytes.count {
                inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
            }
        } else {
            var data = inbound
            inbound = []
            data.append(contentsOf: bytes)
            processBuffered(data)
        }
        flush()
    }

    /// Processes bytes that were buffered earlier (pipelined requests) and keeps what is left. `data` is moved out of
    /// `inbound` first (process may close the connection, which clears `inbound`); when nothing was consumed (a head
    /// still arriving) the same buffer is moved back rather than copied, so a byte-at-a-time client costs O(n).
    private func processBuffered(_ data: consuming [UInt8]) {
        let consumed = data.withUnsafeBytes { process($0) }
        guard phase != .closed && consumed < data.count else { return }
        if consumed == 0 && inbound.isEmpty {
            inbound = data
        } else {
            inbound.append(contentsOf: data[consumed...])
        }
    }

    // MARK: - Parsing

    /// Parses and runs as many requests as `bytes` holds; returns how many bytes were used.
    private func process(_ bytes: UnsafeRawBufferPointer) -> Int {
        inProcess = true
        defer { inProcess = false }
        var off = 0
        loop: while off < bytes.count {
            switch phase {
            case .head:
                // Pipelined requests whose answers the client is not reading: stop here; flush() resumes.
                if out.count - outOffset > Connection.maxUnsentBeforePause { break loop }
                let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
                switch RequestParser.parseHead(rest, limits: server.config.parserLimits, state: &scan) {
                case .needMore:
                    break loop
                case .invalid(let status):
                    requestStart = FD.monotonicNanoseconds()
                    respondAndClose(status, status.defaultMessage)
                    return bytes.count
                case .head(let h, let consumed):
                    off += consumed
                    scan = HeadScanState()
                    begin(h, bodyBytesWaiting: off < bytes.count)
                }
            case .body:
                off += consumeBody(UnsafeRawBufferPointer(rebasing: bytes[off...]))
            default:
                break loop
            }
        }
        return off
    }

    private func begin(_ h: RequestHead, bodyBytesWaiting: Bool) {
        requestStart = FD.monotonicNanoseconds()
        head = h
        keepAlive = h.keepAlive
        requestID = Connection.clientRequestID(h.headers) ?? loop.nextRequestID()
        routePattern = "unmatched"
        pathHeaders = []
        if loop.draining {
            respondAndClose(.serviceUnavailable, "Server is shutting down")
            return
        }
        if !h.method.isKnown {
            respondAndClose(.notImplemented, "Not implemented")
            return
        }
        match = server.router.match(h.method, h.path)
        var kind = BodyLimit.standard
        switch match {
        case .found(let route, _, let ph):
            kind = route.bodyLimit
            routePattern = route.pattern
            pathHeaders = ph
        case .methodNotAllowed(_, let ph):
            pathHeaders = ph
        case .notFound:
            break
        }
        bodyLimit = server.config.limit(kind)
        if case .found = match { discardBody = false } else { discardBody = true }
        discarded = 0
        switch h.framing {
        case .none:
            dispatch()
        case .length(let n):
            if n > bodyLimit {
                respondAndClose(.payloadTooLarge, "Request body too large")
                return
            }
            // The budget is charged as bytes arrive (consumeBody), not for what a client merely declares.
            body = []
            if !discardBody { body.reserveCapacity(min(n, 65536)) }
            bodyRemaining = n
            chunked = nil
            startBody(expectContinue: h.expectContinue && !bodyBytesWaiting)
        case .chunked:
            body = []
            chunked = ChunkedDecoder(maxTrailerBytes: server.config.parserLimits.maxHeaderBytes)
            startBody(expectContinue: h.expectContinue && !bodyBytesWaiting)
        }
    }

    private func startBody(expectContinue: Bool) {
        phase = .body
        timer = .body
        deadline = loop.now + server.config.bodyTimeoutMs
        if expectContinue {
            out.append(contentsOf: Connection.continueLine)
            if !inProcess { flush() }
        }
    }

    private func consumeBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if var decoder = chunked {
            let before = body.count
            let result = decoder.decode(bytes, into: &body, limit: bodyLimit - discarded)
            chunked = decoder
            if discardBody {
                discarded += body.count
                body.removeAll(keepingCapacity: true)
            } else if body.count > before && !reserve(body.count - before) {
                respondAndClose(.serviceUnavailable, "Server busy")
                return bytes.count
            }
            switch result {
            case .needMore:
                return bytes.count
            case .done(let consumed):
                dispatch()
                return consumed
            case .invalid(let status):
                respondAndClose(status, status.defaultMessage)
                return bytes.count
            }
        }
        let take = min(bodyRemaining, bytes.count)
        if !discardBody {
            guard reserve(take) else {
                respondAndClose(.serviceUnavailable, "Server busy")
                return bytes.count
            }
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
        }
        bodyRemaining -= take
        if bodyRemaining == 0 { dispatch() }
        return take
    }

    // MARK: - Handling

    private func dispatch() {
        guard let h = head else { return }
        phase = .waiting
        timer = .none
        deadline = 0
        var request = Request(method: h.method, path: h.path, query: h.query, version: h.version,
                              headers: h.headers, body: body, keepAlive: h.keepAlive)
        body = []
        request.requestID = requestID
        request.remoteAddress = peer
        request.loopIndex = loop.index
        let response: Response
        switch match {
        case .found(let route, let params, _):
            request.parameters = params
            request.routePattern = route.pattern
            do {
                response = try route.handler(&request)
            } catch {
                response = server.errorResponse(error)
            }
            // Headers the handler attached to the request (a renewed cookie) go on whatever answers it.
            pathHeaders.append(contentsOf: request.responseHeaders)
        case .methodNotAllowed(let allow, _):
            response = Response.error(.methodNotAllowed, "Method not allowed", headers: [("Allow", allow)])
        case .notFound:
            response = Response.error(.notFound, "Not found")
        }
        deliver(response)
    }

    /// Writes `response` for the request in progress (called again later for deferred responses).
    func deliver(_ original: Response) {
        guard phase == .waiting, let h = head else { return }
        var response = original
        if !pathHeaders.isEmpty, !isDeferred(response) { response.headers.append(contentsOf: pathHeaders) }
        responseStatus = response.status.code
        switch response.body {
        case .deferred(let produce):
            produce(Responder(loop: loop, fd: fd, connectionID: id))
            return
        case .bytes(let bytes):
            encodeHead(response, contentLength: bytes.count)
            if h.method != .head { out.append(contentsOf: bytes) }
            finishRequest()
        case .empty:
            encodeHead(response, contentLength: 0)
            finishRequest()
        case .stream(let produce):
            streamChunked = h.version == .http11
            if !streamChunked { keepAlive = false }
            encodeHead(response, contentLength: nil)
            if h.method == .head {
                finishRequest()
            } else {
                let writer = StreamWriter(loop: loop, fd: fd, connectionID: id, highWater: server.config.streamHighWaterBytes)
                stream = writer
                phase = .streaming
                // A producer blocks in write() for as long as its client reads slowly. On the shared concurrent pool
                // (about one thread per core) a few of those would starve all other work, so each gets its own serial
                // queue: those run on dispatch's overcommitting pool and get a thread at once.
                DispatchQueue(label: "orchestrator.stream").async { produce(writer) }
            }
        }
        if !inProcess { flush() }
    }

    private func isDeferred(_ r: Response) -> Bool {
        if case .deferred = r.body { return true }
        return false
    }

    /// Moves queued stream chunks into the output (loop thread, on the writer's notification).
    func pullStream() {
        guard phase == .streaming, let writer = stream else { return }
        let (chunks, ended) = writer.take()
        for c in chunks {
            if streamChunked {
                out.append(contentsOf: String(c.count, radix: 16).utf8)
                out.append(0x0D); out.append(0x0A)
                out.append(contentsOf: c)
                out.append(0x0D); out.append(0x0A)
            } else {
                out.append(contentsOf: c)
            }
        }
        if ended {
            if streamChunked { out.append(contentsOf: "0\r\n\r\n".utf8) }
            stream = nil
            phase = .waiting
            finishRequest()
        }
        flush()
    }

    private func finishRequest() {
        let elapsed = FD.monotonicNanoseconds() - requestStart
        if let observer = server.observer {
            observer.requestFinished(loop: loop.index, route: routePattern, status: responseStatus, durationNanos: elapsed)
        }
        let logger = server.logger
        if logger.enabled(.info) {
            let ms = Double(elapsed / 1000) / 1000
            logger.render(into: &loop.logBuffer, .info, "request", [
                "id": .string(requestID), "method": .string(head?.method.name ?? "-"), "route": .string(routePattern),
                "status": .int(responseStatus), "duration_ms": .double(ms),
            ])
            if loop.logBuffer.count > 65536 { loop.flushLog() }   // a long pipelined batch: hand over as it grows
        }
        release()
        head = nil
        match = .notFound
        // The next response on this connection (an HTTP-layer error included) must not reuse this request's id or headers.
        requestID = ""
        routePattern = "unmatched"
        pathHeaders = []
        if !keepAlive {
            phase = .closing
            readPaused = true
            return
        }
        phase = .head
        if readPaused && !peerClosed {
            readPaused = false
            updateInterest()
        }
        if inbound.isEmpty {
            startIdleTimer()
        } else {
            startHeaderTimer(seenBytes: true)
        }
        resume()
    }

    /// Between requests, outside `process`: answers buffered pipelined requests while the output allows, and closes
    /// once the client has finished sending (read() == 0) and everything it asked for is answered and written.
    private func resume() {
        guard phase == .head, !inProcess else { return }
        if !inbound.isEmpty && out.count - outOffset <= Connection.maxUnsentBeforePause {
            let data = inbound
            inbound = []
            processBuffered(data)
        }
        if phase == .head && peerClosed && outOffset >= out.count {
            close()   // a partial request left in `inbound` can never complete
        }
    }

    /// An HTTP-layer error: respond with `Connection: close`, then close after a lingering read.
    func respondAndClose(_ status: Status, _ message: String) {
        keepAlive = false
        phase = .waiting
        timer = .none   // this is the last response: a header or body deadline must not answer again
        deadline = 0
        if stream != nil { stream?.cancel(); stream = nil }
        release()
        responseStatus = status.code
        if requestID.isEmpty { requestID = loop.nextRequestID() }
        encodeHead(Response.error(status, message, headers: pathHeaders), contentLength: -1)
        finishRequest()
        if !inProcess { flush() }
    }

    /// Answers a connection that is not served at all (over the limit, shutting down).
    func reject(_ status: Status, _ message: String) {
        requestStart = FD.monotonicNanoseconds()
        requestID = loop.nextRequestID()
        respondAndClose(status, message)
    }

    // MARK: - Encoding

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let contentLengthName = Array("Content-Length: ".utf8)
    private static let requestIDName = Array("X-Request-Id: ".utf8)
    private static let closeLine = Array("Connection: close\r\n".utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n".utf8)
    private static let chunkedLine = Array("Transfer-Encoding: chunked\r\n".utf8)

    /// Status line and header fields. `contentLength` nil = streamed; -1 = take it from an error body (bytes).
    private func encodeHead(_ r: Response, contentLength: Int?) {
        // Draining: the last answer says `Connection: close`; but with pipelined requests already buffered behind a
        // late (deferred) answer, stay open so each of them gets its 503 "Server is shutting down" (SPEC §5).
        if loop.draining && (inbound.isEmpty || inProcess) { keepAlive = false }
        out.append(contentsOf: r.status.statusLine)
        out.append(contentsOf: loop.date.line)
        for (name, value) in r.headers {
            out.append(contentsOf: name.utf8)
            out.append(0x3A); out.append(0x20)
            for b in value.utf8 { out.append(b == 0x0D || b == 0x0A || b == 0 ? 0x20 : b) }   // no header injection
            out.append(0x0D); out.append(0x0A)
        }
        out.append(contentsOf: Connection.requestIDName)
        out.append(contentsOf: requestID.utf8)
        out.append(0x0D); out.append(0x0A)
        var length = contentLength
        if length == -1, case .bytes(let b) = r.body { length = b.count }
        if let length {
            let code = r.status.code
            if code != 204 && code != 304 && code >= 200 {
                out.append(contentsOf: Connection.contentLengthName)
                Connection.appendDecimal(length, to: &out)
                out.append(0x0D); out.append(0x0A)
            }
        } else if streamChunked {
            out.append(contentsOf: Connection.chunkedLine)
        }
        if !keepAlive {
            out.append(contentsOf: Connection.closeLine)
        } else if head?.version == .http10 {
            out.append(contentsOf: Connection.keepAliveLine)
        }
        out.append(0x0D); out.append(0x0A)
        if contentLength == -1, case .bytes(let b) = r.body, head?.method != .head { out.append(contentsOf: b) }
    }

    static func appendDecimal(_ v: Int, to out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }

    static func clientRequestID(_ headers: Headers) -> String? {
        guard let v = headers["x-request-id"], !v.isEmpty, v.utf8.count <= 128 else { return nil }
        for b in v.utf8 where b < 0x20 || b > 0x7E { return nil }   // printable ASCII, space included
        return v
    }

    // MARK: - Writing

    func flush() {
        guard phase != .closed else { return }
        let wasPending = outOffset < out.count
        while outOffset < out.count {
            let n = out.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outOffset, raw.count - outOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outOffset += n
                if writeDeadline != 0 { writeDeadline = loop.now + server.config.sendTimeoutMs }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                if writeDeadline == 0 { writeDeadline = loop.now + server.config.sendTimeoutMs }
                updateInterest()
                stream?.reportUnsent(out.count - outOffset)
                return
            }
            close()
            return
        }
        if out.capacity > Connection.keepOutCapacity { out = [] } else { out.removeAll(keepingCapacity: true) }
        outOffset = 0
        writeDeadline = 0
        stream?.reportUnsent(0)
        if phase == .closing {
            beginLinger()
        } else {
            if phase == .head && readPaused && !peerClosed { readPaused = false }   // paused above, in onReadable
            if phase == .head, case .idle = timer, wasPending { startIdleTimer() }   // idle from the end of the response
            if loop.draining && isIdle {
                close()   // a graceful shutdown closes keep-alive connections once they are idle
                return
            }
            if wasPending && phase == .head {
                resume()   // pipelined requests held back while the output was full
                if phase == .closed { return }
                if outOffset < out.count { flush(); return }
            }
            updateInterest()
        }
    }

    private func updateInterest() {
        guard phase != .closed else { return }
        var ev: UInt32 = 0
        if !readPaused { ev |= EPOLLIN.rawValue }
        if !peerClosed && !finSeen { ev |= EPOLLRDHUP.rawValue }
        if outOffset < out.count { ev |= EPOLLOUT.rawValue }
        if ev != registered {
            registered = ev
            loop.modify(fd, events: ev)
        }
    }

    private func beginLinger() {
        if peerClosed {
            close()
            return
        }
        shutdown(fd, Int32(SHUT_WR))
        phase = .lingering
        timer = .linger
        deadline = loop.now + server.config.lingerTimeoutMs
        readPaused = false
        updateInterest()
    }

    // MARK: - Timers and budget

    func startHeaderTimer(seenBytes: Bool) {
        timer = .header(seenBytes: seenBytes)
        deadline = loop.now + server.config.headerTimeoutMs
    }

    private func startIdleTimer() {
        timer = .idle
        deadline = loop.now + server.config.keepAliveTimeoutMs
    }

    func checkTimers(now: Int64) {
        if writeDeadline != 0 && now >= writeDeadline {
            close()
            return
        }
        guard deadline != 0 && now >= deadline else { return }
        deadline = 0
        switch timer {
        // Earlier responses are still going out (reading may be paused for them): not idle, and the next request
        // cannot be read yet. The send timeout governs a client that stops reading; look again later.
        case .header(let seen) where outOffset < out.count:
            startHeaderTimer(seenBytes: seen)
        case .idle where outOffset < out.count:
            startIdleTimer()
        case .header(let seen):
            if seen || !inbound.isEmpty {
                requestStart = FD.monotonicNanoseconds()
                requestID = ""
                respondAndClose(.requestTimeout, "Request timeout")
            } else {
                close()
            }
        case .body:
            respondAndClose(.requestTimeout, "Request timeout")
        case .idle, .linger:
            close()
        case .none:
            break
        }
    }

    private func reserve(_ n: Int) -> Bool {
        guard server.reserveBodyBytes(n) else { return false }
        reserved += n
        return true
    }

    private func release() {
        if reserved > 0 {
            server.releaseBodyBytes(reserved)
            reserved = 0
        }
    }

    /// Closes the socket at once; a running stream is cancelled.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        if let s = stream {
            stream = nil
            s.cancel()
        }
        release()
        Glibc.close(fd)   // close(2) also removes the fd from the epoll set
        loop.forget(self)
        inbound = []
        out = []
        body = []
    }
}

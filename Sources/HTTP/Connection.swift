// One client connection: socket reads and writes, epoll interest, the request in progress, timers, lingering close.
// Bytes become requests in RequestDecoder and responses become bytes in ResponseEncoder.
// Lives on its event loop's thread; other threads reach it only through LoopMessage (Responder, StreamWriter).
import HTTPCore
import System
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

    var phase = Phase.head
    var inbound: [UInt8] = []
    var decoder: RequestDecoder
    var inProcess = false

    // The request in progress.
    var head: RequestHead?
    var match = Router.Match.notFound
    var pathHeaders: [(name: String, value: String)] = []
    var reserved = 0
    var requestStart: Int64 = 0
    var keepAlive = true
    var requestID = ""
    var routePattern = "unmatched"
    var responseStatus = 0
    var stream: StreamWriter?
    var streamChunked = true
    /// The responder of a deferred answer still outstanding: told when this connection closes.
    var pendingResponder: Responder?

    // Output.
    var out: [UInt8] = []
    var outOffset = 0
    /// Unsent bytes last added to the loop's total (`EventLoop.unsentBytes`).
    var accountedUnsent = 0
    /// While output is pending: when the current drain window began (0 = nothing pending) and what it has drained.
    var drainWindowStart: Int64 = 0
    var drainedInWindow = 0
    /// A sent prefix at least this long (and at least half the buffer) is dropped from the output buffer.
    static let compactOutputBytes = 1 << 20
    var registered: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    var readPaused = false
    /// read() returned 0: every byte the client sent has been read.
    var peerClosed = false
    /// EPOLLRDHUP was reported (FIN received); unread bytes may remain.
    var finSeen = false
    var lingerBytes = 0

    // Timers (monotonic ms; 0 = unset).
    var timer = Timer.none
    var deadline: Int64 = 0
    var writeDeadline: Int64 = 0

    init(fd: Int32, id: UInt64, loop: EventLoop, peer: String) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.peer = peer
        decoder = RequestDecoder(limits: loop.server.config.parserLimits)
    }

    var server: Server { loop.server }

    /// Idle = between requests with nothing received or pending: closed at once by a graceful shutdown.
    var isIdle: Bool {
        guard phase == .head, inbound.isEmpty, outOffset >= out.count else { return false }
        if case .header(seenBytes: true) = timer { return false }
        return true
    }

    // MARK: - Input

    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && phase != .streaming {
            // Reset, or shut in both directions: nobody can read an answer, so requests still unread are not worth
            // starting (a burst of GET-then-RST would otherwise queue work for clients that are gone).
            close()
            return
        }
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

    func onReadable() {
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
    func peerWentAway() {
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

    func ingest(_ bytes: UnsafeRawBufferPointer) {
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
    func processBuffered(_ data: consuming [UInt8]) {
        let consumed = data.withUnsafeBytes { process($0) }
        guard phase != .closed && consumed < data.count else { return }
        if consumed == 0 && inbound.isEmpty {
            inbound = data
        } else {
            inbound.append(contentsOf: data[consumed...])
        }
    }

    // MARK: - Parsing

    /// Decodes and runs as many requests as `bytes` holds; returns how many bytes were used.
    func process(_ bytes: UnsafeRawBufferPointer) -> Int {
        inProcess = true
        defer { inProcess = false }
        var off = 0
        while off < bytes.count && (phase == .head || phase == .body) {
            // Pipelined requests whose answers the client is not reading: stop here; flush() resumes.
            if phase == .head && out.count - outOffset > Connection.maxUnsentBeforePause { break }
            let buffered = decoder.body.count
            let step = decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[off...]))
            // The budget is charged as body bytes arrive, not for what a client merely declares.
            if decoder.body.count > buffered && !reserve(decoder.body.count - buffered) {
                respondAndClose(.serviceUnavailable, "Server busy")
                return bytes.count
            }
            switch step {
            case .needMore(let consumed):
                return off + consumed
            case .head(let h, let consumed):
                off += consumed
                begin(h, bodyBytesWaiting: off < bytes.count)
            case .end(let consumed):
                off += consumed
                dispatch()
            case .invalid(let status):
                if phase == .head { requestStart = MonotonicClock.nanoseconds() }
                respondAndClose(status, status.defaultMessage)
                return bytes.count
            }
        }
        return off
    }

    func begin(_ h: RequestHead, bodyBytesWaiting: Bool) {
        requestStart = MonotonicClock.nanoseconds()
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
        var routed = false
        switch match {
        case .found(let route, _, let ph):
            kind = route.bodyLimit
            routePattern = route.pattern
            pathHeaders = ph
            routed = true
        case .methodNotAllowed(_, let ph):
            pathHeaders = ph
        case .notFound:
            break
        }
        // A request no route takes (404/405) has its body read and dropped, never buffered or charged.
        switch decoder.beginBody(h.framing, limit: server.config.limit(kind), discard: !routed) {
        case .none:
            dispatch()
        case .invalid(let status):
            respondAndClose(status, status.defaultMessage)
        case .follows:
            startBody(expectContinue: h.expectContinue && !bodyBytesWaiting)
        }
    }

    func startBody(expectContinue: Bool) {
        phase = .body
        timer = .body
        deadline = loop.now + server.config.bodyTimeoutMs
        if expectContinue {
            out.append(contentsOf: ResponseEncoder.continueLine)
            if !inProcess { flush() }
        }
    }
}

// One thread, one epoll instance (level-triggered): accepts on its own SO_REUSEPORT listener, runs connections,
// sweeps timers, and takes messages from other threads through a locked inbox and an eventfd wake-up.
import HTTPCore
import System
import CLinux
import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A message from another thread to a loop.
enum LoopMessage: Sendable {
    case complete(fd: Int32, id: UInt64, result: Result<Response, any Error>)
    case streamReady(fd: Int32, id: UInt64)
    case drain
    case forceClose
    /// A producer waits for output room: shed slow readers now (`signalOutputRoom`).
    case makeRoom
}

/// An event loop. Everything but `inbox` and `post` is touched only on the loop's own thread.
final class EventLoop: @unchecked Sendable {
    static let scratchSize = 65536
    static let maxEvents = 256
    /// Answers at least this large are counted while posted, and their producers wait for room (`waitForOutputRoom`).
    static let largeAnswerBytes = 256 * 1024
    /// How long the listener is left alone after accept4 runs out of descriptors or memory.
    static let acceptPauseMs: Int64 = 100

    let index: Int
    unowned(unsafe) let server: Server   // the server owns its loops and outlives them
    let epfd: Int32
    let wakeFD: Int32
    var listenFD: Int32
    private let inbox = Mutex<[LoopMessage]>([])

    var connections: [Connection?] = []        // by fd
    var active: [Connection] = []              // for the timer sweep; Connection.activeIndex is its slot
    /// Response bytes this loop's connections hold unsent, and this loop's share of the server's cap.
    var unsentBytes = 0 {
        didSet { heldOutput.store(unsentBytes, ordering: .relaxed) }
    }
    let maxUnsentBytes: Int
    /// For producers on other threads: `unsentBytes` as last stored, the bytes of answers posted but not yet delivered,
    /// and the condition they wait on while the loop holds too much (see `waitForOutputRoom`).
    let heldOutput = Atomic<Int>(0)
    let postedOutput = Atomic<Int>(0)
    let outputRoom = ConditionLock()
    let outputWaiters = Atomic<Int>(0)
    let waitingOutput = Atomic<Int>(0)
    /// The loop's own thread, so a producer running on it never waits for itself.
    var thread: pthread_t?
    var nextConnectionID: UInt64 = 1
    var draining = false
    private var stopped = false
    private var lastSweep: Int64 = 0
    private var acceptResumeAt: Int64 = 0       // monotonic ms; 0 = the listener is watched
    let sweepInterval: Int64

    /// Scratch memory for reads and for encoding responses; valid only within one event's handling.
    let readBuffer: UnsafeMutableRawBufferPointer
    var encodeBuffer: [UInt8] = []
    var date = HTTPDate()
    var logBuffer: [UInt8] = []
    var now: Int64 = 0                          // monotonic ms, refreshed per wake-up
    private let requestIDPrefix: [UInt8]   // 8 hex digits and "-"
    private var requestCounter: UInt64 = 0

    init(index: Int, server: Server, listenFD: Int32) throws(SystemError) {
        self.index = index
        self.server = server
        self.listenFD = listenFD
        guard let ep = try sys("epoll_create1", { epoll_create1(Int32(EPOLL_CLOEXEC)) }) else {
            throw SystemError(call: "epoll_create1", code: EAGAIN)
        }
        epfd = ep
        wakeFD = try EventFD.open()
        readBuffer = .allocate(byteCount: EventLoop.scratchSize, alignment: 16)
        encodeBuffer.reserveCapacity(16384)
        let c = server.config
        maxUnsentBytes = max(1, c.maxUnsentBytes / max(1, c.loopCount))
        let shortest = min(c.headerTimeoutMs, c.keepAliveTimeoutMs, c.bodyTimeoutMs, c.lingerTimeoutMs, c.sendTimeoutMs,
                           c.drainWindowMs)
        sweepInterval = max(20, min(1000, shortest / 8))
        var prefix = [UInt8](repeating: 0, count: 4)
        _ = getrandom(&prefix, 4, 0)
        requestIDPrefix = Array((prefix.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined() + "-").utf8)
        try add(wakeFD, events: EPOLLIN.rawValue)
        try add(listenFD, events: EPOLLIN.rawValue)
    }

    deinit {
        close(epfd)
        close(wakeFD)
        readBuffer.deallocate()
    }

    // MARK: - epoll registration

    func add(_ fd: Int32, events: UInt32) throws(SystemError) {
        var ev = epoll_event()
        ev.events = events
        ev.data.fd = fd
        _ = try sys("epoll_ctl") { epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) }
    }

    func modify(_ fd: Int32, events: UInt32) {
        var ev = epoll_event()
        ev.events = events
        ev.data.fd = fd
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
    }

    // MARK: - Cross-thread messages

    /// Queues `message` and wakes the loop. Any thread.
    func post(_ message: LoopMessage) {
        let first = inbox.withLock { box -> Bool in
            box.append(message)
            return box.count == 1
        }
        if first { EventFD.signal(wakeFD) }
    }

    private func drainInbox() {
        EventFD.drain(wakeFD)
        var messages = inbox.withLock { box -> [LoopMessage] in
            let m = box
            box.removeAll()
            return m
        }
        // Taken one by one, so each answer's bytes are freed once delivered, not when the whole batch is done
        // (a batch of large answers would otherwise be held twice: here and in the connections' output).
        messages.reverse()
        while let m = messages.popLast() {
            switch m {
            case .complete(let fd, let id, let result):
                if case .success(let r) = result, case .bytes(let b) = r.body, b.count >= EventLoop.largeAnswerBytes {
                    postedOutput.subtract(b.count, ordering: .relaxed)
                }
                guard let conn = connection(fd, id) else { continue }
                switch result {
                case .success(let r): conn.deliver(r)
                case .failure(let e): conn.deliver(server.errorResponse(e))
                }
            case .streamReady(let fd, let id):
                connection(fd, id)?.pullStream()
            case .makeRoom:
                break   // signalOutputRoom runs after every batch
            case .drain:
                beginDrain()
            case .forceClose:
                for conn in active { conn.close() }
            }
        }
    }

    private func connection(_ fd: Int32, _ id: UInt64) -> Connection? {
        guard fd >= 0, Int(fd) < connections.count, let c = connections[Int(fd)], c.id == id else { return nil }
        return c
    }

    // MARK: - Run

    /// Runs until drained (graceful shutdown finished) or stopped.
    func run() {
        thread = pthread_self()
        var events = [epoll_event](repeating: epoll_event(), count: EventLoop.maxEvents)
        now = MonotonicClock.milliseconds()
        lastSweep = now
        date.refresh()
        while !stopped {
            let timeout = Int32(acceptResumeAt != 0 ? min(sweepInterval, EventLoop.acceptPauseMs)
                                                    : active.isEmpty ? -1 : sweepInterval)
            let ready = epoll_wait(epfd, &events, Int32(EventLoop.maxEvents), draining && active.isEmpty ? 0 : timeout)
            now = MonotonicClock.milliseconds()
            date.refresh()
            if ready > 0 {
                // Connection events first; the inbox and accept after them. Both can close or create connections,
                // and a new connection may reuse a closed one's fd: handled later in the same batch, the old
                // connection's events would land on the new one.
                var wake = false
                var accept = false
                for k in 0..<Int(ready) {
                    let ev = events[k]
                    let fd = ev.data.fd
                    if fd == wakeFD {
                        wake = true
                    } else if fd == listenFD {
                        accept = true
                    } else if Int(fd) < connections.count, let conn = connections[Int(fd)] {
                        // An earlier handler in this batch may have closed this fd (then the slot is nil).
                        conn.handle(events: ev.events)
                    }
                }
                if wake { drainInbox() }
                if accept { acceptConnections() }
                signalOutputRoom()
            }
            if now - lastSweep >= sweepInterval {
                lastSweep = now
                sweepTimers()
            }
            if acceptResumeAt != 0 && now >= acceptResumeAt { resumeAccepting() }
            flushLog()
            if draining && active.isEmpty { stopped = true }
        }
        flushLog()
    }

    /// Blocks the calling producer (a worker thread) while this loop holds or is about to receive more answer bytes
    /// than its share of the cap, so large answers cannot pile up in the inbox faster than the loop can send or shed
    /// them. Gives up after `maxWaitMs` or when `abandoned` says the client left. Never waits on the loop's own thread.
    func waitForOutputRoom(_ bytes: Int, maxWaitMs: Int = 10_000, abandoned: () -> Bool) {
        if let t = thread, pthread_equal(t, pthread_self()) != 0 { return }
        func full() -> Bool {
            heldOutput.load(ordering: .relaxed) + postedOutput.load(ordering: .relaxed) + bytes > maxUnsentBytes
        }
        guard full() else { return }
        let deadline = MonotonicClock.milliseconds() + Int64(maxWaitMs)
        outputWaiters.add(1, ordering: .relaxed)
        waitingOutput.add(bytes, ordering: .relaxed)
        post(.makeRoom)
        outputRoom.lock()
        while full() && !abandoned() && MonotonicClock.milliseconds() < deadline {
            outputRoom.wait(milliseconds: 50)
        }
        outputRoom.unlock()
        waitingOutput.subtract(bytes, ordering: .relaxed)
        outputWaiters.subtract(1, ordering: .relaxed)
    }

    /// With producers waiting for room: closes the slowest readers to make it (SPEC §0), then wakes the producers
    /// (loop thread, each iteration).
    func signalOutputRoom() {
        guard outputWaiters.load(ordering: .relaxed) > 0 else { return }
        let incoming = postedOutput.load(ordering: .relaxed) + min(waitingOutput.load(ordering: .relaxed), maxUnsentBytes / 4)
        shedSlowestReaders(incoming: incoming)
        outputRoom.withLock { outputRoom.broadcast() }
    }

    /// Closes the connections that drain slowest until this loop's unsent output is back under its share of the cap
    /// (SPEC §0: "past it the connection that has drained slowest is closed").
    func shedSlowestReaders(incoming: Int = 0) {
        while unsentBytes + incoming > maxUnsentBytes {
            var slowest: Connection?
            var slowestRate = Double.infinity
            for conn in active where conn.outOffset < conn.out.count {
                let rate = conn.drainWindowStart == 0 ? Double.infinity : conn.drainRate(now: now)
                if slowest == nil || rate < slowestRate
                    || (rate == slowestRate && conn.out.count - conn.outOffset > slowest!.out.count - slowest!.outOffset) {
                    slowest = conn
                    slowestRate = rate
                }
            }
            guard let victim = slowest else { return }
            server.logger.warn("closing a slow reader", ["unsent_bytes": .int(victim.out.count - victim.outOffset),
                                                         "loop_unsent_bytes": .int(unsentBytes)])
            victim.close()
        }
    }

    private func sweepTimers() {
        var i = 0
        while i < active.count {
            let conn = active[i]
            conn.checkTimers(now: now)
            // checkTimers may close conn, which swap-removes it: only advance when the slot still holds it.
            if i < active.count && active[i] === conn { i += 1 }
        }
    }

    // MARK: - Accept

    private func acceptConnections() {
        for _ in 0..<64 {
            var addr = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listenFD, $0, &len, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EAGAIN: return
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The pending connection stays in the backlog and the listener stays readable (level-triggered):
                    // stop watching it for a moment rather than spin, and log, until a descriptor frees up.
                    server.logger.error("accept failed", ["error": .string(String(cString: strerror(errno)))])
                    pauseAccepting()
                    return
                default:
                    return
                }
            }
            FD.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let over = server.openConnections.add(1, ordering: .relaxed).newValue > server.config.maxConnections
            let conn = Connection(fd: fd, id: nextConnectionID, loop: self, peer: EventLoop.describe(&addr))
            nextConnectionID &+= 1
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: max(Int(fd) + 1 - connections.count, connections.count)))
            }
            connections[Int(fd)] = conn
            conn.activeIndex = active.count
            active.append(conn)
            do {
                try add(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
            } catch {
                conn.close()
                continue
            }
            server.observer?.connectionOpened(loop: index)
            if over {
                conn.reject(Status.serviceUnavailable, "Server busy")
            } else if draining {
                conn.reject(Status.serviceUnavailable, "Server is shutting down")
            } else {
                conn.startHeaderTimer(seenBytes: false)
            }
        }
    }

    private func pauseAccepting() {
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, nil)
        acceptResumeAt = now + EventLoop.acceptPauseMs
    }

    private func resumeAccepting() {
        acceptResumeAt = 0
        guard listenFD >= 0 else { return }   // closed by a drain meanwhile
        try? add(listenFD, events: EPOLLIN.rawValue)
    }

    /// Called by Connection.close after the fd is closed.
    func forget(_ conn: Connection) {
        if Int(conn.fd) < connections.count, connections[Int(conn.fd)] === conn { connections[Int(conn.fd)] = nil }
        let i = conn.activeIndex
        if i >= 0 && i < active.count && active[i] === conn {
            let last = active.removeLast()
            if i < active.count {
                active[i] = last
                last.activeIndex = i
            }
        }
        conn.activeIndex = -1
        _ = server.openConnections.subtract(1, ordering: .relaxed)
        server.observer?.connectionClosed(loop: index)
    }

    // MARK: - Shutdown

    private func beginDrain() {
        guard !draining else { return }
        draining = true
        if listenFD >= 0 {
            _ = epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, nil)
            close(listenFD)
            listenFD = -1
        }
        for conn in active where conn.isIdle { conn.close() }
    }

    // MARK: - Helpers

    /// `<8 hex>-<counter hex>`: at most 15 bytes until the counter passes 2^24, so usually a small (inline) String.
    func nextRequestID() -> String {
        requestCounter &+= 1
        var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &bytes) { buf -> String in
            var n = 0
            for b in requestIDPrefix { buf[n] = b; n += 1 }
            var digits = 0
            var x = requestCounter
            repeat { digits += 1; x >>= 4 } while x > 0
            x = requestCounter
            var i = n + digits - 1
            while i >= n {
                let d = UInt8(x & 15)
                buf[i] = d < 10 ? 48 + d : 87 + d
                x >>= 4
                i -= 1
            }
            n += digits
            return String(decoding: UnsafeRawBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
        }
    }

    func flushLog() {
        if !logBuffer.isEmpty {
            server.logger.write(logBuffer)
            logBuffer.removeAll(keepingCapacity: logBuffer.capacity <= 65536)
        }
    }

    static func describe(_ addr: inout sockaddr_storage) -> String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(addr.ss_family) {
        case AF_INET:
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count))
                }
            }
        case AF_INET6:
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                    var a = sin.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
                }
            }
        default:
            return ""
        }
        let len = buf.firstIndex(of: 0) ?? buf.count
        return String(decoding: buf[..<len].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

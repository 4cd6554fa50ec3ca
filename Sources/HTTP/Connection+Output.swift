// A connection's output and lifetime: non-blocking writes with EPOLLOUT only while a write comes back short, epoll
// interest, lingering close, the header/body/idle/send timers and the body-byte budget. Loop thread only.
import CLinux
import System
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    func flush() {
        guard phase != .closed else { return }
        let wasPending = outOffset < out.count
        while outOffset < out.count {
            let n = out.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outOffset, raw.count - outOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outOffset += n
                drainedInWindow += n
                if writeDeadline != 0 { writeDeadline = loop.now + server.config.sendTimeoutMs }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                if writeDeadline == 0 { writeDeadline = loop.now + server.config.sendTimeoutMs }
                if drainWindowStart == 0 {
                    drainWindowStart = loop.now
                    drainedInWindow = 0
                }
                if outOffset >= Connection.compactOutputBytes && outOffset >= out.count / 2 {
                    // Most of a large answer is in the kernel already: keep only what is left, so what this connection
                    // holds is what it has not sent (a slow reader would otherwise pin the whole answer).
                    out = Array(out[outOffset...])
                    outOffset = 0
                }
                updateInterest()
                stream?.reportUnsent(out.count - outOffset)
                accountUnsent()
                if loop.unsentBytes > loop.maxUnsentBytes { loop.shedSlowestReaders() }
                return
            }
            close()
            return
        }
        if out.capacity > Connection.keepOutCapacity { out = [] } else { out.removeAll(keepingCapacity: true) }
        outOffset = 0
        writeDeadline = 0
        drainWindowStart = 0
        accountUnsent()
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

    func updateInterest() {
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

    func beginLinger() {
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

    func startIdleTimer() {
        timer = .idle
        deadline = loop.now + server.config.keepAliveTimeoutMs
    }

    func checkTimers(now: Int64) {
        if writeDeadline != 0 && now >= writeDeadline {
            close()
            return
        }
        if drainWindowStart != 0 && now - drainWindowStart >= server.config.drainWindowMs {
            if drainedInWindow < server.config.minDrainBytes {
                close()   // too slow a reader to keep its output buffered
                return
            }
            drainWindowStart = now
            drainedInWindow = 0
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
                requestStart = MonotonicClock.nanoseconds()
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

    /// Brings the loop's count of unsent bytes up to date with this connection's (counting the output buffer it
    /// holds, a sent prefix included until it is compacted away).
    func accountUnsent() {
        let unsent = outOffset < out.count ? out.count : 0
        if unsent != accountedUnsent {
            loop.unsentBytes += unsent - accountedUnsent
            accountedUnsent = unsent
        }
    }

    /// How fast this connection has drained in its current window (bytes per ms); lower is slower.
    func drainRate(now: Int64) -> Double {
        Double(drainedInWindow) / Double(max(1, now - drainWindowStart))
    }

    func reserve(_ n: Int) -> Bool {
        guard server.reserveBodyBytes(n) else { return false }
        reserved += n
        return true
    }

    func release() {
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
        out = []
        outOffset = 0
        accountUnsent()
        if let r = pendingResponder {
            pendingResponder = nil
            r.abandon()
        }
        Glibc.close(fd)   // close(2) also removes the fd from the epoll set
        loop.forget(self)
        inbound = []
        out = []
        decoder = RequestDecoder(limits: decoder.limits)
    }
}

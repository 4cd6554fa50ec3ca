// The time left for one call and the poll(2) wait that honours it and a cancel token. Used on the calling thread.
import System
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock by which a call must finish, and the request's `timeoutMs` for the error text.
struct Deadline: Sendable {
    let timeoutMs: Int
    private let endNs: Int64

    init(timeoutMs: Int) {
        self.timeoutMs = timeoutMs
        // Capped at ~24 days: a huge timeout must not overflow the nanosecond arithmetic.
        endNs = Deadline.now() + Int64(min(max(timeoutMs, 0), Int(Int32.max))) * 1_000_000
    }

    /// Monotonic nanoseconds.
    static func now() -> Int64 { MonotonicClock.nanoseconds() }

    /// Milliseconds left, rounded up so a poll does not wake just before the end; 0 once passed.
    var remainingMs: Int32 {
        let left = endNs - Deadline.now()
        if left <= 0 { return 0 }
        return Int32(clamping: (left + 999_999) / 1_000_000)
    }

    var hasPassed: Bool { Deadline.now() >= endNs }

    /// Throws `.cancelled` or `.timeout` when the call must stop now.
    func check(_ cancel: CancelToken?) throws(ClientError) {
        if cancel?.isCancelled == true { throw .cancelled }
        if hasPassed { throw .timeout(timeoutMs) }
    }

    /// Blocks until `fd` reports one of `events` (or an error/hang-up, which the next I/O call will surface),
    /// the cancel token fires, or the deadline passes.
    func wait(for fd: Int32, events: Int16, cancel: CancelToken?) throws(ClientError) {
        var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: cancel?.fd ?? -1, events: Int16(POLLIN), revents: 0)]
        while true {
            try check(cancel)
            let n = poll(&fds, nfds_t(cancel == nil ? 1 : 2), remainingMs)
            if n < 0 {
                if errno == EINTR { continue }
                throw .network("poll: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 { throw .cancelled }
            if fds[0].revents != 0 { return }
        }
    }
}

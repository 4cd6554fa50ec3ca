// Hands rendered log lines to one background thread that writes them, so an event loop never blocks on a slow or
// stalled stderr (a pipe nobody reads). Bounded: past `maxPending` bytes, lines are dropped and counted. Thread-safe.
import Dispatch
import Synchronization
import System
#if canImport(Glibc)
import Glibc
#endif

final class LogSink: Sendable {
    static let maxPending = 8 << 20

    struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var writing = false
    }

    private let fd: Int32
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        self.fd = fd
        PosixThread.start(name: "log.sink", detached: true) { [self] in run() }
    }

    /// Queues `bytes` (whole lines). Never blocks on I/O.
    func enqueue(_ bytes: [UInt8]) {
        let wake = state.withLock { s -> Bool in
            if s.pending.count + bytes.count > LogSink.maxPending {
                s.dropped += 1
                return false
            }
            let wasEmpty = s.pending.isEmpty
            s.pending.append(contentsOf: bytes)
            return wasEmpty && !s.writing
        }
        if wake { ready.signal() }
    }

    /// Waits (up to `timeoutMs`) until everything queued so far is written: for process exit.
    func flush(timeoutMs: Int = 2000) {
        var waited = 0
        while waited < timeoutMs {
            if state.withLock({ $0.pending.isEmpty && !$0.writing }) { return }
            usleep(5000)
            waited += 5
        }
    }

    private func run() {
        while true {
            ready.wait()
            while true {
                let (chunk, dropped) = state.withLock { s -> ([UInt8], Int) in
                    let c = s.pending
                    let d = s.dropped
                    s.pending = []
                    s.dropped = 0
                    s.writing = !c.isEmpty || d > 0
                    return (c, d)
                }
                if chunk.isEmpty && dropped == 0 { break }
                writeAll(chunk)
                if dropped > 0 { writeAll(Array("level=warn msg=\"log lines dropped\" count=\(dropped)\n".utf8)) }
                state.withLock { $0.writing = false }
            }
        }
    }

    func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

// A one-shot cancellation signal for in-flight calls: an atomic flag plus an eventfd that blocked polls watch.
// `cancel()` may be called from any thread, any number of times.
import System
import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Cancels the calls it is passed to. After `cancel()`, a call blocked in `HTTPClient.send` or `stream` wakes at once,
/// closes its socket and throws `ClientError.cancelled`; later calls with this token fail the same way before starting.
public final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Becomes readable on cancel and stays readable: it is never read, so every later poll sees it too.
    let fd: Int32

    /// Out of file descriptors, the token has no eventfd (-1, which poll ignores): cancel then takes effect at the
    /// call's next check or its deadline instead of at once. Degrades, never traps.
    public init() {
        fd = (try? EventFD.open()) ?? -1
    }

    deinit { if fd >= 0 { close(fd) } }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    public func cancel() {
        guard !flag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if fd >= 0 { EventFD.signal(fd) }
    }
}

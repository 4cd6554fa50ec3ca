// A one-shot cancellation signal for in-flight calls: an atomic flag plus an eventfd that blocked polls watch.
// `cancel()` may be called from any thread, any number of times.
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

    public init() {
        fd = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(fd >= 0, "eventfd: \(String(cString: strerror(errno)))")
    }

    deinit { close(fd) }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    public func cancel() {
        guard !flag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = write(fd, &one, MemoryLayout<UInt64>.size)
    }
}

// eventfd(2) as a wake-up signal: a poller watches it for POLLIN/EPOLLIN while other threads signal it. Any thread.
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Opening, signalling and draining a non-blocking, close-on-exec eventfd. The caller owns and closes the fd.
public enum EventFD {
    /// A new eventfd with counter 0.
    public static func open() throws(SystemError) -> Int32 {
        guard let fd = try sys("eventfd", { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }) else {
            throw SystemError(call: "eventfd", code: EAGAIN)
        }
        return fd
    }

    /// Adds one to the counter: the fd becomes (and stays, until drained) readable. Never blocks.
    public static func signal(_ fd: Int32) {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    /// Resets the counter to 0, so the fd is no longer readable.
    public static func drain(_ fd: Int32) {
        var counter: UInt64 = 0
        _ = read(fd, &counter, 8)
    }
}

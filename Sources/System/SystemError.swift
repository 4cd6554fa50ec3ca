// Thin POSIX helpers for the HTTP layer: `sys()` with errno captured at once, and fd utilities. Any thread.
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno, formatted like "accept4: Too many open files".
public struct SystemError: Error, CustomStringConvertible {
    public let call: StaticString
    public let code: Int32
    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// Runs `body`, retrying on EINTR. Returns nil when a non-blocking fd would block.
@inline(__always)
func sys<T: BinaryInteger>(_ call: StaticString, _ body: () -> T) throws(SystemError) -> T? {
    while true {
        let result = body()
        if result != -1 { return result }
        switch errno {
        case EINTR: continue
        case EAGAIN: return nil   // EWOULDBLOCK == EAGAIN on Linux
        case let code: throw SystemError(call: call, code: code)
        }
    }
}

enum FD {
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Monotonic nanoseconds, for durations.
    @inline(__always)
    static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Monotonic milliseconds, for timers.
    @inline(__always)
    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the new soft limit.
public func raiseOpenFileLimit() -> UInt64 {
    var rl = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return 0 }
    if rl.rlim_cur < rl.rlim_max {
        rl.rlim_cur = rl.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
    }
    return UInt64(rl.rlim_cur)
}

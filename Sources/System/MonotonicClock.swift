// The one monotonic clock, for durations, timers and deadlines. Any thread.
#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC readings. Never goes back; unrelated to wall-clock time.
public enum MonotonicClock {
    /// Nanoseconds, precise: for durations and deadlines.
    @inlinable @inline(__always)
    public static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Milliseconds from CLOCK_MONOTONIC_COARSE (a few ms resolution, no syscall): for timers read on every wake-up.
    @inlinable @inline(__always)
    public static func milliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

// File-descriptor utilities (flags, socket options) and the process's open-file limit. Any thread.
#if canImport(Glibc)
import Glibc
#endif

/// Small fcntl/setsockopt helpers; failures are ignored (the fd is ours and the options are best effort).
public enum FD {
    /// Sets O_NONBLOCK on `fd`.
    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// setsockopt(2) with an Int32 value.
    public static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
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

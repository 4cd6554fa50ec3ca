// A pthread mutex with one condition variable, for the few places that must block a (non-loop) thread.
// Any thread; `wait()` only off the event loops.
#if canImport(Glibc)
import Glibc
#endif

/// A mutex and its condition variable (pthread_mutex_t, pthread_cond_t).
public final class ConditionLock: @unchecked Sendable {   // the pthread objects are the synchronisation
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    /// pthread_mutex_lock.
    public func lock() { pthread_mutex_lock(mutex) }
    /// pthread_mutex_unlock.
    public func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a broadcast; the lock must be held.
    public func wait() { pthread_cond_wait(cond, mutex) }
    /// Wakes every waiter.
    public func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits for a broadcast or until `milliseconds` have passed (CLOCK_REALTIME, as pthread_cond_timedwait uses);
    /// the lock must be held.
    public func wait(milliseconds: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let ns = Int(ts.tv_nsec) + (milliseconds % 1000) * 1_000_000
        ts.tv_sec += milliseconds / 1000 + ns / 1_000_000_000
        ts.tv_nsec = ns % 1_000_000_000
        _ = pthread_cond_timedwait(cond, mutex, &ts)
    }

    /// Runs `body` with the lock held.
    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

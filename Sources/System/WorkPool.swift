// A pool of plain threads for blocking work (password hashing, outbound calls, file I/O). Unlike a Dispatch
// concurrent queue, whose width on Linux is about the core count, a blocked task here never holds up the others
// until `maxThreads` are busy. Threads start on demand and stay parked on a condition variable. Thread-safe.

/// Runs closures on up to `maxThreads` threads, FIFO; at most `maxQueued` wait for a thread (SPEC §0 Limits).
public final class WorkPool: @unchecked Sendable {   // all mutable state is guarded by `lock`
    private let lock = ConditionLock()
    private let maxThreads: Int
    public let maxQueued: Int
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var threads = 0
    private var idle = 0

    public init(maxThreads: Int, maxQueued: Int = Int.max) {
        self.maxThreads = max(1, maxThreads)
        self.maxQueued = max(0, maxQueued)
    }

    /// Jobs waiting for a thread (not counting those running).
    public var queuedCount: Int { lock.withLock { queue.count - head } }

    /// Queues `work` and returns true; false (nothing queued) when `maxQueued` jobs already wait. Starts a thread
    /// when none is idle and the pool is below its size.
    @discardableResult
    public func async(execute work: @escaping @Sendable () -> Void) -> Bool {
        lock.lock()
        // Waiting jobs beyond the idle threads that are about to take them: those are what the bound limits.
        guard queue.count - head - idle < maxQueued else {
            lock.unlock()
            return false
        }
        queue.append(work)
        // Idle threads only leave `idle` once they reacquire the lock: compare waiting work with idle threads, or a
        // burst queued in one go would run one job at a time on a single woken thread.
        let spawn = queue.count - head > idle && threads < maxThreads
        if spawn { threads += 1 }
        lock.unlock()
        if spawn {
            if PosixThread.tryStart(detached: true, { [self] in run() }) == nil {
                // Out of threads: the job waits for one of the running threads, or, with none, is refused.
                lock.lock()
                threads -= 1
                let orphaned = threads == 0 && queue.count - head == 1
                if orphaned { queue.removeLast() }
                lock.unlock()
                if orphaned { return false }
            }
        } else {
            lock.withLock { lock.broadcast() }
        }
        return true
    }

    private func run() {
        lock.lock()
        while true {
            while head == queue.count {
                idle += 1
                lock.wait()
                idle -= 1
            }
            let work = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            lock.unlock()
            work()
            lock.lock()
        }
    }
}

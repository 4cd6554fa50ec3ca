// A pool of plain threads for blocking work (password hashing, outbound calls, file I/O). Unlike a Dispatch
// concurrent queue, whose width on Linux is about the core count, a blocked task here never holds up the others
// until `maxThreads` are busy. Threads start on demand and stay parked on a condition variable. Thread-safe.

/// Runs closures on up to `maxThreads` threads, FIFO.
public final class WorkPool: @unchecked Sendable {   // all mutable state is guarded by `lock`
    private let lock = ConditionLock()
    private let maxThreads: Int
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var threads = 0
    private var idle = 0

    public init(maxThreads: Int) {
        self.maxThreads = max(1, maxThreads)
    }

    /// Queues `work`; starts a thread when none is idle and the pool is below its size.
    public func async(execute work: @escaping @Sendable () -> Void) {
        lock.lock()
        queue.append(work)
        // Idle threads only leave `idle` once they reacquire the lock: compare waiting work with idle threads, or a
        // burst queued in one go would run one job at a time on a single woken thread.
        let spawn = queue.count - head > idle && threads < maxThreads
        if spawn { threads += 1 }
        lock.unlock()
        if spawn {
            PosixThread.start(detached: true) { [self] in run() }
        } else {
            lock.withLock { lock.broadcast() }
        }
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
